"""Word identity without Python strings: 64-bit polynomial hashes of code-point runs, then exact checks.

Hashes only propose: every equality they suggest (two words of a document, a word and a list entry)
is confirmed by comparing the code points, so results are exact whatever the hash does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

_MOD = 1 << 64
BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_BASE_INV = pow(BASE, -1, _MOD)
_LENGTH_MIX = np.uint64(0xD6E8FEB86659FD93)
_U64 = np.uint64


class _Powers:
    """BASE**k and BASE**-k modulo 2**64 for k < size, grown on demand and kept up to KEEP entries."""

    KEEP = 1 << 22  # 64 MiB of tables at most stay in memory between batches

    def __init__(self) -> None:
        self.pos = np.ones(1, dtype=_U64)
        self.neg = np.ones(1, dtype=_U64)

    def upto(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if size > self.KEEP:
            return _power_table(BASE, size), _power_table(_BASE_INV, size)
        if len(self.pos) < size:
            size_kept = min(max(size, 2 * len(self.pos)), self.KEEP)
            self.pos = _power_table(BASE, size_kept)
            self.neg = _power_table(_BASE_INV, size_kept)
        return self.pos[:size], self.neg[:size]


def _power_table(base: int, size: int) -> np.ndarray:
    table = np.full(size, base, dtype=_U64)
    table[0] = 1
    return np.cumprod(table, dtype=_U64)  # wraps modulo 2**64


_POWERS = _Powers()


class RunHasher:
    """Hashes of runs of one code-point array; the prefix sums are computed once and shared."""

    def __init__(self, codes: np.ndarray) -> None:
        pos, neg = _POWERS.upto(len(codes) + 1)
        self.powers = pos
        self.prefix = np.zeros(len(codes) + 1, dtype=_U64)
        np.cumsum(codes.astype(_U64) * neg[:len(codes)], out=self.prefix[1:])

    def __call__(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Hash of codes[start[i]:end[i]] for each i (non-empty runs), mixed with the run length."""
        if len(start) == 0:
            return np.zeros(0, dtype=_U64)
        h = (self.prefix[end] - self.prefix[start]) * self.powers[end - 1]
        return h + (end - start).astype(_U64) * _LENGTH_MIX


