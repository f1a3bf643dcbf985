"""DSIR: hashed features, the model file, importance weights, and Gumbel top-k resampling on real text.

The resampling tests mix two real domains of the shipped sample, fiction (four novels) and law (the
Universal Declaration of Human Rights in seven languages), and fit a target on held-out fiction.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xxhash

import signals
from pipeline.cli import main
from pipeline.dsir import add_weights, fit_dsir, kl_divergence, resample, total_variation
from pipeline.dsir.keys import Candidates, gumbel_keys, uniforms
from pipeline.dsir.resample import TopK
from schemas.config import ClusterConfig, SignalConfig
from schemas.dsir import ids_schema
from signals.dsir import DSIRModel, feature_buckets, hashed_counts, text_features
from signals.views import raw_words

TEXTS = Path(__file__).parent / "data" / "sample" / "texts"
FICTION = ["en/carroll_alice.txt", "it/manzoni_promessi_sposi.txt", "fr/flaubert_madame_bovary.txt",
           "de/kafka_verwandlung.txt"]


def word_chunks(path: Path, sizes: tuple[int, ...] = (50, 90)) -> list[str]:
    """The text cut into consecutive chunks of alternating word counts."""
    words, out, i = path.read_text(encoding="utf-8").split(), [], 0
    while i + sizes[len(out) % len(sizes)] <= len(words):
        size = sizes[len(out) % len(sizes)]
        out.append(" ".join(words[i:i + size]))
        i += size
    return out


@pytest.fixture(scope="module")
def domains() -> tuple[list[tuple[str, str]], list[str]]:
    """(id, text) of the raw pool (80% of each novel + every UDHR) and the held-out fiction target."""
    pool, target = [], []
    for name in FICTION:
        chunks = word_chunks(TEXTS / name)
        cut = int(len(chunks) * 0.8)
        pool += [("fiction", c) for c in chunks[:cut]]
        target += chunks[cut:]
    for path in sorted(TEXTS.glob("*/udhr.txt")):
        pool += [("law", c) for c in word_chunks(path)]
    return [(f"{domain}-{i:04d}", text) for i, (domain, text) in enumerate(pool)], target


def write_pool(folder: Path, pool: list[tuple[str, str]], files: int) -> list[str]:
    """The pool as `files` Parquet files (round robin), with id, text and rps_doc_word_count."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        part = pool[f::files]
        path = folder / f"raw-{f:02d}.parquet"
        pq.write_table(pa.table({
            "id": [i for i, _ in part], "text": [t for _, t in part],
            "rps_doc_word_count": pa.array([len(t.split()) for _, t in part], pa.int32())}), path)
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, domains) -> tuple[Path, DSIRModel]:
    pool, target = domains
    root = tmp_path_factory.mktemp("dsir")
    raw = write_pool(root / "raw", pool, 3)
    target_file = root / "target.jsonl"
    target_file.write_text("".join(json.dumps({"text": t}) + "\n" for t in target), encoding="utf-8")
    # 1,000 buckets: with 10,000, a 60-document sample leaves most buckets empty and the ε-smoothed KL
    # measures coverage rather than closeness (see pipeline/dsir/metrics.py)
    model, _ = fit_dsir([str(target_file)], raw, buckets=1000, name="fiction")
    model.save(str(root / "fiction.json"))
    return root, model


# ---- features and the model file ------------------------------------------------------------------

def test_features_are_unigrams_and_bigrams_hashed_with_seeded_xxh64():
    words = raw_words("The cat, the cat.")  # ['The', 'cat', ',', 'the', 'cat', '.']
    grams = words + ["The cat", "cat ,", ", the", "the cat", "cat ."]
    expected = [xxhash.xxh64_intdigest(g.encode(), 5) % 1000 for g in grams]
    assert feature_buckets(words, 1000, 5).tolist() == expected
    counts = hashed_counts(words, 1000, 5)
    assert counts.sum() == 11 and counts[expected[1]] >= 2  # 'cat' twice
    assert feature_buckets(words, 1000, 6).tolist() != expected


