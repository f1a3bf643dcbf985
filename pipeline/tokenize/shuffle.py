"""A global shuffle of packed sequences that depends only on the seed and the number of sequences."""

from __future__ import annotations

import numpy as np

_M = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _M
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _M
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _M
        return x ^ (x >> np.uint64(31))


def permutation(n: int, seed: int) -> np.ndarray:
    """Sequence indices in shuffled order: sorted by splitmix64(seed, index), a hash defined here (not a
    library's random stream), so the order is the same on every machine, version and worker count."""
    with np.errstate(over="ignore"):
        keys = _splitmix64(np.arange(n, dtype=np.uint64) ^ _splitmix64(np.array([seed], dtype=np.uint64)))
    return np.argsort(keys, kind="stable")
