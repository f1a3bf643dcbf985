"""Exact Jaccard of candidate pairs over the word n-gram shingle sets their signatures were made from.

A shingle set is the set of 64-bit hashes of a document's word n-grams, with the words and `n`
of the signature scheme: `oph` hashes the words of its own text view (lowercased, ASCII
punctuation deleted, split on ASCII whitespace); `rpv2` the words of the spec's normalized text.
Both use the oph scheme's 64-bit n-gram hash, so two shingles count as equal exactly when their
words are equal, up to 64-bit hash collisions (about |A|*|B|/2**64 per pair).

Sets travel as (values, offsets): `values[offsets[i]:offsets[i+1]]` is document i's set, sorted,
without repeats. `pair_jaccard` computes |A & B| / |A | B| for many pairs at once with one sort.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from signals import minhash_oph
from signals.views import normalize

_U = np.uint64


def _texts_as_words(texts: Sequence[str], scheme: str) -> list[bytes]:
    if scheme == "oph":
        return [minhash_oph.word_bytes(t) for t in texts]
    if scheme == "rpv2":
        return [normalize(t).encode("utf-8", "surrogatepass") for t in texts]
    raise ValueError(f"no shingle definition for scheme {scheme!r}")


def shingle_sets(texts: Sequence[str], scheme: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(values uint64, offsets int64[len(texts)+1]): each text's sorted set of n-gram hashes."""
    encoded = _texts_as_words(texts, scheme)
    words, docs = minhash_oph.word_hashes(encoded, n, seed)
    hashes, docs = minhash_oph.shingle_hashes(words, docs, n, seed)
    order = np.lexsort((hashes, docs))
    hashes, docs = hashes[order], docs[order]
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])
    hashes, docs = hashes[new], docs[new]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=len(texts)), out=offsets[1:])
    return hashes, offsets


def take_sets(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sets of `rows` (in that order, repeats allowed) as a new (values, offsets)."""
    starts, lengths = offsets[rows], offsets[rows + 1] - offsets[rows]
    out_offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out_offsets[1:])
    index = np.arange(out_offsets[-1], dtype=np.int64) - np.repeat(out_offsets[:-1] - starts, lengths)
    return values[index], out_offsets


def pair_jaccard(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Jaccard of pair i = (set i of `a`, set i of `b`); both sides have the same number of sets.

    Each set holds no repeats, so after sorting the concatenation by (pair, value) every shared
    value shows up as two equal neighbours: their count is the intersection. Two empty sets: 0.
    """
    (va, oa), (vb, ob) = a, b
    pairs = len(oa) - 1
    size_a, size_b = np.diff(oa), np.diff(ob)
    pair = np.concatenate([np.repeat(np.arange(pairs), size_a), np.repeat(np.arange(pairs), size_b)])
    values = np.concatenate([va, vb])
    order = np.lexsort((values, pair))
    pair, values = pair[order], values[order]
    same = (pair[1:] == pair[:-1]) & (values[1:] == values[:-1])
    shared = np.bincount(pair[1:][same], minlength=pairs)
    union = size_a + size_b - shared
    return np.divide(shared, union, out=np.zeros(pairs), where=union > 0)
