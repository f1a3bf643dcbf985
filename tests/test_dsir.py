"""DSIR importance weights (rps_doc_<target>_importance) and `assay fit-dsir` on small corpora."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import xxhash

import signals
from pipeline.cli import main
from pipeline.dsir import fit_dsir
from schemas.config import SignalConfig
from signals.dsir import DSIRModel, feature_buckets, hashed_counts
from signals.views import raw_words

TEXTS = Path(__file__).parent / "data" / "sample" / "texts"


def paragraphs(path: Path) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]


def test_features_are_unigrams_and_bigrams_hashed_with_seeded_xxh3():
    words = raw_words("The cat, the cat.")  # ['The', 'cat', ',', 'the', 'cat', '.']
    grams = words + ["The cat", "cat ,", ", the", "the cat", "cat ."]
    expected = [xxhash.xxh3_64_intdigest(g.encode(), 5) % 1000 for g in grams]
    assert feature_buckets(words, 1000, 5).tolist() == expected
    counts = hashed_counts(words, 1000, 5)
    assert counts.sum() == 11 and counts[expected[1]] >= 2  # 'cat' twice
    assert feature_buckets(words, 1000, 6).tolist() != expected


def test_hash_does_not_depend_on_pythonhashseed():
    code = "from signals.dsir import feature_buckets; print(feature_buckets(['a','b','c']).tolist())"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


def test_importance_is_the_dot_product_with_the_log_ratio():
    target = np.array([6, 2, 2, 0], dtype=np.int64)
    source = np.array([1, 1, 4, 4], dtype=np.int64)
    model = DSIRModel(target, source, seed=0)
    ratio = [math.log(t / 10 + 1e-8) - math.log(s / 10 + 1e-8) for t, s in zip(target, source, strict=True)]
    words = ["x", "y", "z"]
    buckets = feature_buckets(words, 4, 0)
    assert model.importance(words) == pytest.approx(sum(ratio[b] for b in buckets), abs=1e-8)
    assert model.importance([]) == 0.0


def chunks(paras: list[str], k: int) -> list[str]:
    return ["\n\n".join(paras[i:i + k]) for i in range(0, len(paras) - k + 1, k)]


def test_fit_save_load_and_annotate(tmp_path):
    alice = paragraphs(TEXTS / "en" / "carroll_alice.txt")
    italian = paragraphs(TEXTS / "it" / "manzoni_promessi_sposi.txt")
    french = paragraphs(TEXTS / "fr" / "flaubert_madame_bovary.txt")
    german = paragraphs(TEXTS / "de" / "kafka_verwandlung.txt")
    # target: English prose (a JSONL shard + a .txt file); source: a multilingual "crawl" with some English
    target = tmp_path / "target.jsonl"
    target.write_text("".join(json.dumps({"text": t}) + "\n" for t in alice[:70]), encoding="utf-8")
    source_docs = alice[70:85] + italian[:40] + french[:40] + german
    source = tmp_path / "source.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in source_docs), encoding="utf-8")
    out = tmp_path / "en.npz"
    assert main(["fit-dsir", "--target", str(target), str(TEXTS / "en" / "udhr.txt"), "--source", str(source),
                 "-o", str(out)]) == 0
    model = DSIRModel.load(str(out))
    assert model.buckets == 10_000
    target_docs = alice[:70] + [(TEXTS / "en" / "udhr.txt").read_text(encoding="utf-8")]
    assert model.target_counts.sum() == sum(2 * len(w) - 1 for w in map(raw_words, target_docs))
    assert model.source_counts.sum() == sum(2 * len(w) - 1 for w in map(raw_words, source_docs))

    held_out = chunks(alice[85:], 4) + chunks(italian[40:80], 4) + chunks(french[40:], 4)
    n_en = len(chunks(alice[85:], 4))
    table = signals.annotate(held_out + [""], families=["ml"],
                             config=SignalConfig(dsir_targets={"alice": str(out)}))
    assert table.column_names == ["rps_doc_alice_importance"]
    assert table.schema.field(0).type == pa.float32()
    values = table.column(0).to_pylist()
    assert values[-1] is None
    assert values[:-1] == pytest.approx([model.importance(raw_words(t)) for t in held_out], rel=1e-6)
    # the weight sums over n-grams; per n-gram, held-out English is closer to the English target
    per_gram = [v / (2 * len(raw_words(t)) - 1) for v, t in zip(values[:-1], held_out, strict=True)]
    assert min(per_gram[:n_en]) > max(per_gram[n_en:])


def test_fit_counts_match_direct_counting(tmp_path):
    (tmp_path / "t.txt").write_text("a b a", encoding="utf-8")
    (tmp_path / "s.txt").write_text("c d", encoding="utf-8")
    model, info = fit_dsir([str(tmp_path / "t.txt")], [str(tmp_path / "s.txt")], buckets=50, seed=1)
    assert info["target_docs"] == 1 and info["target_features"] == 5
    assert model.target_counts.tolist() == hashed_counts(["a", "b", "a"], 50, 1).tolist()
    assert model.source_counts.tolist() == hashed_counts(["c", "d"], 50, 1).tolist()


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(3))
    with pytest.raises(ValueError, match="not an assay DSIR model"):
        DSIRModel.load(str(bad))


def test_lang_placeholder_and_missing_language_model(tmp_path):
    (tmp_path / "t.txt").write_text("the cat sat on the mat", encoding="utf-8")
    (tmp_path / "s.txt").write_text("le chat noir", encoding="utf-8")
    model, _ = fit_dsir([str(tmp_path / "t.txt")], [str(tmp_path / "s.txt")])
    model.save(str(tmp_path / "en.npz"))
    config = SignalConfig(dsir_targets={"cats": str(tmp_path / "{lang}.npz")})
    en = signals.annotate(["the cat", ""], families=["ml"], language="en", config=config).column(0).to_pylist()
    assert en[0] == pytest.approx(model.importance(["the", "cat"]), rel=1e-6) and en[0] > 0 and en[1] is None
    fr = signals.annotate(["the cat"], families=["ml"], language="fr", config=config).column(0).to_pylist()
    assert fr == [None]
