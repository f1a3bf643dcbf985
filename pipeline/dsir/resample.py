"""`assay dsir resample`: k documents drawn without replacement in proportion to their importance weights.

Pass 1, one Dask task per annotated file: the file's documents (after the optional filter file's
document rules) get their log importance weight (from the file's `rps_doc_<target>_importance` column
when its footer records this model's sha256, else computed from the text), a Gumbel key and a random
baseline key (pipeline.dsir.keys); the task returns its own top-k of both. The driver merges them
into the exact global top-k as they arrive (holding at most 2k candidates per sample): the same
documents as one process ranking every key, whatever the worker count, the partitioning or the
order the tasks finish in.

Pass 2, one task per file holding a selected or a baseline document: the selected rows are written to
OUT/selected/<file name> with `dsir_log_weight` and `dsir_rank` appended, and the n-gram bucket counts
of both samples are returned for the report's metrics. Then OUT/ids.parquet (schemas.dsir.ids_schema)
and OUT/summary.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from filters.catalog import Catalog
from filters.config import load_selection
from filters.selection import FilterError, Selection
from pipeline.dsir.keys import Candidates, gumbel_keys, random_keys
from pipeline.dsir.metrics import selection_metrics
from pipeline.dsir.tasks import map_files
from pipeline.dsir.weights import output_names
from pipeline.select import parquet_files, read_schema
from pipeline.storage import (
    atomic_write,
    filesystem,
    join,
    makedirs,
    scan_parquet,
    write_bytes_atomic,
)
from schemas.config import ClusterConfig
from schemas.dsir import ids_schema, selected_fields
from signals.dsir import dsir_model, text_features
from signals.ml import importance_column

SUMMARY_NAME = "summary.json"
IDS_NAME = "ids.parquet"
SELECTED_DIR = "selected"


@dataclass(frozen=True)
class ResampleResult:
    """What `resample` wrote and measured."""

    summary: dict[str, Any]
    ids: pa.Table
    selected_files: list[str]


def weight_column(schema: pa.Schema, target: str, digest: str) -> str | None:
    """The file's importance column for this model, when its footer says it was made with it."""
    column = importance_column(target)
    meta = schema.metadata or {}
    recorded = meta.get(f"ml.dsir.{target}.sha256".encode(), b"").decode()
    return column if column in schema.names and recorded == digest else None


def score_file(item: tuple[int, str], model_path: str, k: int, seed: int, selection: Selection | None,
               storage_options: dict[str, Any] | None) -> dict:
    """This file's top-k by Gumbel key and by random key, and its document counts."""
    index, path = item
    model = dsir_model(model_path)
    column = weight_column(read_schema(path, storage_options), model.target, model.digest)
    frame = scan_parquet(path, storage_options).with_row_index("__row")
    documents = frame.select(pl.len()).collect().item()
    if selection is not None:
        frame = frame.filter(selection.keep())
    table = frame.select("__row", "id", column or "text").collect().to_arrow()
    if column:
        log_weights = table.column(column).cast(pa.float64()).to_numpy(zero_copy_only=False)
    else:
        texts = table.column("text").to_pylist()
        log_weights = model.batch_weights([t or "" for t in texts]).astype(np.float64)
        log_weights[[not t for t in texts]] = np.nan
    eligible = ~np.isnan(log_weights)
    ids = table.column("id").filter(pa.array(eligible))
    rows = table.column("__row").to_numpy()[eligible].astype(np.int64)
    log_weights = log_weights[eligible]
    id_text = np.asarray(ids.to_pylist(), dtype=str) if len(ids) else np.zeros(0, dtype="U1")
    files = np.full(len(rows), index, np.int64)
    chosen = Candidates(gumbel_keys(log_weights, ids, seed), id_text, files, rows, log_weights).top(k)
    baseline = Candidates(random_keys(ids, seed), id_text, files, rows, log_weights).top(k)
    return {"index": index, "path": path, "documents": documents, "filtered": table.num_rows,
            "eligible": int(eligible.sum()), "weights_from": "column" if column else "text",
            "selected": chosen, "random": baseline}


class TopK:
    """The running exact top-k of both samples, merged as each file's candidates arrive: the driver
    holds at most 2k candidates per sample, however many files there are (the top-k of a union is
    the top-k of the parts' top-k, and the order is total, so arrival order does not matter)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.selected = Candidates.concat([])
        self.random = Candidates.concat([])

    def add(self, result: dict) -> dict:
        self.selected = Candidates.concat([self.selected, result.pop("selected")]).top(self.k)
        self.random = Candidates.concat([self.random, result.pop("random")]).top(self.k)
        return result


@dataclass(frozen=True)
class FileSample:
    """One file's part of both samples: selected rows (rank order) with rank and weight, baseline rows."""

    index: int
    path: str
    output: str
    rows: np.ndarray
    rank: np.ndarray
    log_weight: np.ndarray
    random_rows: np.ndarray


def write_file(part: FileSample, buckets: int, model_seed: int, storage_options: dict[str, Any] | None) -> dict:
    """Write the file's selected rows to `part.output`; return both samples' bucket counts."""
    path, target, rows, rank, log_weight = part.path, part.output, part.rows, part.rank, part.log_weight
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as fh:
        table = pq.read_table(fh)
    selected_counts = np.zeros(buckets, np.int64)
    written = None
    if len(rows):
        chosen = table.take(pa.array(rows))
        selected_counts = text_features([t or "" for t in chosen.column("text").to_pylist()], buckets,
                                        model_seed).counts(buckets)
        fields = selected_fields()
        chosen = chosen.drop_columns([f.name for f in fields if f.name in chosen.column_names])
        chosen = chosen.append_column(fields[0], pa.array(log_weight, pa.float64()))
        chosen = chosen.append_column(fields[1], pa.array(rank, pa.int64()))
        chosen = chosen.replace_schema_metadata(table.schema.metadata)
        with atomic_write(target, storage_options) as sink:
            pq.write_table(chosen, sink, compression="zstd")
        written = target
    baseline = part.random_rows
    random_counts = np.zeros(buckets, np.int64)
    if len(baseline):
        texts = table.column("text").take(pa.array(baseline)).to_pylist()
        random_counts = text_features([t or "" for t in texts], buckets, model_seed).counts(buckets)
    return {"index": part.index, "output": written, "documents": int(len(rows)),
            "selected_counts": selected_counts, "random_counts": random_counts}


