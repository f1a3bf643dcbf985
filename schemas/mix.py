"""The mix stage: its config and the Arrow schemas of the mixed documents and the token-count cache."""

from __future__ import annotations

import pyarrow as pa
from pydantic import Field, model_validator

from schemas.config import StrictModel


class MixSource(StrictModel):
    """One curated source: selected Parquet files or folders, and how much of the mixture it makes."""

    path: str | tuple[str, ...] = Field(description="selected Parquet files, folders or globs")
    weight: float | None = Field(None, gt=0, description="share of the total tokens (weights are normalised)")
    tokens: int | None = Field(None, gt=0, description="token budget of this source (instead of a weight)")
    epoch_cap: float | None = Field(None, gt=0, description="at most this many passes over the source "
                                                            "(upsampling repeats whole documents)")

    @model_validator(mode="after")
    def _one_amount(self) -> MixSource:
        if (self.weight is None) == (self.tokens is None):
            raise ValueError("give a source either a weight or a token budget (tokens), not both or neither")
        return self

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)


class MixConfig(StrictModel):
    """Named sources in; one globally shuffled documents table (Parquet parts) + mix_summary.json out."""

    sources: dict[str, MixSource] = Field(min_length=1)
    output: str
    tokenizer: str = Field(description="tokenizers JSON file used to count tokens (the one tokenize uses)")
    total_tokens: int | None = Field(None, gt=0, description="tokens of the whole mixture; required with weights")
    seed: int = Field(0, ge=0)
    bos: bool = Field(False, description="count a BOS token per document (as tokenize --bos adds)")
    eos: bool = Field(True, description="count an EOS token per document (as tokenize adds by default)")
    text_field: str = "text"
    rows_per_part: int = Field(100_000, ge=1, description="documents per output Parquet part")
    storage_options: dict[str, object] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _total_for_weights(self) -> MixConfig:
        weighted = [n for n, s in self.sources.items() if s.weight is not None]
        if weighted and self.total_tokens is None:
            raise ValueError(f"sources {', '.join(weighted)} have weights: set total_tokens")
        budget = sum(s.tokens or 0 for s in self.sources.values())
        if weighted and self.total_tokens is not None and budget >= self.total_tokens:
            raise ValueError(f"token budgets ({budget:,}) leave nothing of total_tokens ({self.total_tokens:,}) "
                             "for the weighted sources")
        return self


def mixed_schema(config_hash: str = "") -> pa.Schema:
    """A mixed Parquet part: documents in the mixture's global (shuffled) order."""
    return pa.schema([
        pa.field("id", pa.string(), nullable=False, metadata={"doc": "the document's id in its source"}),
        pa.field("text", pa.large_string(), nullable=False),
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "the mix source's name"}),
        pa.field("epoch", pa.int32(), nullable=False, metadata={"doc": "which pass over the source (0 first)"}),
        pa.field("tokens", pa.int32(), nullable=False, metadata={"doc": "tokens the document counts (with BOS/EOS)"}),
        pa.field("order", pa.int64(), nullable=False, metadata={"doc": "position in the mixture"}),
    ], metadata={b"assay.stage": b"mix", b"assay.config_hash": config_hash.encode()})


def counts_schema(digest: str = "") -> pa.Schema:
    """Token-count cache of one source file: one row per document, in file order."""
    return pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("tokens", pa.int32(), nullable=False)],
                     metadata={b"assay.stage": b"mix.counts", b"assay.digest": digest.encode()})
