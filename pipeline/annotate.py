"""The annotate stage: one input shard → one annotated Parquet file (documents + signal columns)."""

from __future__ import annotations

import functools
import socket
import sys
import time
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.manifest import write_manifest
from pipeline.orchestrate import run_on_dask
from pipeline.readers import Document, ReadStats, ShardReadError, read_documents
from pipeline.retry import is_transient
from pipeline.shards import ShardTask, completed_report, plan_tasks, write_marker
from pipeline.storage import (
    absolute,
    atomic_write,
    expand_inputs,
    makedirs,
    remove_stale_temporaries,
)
from schemas.annotated import annotated_schema
from schemas.config import AnnotateConfig, ClusterConfig
from schemas.documents import DOCUMENT_SCHEMA
from schemas.manifest import RunManifest, ShardReport
from signals.batch import TextBatch
from signals.families import build_families
from signals.registry import Family, compute_families


@functools.lru_cache(maxsize=4)
def _families(config_json: str) -> tuple[AnnotateConfig, list[Family]]:
    """Parse the config and build its families once per worker process."""
    config = AnnotateConfig.model_validate_json(config_json)
    return config, build_families(config.signals, config.signal_config)


def output_schema(config: AnnotateConfig, families: list[Family]) -> pa.Schema:
    fields = [s.field() for f in families for s in f.signals()]
    metadata = {"assay.stage": "annotate", "assay.config_hash": config.output_hash(),
                "assay.families": ",".join(f.name for f in families)}
    for family in families:
        metadata.update(family.metadata())
    return annotated_schema(fields).with_metadata(metadata)


def documents_table(docs: list[Document], shard: str) -> pa.Table:
    return pa.Table.from_arrays(
        [
            pa.array([d.id for d in docs], pa.string()),
            pa.array([d.url for d in docs], pa.string()),
            pa.array([shard] * len(docs), pa.string()),
            pa.array([d.offset for d in docs], pa.int64()),
            pa.array([d.text for d in docs], pa.large_string()),
            pa.array([d.warc_date for d in docs], pa.timestamp("s", tz="UTC")),
            pa.array([d.warc_record_id for d in docs], pa.string()),
            pa.array([d.content_type for d in docs], pa.string()),
        ],
        schema=DOCUMENT_SCHEMA,
    )


def annotate_table(docs: list[Document], shard: str, families: list[Family], language: str | None,
                   schema: pa.Schema) -> pa.Table:
    table = documents_table(docs, shard)
    signals = compute_families(families, TextBatch([d.text for d in docs], [d.url for d in docs], language))
    for name, column in zip(signals.column_names, signals.columns, strict=True):
        table = table.append_column(signals.schema.field(name), column)
    return table.cast(schema)


def _batches(docs: Iterator[Document], size: int) -> Iterator[list[Document]]:
    """Lists of up to `size` documents; on a stream error, the documents before it come out first."""
    batch: list[Document] = []
    error: ShardReadError | None = None
    try:
        for doc in docs:
            batch.append(doc)
            if len(batch) == size:
                yield batch
                batch = []
    except ShardReadError as exc:
        error = exc
    if batch:
        yield batch
    if error is not None:
        raise error


def annotate_shard(task: ShardTask, config_json: str) -> dict:
    """Annotate one shard into `task.output` (written under a temporary name, renamed when complete)."""
    started = time.perf_counter()
    config, families = _families(config_json)
    so = config.storage_options
    schema = output_schema(config, families)
    stats = ReadStats(path=task.input)
    report = ShardReport(shard=task.shard_id, input=task.input, output=task.output, status="ok",
                         config_hash=config.output_hash(), worker=socket.gethostname())
    rows = text_bytes = 0
    try:
        with atomic_write(task.output, so) as sink, pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            docs = read_documents(task.input, task.shard_id, config.reader, stats, so)
            try:
                for batch in _batches(docs, config.batch_size):
                    table = annotate_table(batch, task.input, families, config.signal_config.language, schema)
                    writer.write_table(table, row_group_size=config.batch_size)
                    rows += table.num_rows
                    text_bytes += pc.sum(pc.binary_length(table["text"])).as_py() or 0
            except ShardReadError as exc:  # keep the readable prefix, say where the stream broke
                report.status, report.error = "partial", str(exc)
    except Exception as exc:  # noqa: BLE001 - the shard fails, the job goes on
        if is_transient(exc):  # Dask reruns the task (ClusterConfig.retries); then it is recorded as failed
            raise
        report.status, report.error = "error", f"{task.input}: {type(exc).__name__}: {exc}"
    report.records, report.documents_read = stats.records, stats.documents
    report.rows_written, report.text_bytes = rows, text_bytes
    report.skipped, report.problems = dict(sorted(stats.skipped.items())), stats.problems
    report.seconds = round(time.perf_counter() - started, 3)
    if report.status != "error":
        write_marker(task, report, so)
    return report.model_dump()


def annotate_progress(config: AnnotateConfig) -> tuple[int, int]:
    """(shards complete for this config, shards) of the output, from the markers."""
    so = config.storage_options
    tasks = plan_tasks(expand_inputs(config.inputs, so), absolute(config.output))
    return sum(completed_report(t, config.output_hash(), so) is not None for t in tasks), len(tasks)


def run_annotate(config: AnnotateConfig, cluster: ClusterConfig, quiet: bool = False) -> RunManifest:
    """Annotate every input shard not already complete for this config; write the run manifest."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    so = config.storage_options
    families = build_families(config.signals, config.signal_config)  # fail fast on unknown names
    if not quiet:
        for family in families:
            if note := family.notice():
                print(f"note: {note}", file=sys.stderr)
    inputs = expand_inputs(config.inputs, so)
    config = config.model_copy(update={"output": absolute(config.output)})
    makedirs(config.output, so)
    remove_stale_temporaries(config.output, so)
    tasks = plan_tasks(inputs, config.output)
    config_hash = config.output_hash()
    previous = {t.shard_id: completed_report(t, config_hash, so) for t in tasks}
    pending = [t for t in tasks if previous[t.shard_id] is None]
    if not quiet and len(pending) < len(tasks):
        print(f"resume: {len(tasks) - len(pending)} of {len(tasks)} shards already complete", file=sys.stderr)

    def task_failed(task: ShardTask, exc: BaseException) -> dict:
        return ShardReport(shard=task.shard_id, input=task.input, output=task.output, status="error",
                           config_hash=config_hash, attempts=cluster.retries + 1,
                           error=f"{task.input}: failed {cluster.retries + 1} times: {type(exc).__name__}: {exc}"
                           ).model_dump()

    fresh = run_on_dask(annotate_shard, pending, cluster, config.model_dump_json(), desc="annotate", quiet=quiet,
                        on_error=task_failed)
    if fresh:  # every task has ended: temporaries left now are those of killed workers
        remove_stale_temporaries(config.output, so)
    by_shard = {r["shard"]: ShardReport.model_validate(r) for r in fresh}
    reports = [previous[t.shard_id] or by_shard[t.shard_id] for t in tasks]
    return write_manifest("annotate", config, config_hash, inputs, reports, started, so)
