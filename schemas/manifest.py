"""Schemas of the per-shard completion marker and the run manifest (JSON)."""

from typing import Literal

from pydantic import BaseModel, Field

ShardStatus = Literal["ok", "partial", "error"]


class ShardReport(BaseModel):
    """What one task did to one shard. Written as `_shards/<shard>.json` once the output is in place."""

    shard: str
    input: str
    output: str
    status: ShardStatus
    config_hash: str
    records: int = 0
    documents_read: int = 0
    rows_written: int = 0
    text_bytes: int = Field(0, description="UTF-8 bytes of text written")
    skipped: dict[str, int] = Field(default_factory=dict)
    problems: list[dict] = Field(default_factory=list, description="first problems: record, offset, reason")
    error: str | None = None
    attempts: int = Field(1, description="tries of the shard's task (more when workers died or the store failed)")
    seconds: float = 0.0
    worker: str | None = None


class RunManifest(BaseModel):
    """The record of one run of a stage over its shards."""

    stage: str
    started: str
    finished: str
    config: dict
    config_hash: str
    inputs: list[str]
    versions: dict[str, str]
    totals: dict[str, int]
    shards: list[ShardReport]
