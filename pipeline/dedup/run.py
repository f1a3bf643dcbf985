"""The dedup stage: annotated Parquet in, one dedup file per input file out (see schemas/dedup.py)."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cluster import dask_client
from pipeline.dedup import keep as keep_rule
from pipeline.dedup import stages
from pipeline.dedup.components import union_find
from pipeline.dedup.inputs import plan_inputs
from pipeline.dedup.lsh import FN_WEIGHT, optimal_bands
from pipeline.dedup.shuffle import partition_dir, scatter
from pipeline.dedup.stages import EDGES, MEMBERS, Job
from pipeline.dedup.stars import star_components
from pipeline.manifest import write_manifest
from pipeline.orchestrate import run_on_dask
from pipeline.storage import absolute, filesystem, join, makedirs, write_bytes_atomic
from schemas.config import ClusterConfig
from schemas.dedup import DedupConfig
from schemas.manifest import RunManifest, ShardReport

DOCS_PER_PARTITION = 2_000_000


def serial_runner(fn: Callable[..., dict], items: Sequence[Any], *args: Any, desc: str = "") -> list[dict]:
    """Run the tasks one after another in this process (tests, tiny inputs)."""
    return [fn(item, *args) for item in items]


@contextmanager
def dask_runner(cluster: ClusterConfig, quiet: bool = False):
    """A runner over one Dask cluster kept for the whole stage (a LocalCluster unless a scheduler is given)."""
    with dask_client(cluster, quiet=quiet) as client:
        shared = ClusterConfig(scheduler=client.scheduler.address)

        def run(fn: Callable[..., dict], items: Sequence[Any], *args: Any, desc: str = "tasks") -> list[dict]:
            return run_on_dask(fn, list(items), shared, *args, desc=desc, quiet=True) if items else []

        yield run


def _job(config: DedupConfig) -> Job:
    so = config.storage_options
    plan = plan_inputs(config.inputs, config.scheme, so)
    num_perm = int(plan.parameters["num_perm"])
    bands, rows = optimal_bands(config.threshold, num_perm, 1 - FN_WEIGHT, FN_WEIGHT)
    partitions = config.partitions or max(1, math.ceil(plan.documents / DOCS_PER_PARTITION))
    output = absolute(config.output)
    metadata = {"assay.stage": "dedup", "assay.config_hash": config.output_hash(),
                "assay.dedup": json.dumps({"threshold": config.threshold, "bands": bands, "rows": rows,
                                           "verify": config.verify, "keep": config.keep,
                                           "signature": plan.parameters}, sort_keys=True)}
    return Job(plan=plan, work=join(output, "_work"), output=output, partitions=partitions, bands=bands,
               rows=rows, threshold=config.threshold, verify=config.verify, metadata=metadata,
               storage_options=so)


def _forest_files(job: Job) -> list[str]:
    fs, stripped = filesystem(partition_dir(job.dir("forest"), 0), job.storage_options)
    if not fs.exists(stripped):
        return []
    paths = sorted(p for p in fs.ls(stripped, detail=False) if p.endswith(".parquet"))
    return [f"{job.work.split('://', 1)[0]}://{p}" if "://" in job.work else p for p in paths]


def _local_components(files: list[str], job: Job) -> None:
    """Global merge in this process: union-find over every partition's forest."""
    tables = []
    for path in files:
        fs, stripped = filesystem(path, job.storage_options)
        with fs.open(stripped, "rb") as f:
            tables.append(pq.read_table(f, schema=EDGES))
    edges = pa.concat_tables(tables) if tables else EDGES.empty_table()
    nodes, labels = union_find(edges.column("u").to_numpy(), edges.column("v").to_numpy())
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    members = pa.table({"doc": nodes, "cluster": labels, "size": counts[inverse].astype(np.int32)}, schema=MEMBERS)
    scatter(members, job.plan.file_of(nodes), job.dir("fuzzy_out"), "merged", job.storage_options)


