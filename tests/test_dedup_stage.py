"""Dedup stage: output schema, determinism across partitions/workers, both component algorithms,
exact dedup of short documents, keep rules and refusal to mix signature parameters."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasketch.lsh import _optimal_param

sys.path.insert(0, str(Path(__file__).parent))
from dedup_data import make_corpus, write_annotated  # noqa: E402

from pipeline.dedup.components import union_find  # noqa: E402
from pipeline.dedup.lsh import FN_WEIGHT, candidate_probability, optimal_bands  # noqa: E402
from pipeline.dedup.run import run_dedup  # noqa: E402
from schemas.config import ClusterConfig  # noqa: E402
from schemas.dedup import DEDUP_SCHEMA, DedupConfig  # noqa: E402


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dedup")
    docs = make_corpus(600, seed=11)
    write_annotated(docs, folder / "annotated", files=3)
    return docs, folder


def _run(folder: Path, name: str, cluster: ClusterConfig | None = None, **kw) -> dict[str, bytes]:
    out = folder / name
    run_dedup(DedupConfig(inputs=(str(folder / "annotated"),), output=str(out), **kw), cluster, quiet=True)
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}


def test_lsh_parameters_follow_datasketch_rule():
    for threshold in (0.5, 0.7, 0.8, 0.9):
        assert optimal_bands(threshold, 128) == _optimal_param(threshold, 128, 0.5, 0.5)
    assert optimal_bands(0.8, 128) == (9, 13)


def test_recall_weighted_bands_make_a_pair_at_the_threshold_a_candidate_about_95_percent_of_the_time():
    bands, rows = optimal_bands(0.8, 128, 1 - FN_WEIGHT, FN_WEIGHT)
    assert (bands, rows) == (16, 8)
    assert candidate_probability(0.8, bands, rows) == pytest.approx(0.947, abs=5e-4)
    assert candidate_probability(0.8, 9, 13) == pytest.approx(0.399, abs=5e-4)


def test_output_schema_and_flags(annotated):
    docs, folder = annotated
    _run(folder, "plain")
    table = pq.read_table(folder / "plain")
    assert table.schema.remove_metadata() == DEDUP_SCHEMA.remove_metadata()
    assert table.num_rows == len(docs)
    exact, fuzzy = table.column("exact_cluster").to_numpy(), table.column("fuzzy_cluster").to_numpy()
    index = np.arange(len(docs))
    assert np.array_equal(table.column("exact_keep").to_numpy(), exact == index)
    assert np.array_equal(table.column("fuzzy_keep").to_numpy(), fuzzy == index)
    assert np.array_equal(table.column("keep").to_numpy(),
                          table.column("exact_keep").to_numpy() & table.column("fuzzy_keep").to_numpy())
    sizes = table.column("cluster_size").to_numpy()
    labels, counts = np.unique(fuzzy, return_counts=True)
    assert np.array_equal(sizes, counts[np.searchsorted(labels, fuzzy)])


def test_exact_dedup_catches_documents_too_short_to_shingle(annotated):
    docs, folder = annotated
    _run(folder, "plain")
    table = pq.read_table(folder / "plain")
    short = [i for i, d in enumerate(docs) if len(d.split()) < 5]
    assert short
    by_text: dict[str, list[int]] = {}
    for i in short:
        by_text.setdefault(docs[i], []).append(i)
    exact = table.column("exact_cluster").to_numpy()
    sizes = table.column("cluster_size").to_numpy()
    for members in by_text.values():
        assert len(members) == 2 and exact[members[0]] == exact[members[1]] == min(members)
        assert (sizes[members] == 1).all()         # no signature, so no fuzzy cluster
    upper = [i for i, d in enumerate(docs) if d.endswith("!")]
    assert len(upper) == 20
    for i in upper:                                 # an upper-cased copy equals its original once normalized
        assert (exact == exact[i]).sum() >= 2


def test_same_output_for_any_partition_count_and_both_component_algorithms(annotated):
    _, folder = annotated
    reference = _run(folder, "p1", partitions=1)
    assert _run(folder, "p7", partitions=7) == reference
    assert _run(folder, "stars", partitions=5, distributed_components=True) == reference
    assert _run(folder, "verify-p1", partitions=1, verify=True) == _run(folder, "verify-p4", partitions=4, verify=True)


@pytest.mark.slow
def test_same_output_on_a_two_worker_local_cluster(annotated):
    _, folder = annotated
    cluster = ClusterConfig(workers=2, threads_per_worker=1, memory_limit="2GiB")
    assert _run(folder, "dask", cluster, partitions=3, verify=True) == _run(folder, "serial", partitions=2, verify=True)


def test_union_find_labels_components_by_smallest_node():
    rng = np.random.default_rng(0)
    u, v = rng.integers(0, 500, 400), rng.integers(0, 500, 400)
    nodes, labels = union_find(u, v)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(500, 500)), directed=False)
    for node, label in zip(nodes, labels, strict=True):
        members = nodes[comp[nodes] == comp[node]]
        assert label == members.min()


def test_keep_highest_signal_value(tmp_path):
    base = " ".join(f"w{i}" for i in range(60))
    docs = [base, base + " extra", base + " more words", "other " * 30]
    write_annotated(docs, tmp_path / "annotated", files=2)
    for path in sorted((tmp_path / "annotated").glob("*.parquet")):  # add a score column
        t = pq.read_table(path)
        score = pa.array([float(len(x)) for x in t.column("text").to_pylist()], pa.float32())
        pq.write_table(t.append_column("score", score).replace_schema_metadata(t.schema.metadata), path)
    run_dedup(DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "first")), None, quiet=True)
    run_dedup(DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "max"), keep="max:score"),
              None, quiet=True)
    first = pq.read_table(tmp_path / "first").column("fuzzy_keep").to_pylist()
    best = pq.read_table(tmp_path / "max").column("fuzzy_keep").to_pylist()
    assert first == [True, False, False, True]
    assert best == [False, False, True, True]


def test_refuses_to_mix_signature_parameters(tmp_path):
    write_annotated(["a b c d e f g"] * 3, tmp_path / "annotated", files=1, prefix="a")
    write_annotated(["a b c d e f g"] * 3, tmp_path / "annotated", files=1, prefix="b", num_perm=64)
    with pytest.raises(ValueError, match="different parameters"):
        run_dedup(DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "out")), None)
