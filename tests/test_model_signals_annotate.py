"""`assay annotate --kenlm/--classifier/--dsir-target` on a shard: the model columns reach the Parquet."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

import signals
from pipeline.cli import main
from schemas.config import SignalConfig
from tests.test_classifier import boilerplate, prose_paragraphs
from tests.test_perplexity import ARPA


def test_annotate_writes_model_columns_equal_to_in_process(tmp_path):
    prose, spam = prose_paragraphs(), boilerplate(200, seed=3)
    (tmp_path / "pos.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in prose[::2]))
    (tmp_path / "neg.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in spam[::2]))
    clf, dsir, lm = tmp_path / "q.bin", tmp_path / "t.json", tmp_path / "en.arpa"
    lm.write_text(ARPA)
    assert main(["train-classifier", "--positive", str(tmp_path / "pos.jsonl"), "--negative",
                 str(tmp_path / "neg.jsonl"), "-o", str(clf), "--threads", "1"]) == 0
    assert main(["fit-dsir", "--target", str(tmp_path / "pos.jsonl"), "--source", str(tmp_path / "neg.jsonl"),
                 "-o", str(dsir)]) == 0

    texts = prose[1::2][:20] + spam[1::2][:20] + ["The cat"]
    shard = tmp_path / "in" / "docs.jsonl"
    shard.parent.mkdir()
    shard.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    out = tmp_path / "annotated"
    rc = main(["annotate", str(shard), "-o", str(out), "--signals", "ccnet,ml", "--language", "en",
               "--kenlm", f"en={lm}", "--classifier", f"quality={clf}", "--dsir-target", f"prose={dsir}",
               "--workers", "1"])
    assert rc == 0
    table = pq.read_table(out / "docs.parquet")
    for name in ("ccnet_perplexity", "ccnet_bucket", "rps_doc_ml_quality_score", "rps_doc_prose_importance"):
        assert name in table.column_names
        assert table.column(name).null_count == 0, name
    expected = signals.annotate(texts, families=["ccnet", "ml"], language="en", config=SignalConfig(
        kenlm_models={"en": str(lm)}, classifiers={"quality": str(clf)}, dsir_targets={"prose": str(dsir)}))
    for name in ("ccnet_perplexity", "rps_doc_ml_quality_score", "rps_doc_prose_importance"):
        assert table.column(name).to_pylist() == pytest.approx(expected.column(name).to_pylist()), name
    importance = table.column("rps_doc_prose_importance").to_pylist()
    assert sum(importance[:20]) / 20 > sum(importance[20:40]) / 20  # prose is closer to the prose target
    assert table.column("ccnet_perplexity").to_pylist()[-1] == pytest.approx(round(10 ** (1.1 / 3), 1))  # "the cat"
