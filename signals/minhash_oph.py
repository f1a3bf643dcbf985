"""MinHash scheme `oph`: one-permutation hashing with optimal densification, vectorised in numpy.

Words: the text lowercased, ASCII punctuation deleted, split on ASCII whitespace (no Unicode
normalization: the scheme is defined on these bytes). Word hash: a polynomial hash of the word's
UTF-8 bytes mod 2**64 (computed for a whole batch from one prefix sum), mixed with its length
through the MurmurHash3 64-bit finalizer (fmix64). Shingle hash: fmix64 of sum_t word[k+t]*q_t
over the n words of the n-gram (q_t odd constants). Every constant comes from xxh64 of a label
with the scheme's seed, so a (n, num_perm, seed) triple fixes every bit.

Signature (Li, Owen & Zhang 2012; Shrivastava 2017): each shingle hash h goes to bin
`((h >> 32) * num_perm) >> 32` with value `h & 0xFFFFFFFF`; a bin keeps its minimum value. An
empty bin j copies the value of bin `probe(j, t)` for the first t = 1, 2, ... whose bin is
non-empty (probe depends on j, t and the seed only). With that rule
P[sig_A[j] == sig_B[j]] = Jaccard(A, B) for every j, as for k-permutation MinHash, at the cost
of one hash per shingle instead of num_perm.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence

import numpy as np
import xxhash

from signals import chartables as ct
from signals import kernels
from signals.arrays import code_points_view
from signals.batch import TextBatch

_U = np.uint64
LOW32 = _U(0xFFFFFFFF)
_M1, _M2 = _U(0xFF51AFD7ED558CCD), _U(0xC4CEB9FE1A85EC53)
_PUNCT = string.punctuation.encode("ascii")
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True
_PUNCTUATION = np.zeros(256, dtype=bool)
_PUNCTUATION[list(_PUNCT)] = True
# kernels.oph_bin_minima's view of an ASCII character: its lowercase byte, or that it is punctuation or whitespace
ASCII_BYTES = np.array([ord(chr(c).lower()) for c in range(128)], dtype=np.uint16)
ASCII_BYTES[_PUNCTUATION[:128]] = kernels.OPH_SKIP
ASCII_BYTES[_WHITESPACE[:128]] = kernels.OPH_SPACE


def fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (a bijection), in place on a uint64 array; returns it."""
    x ^= x >> _U(33)
    x *= _M1
    x ^= x >> _U(33)
    x *= _M2
    x ^= x >> _U(33)
    return x


def _constant(label: str, seed: int, odd: bool = False) -> np.uint64:
    value = xxhash.xxh64_intdigest(f"assay.oph.{label}".encode(), seed=seed)
    return _U(value | 1 if odd else value)


@functools.lru_cache(maxsize=4)
def _constants(n: int, seed: int) -> dict[str, object]:
    return {
        "p": _constant("byte_base", seed, odd=True),
        "word": _constant("word_key", seed),
        "length": _constant("length_key", seed, odd=True),
        "q": np.array([_constant(f"position_{t}", seed, odd=True) for t in range(n)], dtype=_U),
        "shingle": _constant("shingle_key", seed),
        "probe": _constant("probe_key", seed),
        "probe_bin": _constant("probe_bin", seed, odd=True),
        "probe_try": _constant("probe_try", seed, odd=True),
    }


class _Powers:
    """p**i and p**-i mod 2**64 for i < size, grown on demand (cached per base)."""

    def __init__(self, p: np.uint64) -> None:
        self.p = p
        self.inverse = _U(pow(int(p), -1, 1 << 64))
        self.up = self.down = np.ones(0, dtype=_U)

    def ensure(self, size: int) -> None:
        if len(self.up) >= size:
            return
        size = max(size, 2 * len(self.up), 1 << 16)
        with np.errstate(over="ignore"):
            self.up = np.cumprod(np.concatenate(([_U(1)], np.full(size - 1, self.p, dtype=_U))))
            self.down = np.cumprod(np.concatenate(([_U(1)], np.full(size - 1, self.inverse, dtype=_U))))


@functools.lru_cache(maxsize=4)
def _powers(p: int) -> _Powers:
    return _Powers(_U(p))


def word_bytes(text: str) -> bytes:
    """The bytes the scheme reads: lowercase, ASCII punctuation deleted, UTF-8."""
    return text.lower().encode("utf-8", "surrogatepass").translate(None, _PUNCT)


