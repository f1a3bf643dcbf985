"""LSH banding: bands x rows for a Jaccard threshold, and one 64-bit key per (document, band)."""

from __future__ import annotations

import functools

import numpy as np
from scipy.integrate import quad

from signals.minhash_oph import fmix64

_U = np.uint64
FN_WEIGHT = 0.95  # weight of false negatives in the dedup stage (false positives: 1 - FN_WEIGHT)


def _false_positive(threshold: float, bands: int, rows: int) -> float:
    """Area under the S-curve below the threshold: pairs under it that become candidates."""
    return quad(lambda s: 1 - (1 - s ** rows) ** bands, 0.0, threshold)[0]


def _false_negative(threshold: float, bands: int, rows: int) -> float:
    """Area above the S-curve over the threshold: pairs over it that never share a bucket."""
    return quad(lambda s: (1 - s ** rows) ** bands, threshold, 1.0)[0]


@functools.lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows), bands*rows <= num_perm, minimising fp_weight*FP + fn_weight*FN.

    The rule of datasketch's MinHashLSH (both probabilities are integrals of the S-curve
    1-(1-s^r)^b over [0, t] and [t, 1]). For 128 permutations and equal weights: 0.9 -> 5x25,
    0.8 -> 9x13, 0.7 -> 14x9. The dedup stage weights recall higher (FN_WEIGHT): at 0.8 that is
    16x8, which makes a pair at J=0.8 a candidate with probability 0.95 (9x13: 0.40); the extra
    candidates below the threshold are what --verify removes.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = fp_weight * _false_positive(threshold, bands, rows) + \
                fn_weight * _false_negative(threshold, bands, rows)
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of this Jaccard similarity share at least one bucket."""
    return 1 - (1 - similarity ** rows) ** bands


@functools.lru_cache(maxsize=8)
def _multipliers(rows: int) -> np.ndarray:
    rng = np.random.RandomState(20240611)
    return rng.randint(0, 2**63, size=rows, dtype=np.uint64) * _U(2) + _U(1)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint64[docs, bands]: fmix64 of a multiply-sum of the band's rows, salted by the band number."""
    mult = _multipliers(rows)
    keys = np.empty((signatures.shape[0], bands), dtype=_U)
    with np.errstate(over="ignore"):
        for b in range(bands):
            block = signatures[:, b * rows:(b + 1) * rows].astype(_U)
            h = (block * mult).sum(axis=1, dtype=_U)
            h += _U(b + 1) * _U(0x9E3779B97F4A7C15)
            keys[:, b] = fmix64(h)
    return keys
