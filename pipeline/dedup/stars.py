"""Connected components on Dask for edge sets larger than one machine: large-star / small-star rounds.

Every round is two task waves over P partitions (nodes hashed by `node % P`), each moving edges
through the file shuffle; a round whose edge set equals the previous one ends the loop. The
result is the same (node, label = smallest node of its component) as the one-process union-find.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from pipeline.dedup.components import large_star, small_star, star_labels
from pipeline.dedup.shuffle import gather, scatter
from pipeline.dedup.stages import EDGES, MEMBERS, Job

Runner = Callable[..., list[dict]]


def _both_ways(u: np.ndarray, v: np.ndarray, directory: str, name: str, job: Job) -> None:
    a, b = np.concatenate([u, v]), np.concatenate([v, u])
    scatter(pa.table({"u": a, "v": b}, schema=EDGES), a % job.partitions, directory, name, job.storage_options)


def start(partition_file: str, job: Job) -> dict:
    """Round 0: one forest file's edges, sent both ways to their endpoints' partitions."""
    import pyarrow.parquet as pq

    from pipeline.storage import filesystem

    fs, path = filesystem(partition_file, job.storage_options)
    with fs.open(path, "rb") as f:
        t = pq.read_table(f, schema=EDGES)
    name = partition_file.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".parquet")
    _both_ways(t.column("u").to_numpy(), t.column("v").to_numpy(), job.dir("stars/r0000_large"), name, job)
    return {}


def large_step(partition: int, job: Job, rnd: int) -> dict:
    t = gather(job.dir(f"stars/r{rnd:04d}_large"), partition, EDGES, job.storage_options)
    u, v = t.column("u").to_numpy(), t.column("v").to_numpy()
    with np.errstate(over="ignore"):
        pairs = np.unique(u.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ v.astype(np.uint64))
        checksum = int(pairs.sum(dtype=np.uint64))
    lo_from, m = large_star(u, v)
    out = pa.table({"u": lo_from, "v": m}, schema=EDGES)
    scatter(out, lo_from % job.partitions, job.dir(f"stars/r{rnd:04d}_small"), f"{partition:05d}",
            job.storage_options)
    return {"edges": len(pairs), "checksum": checksum}


def small_step(partition: int, job: Job, rnd: int) -> dict:
    t = gather(job.dir(f"stars/r{rnd:04d}_small"), partition, EDGES, job.storage_options)
    a, b = small_star(t.column("u").to_numpy(), t.column("v").to_numpy())
    _both_ways(a, b, job.dir(f"stars/r{rnd + 1:04d}_large"), f"{partition:05d}", job)
    return {}


def label_step(partition: int, job: Job, rnd: int) -> dict:
    t = gather(job.dir(f"stars/r{rnd:04d}_large"), partition, EDGES, job.storage_options)
    nodes, labels = star_labels(t.column("u").to_numpy(), t.column("v").to_numpy())
    out = pa.table({"u": nodes, "v": labels}, schema=EDGES)
    scatter(out, labels % job.partitions, job.dir("stars/labels"), f"{partition:05d}", job.storage_options)
    return {}


def size_step(partition: int, job: Job) -> dict:
    t = gather(job.dir("stars/labels"), partition, EDGES, job.storage_options)
    nodes, labels = t.column("u").to_numpy(), t.column("v").to_numpy()
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    members = pa.table({"doc": nodes, "cluster": labels, "size": counts[inverse].astype(np.int32)}, schema=MEMBERS)
    scatter(members, job.plan.file_of(nodes), job.dir("fuzzy_out"), f"{partition:05d}", job.storage_options)
    return {}


def star_components(forest_files: list[str], job: Job, run: Runner, max_rounds: int = 200) -> int:
    """Run the rounds until the edge set is stable; write fuzzy_out. Returns the number of rounds."""
    parts = list(range(job.partitions))
    run(start, forest_files, job, desc="stars-start")
    previous = None
    for rnd in range(max_rounds):
        reports = run(large_step, parts, job, rnd, desc=f"large-star {rnd}")
        state = (sum(r["edges"] for r in reports), sum(r["checksum"] for r in reports) % (1 << 64))
        if state == previous:
            run(label_step, parts, job, rnd, desc="labels")
            run(size_step, parts, job, desc="sizes")
            return rnd
        previous = state
        run(small_step, parts, job, rnd, desc=f"small-star {rnd}")
    raise RuntimeError(f"large-star/small-star did not converge in {max_rounds} rounds")