def dedup(config: DedupConfig, run: Callable[..., list[dict]]) -> tuple[Job, dict[str, Any], list[dict]]:
    """Every task wave of the stage, in order, through `run`; returns the job, stats and per-file reports."""
    job = _job(config)
    files = list(range(len(job.plan.files)))
    parts = list(range(job.partitions))
    stats: dict[str, Any] = {"documents": job.plan.documents, "bands": job.bands, "rows": job.rows,
                             "partitions": job.partitions}
    mapped = run(stages.map_file, files, job, desc="dedup-map")
    stats["signatures"] = sum(r["signatures"] for r in mapped)
    stats["shuffle_bytes"] = sum(r["exact_bytes"] + r["band_bytes"] for r in mapped)
    run(stages.exact_groups, parts, job, desc="exact")
    edges = run(stages.bucket_edges, parts, job, desc="buckets")
    stats["candidate_pairs"] = sum(r["candidates"] for r in edges)
    if job.verify:
        run(stages.verify_attach, files, job, desc="verify-1")
        verified = run(stages.verify_filter, files, job, desc="verify-2")
        stats["verified_pairs"] = sum(r["verified"] for r in verified)
    forest = _forest_files(job)
    forest_edges = sum(_rows(p, job) for p in forest)
    distributed = config.distributed_components
    if distributed is None:
        distributed = forest_edges > config.components_limit
    stats["forest_edges"], stats["components"] = forest_edges, "large-star/small-star" if distributed else "union-find"
    if distributed:
        stats["star_rounds"] = star_components(forest, job, run)
    else:
        _local_components(forest, job)
    if config.keep.startswith("max:"):
        signal = config.keep.split(":", 1)[1]
        run(keep_rule.send_values, files, job, signal, desc="keep-values")
        for kind in ("exact", "fuzzy"):
            run(keep_rule.choose, parts, job, kind, desc=f"keep-{kind}")
    reports = run(stages.assemble, files, job, desc="dedup-write")
    return job, stats, reports


def _rows(path: str, job: Job) -> int:
    fs, stripped = filesystem(path, job.storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.ParquetFile(f).metadata.num_rows


def run_dedup(config: DedupConfig, cluster: ClusterConfig | None, quiet: bool = False) -> RunManifest:
    """Deduplicate on Dask (or in this process when `cluster` is None); write outputs and the manifest."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clock = time.perf_counter()
    so = config.storage_options
    config = config.model_copy(update={"output": absolute(config.output)})
    makedirs(config.output, so)
    work = join(config.output, "_work")
    _remove_tree(work, so)
    if cluster is None:
        job, stats, reports = dedup(config, serial_runner)
    else:
        with dask_runner(cluster, quiet=quiet) as run:
            job, stats, reports = dedup(config, run)
    _remove_tree(work, so)
    shard_reports = [
        ShardReport(shard=f.stem, input=f.path, output=join(job.output, f"{f.stem}.parquet"), status="ok",
                    config_hash=config.output_hash(), records=f.rows, documents_read=f.rows,
                    rows_written=r["rows_written"])
        for f, r in zip(job.plan.files, reports, strict=True)]
    if not quiet:
        removed = sum(r["removed"] for r in reports)
        print(f"dedup: {stats['documents']:,} documents, {stats['candidate_pairs']:,} candidate pairs, "
              f"{removed:,} removed ({job.bands} bands x {job.rows} rows, {stats['components']}) "
              f"in {time.perf_counter() - clock:.1f}s", file=sys.stderr)
    for key in ("exact_removed", "fuzzy_removed", "removed"):
        stats[key] = sum(r[key] for r in reports)
    manifest = write_manifest("dedup", config, config.output_hash(), [f.path for f in job.plan.files],
                              shard_reports, started, so)
    write_bytes_atomic(join(config.output, "_dedup_stats.json"), json.dumps(stats, indent=1, sort_keys=True).encode(), so)
    return manifest


def _remove_tree(path: str, storage_options: dict[str, Any]) -> None:
    fs, stripped = filesystem(path, storage_options)
    if fs.exists(stripped):
        fs.rm(stripped, recursive=True)