def run_hashes(codes: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Hash of codes[start[i]:end[i]] for each i (non-empty runs), mixed with the run length."""
    return RunHasher(codes)(start, end)


def string_hash(text: str) -> int:
    """run_hashes of one string, computed in Python."""
    h = 0
    for ch in text:
        h = (h * BASE + ord(ch)) % _MOD
    return (h + len(text) * int(_LENGTH_MIX)) % _MOD


def ragged_equal(a: np.ndarray, a_pos: np.ndarray, b: np.ndarray, b_pos: np.ndarray,
                 length: np.ndarray) -> np.ndarray:
    """For each i: a[a_pos[i]:a_pos[i]+length[i]] == b[b_pos[i]:b_pos[i]+length[i]]."""
    m = len(length)
    total = int(length.sum())
    if total == 0:
        return np.ones(m, dtype=bool)
    item = np.repeat(np.arange(m), length)
    offsets = np.zeros(m, dtype=np.int64)
    np.cumsum(length[:-1], out=offsets[1:])
    k = np.arange(total) - offsets[item]
    differs = a[a_pos[item] + k] != b[b_pos[item] + k]
    return np.bincount(item[differs], minlength=m) == 0


_GROUP_MIX = np.uint64(0x2545F4914F6CDD1D)


_MAX_ROUNDS = 64


def first_equal(keys: np.ndarray) -> np.ndarray:
    """For each i, the smallest j with keys[j] == keys[i] (exact on the keys; any integer dtype).

    An open-addressing table filled in vectorised rounds: all copies of a key probe the same
    slots in lock-step, and np.minimum.at lets the smallest index claim an empty slot; so no sort.
    """
    n = len(keys)
    result = np.empty(n, dtype=np.int64)
    if n == 0:
        return result
    bits = max(1, int(n * 2 - 1).bit_length())
    size = 1 << bits
    mixed = keys.astype(_U64) * _U64(0x9FB21C651E98DF25)  # spread keys over the high bits
    slot = (mixed >> _U64(64 - bits)).astype(np.int64)
    empty_mark = np.iinfo(np.int64).max
    table = np.full(size, empty_mark, dtype=np.int64)
    pending = np.arange(n)
    for _ in range(_MAX_ROUNDS):
        if not len(pending):
            return result
        occupant = table[slot]
        empty = occupant == empty_mark
        if empty.any():
            np.minimum.at(table, slot[empty], pending[empty])
            occupant = table[slot]
        match = keys[occupant] == keys[pending]
        result[pending[match]] = occupant[match]
        pending = pending[~match]
        slot = (slot[~match] + 1) & (size - 1)
    if not len(pending):
        return result
    # Long probe chains (unlucky or adversarial keys): sort instead.
    _, first_idx, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first_idx[inverse.reshape(-1)].astype(np.int64)


def first_occurrences(codes: np.ndarray, group: np.ndarray, pos: np.ndarray, length: np.ndarray,
                      hashes: np.ndarray) -> np.ndarray | None:
    """Per run, the index of the first run of its group (document) with the same code points.

    Runs are codes[pos[i]:pos[i]+length[i]], hashed by run_hashes, in group order. Returns None
    when two different runs of a group share a hash (the caller then compares strings).
    """
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64)
    first = first_equal(hashes ^ (group.astype(_U64) * _GROUP_MIX))
    later = np.flatnonzero(first != np.arange(len(first)))
    rep = first[later]
    if not (np.array_equal(group[later], group[rep]) and np.array_equal(length[later], length[rep])):
        return None
    if not ragged_equal(codes, pos[later], codes, pos[rep], length[later]).all():
        return None
    return first


@dataclass(frozen=True)
class VocabularyTable:
    """A word list prepared for runs_isin: sorted hashes, the entries' code points, a bucket filter."""

    hashes: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    unique: bool  # no two entries share a hash
    buckets: np.ndarray  # bool per low-16-bit value: some entry hash has it


@cache
def vocabulary_table(vocabulary: frozenset[str]) -> VocabularyTable:
    entries = sorted(vocabulary, key=string_hash)
    hashes = np.array([string_hash(e) for e in entries], dtype=_U64)
    codes = np.frombuffer("".join(entries).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.array([len(e) for e in entries], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(entries) else lengths
    buckets = np.zeros(1 << 16, dtype=bool)
    buckets[(hashes & _U64(0xFFFF)).astype(np.intp)] = True
    return VocabularyTable(hashes, codes, offsets, lengths, len(np.unique(hashes)) == len(hashes), buckets)


def runs_isin(codes: np.ndarray, pos: np.ndarray, length: np.ndarray, hashes: np.ndarray,
              vocabulary: frozenset[str], text: Callable[[int], str], where: np.ndarray | None = None) -> np.ndarray:
    """Per run i (codes[pos[i]:pos[i]+length[i]], hashed as run_hashes): whether it is in `vocabulary`.

    Only the runs whose indices are in `where` (default: all) are looked at; the others are False.
    Exact: a hash match is confirmed by comparing code points (or, if two entries share a hash,
    by comparing `text(i)` as a string).
    """
    table = vocabulary_table(vocabulary)
    out = np.zeros(len(hashes), dtype=bool)
    if len(table.hashes) == 0 or len(hashes) == 0:
        return out
    sub = hashes if where is None else hashes[where]
    cand = np.flatnonzero(table.buckets[(sub & _U64(0xFFFF)).astype(np.intp)])
    j = np.minimum(np.searchsorted(table.hashes, sub[cand]), len(table.hashes) - 1)
    hit = table.hashes[j] == sub[cand]
    cand, j = cand[hit], j[hit]
    if where is not None:
        cand = where[cand]
    if not table.unique:
        out[cand] = [text(i) in vocabulary for i in cand.tolist()]
        return out
    same = table.lengths[j] == length[cand]
    cand, j = cand[same], j[same]
    out[cand] = ragged_equal(codes, pos[cand], table.codes, table.offsets[j], table.lengths[j])
    return out
