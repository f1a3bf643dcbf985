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
from dedup_data import make_corpus, make_variant_corpus, oracle_pairs, write_annotated  # noqa: E402

from pipeline.dedup.run import run_dedup  # noqa: E402
from schemas.dedup import DedupConfig  # noqa: E402
from signals.views import normalize  # noqa: E402

RATES = (0.003, 0.01, 0.02, 0.03, 0.05, 0.1)  # word replacement rates: Jaccard ~0.97 ... ~0.4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    docs = make_corpus(2500, seed=3, rates=RATES)
    folder = tmp_path_factory.mktemp("quality")
    write_annotated(docs, folder / "annotated", files=4)
    return docs, folder, oracle_pairs(docs)


def _clusters(folder: Path) -> np.ndarray:
    return pq.read_table(folder).column("fuzzy_cluster").to_numpy()


def _pairs_in_clusters(cluster: np.ndarray) -> list[tuple[int, int]]:
    same = defaultdict(list)
    for i, c in enumerate(cluster):
        same[c].append(i)
    return [p for m in same.values() if len(m) > 1 for p in itertools.combinations(m, 2)]


BANDS = {"[0.8,0.85)": (0.8, 0.85), "[0.85,0.9)": (0.85, 0.9), "[0.9,1.0]": (0.9, 1.01)}


@pytest.mark.parametrize("verify", ["off", "exact", "estimate"])
def test_recall_and_precision_by_similarity_band(corpus, verify):
    """Recall: planted-corpus pairs of true Jaccard J in a band that end up in one cluster.
    Precision: of all pairs of documents put in one cluster, those whose true J >= 0.8 (the threshold)."""
    docs, folder, truth = corpus
    out = folder / f"out-{verify}"
    run_dedup(DedupConfig(inputs=(str(folder / "annotated"),), output=str(out), verify=verify), None)
    cluster = _clusters(out)
    # 'estimate' compares estimates (sd ~0.035 at 128 bins) with the threshold itself, so pairs just
    # above it are dropped about half the time: its recall bound starts one band higher.
    floor = {"off": (0.95, 0.95, 0.95), "exact": (0.95, 0.95, 0.95), "estimate": (0.7, 0.95, 0.95)}[verify]
    for (name, (lo, hi)), bound in zip(BANDS.items(), floor, strict=True):
        pairs = [p for p, j in truth.items() if lo <= j < hi]
        assert len(pairs) >= 40, f"too few planted pairs in {name}"
        recall = np.mean([cluster[a] == cluster[b] for a, b in pairs])
        print(f"verify={verify} recall {name}: {recall:.3f} over {len(pairs)} pairs")
        assert recall >= bound
    sims = np.array([truth.get(p, 0.0) for p in _pairs_in_clusters(cluster)])
    precision = np.mean(sims >= 0.8)
    print(f"verify={verify}: {len(sims)} clustered pairs, precision(J>=0.8) {precision:.4f}, "
          f"(J>=0.7) {np.mean(sims >= 0.7):.4f}")
    assert len(sims) >= 600
    assert precision >= {"off": 0.6, "exact": 0.99, "estimate": 0.9}[verify]
    low = [p for p, j in truth.items() if j < 0.5]
    assert np.mean([cluster[a] == cluster[b] for a, b in low]) < (0.05 if verify == "off" else 0.001)


def _verified_and_candidates(monkeypatch, config: DedupConfig) -> tuple[list, list]:
    from pipeline.dedup import stages

    seen: dict[str, list[tuple[int, int]]] = {"candidates": [], "verified": []}
    unique_pairs, write_forest = stages._unique_pairs, stages._write_forest

    def candidates(u, v):
        u, v = unique_pairs(u, v)
        seen["candidates"] += [(min(a, b), max(a, b)) for a, b in zip(u.tolist(), v.tolist(), strict=True)]
        return u, v

    def verified(u, v, name, job):
        seen["verified"] += [(min(a, b), max(a, b)) for a, b in zip(u.tolist(), v.tolist(), strict=True)]
        write_forest(u, v, name, job)

    monkeypatch.setattr(stages, "_unique_pairs", candidates)
    monkeypatch.setattr(stages, "_write_forest", verified)
    run_dedup(config, None, quiet=True)
    return seen["verified"], seen["candidates"]


def test_exact_verification_keeps_exactly_the_candidates_at_or_above_the_threshold(corpus, monkeypatch):
    """Verified edges = the LSH candidate pairs whose true Jaccard (brute-force oracle) is >= 0.8."""
    docs, folder, truth = corpus
    config = DedupConfig(inputs=(str(folder / "annotated"),), output=str(folder / "edges"), verify="exact")
    verified, candidates = _verified_and_candidates(monkeypatch, config)
    want = {p for p in candidates if truth.get(p, 0.0) >= 0.8}
    below = len(set(candidates) - want)
    print(f"{len(candidates)} candidates, {len(want)} at J >= 0.8, {below} below")
    assert len(want) >= 500 and below >= 100     # the check has work to do on both sides
    assert sorted(verified) == sorted(want)


