"""How close a selection's n-gram distribution is to the target's (the DSIR paper's KL reduction).

The KL is smoothed by ε = 1e-8 only, so a target bucket the selection never hits costs p·18.4 nats:
when the selection holds few n-grams per bucket (a small k against 10,000 buckets), the KL measures
how many buckets a sample covers more than how close it is. The total variation distance has no such
term; read both, and compare KL values of samples of the same size (as the random baseline is).
"""

from __future__ import annotations

import numpy as np

from signals.dsir import EPS, distribution


def kl_divergence(target_counts: np.ndarray, counts: np.ndarray) -> float:
    """KL(p_target || q) over hash buckets, both smoothed by 1e-8: Σ p log((p + ε) / (q + ε))."""
    p, q = distribution(target_counts), distribution(counts)
    return float(np.sum(p * (np.log(p + EPS) - np.log(q + EPS))))


def total_variation(target_counts: np.ndarray, counts: np.ndarray) -> float:
    """Total variation distance ½ Σ |p - q| between the two bucket distributions (0 = equal, 1 = disjoint)."""
    return float(0.5 * np.abs(distribution(target_counts) - distribution(counts)).sum())


def selection_metrics(target_counts: np.ndarray, selected: np.ndarray, random: np.ndarray) -> dict[str, float]:
    """KL to the target of the selection and of a random selection of the same size, their difference
    (kl_reduction = kl_random - kl_selected; positive when the selection is closer), and both distances."""
    kl_selected, kl_random = kl_divergence(target_counts, selected), kl_divergence(target_counts, random)
    return {"kl_selected": round(kl_selected, 6), "kl_random": round(kl_random, 6),
            "kl_reduction": round(kl_random - kl_selected, 6),
            "distance_selected": round(total_variation(target_counts, selected), 6),
            "distance_random": round(total_variation(target_counts, random), 6)}
