"""Shards as the unit of work and of failure: ids, output names, completion markers."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq

from pipeline.readers import split_name
from pipeline.storage import confined_join, filesystem, read_bytes, write_bytes_atomic
from schemas.manifest import ShardReport

MARKER_DIR = "_shards"


@dataclass(frozen=True)
class ShardTask:
    shard_id: str
    input: str
    output: str
    marker: str


def assign_shard_ids(paths: list[str]) -> dict[str, str]:
    """path → shard id: the file's stem, or its path below the common folder when stems collide."""
    stems = {p: split_name(p)[0] for p in paths}
    if len(set(stems.values())) == len(paths):
        return stems
    common = os.path.commonpath([p.split("://", 1)[-1] for p in paths]) if len(paths) > 1 else ""
    out = {}
    for p in paths:
        rel = p.split("://", 1)[-1][len(common):].strip("/")
        head = rel.rsplit("/", 1)[0] if "/" in rel else ""
        out[p] = (head.replace("/", "__") + "__" if head else "") + stems[p]
    if len(set(out.values())) != len(paths):
        raise ValueError("input shards do not have distinct names")
    return out


def plan_tasks(inputs: list[str], output_dir: str, suffix: str = ".parquet") -> list[ShardTask]:
    ids = assign_shard_ids(inputs)
    return [
        ShardTask(
            shard_id=ids[p],
            input=p,
            output=confined_join(output_dir, ids[p] + suffix),
            marker=confined_join(output_dir, MARKER_DIR, ids[p] + ".json"),
        )
        for p in inputs
    ]


def write_marker(task: ShardTask, report: ShardReport, storage_options: dict[str, Any] | None = None) -> None:
    write_bytes_atomic(task.marker, report.model_dump_json(indent=1).encode(), storage_options)


def completed_report(task: ShardTask, config_hash: str, storage_options: dict[str, Any] | None = None) -> ShardReport | None:
    """The shard's report if its output is complete for this config (marker, hash and row count agree)."""
    blob = read_bytes(task.marker, storage_options)
    if blob is None:
        return None
    try:
        report = ShardReport.model_validate(json.loads(blob))
    except ValueError:
        return None
    if report.config_hash != config_hash or report.status == "error":
        return None
    fs, path = filesystem(task.output, storage_options)
    if not fs.exists(path):
        return None
    try:
        with fs.open(path, "rb") as f:
            rows = pq.ParquetFile(f).metadata.num_rows
    except Exception:  # an unreadable footer means the file is not complete
        return None
    return report if rows == report.rows_written else None