def test_exact_verification_of_rpv2_signatures_uses_normalized_13_grams(tmp_path, monkeypatch):
    docs = make_corpus(300, seed=4, words=200, rates=(0.003, 0.01, 0.015, 0.02, 0.03))
    truth = oracle_pairs(docs, 13, words=lambda d: normalize(d).split())
    write_annotated(docs, tmp_path / "annotated", files=2, scheme="rpv2")
    config = DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "out"), verify="exact",
                         threshold=0.7)
    verified, candidates = _verified_and_candidates(monkeypatch, config)
    want = {p for p in candidates if truth.get(p, 0.0) >= 0.7}
    print(f"rpv2: {len(candidates)} candidates, {len(want)} at J >= 0.7")
    assert len(want) >= 30 and len(set(candidates) - want) >= 5
    assert sorted(verified) == sorted(want)


def test_recall_inside_clusters_of_many_variants(tmp_path):
    """Buckets holding many variants of one template: a member that fails against the bucket's first
    document must still meet the other members it resembles (exact verification checks all pairs of
    small buckets). Precision of clustered pairs is printed, not asserted: connected components join
    chains of near-duplicates whose ends are below the threshold, whatever the verification (the
    default center clusters do not: see the next test)."""
    docs = make_variant_corpus(30, 20, 500, seed=2)
    truth = oracle_pairs(docs)
    write_annotated(docs, tmp_path / "annotated", files=3)
    run_dedup(DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "out"), verify="exact",
                          clusters="components"), None, quiet=True)
    cluster = _clusters(tmp_path / "out")
    pairs = [p for p, j in truth.items() if j >= 0.8]
    recall = np.mean([cluster[a] == cluster[b] for a, b in pairs])
    sims = np.array([truth.get(p, 0.0) for p in _pairs_in_clusters(cluster)])
    print(f"variants: recall(J>=0.8) {recall:.4f} over {len(pairs)} pairs; clustered-pair precision "
          f"(J>=0.8) {np.mean(sims >= 0.8):.3f}, (J>=0.7) {np.mean(sims >= 0.7):.3f}")
    assert len(pairs) >= 500 and recall >= 0.98
    assert np.mean(sims >= 0.6) >= 0.99    # nothing joined outside a template's variants


def test_default_center_clusters_remove_only_true_near_duplicates(tmp_path):
    """The default (exact verification, center clusters) on chained template variants: every removed
    document's true Jaccard with the document kept for its cluster reaches the threshold, and nearly
    every true pair loses one of its two documents. Whole components remove dissimilar documents."""
    docs = make_variant_corpus(30, 20, 500, seed=2)
    truth = oracle_pairs(docs)
    write_annotated(docs, tmp_path / "annotated", files=3)
    results = {}
    for clusters in ("centers", "components"):
        out = tmp_path / clusters
        config = DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(out), clusters=clusters)
        assert config.verify == "exact"
        run_dedup(config, None, quiet=True)
        t = pq.read_table(out)
        cluster, keep = t.column("fuzzy_cluster").to_numpy(), t.column("fuzzy_keep").to_numpy()
        removed = np.flatnonzero(~keep)
        assert (keep[cluster[removed]]).all()       # the cluster id is the kept document (keep rule `first`)
        similar = np.array([truth.get((min(i, c), max(i, c)), 0.0) >= 0.8 for i, c in zip(removed, cluster[removed], strict=True)])
        pairs = [p for p, j in truth.items() if j >= 0.8]
        resolved = np.mean([not (keep[a] and keep[b]) for a, b in pairs])
        sizes = np.bincount(cluster)[cluster]
        assert (t.column("cluster_size").to_numpy() == sizes).all()
        results[clusters] = (len(removed), similar.mean(), resolved)
        print(f"{clusters}: {len(removed)} removed, removal precision {similar.mean():.3f}, "
              f"true pairs with one removed {resolved:.3f}")
    removed, precision, resolved = results["centers"]
    assert removed >= 150 and precision == 1.0 and resolved >= 0.98
    assert results["components"][1] < 0.8      # chains: the case the centers exist for


def test_greedy_centers_claims_neighbours_in_index_order():
    from pipeline.dedup.centers import greedy_centers

    # chain 1-2-3-4 and triangle 10-11-12 with a tail 12-13
    u = np.array([2, 3, 4, 11, 12, 12, 13])
    v = np.array([1, 2, 3, 10, 10, 11, 12])
    nodes, center = greedy_centers(u, v)
    assert dict(zip(nodes.tolist(), center.tolist(), strict=True)) == {
        1: 1, 2: 1, 3: 3, 4: 3, 10: 10, 11: 10, 12: 10, 13: 13}
