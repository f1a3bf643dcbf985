"""Dedup stage: its config and the Arrow schema of its output (one file per annotated input file)."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator

from schemas.config import StrictModel

DEDUP_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False, metadata={"doc": "document id (joins with annotated Parquet)"}),
    pa.field("exact_cluster", pa.int64(), nullable=False,
             metadata={"doc": "smallest document index with the same exact hash (own index if unique)"}),
    pa.field("exact_keep", pa.bool_(), nullable=False, metadata={"doc": "kept by exact dedup"}),
    pa.field("fuzzy_cluster", pa.int64(), nullable=False,
             metadata={"doc": "smallest document index of the near-duplicate cluster (own index if none)"}),
    pa.field("cluster_size", pa.int32(), nullable=False, metadata={"doc": "documents in the fuzzy cluster"}),
    pa.field("fuzzy_keep", pa.bool_(), nullable=False, metadata={"doc": "kept by fuzzy dedup"}),
    pa.field("keep", pa.bool_(), nullable=False, metadata={"doc": "exact_keep and fuzzy_keep"}),
])


VerifyMode = Literal["off", "exact", "estimate"]


class DedupConfig(StrictModel):
    """Exact + MinHash-LSH deduplication of annotated Parquet.

    A document's index is its position in the inputs (sorted file paths, then rows); cluster ids
    are the smallest index of the cluster. `verify="exact"` keeps a candidate pair only when the
    Jaccard of the two documents' word n-gram shingle sets (the scheme's words and n) reaches the
    threshold, so clusters are joined by true near-duplicate pairs only. Keep rule `first` keeps
    that smallest index; `max:<signal>` keeps the member with the highest value of a signal column
    (ties, nulls: first).
    """

    inputs: tuple[str, ...]
    output: str
    threshold: float = Field(0.8, gt=0.0, le=1.0, description="Jaccard similarity of near-duplicates")
    scheme: str | None = Field(None, description="signature scheme (default: the only one in the inputs)")
    verify: VerifyMode = Field(
        "exact", description="drop candidate pairs below the threshold by their exact shingle-set Jaccard ('exact') "
                           "or their signature-estimated Jaccard ('estimate'); true = 'exact'")
    clusters: Literal["centers", "components"] = Field(
        "centers", description="with verification, 'centers' splits each component of verified pairs so that every "
                               "member is a verified near-duplicate of its cluster's first document (no chains); "
                               "'components' keeps whole connected components")
    keep: str = Field("first", pattern=r"^(first|max:[A-Za-z0-9_]+)$")
    partitions: int | None = Field(None, ge=1, description="shuffle partitions (default: from the corpus size)")
    distributed_components: bool | None = Field(
        None, description="large-star/small-star on Dask (default: when edges exceed components_limit)")
    components_limit: int = Field(50_000_000, ge=1, description="edges merged in one process at most")
    storage_options: dict[str, object] = Field(default_factory=dict)

    @field_validator("verify", mode="before")
    @classmethod
    def _verify_flag(cls, value: object) -> object:
        if value is True or value is None:
            return "exact"
        return "off" if value is False else value

    def output_hash(self) -> str:
        from schemas.config import config_hash

        return config_hash(self.model_dump(include={"threshold", "scheme", "verify", "clusters", "keep"}))
