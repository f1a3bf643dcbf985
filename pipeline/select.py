"""The select stage: annotated shard → selected shard (+ its funnel counts), then funnel.json.

Per shard, two lazy polars scans: the funnel reads only the columns the rules name (plus
`ccnet_length`), and the output scan filters with the one compiled expression, reading every column
of the kept rows. Line filters then rewrite the kept documents. Outputs are written under a temporary
name and renamed; a rerun skips shards whose marker matches the selection's hash.
"""

from __future__ import annotations

import json
import socket
import sys
import time

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from filters.catalog import Catalog
from filters.config import load_selection
from filters.funnel import add_line_counts, chars_expr, document_funnel, format_funnel
from filters.lines import filter_lines
from filters.selection import FilterError, Selection
from pipeline.manifest import write_manifest
from pipeline.orchestrate import run_on_dask
from pipeline.shards import ShardTask, completed_report, plan_tasks, write_marker
from pipeline.storage import (
    absolute,
    atomic_write,
    expand_inputs,
    filesystem,
    join,
    makedirs,
    read_bytes,
    remove_stale_temporaries,
    scan_parquet,
    write_bytes_atomic,
)
from schemas.config import ClusterConfig, config_hash
from schemas.manifest import RunManifest, ShardReport
from schemas.select import Funnel, SelectConfig, selected_schema

FUNNEL_NAME = "funnel.json"
_VERSION = 1  # bump when the output of the same selection changes


def parquet_files(paths: list[str] | tuple[str, ...], storage_options: dict | None = None) -> list[str]:
    """Expand files/folders/globs to Parquet files, skipping `_`/`.` names (markers, manifests, temp files)."""
    files = expand_inputs(paths, storage_options)

    def hidden(path: str) -> bool:
        return any(part.startswith(("_", ".")) for part in path.split("://")[-1].split("/")[-2:])

    out = [f for f in files if f.endswith(".parquet") and not hidden(f)]
    if not out:
        raise FileNotFoundError(f"no Parquet files in {', '.join(paths)}")
    return out


def dedup_parquet(directory: str, storage_options: dict | None = None) -> list[str]:
    """The dedup output: Parquet files directly under `directory`, else anywhere below it."""
    files = parquet_files([directory], storage_options)
    top = [f for f in files if f.rsplit("/", 1)[0].rstrip("/") == absolute(directory).rstrip("/")]
    return top or files


def read_schema(path: str, storage_options: dict | None = None) -> pa.Schema:
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.read_schema(f)


def _num_rows(path: str, storage_options: dict | None) -> int:
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.ParquetFile(f).metadata.num_rows


def selection_hash(selection: Selection, dedup: str | None, upstream: tuple[str, ...] = ()) -> str:
    return config_hash({"selection": repr(selection), "dedup": dedup, "upstream": list(upstream),
                        "version": _VERSION})


def upstream_hashes(paths: list[str], storage_options: dict | None = None) -> tuple[str, ...]:
    """The config hashes the annotate and dedup stages wrote into these files' footers: a selection made
    from other signals or other dedup flags is stale even if its own rules are unchanged."""
    hashes = set()
    for path in paths:
        meta = read_schema(path, storage_options).metadata or {}
        hashes.add(meta.get(b"assay.config_hash", b"").decode())
    return tuple(sorted(hashes))


def _frame(task: ShardTask, dedup_files: list[str], so: dict) -> pl.LazyFrame:
    """The annotated shard, left-joined on id with its rows of the dedup output."""
    frame = scan_parquet(task.input, so)
    if dedup_files:
        frame = frame.join(_dedup_rows(frame, task, dedup_files, so), on="id", how="left", maintain_order="left")
    return frame