def test_batch_kernel_equals_the_per_document_definition():
    texts = [(TEXTS / "de" / "kafka_verwandlung.txt").read_text(encoding="utf-8")[:3000], "", "   ",
             "naïve café — Übergrößenträger « déjà » 東京タワー 🙂🙂 x", "a", "a b",
             "long-token " + "ß" * 40 + " " + "é" * 33]
    features = text_features(texts, 997, 12345)
    for d, text in enumerate(texts):
        words = raw_words(text)
        got = features.grams[features.start[d]:features.start[d + 1]].tolist()
        assert got == feature_buckets(words, 997, 12345).tolist(), repr(text[:40])
        assert features.words[d] == len(words)


def test_hash_does_not_depend_on_pythonhashseed():
    code = "from signals.dsir import feature_buckets; print(feature_buckets(['a','b','c']).tolist())"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


def test_importance_is_the_dot_product_with_the_log_ratio():
    target = np.array([6, 2, 2, 0], dtype=np.int64)
    raw = np.array([1, 1, 4, 4], dtype=np.int64)
    model = DSIRModel(target, raw, seed=0)
    ratio = [math.log(t / 10 + 1e-8) - math.log(s / 10 + 1e-8) for t, s in zip(target, raw, strict=True)]
    buckets = feature_buckets(["x", "y", "z"], 4, 0)
    assert model.importance(["x", "y", "z"]) == pytest.approx(sum(ratio[b] for b in buckets), abs=1e-8)
    assert model.importance([]) == 0.0
    texts = ["x y z", "", "z z z y", "x"]
    assert model.batch_weights(texts).tolist() == pytest.approx([model.importance(raw_words(t)) for t in texts],
                                                                abs=1e-8)


def test_fit_counts_match_direct_counting(tmp_path):
    (tmp_path / "t.txt").write_text("a b a", encoding="utf-8")
    (tmp_path / "s.txt").write_text("c d", encoding="utf-8")
    model, info = fit_dsir([str(tmp_path / "t.txt")], [str(tmp_path / "s.txt")], buckets=50, seed=1)
    assert info == {"target_docs": 1, "raw_docs": 1, "target_features": 5, "raw_features": 3}
    assert model.target_counts.tolist() == hashed_counts(["a", "b", "a"], 50, 1).tolist()
    assert model.raw_counts.tolist() == hashed_counts(["c", "d"], 50, 1).tolist()


def test_model_file_round_trip_and_malformed_files(tmp_path):
    model = DSIRModel(np.array([3, 0, 1]), np.array([1, 1, 1]), seed=7, target="books", documents={"target": 2})
    model.save(str(tmp_path / "m.json"))
    back = DSIRModel.load(str(tmp_path / "m.json"))
    assert (back.target_counts.tolist(), back.raw_counts.tolist(), back.seed, back.target) == \
        ([3, 0, 1], [1, 1, 1], 7, "books")
    assert back.digest == model.digest
    assert DSIRModel(np.array([3, 0, 2]), np.array([1, 1, 1])).digest != model.digest
    (tmp_path / "npz").write_bytes(b"PK\x03\x04\x00\xff binary")
    (tmp_path / "other.json").write_text('{"format": "something-else"}')
    (tmp_path / "short.json").write_text('{"format": "assay-dsir-v2", "target_counts": [1]}')
    (tmp_path / "shape.json").write_text(json.dumps({**json.loads(model.to_json()), "raw_counts": [1, 2]}))
    for name, message in [("npz", "not an assay DSIR model"), ("other.json", "not an assay DSIR model"),
                          ("short.json", "malformed DSIR model"), ("shape.json", "differ in shape")]:
        with pytest.raises(ValueError, match=message):
            DSIRModel.load(str(tmp_path / name))
    with pytest.raises(FileNotFoundError, match="absent.json"):
        DSIRModel.load(str(tmp_path / "absent.json"))


