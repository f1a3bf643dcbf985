"""The DSIR stage: its config, and the Arrow schemas of its output (selected ids, columns added to selected rows)."""

from __future__ import annotations

import pyarrow as pa
from pydantic import Field, model_validator

from schemas.config import StrictModel

DEFAULT_BUCKETS = 10_000
DEFAULT_SEED = 0
LOG_WEIGHT = "dsir_log_weight"
RANK = "dsir_rank"


def ids_schema() -> pa.Schema:
    """OUT/ids.parquet: one row per selected document, best Gumbel key first."""
    return pa.schema([
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("row", pa.int64(), nullable=False),
        pa.field("log_weight", pa.float64(), nullable=False),
        pa.field("key", pa.float64(), nullable=False),
    ])


def selected_fields() -> list[pa.Field]:
    """Columns appended to every row of OUT/selected/*.parquet (the input's columns come first)."""
    return [pa.field(LOG_WEIGHT, pa.float64(), nullable=False), pa.field(RANK, pa.int64(), nullable=False)]


class DsirSettings(StrictModel):
    """What to select toward and how much: shared by the job file's dsir section and the stage config."""

    target: tuple[str, ...] = Field(min_length=1, description="target corpus: shards, .txt files, folders or globs")
    name: str = Field("target", pattern=r"^[A-Za-z0-9_]+$", description="target name (column rps_doc_NAME_importance)")
    k: int | None = Field(None, ge=1, description="documents to select")
    fraction: float | None = Field(None, gt=0, le=1, description="or this share of the pool's documents")
    seed: int = Field(0, ge=0, lt=2 ** 64)
    buckets: int = Field(DEFAULT_BUCKETS, ge=1)
    filters: str | None = Field(None, description="filter file whose document rules apply before resampling")

    @model_validator(mode="after")
    def _one_size(self) -> DsirSettings:
        if (self.k is None) == (self.fraction is None):
            raise ValueError("dsir: give either k (documents) or fraction (of the pool), not both or neither")
        return self


class DsirConfig(DsirSettings):
    """The dsir job stage: fit a model of `target` against `inputs`, then resample `inputs` into `output`."""

    inputs: tuple[str, ...] = Field(description="annotated or selected Parquet: the pool to select from")
    output: str
    hash_seed: int = Field(DEFAULT_SEED, ge=0, lt=2 ** 64, description="XXH64 seed of the features")
    storage_options: dict[str, object] = Field(default_factory=dict)
