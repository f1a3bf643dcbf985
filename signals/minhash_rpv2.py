"""MinHash scheme `rpv2`: bit-compatible with RedPajama-V2 and datasketch's legacy permutations.

Shingles are the `" ".join(n-gram)` of the spec's normalized words (n = 13 for RedPajama-V2).
Base hash: the first 4 bytes of SHA-1 of the UTF-8 shingle, little-endian (datasketch's
`sha1_hash32`). Permutations: `rng = np.random.RandomState(seed)`; for each of `num_perm`,
`a = rng.randint(1, 2**61-1)` then `b = rng.randint(0, 2**61-1)` (uint64). Value:
`((h*a + b) mod (2**61-1)) & 0xFFFFFFFF` with `h*a + b` wrapping in uint64; signature = min.

Speed comes from two things, neither of which changes a bit of the result: a shingle is a
slice of the normalized text's UTF-8 bytes (no list joins), and the permutations run in
cache-sized blocks with the Mersenne reduction `x mod p = (x & p) + (x >> 61)` (one conditional
correction) instead of a division.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)
LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(61)
_BLOCK = 256  # shingles per block: block x num_perm uint64 stays in L2


@functools.lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b), each uint64[num_perm], drawn exactly as datasketch's legacy scheme draws them."""
    rng = np.random.RandomState(seed)
    pairs = [(rng.randint(1, MERSENNE, dtype=np.uint64), rng.randint(0, MERSENNE, dtype=np.uint64))
             for _ in range(num_perm)]
    a = np.array([p[0] for p in pairs], dtype=np.uint64)
    b = np.array([p[1] for p in pairs], dtype=np.uint64)
    return a, b


def word_spans(encoded: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Byte (start, end) of each word of a normalized text (words are separated by one space)."""
    if not encoded:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    spaces = np.flatnonzero(np.frombuffer(encoded, np.uint8) == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(encoded)]))
    return starts, ends


def shingle_hashes(encoded: bytes, n: int) -> np.ndarray | None:
    """sha1_hash32 of every word n-gram of a normalized text's UTF-8 (uint64), None below n words."""
    starts, ends = word_spans(encoded)
    count = len(starts) - n + 1
    if count <= 0:
        return None
    sha1 = hashlib.sha1
    digests = b"".join([sha1(encoded[s:e]).digest()
                        for s, e in zip(starts[:count].tolist(), ends[n - 1:].tolist(), strict=True)])
    first4 = np.frombuffer(digests, dtype=np.uint8).reshape(count, 20)[:, :4]
    return np.ascontiguousarray(first4).view("<u4").ravel().astype(np.uint64)


def _permuted_min(hashes: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray,
                  x: np.ndarray, y: np.ndarray) -> None:
    """out[k] = min over hashes of ((h*a[k] + b[k]) mod p) & 0xFFFFFFFF (bit-exact, in place).

    x and y are (_BLOCK, num_perm) uint64 scratch buffers, reused across calls: fresh arrays of
    this size come from mmap and pay page faults on every block.
    """
    for start in range(0, len(hashes), _BLOCK):
        h = hashes[start:start + _BLOCK, None]
        xs, ys = x[:len(h)], y[:len(h)]
        np.multiply(h, a, out=xs)
        xs += b
        np.bitwise_and(xs, MERSENNE, out=ys)
        xs >>= _SHIFT
        ys += xs                    # ys = x mod p, or ys in [p, p + 7) needing one subtraction
        if ys.max() >= MERSENNE:    # rare: subtract p where needed (p's low 32 bits are 2**32 - 1)
            np.subtract(ys, MERSENNE, out=ys, where=ys >= MERSENNE)
        ys &= LOW32
        np.minimum(out, ys.min(axis=0), out=out)


def signatures(normalized: Sequence[bytes], n: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(signatures uint32[docs, num_perm], valid bool[docs]) for normalized texts in UTF-8."""
    a, b = permutations(num_perm, seed)
    sigs = np.full((len(normalized), num_perm), LOW32, dtype=np.uint64)
    valid = np.zeros(len(normalized), dtype=bool)
    x = np.empty((_BLOCK, num_perm), dtype=np.uint64)
    y = np.empty_like(x)
    for i, text in enumerate(normalized):
        hashes = shingle_hashes(text, n)
        if hashes is None:
            continue
        valid[i] = True
        _permuted_min(hashes, a, b, sigs[i], x, y)
    return sigs.astype(np.uint32), valid
