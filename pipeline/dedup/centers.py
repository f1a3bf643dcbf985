"""Center clusters: near-duplicate clusters that never chain through below-threshold links.

Connected components of the verified-pair graph join A and C when A~B and B~C pass the threshold,
even if A and C are far apart; on templated pages such chains make most clustered pairs dissimilar.
Center clustering splits each component greedily, in document-index order: the first unassigned
document becomes a center and takes every still unassigned document it has a verified pair with.
Every member of a cluster is then a verified near-duplicate of its center (the smallest index,
which the `first` keep rule keeps), and centers are never verified near-duplicates of each other.

center_edges (per input file)   -> center_in/<p>    (verified pairs labelled with their component)
center_clusters (per partition) -> fuzzy_center/<file>  (doc, center, cluster size)
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa

from pipeline.dedup.shuffle import gather, scatter
from pipeline.dedup.stages import EDGES, MEMBERS, Job

LABELLED = pa.schema([("component", pa.int64()), ("u", pa.int64()), ("v", pa.int64())])


def center_edges(number: int, job: Job) -> dict:
    """This file's verified pairs (u in this file), sent to the partition of their component."""
    so = job.storage_options
    edges = gather(job.dir("verified"), number, EDGES, so)
    if not edges.num_rows:
        return {"edges": 0}
    members = gather(job.dir("fuzzy_out"), number, MEMBERS, so)
    docs, components = members.column("doc").to_numpy(), members.column("cluster").to_numpy()
    order = np.argsort(docs)
    u, v = edges.column("u").to_numpy(), edges.column("v").to_numpy()
    component = components[order][np.searchsorted(docs[order], u)]
    table = pa.table({"component": component, "u": u, "v": v}, schema=LABELLED)
    scatter(table, component % job.partitions, job.dir("center_in"), f"{number:06d}", so)
    return {"edges": len(u)}


def center_clusters(partition: int, job: Job) -> dict:
    """Greedy centers over the components of one partition; members go back to their input files."""
    t = gather(job.dir("center_in"), partition, LABELLED, job.storage_options)
    if not t.num_rows:
        return {"clusters": 0}
    nodes, center = greedy_centers(t.column("u").to_numpy(), t.column("v").to_numpy())
    _, inverse, counts = np.unique(center, return_inverse=True, return_counts=True)
    table = pa.table({"doc": nodes, "cluster": center, "size": counts[inverse].astype(np.int32)}, schema=MEMBERS)
    scatter(table, job.plan.file_of(nodes), job.dir("fuzzy_center"), f"{partition:05d}", job.storage_options)
    return {"clusters": int((counts > 1).sum())}


def greedy_centers(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, center of each node) for the undirected pairs (u, v); nodes ascending."""
    nodes = np.unique(np.concatenate([u, v]))
    a, b = np.searchsorted(nodes, u), np.searchsorted(nodes, v)
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.argsort(src, kind="stable")
    starts = np.searchsorted(src[order], np.arange(len(nodes) + 1))
    return nodes, nodes[_assign(starts, dst[order])]


@numba.njit(cache=True)
def _assign(starts: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    center = np.full(len(starts) - 1, -1, dtype=np.int64)
    for node in range(len(center)):
        if center[node] >= 0:
            continue
        center[node] = node
        for k in range(starts[node], starts[node + 1]):
            other = neighbours[k]
            if center[other] < 0:
                center[other] = node
    return center