def _dedup_rows(frame: pl.LazyFrame, task: ShardTask, dedup_files: list[str], so: dict) -> pl.LazyFrame:
    """The dedup stage writes one file per annotated shard, named like it: use that file alone when it
    holds every id of the shard; else every dedup file, filtered to the shard's id range (Parquet
    statistics then skip row groups outside it)."""
    stem = task.output.replace("\\", "/").rsplit("/", 1)[-1]
    same = [f for f in dedup_files if f.replace("\\", "/").rsplit("/", 1)[-1] == stem]
    if same:
        own = scan_parquet(same, so)
        if frame.select("id").join(own.select("id"), on="id", how="anti").select(pl.len()).collect().item() == 0:
            return own
    lo, hi = frame.select(pl.col("id").min().alias("lo"), pl.col("id").max().alias("hi")).collect().row(0)
    rows = scan_parquet(dedup_files, so)
    return rows.filter(pl.col("id").is_between(pl.lit(lo), pl.lit(hi))) if lo is not None else rows


def select_shard(task: ShardTask, config_json: str, selection: Selection, dedup_files: list[str],
                 digest: str) -> dict:
    """Select one shard into `task.output`; returns its report with the shard's funnel under 'funnel'.
    `digest` (selection_hash) goes into the shard's marker."""
    started = time.perf_counter()
    config = SelectConfig.model_validate_json(config_json)
    so = config.storage_options
    report = ShardReport(shard=task.shard_id, input=task.input, output=task.output, status="ok",
                         config_hash=digest, worker=socket.gethostname())
    funnel = Funnel()
    try:
        annotated = read_schema(task.input, so)
        dedup_schema = read_schema(dedup_files[0], so) if dedup_files else None
        schema = selected_schema(annotated, dedup_schema, digest)
        frame = _frame(task, dedup_files, so)
        dedup_flag = next((c for c in ("keep", "fuzzy_keep", "exact_keep") if dedup_schema and c in dedup_schema.names),
                          None)
        funnel = document_funnel(frame, selection.steps(), chars_expr(annotated.names), dedup_flag)
        if dedup_files and funnel.input.documents != _num_rows(task.input, so):
            raise ValueError("the dedup output has several rows for some ids of this shard (one row per id expected)")
        kept = frame.filter(selection.keep()).collect()
        line_steps = selection.line_steps()
        if line_steps:
            result = filter_lines(kept, line_steps)
            add_line_counts(funnel, line_steps, result)
            kept = result.frame
        funnel.output.documents = kept.height
        funnel.output.chars = int(kept["text"].str.len_chars().sum() or 0) if kept.height else 0
        table = kept.to_arrow().select(schema.names).cast(schema)
        with atomic_write(task.output, so) as sink:
            pq.write_table(table, sink, compression="zstd", row_group_size=10_000)
        report.records = report.documents_read = funnel.input.documents
        report.rows_written = table.num_rows
        report.text_bytes = int(pc.sum(pc.binary_length(table["text"])).as_py() or 0)
    except Exception as exc:  # noqa: BLE001 - the shard fails, the job goes on
        report.status, report.error = "error", f"{task.input}: {type(exc).__name__}: {exc}"
    report.seconds = round(time.perf_counter() - started, 3)
    if report.status != "error":
        write_bytes_atomic(_funnel_path(task), funnel.model_dump_json().encode(), so)
        write_marker(task, report, so)
    return {**report.model_dump(), "funnel": funnel.model_dump()}


def _funnel_path(task: ShardTask) -> str:
    return task.marker[: -len(".json")] + ".funnel.json"


def prepare(config: SelectConfig, selection: Selection | None = None) -> tuple[Selection, list[str], list[str]]:
    """Inputs, dedup files and the validated selection, before any data is read (Parquet footers only)."""
    so = config.storage_options
    inputs = parquet_files(config.inputs, so)
    dedup_files = dedup_parquet(config.dedup, so) if config.dedup else []
    schemas = [read_schema(p, so) for p in inputs]
    dedup_schema = read_schema(dedup_files[0], so) if dedup_files else None
    catalog = Catalog.build(*schemas, dedup_schema)
    if selection is None:
        selection = load_selection(config.filters, catalog, so)
    else:
        selection.check(catalog)
    problems = []
    for path, schema in zip(inputs, schemas, strict=True):
        available = set(schema.names) | set(dedup_schema.names if dedup_schema else ())
        missing = sorted((selection.columns() | selection.line_columns()) - available - selection.dedup_flags())
        if missing:
            problems.append(f"{path}: the selection reads columns this shard lacks: {', '.join(missing)} "
                            "(annotate with the families that write them)")
        if selection.line_rules and "assay_line_ends" not in schema.names:
            problems.append(f"{path}: line filters need the assay_line_ends column")
    if selection.dedup_flags() and not dedup_files:
        problems.append(f"rules {', '.join(sorted(selection.dedup_flags()))} read dedup keep flags: pass --dedup DIR")
    elif dedup_schema is not None and (lacking := selection.dedup_flags() - set(dedup_schema.names)):
        problems.append(f"{dedup_files[0]}: no column {', '.join(sorted(lacking))} in the dedup output")
    if problems:
        raise FilterError(problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else []))
    return selection, inputs, dedup_files