def word_hashes(encoded: Sequence[bytes], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(hash of every word, index of its document) for byte texts, words in text order."""
    c = _constants(n, seed)
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    buf = np.frombuffer(b" ".join(encoded), dtype=np.uint8)
    if not len(buf):
        return np.zeros(0, _U), np.zeros(0, np.int64)
    inside = (~_WHITESPACE[buf]).view(np.int8)
    step = np.diff(inside, prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(step == 1)
    ends = np.flatnonzero(step == -1)
    powers = _powers(int(c["p"]))
    powers.ensure(len(buf) + 1)
    prefix = np.zeros(len(buf) + 1, dtype=_U)
    with np.errstate(over="ignore"):
        np.cumsum(buf.astype(_U) * powers.up[: len(buf)], out=prefix[1:])
        words = (prefix[ends] - prefix[starts]) * powers.down[starts]
        words ^= c["word"]
        words += (ends - starts).astype(_U) * c["length"]
    doc_starts = np.cumsum(lengths + 1) - (lengths + 1)
    docs = np.searchsorted(doc_starts, starts, side="right") - 1
    return fmix64(words), docs


def shingle_hashes(words: np.ndarray, docs: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(hash of every word n-gram inside one document, its document index)."""
    count = len(words) - n + 1
    if count <= 0:
        return np.zeros(0, _U), np.zeros(0, np.int64)
    q = _constants(n, seed)["q"]
    with np.errstate(over="ignore"):
        h = words[:count] * q[0]
        for t in range(1, n):
            h += words[t:t + count] * q[t]
    inside = docs[:count] == docs[n - 1:]
    h = h[inside]
    h ^= _constants(n, seed)["shingle"]
    return fmix64(h), docs[:count][inside]


def _densify(sig: np.ndarray, filled: np.ndarray, rows: np.ndarray, num_perm: int, n: int, seed: int) -> None:
    """Fill the empty bins of `rows` (documents with at least one shingle) by optimal densification."""
    c = _constants(n, seed)
    empty = np.flatnonzero(~filled[rows].ravel())
    if not len(empty):
        return
    doc = rows[empty // num_perm]
    j = (empty % num_perm).astype(_U)
    attempt = _U(1)
    k = _U(num_perm)
    while len(doc):
        with np.errstate(over="ignore"):
            probe = j * c["probe_bin"] + attempt * c["probe_try"]
            probe ^= c["probe"]
            source = ((fmix64(probe) >> _U(32)) * k) >> _U(32)
        source = source.astype(np.int64)
        hit = filled[doc, source]
        sig[doc[hit], j[hit].astype(np.int64)] = sig[doc[hit], source[hit]]
        doc, j = doc[~hit], j[~hit]
        attempt += _U(1)


def signatures(texts: Sequence[str], n: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(signatures uint32[docs, num_perm], valid bool[docs]); valid means at least n words."""
    points = code_points_view(TextBatch(texts))
    return code_point_signatures(points.codes, points.doc_start, n, num_perm, seed)


def code_point_signatures(codes: np.ndarray, doc_start: np.ndarray, n: int, num_perm: int,
                          seed: int) -> tuple[np.ndarray, np.ndarray]:
    """signatures of the texts codes[doc_start[d]:doc_start[d + 1]] (a batch's code_points view).

    The words and shingles of word_hashes and shingle_hashes, each bin's minimum, computed in one
    compiled pass that lowercases as it reads (kernels.oph_bin_minima; tests/test_minhash.py checks
    the two agree)."""
    c = _constants(n, seed)
    n_docs = len(doc_start) - 1
    sig = np.full((n_docs, num_perm), 0xFFFFFFFF, dtype=np.uint32)
    filled = np.zeros((n_docs, num_perm), dtype=bool)
    valid = np.zeros(n_docs, dtype=bool)
    t = ct.lower_tables()
    keys = np.array([c["p"], c["word"], c["length"], c["shingle"]], dtype=_U)
    kernels.oph_bin_minima(codes, doc_start, t.mapping, t.multi_start, t.multi_codes, ct.lower_nfd_tables().sigma,
                           ASCII_BYTES, keys, c["q"], sig, filled, valid)
    _densify(sig, filled, np.flatnonzero(valid), num_perm, n, seed)
    return sig, valid
