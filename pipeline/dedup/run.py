"""The dedup stage: annotated Parquet in, one dedup file per input file out (see schemas/dedup.py)."""

from __future__ import annotations

import json
import math
import posixpath
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cluster import dask_client
from pipeline.dedup import centers, stages
from pipeline.dedup import keep as keep_rule
from pipeline.dedup.components import union_find
from pipeline.dedup.inputs import plan_inputs
from pipeline.dedup.lsh import FN_WEIGHT, optimal_bands
from pipeline.dedup.resume import Checkpointed, input_identity, prepare_work, remove_tree
from pipeline.dedup.shuffle import partition_files, read_piece, scatter
from pipeline.dedup.stages import EDGES, MEMBERS, Job
from pipeline.dedup.stars import star_components
from pipeline.manifest import MANIFEST_NAME, write_manifest
from pipeline.orchestrate import run_on_dask
from pipeline.storage import (
    absolute,
    filesystem,
    join,
    makedirs,
    read_bytes,
    remove_quietly,
    write_bytes_atomic,
)
from schemas.config import ClusterConfig
from schemas.dedup import DedupConfig
from schemas.manifest import RunManifest, ShardReport

DOCS_PER_PARTITION = 2_000_000
STATS_NAME = "_dedup_stats.json"


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
    plan = plan_inputs(config.inputs, config.scheme, so, required=("text",) if config.verify == "exact" else ())
    num_perm = int(plan.parameters["num_perm"])
    bands, rows = optimal_bands(config.threshold, num_perm, 1 - FN_WEIGHT, FN_WEIGHT)
    partitions = config.partitions or max(1, math.ceil(plan.documents / DOCS_PER_PARTITION))
    output = absolute(config.output)
    metadata = {"assay.stage": "dedup", "assay.config_hash": config.output_hash(),
                "assay.dedup": json.dumps({"threshold": config.threshold, "bands": bands, "rows": rows,
                                           "verify": config.verify, "clusters": config.clusters,
                                           "keep": config.keep,
                                           "signature": plan.parameters}, sort_keys=True)}
    return Job(plan=plan, work=join(output, "_work"), output=output, partitions=partitions, bands=bands,
               rows=rows, threshold=config.threshold, verify=config.verify, clusters=config.clusters,
               metadata=metadata,
               storage_options=so)


def _local_components(files: list[str], job: Job) -> None:
    """Global merge in this process: union-find over every partition's forest."""
    tables = [read_piece(path, job.storage_options, schema=EDGES) for path in files]
    edges = pa.concat_tables(tables) if tables else EDGES.empty_table()
    nodes, labels = union_find(edges.column("u").to_numpy(), edges.column("v").to_numpy())
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    members = pa.table({"doc": nodes, "cluster": labels, "size": counts[inverse].astype(np.int32)}, schema=MEMBERS)
    scatter(members, job.plan.file_of(nodes), job.dir("fuzzy_out"), "merged", job.storage_options)


def dedup(job: Job, config: DedupConfig, run: Checkpointed) -> tuple[dict[str, Any], list[dict]]:
    """Every task wave of the stage, in order, through `run`; returns stats and per-file reports."""
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
    if job.verify != "off":
        attached = run(stages.verify_attach, files, job, desc="verify-1")
        verified = run(stages.verify_filter, files, job, desc="verify-2")
        stats["verified_pairs"] = sum(r["verified"] for r in verified)
        stats["verify_shuffle_bytes"] = sum(r["verify_bytes"] for r in attached)
    forest = partition_files(job.dir("forest"), 0, job.storage_options)
    forest_edges = sum(_rows(p, job) for p in forest)
    distributed = config.distributed_components
    if distributed is None:
        distributed = forest_edges > config.components_limit
    stats["forest_edges"], stats["components"] = forest_edges, "large-star/small-star" if distributed else "union-find"
    if distributed:
        stats["star_rounds"] = star_components(forest, job, run)
    else:
        run.once("union_find", lambda: _local_components(forest, job))
    if job.centers:
        run(centers.center_edges, files, job, desc="center-edges")
        made = run(centers.center_clusters, parts, job, desc="centers")
        stats["center_clusters"] = sum(r["clusters"] for r in made)
    if config.keep.startswith("max:"):
        signal = config.keep.split(":", 1)[1]
        run(keep_rule.send_values, files, job, signal, desc="keep-values")
        for kind in ("exact", "fuzzy"):
            run(keep_rule.choose, parts, job, kind, desc=f"keep-{kind}")
    reports = run(stages.assemble, files, job, desc="dedup-write")
    return stats, reports


