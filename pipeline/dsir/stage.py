"""The dsir job stage: fit a target model against the pool, then resample the pool, as one resumable unit.

OUT/model.json is the fitted model and OUT/ids.parquet, OUT/selected/, OUT/summary.json the sample
(pipeline.dsir.resample). The stage's hash covers its settings, the upstream config hashes in the
pool's footers and the target files' sizes and modification times (or ETags): OUT/summary.json
records it, and a stage whose summary holds the current hash is complete. A rerun after a kill fits
and samples again; outputs are written atomically and selected files of an earlier sample are
removed, so OUT/selected holds exactly the current sample.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import Counter

import pyarrow.parquet as pq

from pipeline.dsir.fit import fit_dsir
from pipeline.dsir.resample import SELECTED_DIR, SUMMARY_NAME, resample
from pipeline.dsir.weights import output_names
from pipeline.manifest import write_manifest
from pipeline.select import parquet_files, upstream_hashes
from pipeline.storage import (
    absolute,
    expand_inputs,
    filesystem,
    join,
    read_bytes,
    remove_stale_temporaries,
    write_bytes_atomic,
)
from schemas.config import ClusterConfig, config_hash
from schemas.dsir import DsirConfig
from schemas.manifest import RunManifest, ShardReport

MODEL_NAME = "model.json"
_VERSION = 1


def _target_fingerprint(config: DsirConfig) -> list[list[str]]:
    so = config.storage_options
    out = []
    for path in expand_inputs(list(config.target), so):
        fs, stripped = filesystem(path, so)
        info = fs.info(stripped)
        out.append([path, str(info.get("size")), str(info.get("ETag") or info.get("mtime") or "")])
    return out


def stage_hash(config: DsirConfig, inputs: list[str]) -> str:
    """Settings + the pool's files and upstream footers + target file fingerprints: what the output depends on."""
    settings = config.model_dump(mode="json", exclude={"output", "storage_options", "inputs", "target"})
    return config_hash({"settings": settings, "version": _VERSION, "inputs": inputs,
                        "upstream": upstream_hashes(inputs, config.storage_options),
                        "target": _target_fingerprint(config)})


def _recorded_hash(config: DsirConfig) -> str | None:
    blob = read_bytes(join(config.output, SUMMARY_NAME), config.storage_options)
    try:
        return json.loads(blob).get("stage_hash") if blob else None
    except ValueError:
        return None


def dsir_progress(config: DsirConfig) -> tuple[int, int] | None:
    """(1, 1) when the sample in OUT is the one this config and these inputs give; None without inputs."""
    config = config.model_copy(update={"output": absolute(config.output)})
    try:
        digest = stage_hash(config, parquet_files(list(config.inputs), config.storage_options))
    except FileNotFoundError:
        return None
    return int(_recorded_hash(config) == digest), 1


def sample_size(config: DsirConfig, files: list[str]) -> int:
    """k, or the fraction of the pool's rows (at least 1)."""
    if config.k is not None:
        return config.k
    so = config.storage_options
    rows = 0
    for path in files:
        fs, stripped = filesystem(path, so)
        with fs.open(stripped, "rb") as fh:
            rows += pq.ParquetFile(fh).metadata.num_rows
    return max(1, math.ceil(config.fraction * rows))


def run_dsir(config: DsirConfig, cluster: ClusterConfig | None, quiet: bool = False) -> RunManifest:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    so = config.storage_options
    config = config.model_copy(update={"output": absolute(config.output)})
    files = parquet_files(list(config.inputs), so)
    digest = stage_hash(config, files)
    if "://" in config.output:
        raise ValueError(f"dsir output must be a local (or shared-filesystem) folder: {config.output}")
    os.makedirs(config.output, exist_ok=True)
    remove_stale_temporaries(config.output)   # of a killed earlier run
    model, counted = fit_dsir(config.target, files, buckets=config.buckets, seed=config.hash_seed,
                              storage_options=so, cluster=cluster, name=config.name, quiet=quiet)
    model_path = join(config.output, MODEL_NAME)
    write_bytes_atomic(model_path, model.to_json().encode())
    k = sample_size(config, files)
    result = resample(files, model_path, k, config.output, seed=config.seed, filters=config.filters,
                      storage_options=so, cluster=cluster, quiet=quiet,
                      summary_extra={"stage_hash": digest, "fit": counted})
    summary = result.summary
    if not quiet:
        print(f"dsir: {summary['selected']:,} of {summary['eligible']:,} documents toward {config.name}; "
              f"KL to the target {summary['kl_selected']:.4f} (random sample {summary['kl_random']:.4f}, "
              f"reduction {summary['kl_reduction']:.4f})", file=sys.stderr)
    reports = _reports(config, files, result.ids, digest)
    return write_manifest("dsir", config, digest, files, reports, started, so)


def _reports(config: DsirConfig, files: list[str], ids, digest: str) -> list[ShardReport]:
    """One report per pool file that contributed documents to the sample."""
    chosen = Counter(ids.column("file").to_pylist())
    return [ShardReport(shard=name, input=path, output=join(config.output, SELECTED_DIR, name), status="ok",
                        config_hash=digest, rows_written=chosen[path])
            for path, name in zip(files, output_names(files), strict=True) if chosen[path]]
