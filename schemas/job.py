"""Schema of a job file (`assay run JOB.yaml`): where outputs go, the cluster, and each stage's settings."""

from __future__ import annotations

from pydantic import Field

from schemas.config import ClusterConfig, ReaderConfig, SignalConfig, StrictModel


class AnnotateStage(StrictModel):
    inputs: tuple[str, ...]
    signals: tuple[str, ...] | None = None
    reader: ReaderConfig = ReaderConfig()
    signal_config: SignalConfig = SignalConfig()
    batch_size: int = Field(2000, ge=1)


class SelectStage(StrictModel):
    """Reads <output>/annotated (+ <output>/dedup), writes <output>/selected and its funnel.json."""

    filters: str = Field(description="filter file (YAML; see jobs/filters/), relative to the working directory")
    dedup: bool | None = Field(None, description="join <output>/dedup on id: None = when it exists")


class JobConfig(StrictModel):
    """A whole pipeline run. Stage outputs go to <output>/<stage>/."""

    output: str
    cluster: ClusterConfig = ClusterConfig()
    storage_options: dict[str, object] = Field(default_factory=dict)
    annotate: AnnotateStage
    select: SelectStage | None = None
