"""DSIR on Dask: fit a target-vs-raw model, add importance columns, resample with Gumbel top-k."""

from pipeline.dsir.fit import fit_dsir
from pipeline.dsir.metrics import kl_divergence, total_variation
from pipeline.dsir.resample import ResampleResult, resample
from pipeline.dsir.weights import add_weights

__all__ = ["ResampleResult", "add_weights", "fit_dsir", "kl_divergence", "resample", "total_variation"]
