"""Schema of a job file (`assay run JOB.yaml`): where outputs go, the cluster, and each stage's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.config import ClusterConfig, ReaderConfig, SignalConfig, StrictModel
from schemas.dsir import DsirSettings
from schemas.mix import MixSource


class AnnotateStage(StrictModel):
    inputs: tuple[str, ...]
    signals: tuple[str, ...] | None = None
    reader: ReaderConfig = ReaderConfig()
    signal_config: SignalConfig = SignalConfig()
    batch_size: int = Field(2000, ge=1)


class DedupStage(StrictModel):
    """Reads <output>/annotated, writes <output>/dedup (see schemas/dedup.py)."""

    threshold: float = Field(0.8, gt=0.0, le=1.0)
    verify: bool | Literal["off", "exact", "estimate"] = Field("exact", description="see DedupConfig.verify")
    clusters: Literal["centers", "components"] = Field("centers", description="see DedupConfig.clusters")
    keep: str = Field("first", pattern=r"^(first|max:[A-Za-z0-9_]+)$")
    scheme: str | None = None
    partitions: int | None = Field(None, ge=1)


class SelectStage(StrictModel):
    """Reads <output>/annotated (+ <output>/dedup), writes <output>/selected and its funnel.json."""

    filters: str = Field(description="filter file (YAML; see jobs/filters/), relative to the working directory")
    dedup: bool | None = Field(None, description="join <output>/dedup on id: None = when it exists")


class DsirStage(DsirSettings):
    """Fits a model of `target` against <output>/selected (or `input`), resamples it into <output>/dsir."""

    input: str | None = Field(None, description="pool to select from (default: <output>/selected)")


class TokenizeStage(StrictModel):
    """Reads <output>/dsir/selected, <output>/selected or `input`; writes <output>/tokens (schemas/tokens.py)."""

    input: str | None = Field(None, description="documents to tokenize (default: <output>/dsir/selected when the "
                                                "job has a dsir section, else <output>/selected)")
    tokenizer: str = Field(description="tokenizers JSON file, relative to the working directory")
    seq_len: int = Field(2048, ge=8)
    pack: Literal["bestfit", "concat"] = "bestfit"
    shuffle_seed: int | None = Field(1234, ge=0)
    bos: bool = False
    eos: bool = True
    text_field: str = "text"
    batch_rows: int = Field(4096, ge=1)


class MixStage(StrictModel):
    """Reads named sources of selected Parquet, writes <output>/mix (see schemas/mix.py); tokenize then reads it."""

    sources: dict[str, MixSource] = Field(min_length=1)
    total_tokens: int | None = Field(None, gt=0, description="tokens of the whole mixture; required with weights")
    seed: int = Field(0, ge=0)
    tokenizer: str | None = Field(None, description="counts tokens with this tokenizer (default: tokenize's)")
    rows_per_part: int = Field(100_000, ge=1)


class JobConfig(StrictModel):
    """A whole pipeline run. Stage outputs go to <output>/<stage>/."""

    output: str
    cluster: ClusterConfig = ClusterConfig()
    storage_options: dict[str, object] = Field(default_factory=dict)
    annotate: AnnotateStage | None = Field(None, description="absent: the job starts from existing outputs")
    dedup: DedupStage | None = None
    select: SelectStage | None = None
    dsir: DsirStage | None = None
    mix: MixStage | None = None
    tokenize: TokenizeStage | None = None

    @model_validator(mode="after")
    def _mix_has_a_tokenizer(self) -> JobConfig:
        if self.mix is not None and self.mix.tokenizer is None and self.tokenize is None:
            raise ValueError("mix: set mix.tokenizer (or a tokenize section, whose tokenizer it then uses)")
        if self.annotate is None and not (self.dsir or self.mix or self.tokenize):
            raise ValueError("a job needs an annotate section, or a dsir, mix or tokenize section over existing outputs")
        return self
