"""Seeded per-document random keys and the exact top-k over them (Gumbel top-k sampling).

A document's uniform is U = ((XXH64(id, seed) >> 11) + 0.5) / 2**53, in (0, 1): it depends on the id and
the seed alone, never on the worker, the partitioning or the order documents are read in. Its Gumbel
key is log_weight - log(-log U); the k largest keys are a sample of k documents without replacement
with probability proportional to exp(log_weight). The random baseline (a uniform sample of the same
size) ranks documents by a second uniform, hashed with the seed XOR a fixed constant.

Ties (equal keys) break by id, then by file index, then by row, so the top-k is a total order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from signals import kernels

RANDOM_SALT = 0x9E3779B97F4A7C15


def id_hashes(ids: pa.Array | pa.ChunkedArray, seed: int) -> np.ndarray:
    """XXH64(UTF-8 id, seed) of every id (uint64)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.cast(pa.large_string())
    if ids.null_count:
        raise ValueError("documents without an id cannot be resampled")
    if len(ids) == 0:
        return np.zeros(0, np.uint64)
    _, offsets, data = ids.buffers()
    offsets = np.frombuffer(offsets, np.int64)[ids.offset: ids.offset + len(ids) + 1]
    data = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    return kernels.xxh64_strings(data, np.ascontiguousarray(offsets), np.uint64(seed))


def uniforms(ids: pa.Array | pa.ChunkedArray, seed: int) -> np.ndarray:
    """The document uniforms U in (0, 1) (float64, 53 random bits each)."""
    return ((id_hashes(ids, seed) >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0 ** 53


def gumbel_keys(log_weights: np.ndarray, ids: pa.Array | pa.ChunkedArray, seed: int) -> np.ndarray:
    """log_weight + Gumbel(0, 1) noise drawn from each document's uniform."""
    return log_weights - np.log(-np.log(uniforms(ids, seed)))


def random_keys(ids: pa.Array | pa.ChunkedArray, seed: int) -> np.ndarray:
    """Keys of the uniform random baseline."""
    return uniforms(ids, seed ^ RANDOM_SALT)


@dataclass
class Candidates:
    """Documents competing for the top-k: their key, id, file index, row and log weight."""

    key: np.ndarray
    id: np.ndarray
    file: np.ndarray
    row: np.ndarray
    log_weight: np.ndarray

    def __len__(self) -> int:
        return len(self.key)

    def take(self, index: np.ndarray) -> Candidates:
        return Candidates(self.key[index], self.id[index], self.file[index], self.row[index], self.log_weight[index])

    def top(self, k: int) -> Candidates:
        """The k best, best first: larger key, then smaller id, file, row."""
        order = np.lexsort((self.row, self.file, self.id, -self.key))
        return self.take(order[:k])

    @classmethod
    def concat(cls, parts: list[Candidates]) -> Candidates:
        if not parts:
            return cls(np.zeros(0), np.zeros(0, dtype="U1"), np.zeros(0, np.int64), np.zeros(0, np.int64),
                       np.zeros(0))
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("key", "id", "file", "row", "log_weight")))