def test_annotate_writes_the_weight_and_its_length_corrected_variant(fitted, domains):
    root, model = fitted
    texts = [t for _, t in domains[0][:30]] + ["", ". , ;"]
    table = signals.annotate(texts, families=["ml"], config=SignalConfig(
        dsir_targets={"fiction": str(root / "fiction.json")}, dsir_length_correction=True))
    assert table.column_names == ["rps_doc_fiction_importance", "rps_doc_fiction_importance_length_correction"]
    assert table.schema.field(0).type == pa.float32() == table.schema.field(1).type
    weights, per_word = (table.column(i).to_pylist() for i in (0, 1))
    expected = [model.importance(raw_words(t)) for t in texts[:-1]]
    assert weights[:-2] == pytest.approx(expected[:-1], rel=1e-6) and weights[-2] is None
    assert per_word[:-2] == pytest.approx([w / len(raw_words(t)) for w, t in zip(expected, texts[:-2],
                                                                                   strict=False)], rel=1e-6)
    assert per_word[-2] is None and per_word[-1] == pytest.approx(weights[-1] / 3, rel=1e-6)


def test_lang_placeholder_and_missing_language_model(tmp_path):
    (tmp_path / "t.txt").write_text("the cat sat on the mat", encoding="utf-8")
    (tmp_path / "s.txt").write_text("le chat noir", encoding="utf-8")
    model, _ = fit_dsir([str(tmp_path / "t.txt")], [str(tmp_path / "s.txt")])
    model.save(str(tmp_path / "en.json"))
    config = SignalConfig(dsir_targets={"cats": str(tmp_path / "{lang}.json")})
    en = signals.annotate(["the cat", ""], families=["ml"], language="en", config=config).column(0).to_pylist()
    assert en[0] == pytest.approx(model.importance(["the", "cat"]), rel=1e-6) and en[0] > 0 and en[1] is None
    fr = signals.annotate(["the cat"], families=["ml"], language="fr", config=config).column(0).to_pylist()
    assert fr == [None]


# ---- Gumbel top-k ------------------------------------------------------------------------------

def test_gumbel_top1_draws_in_proportion_to_the_weights():
    ids = pa.array(["a", "b", "c"])
    log_weights = np.log([1.0, 2.0, 7.0])
    wins = Counter()
    for seed in range(4000):
        keys = gumbel_keys(log_weights, ids, seed)
        wins[int(np.argmax(keys))] += 1
    shares = [wins[i] / 4000 for i in range(3)]
    assert shares == pytest.approx([0.1, 0.2, 0.7], abs=0.025)


def test_uniforms_are_a_portable_function_of_id_and_seed():
    ids = pa.array(["doc-1", "ünïcode-2", ""])
    u = uniforms(ids, 42)
    expected = [((xxhash.xxh64_intdigest(i.encode(), 42) >> 11) + 0.5) / 2 ** 53 for i in ids.to_pylist()]
    assert u.tolist() == expected and ((0 < u) & (u < 1)).all()
    assert uniforms(ids.slice(1), 42).tolist() == expected[1:]  # sliced arrays hash their own bytes


def test_top_k_orders_by_key_then_id():
    c = Candidates(np.array([1.0, 3.0, 3.0, 2.0]), np.array(["d", "c", "b", "a"]), np.zeros(4, np.int64),
                   np.arange(4), np.zeros(4))
    assert c.top(3).id.tolist() == ["b", "c", "a"]


# ---- resampling two real domains -----------------------------------------------------------------

def brute_force_top_k(pool: list[tuple[str, str]], model: DSIRModel, k: int, seed: int) -> list[str]:
    """Every document's Gumbel key in one array, sorted: the single-process reference."""
    ids = pa.array([i for i, _ in pool])
    keys = gumbel_keys(model.batch_weights([t for _, t in pool]), ids, seed)
    order = sorted(range(len(pool)), key=lambda j: (-keys[j], pool[j][0]))
    return [pool[j][0] for j in order[:k]]