def _remove_stale(folder: str, current: set[str], storage_options: dict[str, Any] | None) -> None:
    """Remove files of an earlier sample from OUT/selected that this sample did not rewrite."""
    fs, path = filesystem(folder, storage_options)
    keep = {filesystem(p, storage_options)[1].rstrip("/") for p in current}
    for name in fs.ls(path, detail=False):
        if name.endswith(".parquet") and name.rstrip("/") not in keep:
            fs.rm(name)


def document_selection(path: str, schemas: list[pa.Schema], storage_options: dict[str, Any] | None) -> Selection:
    """A filter file's document rules (line rules rewrite text and dedup rules need the dedup output: refused)."""
    selection = load_selection(path, Catalog.build(*schemas), storage_options)
    if selection.line_rules:
        raise FilterError(f"{path}: line filters rewrite documents; resample after `assay select` instead")
    if selection.dedup_flags():
        raise FilterError(f"{path}: dedup rules need the dedup output; resample the output of `assay select`")
    return selection


def file_samples(chosen: Candidates, baseline: Candidates, files: list[str], outputs: list[str]) -> list[FileSample]:
    """Split both global samples by file (ranks are positions in `chosen`, which is best first)."""
    parts = []
    for index in sorted(set(chosen.file.tolist()) | set(baseline.file.tolist())):
        mine = np.flatnonzero(chosen.file == index)
        parts.append(FileSample(index, files[index], outputs[index], chosen.row[mine], mine.astype(np.int64),
                                chosen.log_weight[mine], np.sort(baseline.row[baseline.file == index])))
    return parts


def resample(
    inputs: Sequence[str],
    model_path: str,
    k: int,
    output: str,
    seed: int = 0,
    filters: str | None = None,
    storage_options: dict[str, Any] | None = None,
    cluster: ClusterConfig | None = None,
    quiet: bool = True,
    summary_extra: dict[str, Any] | None = None,
) -> ResampleResult:
    """Select k documents of the annotated `inputs` by DSIR importance resampling into `output`/;
    `summary_extra` joins the fields of OUT/summary.json (written last, once)."""
    if k < 1:
        raise ValueError("k must be positive")
    if not 0 <= seed < 2 ** 64:
        raise ValueError("seed must be in [0, 2**64)")
    started = time.perf_counter()
    files = parquet_files(list(inputs), storage_options)
    model = dsir_model(model_path)
    schemas = [read_schema(f, storage_options) for f in files]
    lacking = [f for f, s in zip(files, schemas, strict=True) if not {"id", "text"} <= set(s.names)]
    if lacking:
        raise ValueError(f"{lacking[0]}: resample needs id and text columns")
    selection = document_selection(filters, schemas, storage_options) if filters else None
    merged = TopK(k)
    scored = map_files(score_file, list(enumerate(files)), cluster, model_path, k, seed, selection, storage_options,
                       desc="dsir resample: score", quiet=quiet, fold=merged.add)
    chosen, baseline = merged.selected, merged.random
    makedirs(join(output, SELECTED_DIR), storage_options)
    outputs = [join(output, SELECTED_DIR, name) for name in output_names(files)]
    written = map_files(write_file, file_samples(chosen, baseline, files, outputs), cluster, model.buckets,
                        model.seed, storage_options, desc="dsir resample: write", quiet=quiet)
    _remove_stale(join(output, SELECTED_DIR), {w["output"] for w in written if w["output"]}, storage_options)
    selected_counts = sum((w["selected_counts"] for w in written), np.zeros(model.buckets, np.int64))
    random_counts = sum((w["random_counts"] for w in written), np.zeros(model.buckets, np.int64))
    ids = pa.table({"rank": np.arange(len(chosen), dtype=np.int64), "id": chosen.id.tolist(),
                    "file": [files[i] for i in chosen.file], "row": chosen.row, "log_weight": chosen.log_weight,
                    "key": chosen.key}, schema=ids_schema())
    ids_path = join(output, IDS_NAME)
    with atomic_write(ids_path, storage_options) as sink:
        pq.write_table(ids, sink, compression="zstd")
    summary = {
        "target": model.target, "model": model_path, "model_sha256": model.digest, "k": k, "seed": seed,
        "selected": len(chosen), "random": len(baseline), "filters": filters,
        "files": len(files), "documents": sum(r["documents"] for r in scored),
        "after_filters": sum(r["filtered"] for r in scored), "eligible": sum(r["eligible"] for r in scored),
        "weights_from": {src: sum(r["weights_from"] == src for r in scored) for src in ("column", "text")},
        **selection_metrics(model.target_counts, selected_counts, random_counts),
        "seconds": round(time.perf_counter() - started, 3),
        **(summary_extra or {}),
    }
    write_bytes_atomic(join(output, SUMMARY_NAME), json.dumps(summary, indent=2).encode(), storage_options)
    return ResampleResult(summary, ids, [w["output"] for w in written if w["output"]])