def select_progress(config: SelectConfig) -> tuple[int, int] | None:
    """(shards complete for this selection, shards); None when the inputs are not there yet."""
    so = config.storage_options
    try:
        selection, inputs, dedup_files = prepare(config)
    except FileNotFoundError:
        return None
    output = absolute(config.output)
    dedup = absolute(config.dedup) if config.dedup else None
    digest = selection_hash(selection, dedup, upstream_hashes(inputs + dedup_files, so))
    tasks = plan_tasks(inputs, output)
    return sum(_completed(t, digest, so) is not None for t in tasks), len(tasks)


def run_select(config: SelectConfig, cluster: ClusterConfig | None, selection: Selection | None = None,
               quiet: bool = False) -> tuple[RunManifest, Funnel]:
    """Select every input shard (in-process when `cluster` is None); write the manifest and funnel.json."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    so = config.storage_options
    selection, inputs, dedup_files = prepare(config, selection)
    config = config.model_copy(update={"output": absolute(config.output),
                                       "dedup": absolute(config.dedup) if config.dedup else None})
    makedirs(config.output, so)
    remove_stale_temporaries(config.output, so)  # of a killed earlier run
    tasks = plan_tasks(inputs, config.output)
    digest = selection_hash(selection, config.dedup, upstream_hashes(inputs + dedup_files, so))
    previous = {t.shard_id: _completed(t, digest, so) for t in tasks}
    pending = [t for t in tasks if previous[t.shard_id] is None]
    if not quiet and len(pending) < len(tasks):
        print(f"resume: {len(tasks) - len(pending)} of {len(tasks)} shards already selected", file=sys.stderr)
    args = (config.model_dump_json(), selection, dedup_files, digest)
    if cluster is None:
        fresh = [select_shard(t, *args) for t in tqdm(pending, desc="select", unit="shard", file=sys.stderr,
                                                       disable=quiet)]
    else:
        def task_failed(task: ShardTask, exc: BaseException) -> dict:
            report = ShardReport(shard=task.shard_id, input=task.input, output=task.output, status="error",
                                 config_hash=digest, error=f"{task.input}: task failed: {type(exc).__name__}: {exc}")
            return {**report.model_dump(), "funnel": Funnel().model_dump()}

        fresh = run_on_dask(select_shard, pending, cluster, *args, desc="select", quiet=quiet, on_error=task_failed)
        if fresh:  # every task has ended: temporaries left now are those of killed workers
            remove_stale_temporaries(config.output, so)
    by_shard = {r["shard"]: (ShardReport.model_validate(r), Funnel.model_validate(r["funnel"])) for r in fresh}
    results = [previous[t.shard_id] or by_shard[t.shard_id] for t in tasks]
    funnel = Funnel()
    for report, shard_funnel in results:
        if report.status != "error":
            funnel = funnel + shard_funnel
    write_bytes_atomic(join(config.output, FUNNEL_NAME), json.dumps(
        {"filters": selection.source, "selection_hash": digest, **funnel.model_dump()}, indent=1).encode(), so)
    manifest = write_manifest("select", config, digest, inputs, [r for r, _ in results], started, so)
    return manifest, funnel


def _completed(task: ShardTask, digest: str, so: dict) -> tuple[ShardReport, Funnel] | None:
    report = completed_report(task, digest, so)
    blob = read_bytes(_funnel_path(task), so) if report else None
    return (report, Funnel.model_validate_json(blob)) if report and blob else None


__all__ = ["FUNNEL_NAME", "format_funnel", "prepare", "run_select", "select_shard"]