def test_selection_concentrates_on_the_target_domain(fitted, domains, tmp_path):
    root, model = fitted
    pool, _ = domains
    result = resample([str(root / "raw")], str(root / "fiction.json"), 60, str(tmp_path / "out"), seed=3)
    ids = result.ids.column("id").to_pylist()
    share_pool = sum(i.startswith("fiction") for i, _ in pool) / len(pool)
    share_selected = sum(i.startswith("fiction") for i in ids) / len(ids)
    assert share_pool < 0.6 and share_selected >= 0.95
    s = result.summary
    assert s["selected"] == 60 and s["documents"] == len(pool) == s["eligible"]
    assert s["kl_reduction"] > 0 and s["kl_selected"] < s["kl_random"]
    assert s["distance_selected"] < s["distance_random"]
    # the metrics are those of the written selection, recomputed here from its text
    written = pq.read_table(tmp_path / "out" / "selected").to_pandas()
    assert sorted(written["id"]) == sorted(ids) and sorted(written["dsir_rank"]) == list(range(60))
    counts = text_features(list(written["text"]), model.buckets, model.seed).counts(model.buckets)
    assert s["kl_selected"] == pytest.approx(kl_divergence(model.target_counts, counts), abs=1e-6)
    assert s["distance_selected"] == pytest.approx(total_variation(model.target_counts, counts), abs=1e-6)
    by_id = dict(pool)
    assert all(by_id[i] == t for i, t in zip(written["id"], written["text"], strict=True))
    ids_file = pq.read_table(tmp_path / "out" / "ids.parquet")
    assert ids_file.schema == ids_schema() and ids_file.column("rank").to_pylist() == list(range(60))
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["kl_reduction"] == s["kl_reduction"]


def test_distributed_top_k_equals_single_process_whatever_the_workers_and_files(fitted, domains, tmp_path):
    root, model = fitted
    pool, _ = domains
    reference = brute_force_top_k(pool, model, 45, seed=11)
    in_process = resample([str(root / "raw")], str(root / "fiction.json"), 45, str(tmp_path / "a"), seed=11)
    assert in_process.ids.column("id").to_pylist() == reference
    five_files = write_pool(tmp_path / "five", pool, 5)
    cluster = ClusterConfig(workers=2, dashboard_address=":0")
    on_dask = resample(five_files, str(root / "fiction.json"), 45, str(tmp_path / "b"), seed=11, cluster=cluster)
    assert on_dask.ids.column("id").to_pylist() == reference
    assert on_dask.summary["kl_selected"] == in_process.summary["kl_selected"]
    assert on_dask.summary["kl_random"] == in_process.summary["kl_random"]  # the same baseline too
    other_seed = resample([str(root / "raw")], str(root / "fiction.json"), 45, str(tmp_path / "c"), seed=12)
    assert other_seed.ids.column("id").to_pylist() != reference


def test_resample_after_a_filter_file(fitted, domains, tmp_path):
    root, _ = fitted
    pool, _ = domains
    filters = tmp_path / "long.yaml"
    filters.write_text("rules:\n  - name: long\n    signal: rps_doc_word_count\n    min: 70\n")
    result = resample([str(root / "raw")], str(root / "fiction.json"), 30, str(tmp_path / "out"), seed=1,
                      filters=str(filters))
    written = pq.read_table(tmp_path / "out" / "selected")
    assert written.num_rows == 30 and min(written.column("rps_doc_word_count").to_pylist()) >= 70
    assert result.summary["after_filters"] == sum(len(t.split()) >= 70 for _, t in pool)
    filters.write_text("rules:\n  - name: long\n    signal: rps_doc_wordcount\n    min: 70\n")
    with pytest.raises(ValueError, match="rps_doc_wordcount"):
        resample([str(root / "raw")], str(root / "fiction.json"), 30, str(tmp_path / "bad"), filters=str(filters))


