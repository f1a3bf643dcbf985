"""Connected components of a duplicate graph; every component is labelled by its smallest node.

`union_find` works in one process (vectorised hooking + pointer jumping over numpy arrays).
`large_star` and `small_star` are the two per-partition steps of the large-star / small-star
algorithm (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014) for edge sets
larger than one machine (pipeline/dedup/stars.py runs the rounds on Dask). Each step sees only
the edges of the nodes hashed to its partition; rounds repeat until the edge set stops changing,
which leaves every component a star around its smallest node.
"""

from __future__ import annotations

import numpy as np


def union_find(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, label) for every node of the edges (u, v); label = smallest node of its component."""
    nodes = np.unique(np.concatenate([u, v]))
    if not len(nodes):
        return nodes, nodes.copy()
    a = np.searchsorted(nodes, u)
    b = np.searchsorted(nodes, v)
    parent = np.arange(len(nodes))
    while True:
        pa_, pb = parent[a], parent[b]
        differ = pa_ != pb
        if not differ.any():
            break
        a, b, pa_, pb = a[differ], b[differ], pa_[differ], pb[differ]
        # hook the larger root under the smaller one (parent[x] <= x always holds)
        np.minimum.at(parent, np.maximum(pa_, pb), np.minimum(pa_, pb))
        while True:  # pointer jumping until every node points at a root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return nodes, nodes[parent]


def _dedupe(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(u):
        return u, v
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    new = np.ones(len(u), dtype=bool)
    new[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return u[new], v[new]


def _group_min(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique keys, min value per key, group number of each row) for rows sorted by key."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    group = np.cumsum(np.r_[False, keys[1:] != keys[:-1]])
    return keys[starts], np.minimum.reduceat(values, starts), group


def large_star(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Directed edges u -> v (every edge of each u present): link each v > u to min(N(u) + u)."""
    u, v = _dedupe(u, v)
    if not len(u):
        return u, v
    _, low, group = _group_min(u, v)
    m = np.minimum(low[group], u)
    bigger = v > u
    return v[bigger], m[bigger]


def small_star(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges oriented hi > lo (all edges of each hi present): link hi and its lower neighbours to their min."""
    hi, lo = _dedupe(hi, lo)
    if not len(hi):
        return hi, lo
    keys, m_of, group = _group_min(hi, lo)
    m = m_of[group]
    a = np.concatenate([lo, keys])
    b = np.concatenate([m, m_of])
    differ = a != b
    return _dedupe(a[differ], b[differ])


def star_labels(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node, label) from converged directed star edges: label = min(node, its neighbours)."""
    u, v = _dedupe(u, v)
    if not len(u):
        return u, v
    keys, low, _ = _group_min(u, v)
    return keys, np.minimum(keys, low)