def _rows(path: str, job: Job) -> int:
    fs, stripped = filesystem(path, job.storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.ParquetFile(f).metadata.num_rows


def _fingerprints(job: Job, config: DedupConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the outputs depend on, what the work folder depends on besides)."""
    inputs = [input_identity(f.path, f.rows, job.storage_options) for f in job.plan.files]
    outputs = {"config_hash": config.output_hash(), "scheme": job.plan.scheme, "inputs": inputs}
    work = {**outputs, "partitions": job.partitions, "bands": job.bands, "rows": job.rows,
            "distributed_components": config.distributed_components, "components_limit": config.components_limit}
    return outputs, work


def _complete(job: Job, fingerprint: dict[str, Any]) -> RunManifest | None:
    """The manifest of an earlier run that wrote every output for the same fingerprint, else None."""
    so = job.storage_options
    stats, manifest = read_bytes(join(job.output, STATS_NAME), so), read_bytes(join(job.output, MANIFEST_NAME), so)
    if stats is None or manifest is None or json.loads(stats).get("fingerprint") != fingerprint:
        return None
    for f in job.plan.files:
        fs, path = filesystem(join(job.output, f"{f.stem}.parquet"), so)
        if not fs.exists(path):
            return None
    return RunManifest.model_validate_json(manifest)


def _remove_stale_outputs(output: str, storage_options: dict[str, Any]) -> None:
    """Temporaries of output files left by a killed run (names from `temporary_name`)."""
    fs, stripped = filesystem(output, storage_options)
    if not fs.exists(stripped):  # an object store has no empty folders
        return
    for path in fs.ls(stripped, detail=False):
        name = posixpath.basename(path)
        if name.startswith(".") and ".tmp-" in name:
            fs.rm(path)


def dedup_progress(config: DedupConfig) -> tuple[int, int] | None:
    """(files, files) when the output is complete for this config and the inputs as they are now, else
    (0, files); None when the inputs cannot be read yet."""
    config = config.model_copy(update={"output": absolute(config.output)})
    try:
        job = _job(config)
    except (FileNotFoundError, ValueError):
        return None
    files = len(job.plan.files)
    return (files, files) if _complete(job, _fingerprints(job, config)[0]) is not None else (0, files)


def run_dedup(config: DedupConfig, cluster: ClusterConfig | None, quiet: bool = False) -> RunManifest:
    """Deduplicate on Dask (or in this process when `cluster` is None); write outputs and the manifest.

    A rerun with the same inputs and config returns the finished run's manifest without work; a
    rerun after a failure resumes from the tasks that completed (see pipeline/dedup/resume.py).
    """
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clock = time.perf_counter()
    so = config.storage_options
    config = config.model_copy(update={"output": absolute(config.output)})
    makedirs(config.output, so)
    job = _job(config)
    done_print, work_print = _fingerprints(job, config)
    finished = _complete(job, done_print)
    if finished is not None:
        remove_tree(job.work, so)
        if not quiet:
            print(f"dedup: {config.output} is complete for this config and these inputs; nothing to do",
                  file=sys.stderr)
        return finished
    remove_quietly(join(config.output, STATS_NAME), so)  # the outputs are about to change
    _remove_stale_outputs(config.output, so)
    prepare_work(job.work, work_print, so)
    if cluster is None:
        run = Checkpointed(serial_runner, job.work, so)
        stats, reports = dedup(job, config, run)
    else:
        with dask_runner(cluster, quiet=quiet) as inner:
            run = Checkpointed(inner, job.work, so)
            stats, reports = dedup(job, config, run)
    stats["tasks_run"], stats["tasks_resumed"] = run.ran, run.resumed
    shard_reports = [
        ShardReport(shard=f.stem, input=f.path, output=join(job.output, f"{f.stem}.parquet"), status="ok",
                    config_hash=config.output_hash(), records=f.rows, documents_read=f.rows,
                    rows_written=r["rows_written"])
        for f, r in zip(job.plan.files, reports, strict=True)]
    if not quiet:
        removed = sum(r["removed"] for r in reports)
        resumed = f", {run.resumed} tasks resumed" if run.resumed else ""
        print(f"dedup: {stats['documents']:,} documents, {stats['candidate_pairs']:,} candidate pairs, "
              f"{removed:,} removed ({job.bands} bands x {job.rows} rows, {stats['components']}{resumed}) "
              f"in {time.perf_counter() - clock:.1f}s", file=sys.stderr)
    for key in ("exact_removed", "fuzzy_removed", "removed"):
        stats[key] = sum(r[key] for r in reports)
    manifest = write_manifest("dedup", config, config.output_hash(), [f.path for f in job.plan.files],
                              shard_reports, started, so)
    stats["fingerprint"] = done_print  # written last: the stats file marks the outputs complete
    write_bytes_atomic(join(config.output, STATS_NAME), json.dumps(stats, indent=1, sort_keys=True).encode(), so)
    remove_tree(job.work, so)
    return manifest