def test_weights_command_then_resample_reads_the_column(fitted, domains, tmp_path):
    root, model = fitted
    pool, _ = domains
    reports = add_weights([str(root / "raw")], str(root / "fiction.json"), str(tmp_path / "w"),
                          length_correction=True)
    assert sum(r["documents"] for r in reports) == len(pool)
    table = pq.read_table(tmp_path / "w" / "raw-00.parquet")
    assert table.column_names == ["id", "text", "rps_doc_word_count", "rps_doc_fiction_importance",
                                  "rps_doc_fiction_importance_length_correction"]
    texts = table.column("text").to_pylist()
    assert table.column("rps_doc_fiction_importance").to_pylist() == pytest.approx(
        model.batch_weights(texts).tolist(), rel=1e-6)
    meta = table.schema.metadata
    assert meta[b"ml.dsir.fiction.sha256"].decode() == model.digest
    # weighting the weighted files again replaces the columns instead of adding more
    add_weights([str(tmp_path / "w")], str(root / "fiction.json"), str(tmp_path / "w2"))
    again = pq.read_table(tmp_path / "w2" / "raw-00.parquet")
    assert again.column_names.count("rps_doc_fiction_importance") == 1
    result = resample([str(tmp_path / "w")], str(root / "fiction.json"), 20, str(tmp_path / "out"), seed=2)
    assert result.summary["weights_from"] == {"column": 3, "text": 0}
    assert sum(i.startswith("fiction") for i in result.ids.column("id").to_pylist()) >= 19


def test_cli_fit_weights_resample_and_the_fit_dsir_alias(domains, tmp_path, capsys):
    pool, target = domains
    raw = write_pool(tmp_path / "raw", pool, 2)
    for j, text in enumerate(target[:40]):
        (tmp_path / "target").mkdir(exist_ok=True)
        (tmp_path / "target" / f"{j}.txt").write_text(text, encoding="utf-8")
    assert main(["dsir", "fit", "--target", str(tmp_path / "target"), "--raw", *raw, "-o",
                 str(tmp_path / "novels.json"), "--buckets", "1000", "--in-process"]) == 0
    assert main(["fit-dsir", "--target", str(tmp_path / "target"), "--source", *raw, "-o",
                 str(tmp_path / "alias.json"), "--buckets", "1000", "--in-process"]) == 0
    a, b = DSIRModel.load(str(tmp_path / "novels.json")), DSIRModel.load(str(tmp_path / "alias.json"))
    assert a.target == "novels" and a.target_counts.tolist() == b.target_counts.tolist()
    assert a.documents == {"target": 40, "raw": len(pool)}
    assert main(["dsir", "weights", str(tmp_path / "raw"), "--model", str(tmp_path / "novels.json"),
                 "-o", str(tmp_path / "weighted"), "--in-process"]) == 0
    capsys.readouterr()
    assert main(["dsir", "resample", str(tmp_path / "weighted"), "--model", str(tmp_path / "novels.json"),
                 "-k", "25", "--seed", "4", "-o", str(tmp_path / "out"), "--in-process"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["selected"] == 25 and printed["kl_reduction"] > 0
    assert main(["dsir", "resample", str(tmp_path / "weighted"), "--model", str(tmp_path / "raw" / "raw-00.parquet"),
                 "-k", "5", "-o", str(tmp_path / "bad"), "--in-process"]) == 2
    assert "not an assay DSIR model" in capsys.readouterr().err


def test_running_top_k_is_the_top_k_of_everything_in_any_arrival_order():
    rng = np.random.default_rng(5)
    n = 3000
    keys = np.round(rng.normal(size=n), 1)          # rounded: many ties, broken by id, file, row
    everything = Candidates(keys, np.asarray([f"d{i % 700}" for i in range(n)]), rng.integers(0, 9, n),
                            np.arange(n), rng.normal(size=n))
    parts = np.array_split(rng.permutation(n), 17)
    expected = everything.top(50)
    for order in (range(17), reversed(range(17)), rng.permutation(17)):
        merged = TopK(50)
        for i in order:
            part = everything.take(parts[i])
            kept = merged.add({"selected": part.top(50), "random": part.top(10), "index": int(i)})
            assert kept == {"index": int(i)}            # the candidates are folded in, not kept per file
        assert len(merged.selected.key) == 50
        for field in ("key", "id", "file", "row"):
            assert np.array_equal(getattr(merged.selected, field), getattr(expected, field)), field
        assert np.array_equal(merged.random.row[:10], everything.top(10).row)   # each part gave its top 10
