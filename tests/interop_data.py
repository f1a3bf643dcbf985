"""Helpers of the interop tests: the shipped sample annotated as assay's annotate stage writes it, and
gzip JSON-lines writers for fixtures built from the documented layouts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.annotate import annotate_shard
from pipeline.shards import plan_tasks
from schemas.config import AnnotateConfig, MinHashConfig, SignalConfig

SAMPLE = Path(__file__).parent / "data" / "sample"
SHARDS = sorted(str(p) for p in SAMPLE.iterdir() if p.name.startswith("cc-sample-"))


def annotate_sample(out: Path, families: tuple[str, ...], schemes: tuple[str, ...] = ("rpv2",)) -> list[Path]:
    """Both sample shards through the annotate stage's shard function (no cluster); the output files."""
    config = AnnotateConfig(inputs=tuple(SHARDS), output=str(out), signals=families,
                            signal_config=SignalConfig(minhash=MinHashConfig(schemes=schemes)))
    paths = []
    for task in plan_tasks(SHARDS, str(out)):
        assert annotate_shard(task, config.model_dump_json())["status"] == "ok"
        paths.append(Path(task.output))
    return paths


def write_jsonl_gz(path: Path, records: list[dict]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    return path


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def assert_same_annotated(original: pa.Table, imported: pa.Table) -> None:
    """Every column, its type, field metadata (definitions) and every value equal; footers aside."""
    assert imported.column_names == original.column_names
    assert imported.schema.remove_metadata().equals(original.schema.remove_metadata(), check_metadata=True)
    for name in original.column_names:
        assert imported.column(name).combine_chunks().equals(original.column(name).combine_chunks()), name
    assert imported.num_rows == original.num_rows > 0


def read(path: Path) -> pa.Table:
    return pq.read_table(path)
