"""Fuzzy dedup against a brute-force word-5-gram Jaccard oracle on planted near-duplicates."""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dedup_data import make_corpus, write_annotated  # noqa: E402

from pipeline.dedup.run import run_dedup  # noqa: E402
from schemas.dedup import DedupConfig  # noqa: E402

RATES = (0.003, 0.01, 0.02, 0.03, 0.05, 0.1)  # word replacement rates: Jaccard ~0.97 ... ~0.4


def oracle_pairs(docs: list[str], n: int = 5) -> dict[tuple[int, int], float]:
    """Exact word-n-gram Jaccard of every pair sharing at least one shingle (others are 0)."""
    sets = []
    for d in docs:
        w = d.lower().replace("!", "").split()
        sets.append({tuple(w[i:i + n]) for i in range(len(w) - n + 1)})
    index = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            index[g].append(i)
    pairs = {p for members in index.values() for p in itertools.combinations(members, 2)}
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    docs = make_corpus(2500, seed=3, rates=RATES)
    folder = tmp_path_factory.mktemp("quality")
    write_annotated(docs, folder / "annotated", files=4)
    return docs, folder, oracle_pairs(docs)


def _clusters(folder: Path) -> np.ndarray:
    return pq.read_table(folder).column("fuzzy_cluster").to_numpy()


@pytest.mark.parametrize("verify", [False, True])
def test_recall_and_precision_by_similarity_band(corpus, verify):
    docs, folder, truth = corpus
    out = folder / f"out-{verify}"
    run_dedup(DedupConfig(inputs=(str(folder / "annotated"),), output=str(out), verify=verify), None)
    cluster = _clusters(out)
    # --verify compares estimates (sd ~0.035 at 128 bins) with the threshold itself, so pairs just
    # above it are dropped about half the time: its recall bound starts one band higher.
    bands = {"[0.8,0.85)": (0.8, 0.85, 0.95, 0.7), "[0.85,0.9)": (0.85, 0.9, 0.95, 0.95),
             "[0.9,1.0]": (0.9, 1.01, 0.95, 0.95)}
    for name, (lo, hi, plain_bound, verify_bound) in bands.items():
        pairs = [p for p, j in truth.items() if lo <= j < hi]
        assert len(pairs) >= 40, f"too few planted pairs in {name}"
        recall = np.mean([cluster[a] == cluster[b] for a, b in pairs])
        print(f"verify={verify} recall {name}: {recall:.3f} over {len(pairs)} pairs")
        assert recall >= (verify_bound if verify else plain_bound)
    same = defaultdict(list)
    for i, c in enumerate(cluster):
        same[c].append(i)
    clustered = [p for m in same.values() if len(m) > 1 for p in itertools.combinations(m, 2)]
    sims = np.array([truth.get(p, 0.0) for p in clustered])
    print(f"verify={verify}: {len(clustered)} clustered pairs, "
          f"precision(J>=0.7) {np.mean(sims >= 0.7):.4f}, (J>=0.8) {np.mean(sims >= 0.8):.4f}")
    if verify:
        assert np.mean(sims >= 0.7) >= 0.99   # estimates carry sd ~0.035 at 128 bins: 0.1 of slack
        assert np.mean(sims >= 0.8) >= 0.9
    low = [p for p, j in truth.items() if j < 0.5]
    assert np.mean([cluster[a] == cluster[b] for a, b in low]) < (0.05 if not verify else 0.001)
