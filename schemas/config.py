"""Validated configuration of signals and stages (pydantic). Unknown keys are errors."""

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

InputFormat = Literal["auto", "warc", "wet", "jsonl", "parquet"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MinHashScheme = Literal["oph", "rpv2"]


class MinHashConfig(StrictModel):
    """Parameters of MinHash signatures (minhash family): one column `minhash_<scheme>` per scheme.

    `oph` (default): one-permutation hashing over word n-grams, vectorised; `rpv2`: bit-compatible
    with RedPajama-V2 / datasketch's legacy scheme (13-grams, 128 permutations, seed 42).
    """

    schemes: tuple[MinHashScheme, ...] = ("oph",)
    num_perm: int = Field(128, ge=1, le=1024)
    ngram: dict[MinHashScheme, int] = Field(default_factory=lambda: {"oph": 5, "rpv2": 13},
                                            description="word n-gram length per scheme")
    seed: int = Field(42, ge=0, lt=2**32)

    def ngram_of(self, scheme: str) -> int:
        return self.ngram.get(scheme, 13 if scheme == "rpv2" else 5)


class SignalConfig(StrictModel):
    """What the signal families need beyond the text: a forced language and user-supplied models."""

    language: str | None = Field(None, description="force the language of language-dependent signals")
    kenlm_models: dict[str, str] = Field(default_factory=dict, description="language -> KenLM model path")
    sentencepiece_models: dict[str, str] = Field(
        default_factory=dict, description="language -> SentencePiece model path (tokenises text for its KenLM model)")
    perplexity_scope: Literal["document", "lines"] = Field(
        "document", description="document: the normalised document is one line, as CCNet/RedPajama-V2 compute it; "
                                "lines: each non-empty line scored on its own")
    classifiers: dict[str, str] = Field(default_factory=dict, description="name -> fastText classifier path")
    dsir_targets: dict[str, str] = Field(default_factory=dict, description="target name -> DSIR model path")
    dsir_length_correction: bool = Field(
        False, description="also write rps_doc_<target>_importance_length_correction: the weight per word")
    ut1_map: str | None = Field(None, description="domain -> category TSV for rps_doc_ut1_blacklist")
    minhash: MinHashConfig = MinHashConfig()


class ReaderConfig(StrictModel):
    """How input shards are read."""

    format: InputFormat = "auto"
    text_field: str = "text"
    id_field: str | None = "id"
    url_field: str | None = "url"
    max_doc_chars: int = Field(10_000_000, ge=1, description="longer documents are skipped and counted")
    min_doc_chars: int = Field(1, description="shorter documents (after extraction) are skipped and counted")
    html_main_content: bool = Field(True, description="WARC: keep only the main content of HTML pages")
    # Limits that protect workers from hostile input; each violation is a counted skip with its reason.
    max_record_bytes: int = Field(
        64 << 20, ge=1024, description="a longer JSONL line or WARC record payload is skipped (too_large) while it "
                                       "is read, never held whole")
    max_decompression_ratio: float = Field(
        100.0, gt=1.0, description="stop reading a compressed shard (decompression_ratio) whose decompressed bytes "
                                   "exceed this multiple of the compressed bytes read ...")
    decompression_check_bytes: int = Field(
        64 << 20, ge=1, description="... once at least this many bytes have been decompressed")
    html_time_budget: float = Field(
        2.0, gt=0, description="seconds of HTML extraction per WARC record; a record over it is skipped "
                               "(html_time_budget)")


class AnnotateConfig(StrictModel):
    """The annotate stage: shards in, annotated Parquet out."""

    inputs: tuple[str, ...]
    output: str
    signals: tuple[str, ...] | None = Field(None, description="signal families; None means every family")
    reader: ReaderConfig = ReaderConfig()
    signal_config: SignalConfig = SignalConfig()
    batch_size: int = Field(2000, ge=1, description="documents per Arrow batch / Parquet row group")
    storage_options: dict[str, object] = Field(default_factory=dict, description="fsspec options (s3 endpoint, ...)")

    def output_hash(self) -> str:
        """Hash of everything that changes the content of an output shard."""
        relevant = self.model_dump(include={"signals", "reader", "signal_config", "batch_size"})
        return config_hash(relevant)


class SlurmConfig(StrictModel):
    """A Dask cluster whose workers are SLURM jobs (dask-jobqueue's SLURMCluster, started by the job)."""

    partition: str = Field(description="SLURM partition (sbatch -p)")
    jobs: int = Field(1, ge=1, description="SLURM jobs to submit; each runs `processes` worker processes")
    cores: int = Field(description="cores per job (sbatch --cpus-per-task)", ge=1)
    processes: int | None = Field(None, ge=1, description="worker processes per job (default: one per core: "
                                                          "signal extraction holds the GIL)")
    memory: str = Field(description="memory per job, e.g. '64GB' (split evenly between its worker processes)")
    walltime: str = Field("24:00:00", pattern=r"^(\d+-)?\d{1,2}:\d{2}:\d{2}$", description="sbatch -t")
    account: str | None = Field(None, description="sbatch -A")
    local_directory: str | None = Field(None, description="node-local scratch for worker spill files")
    job_extra_directives: tuple[str, ...] = Field((), description="more #SBATCH lines, e.g. '--exclusive'")
    job_script_prologue: tuple[str, ...] = Field((), description="shell lines before the worker starts, e.g. "
                                                                "'source /path/to/.venv/bin/activate'")
    wait_for_workers: int = Field(1, ge=0, description="workers to wait for before submitting tasks")
    wait_timeout: float = Field(3600, gt=0, description="seconds to wait for them (queue time)")


class ClusterConfig(StrictModel):
    """Where tasks run: a LocalCluster of `workers` processes, an existing scheduler, or SLURM jobs."""

    scheduler: str | None = None
    slurm: SlurmConfig | None = None
    workers: int = Field(2, ge=1)
    threads_per_worker: int = Field(1, ge=1)
    memory_limit: str = "auto"
    dashboard_address: str = Field(":8787", description="':0' picks a free port")
    retries: int = Field(2, ge=0, description="reruns of a shard task that failed on a transient error (object "
                                              "store, network); tasks of a dead worker are rerun elsewhere too")


def config_hash(obj: object) -> str:
    """A short, stable hash of a JSON-able object (keys sorted)."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
