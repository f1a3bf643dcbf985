"""train-classifier and the ml family's rps_doc_ml_<name>_score, on real prose vs generated boilerplate."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import signals
from pipeline.cli import main
from schemas.config import SignalConfig
from signals.classifier import CC_LABEL, balanced_training_lines, classifier_text, predict_scores, sample
from signals.fasttext_predict import BatchPredictor
from signals.ml import ML
from signals.models import fasttext_model, fasttext_top1

SAMPLE = Path(__file__).parent / "data" / "sample" / "texts" / "en"


def prose_paragraphs() -> list[str]:
    out = []
    for name in ("carroll_alice.txt", "udhr.txt"):
        text = (SAMPLE / name).read_text(encoding="utf-8")
        out += [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
    return out


def boilerplate(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    products = ["shoes", "watches", "phones", "laptops", "bags", "jackets", "casino bonus", "loans", "pills"]
    parts = [
        lambda: f"Buy cheap {rng.choice(products)} online! {rng.randint(10, 90)}% OFF today only.",
        lambda: "Home | About us | Contact | Login | Register | Cart (" + str(rng.randint(0, 9)) + ")",
        lambda: f"Free shipping on orders over ${rng.randint(20, 200)}. Click here to subscribe.",
        lambda: "We use cookies to improve your experience. Accept all cookies? Yes / No / Settings",
        lambda: f"Copyright {rng.randint(2001, 2024)} All rights reserved. Privacy policy. Terms of use.",
        lambda: f"Best {rng.choice(products)} deals {rng.randint(2019, 2024)} - compare prices, read reviews",
        lambda: f"Call now {rng.randint(100, 999)}-{rng.randint(1000, 9999)} for a free quote!!!",
    ]
    return ["\n".join(rng.choice(parts)() for _ in range(rng.randint(2, 6))) for _ in range(n)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clf")
    prose = prose_paragraphs()
    spam = boilerplate(300, seed=7)
    train_pos, test_pos = [p for i, p in enumerate(prose) if i % 5], prose[::5]
    train_neg, test_neg = [p for i, p in enumerate(spam) if i % 5], spam[::5]
    pos_path = tmp / "positive.jsonl"
    pos_path.write_text("".join(json.dumps({"text": t}) + "\n" for t in train_pos), encoding="utf-8")
    neg_path = tmp / "negative.parquet"
    pq.write_table(pa.table({"id": [f"n{i}" for i in range(len(train_neg))], "text": train_neg}), neg_path)
    model = tmp / "quality.bin"
    rc = main(["train-classifier", "--positive", str(pos_path), "--negative", str(neg_path), "-o", str(model),
               "--seed", "1", "--threads", "1"])
    assert rc == 0 and model.exists()
    return str(model), test_pos, test_neg


def test_scores_separate_the_classes(trained):
    model, test_pos, test_neg = trained
    table = signals.annotate(test_pos + test_neg, families=["ml"], config=SignalConfig(classifiers={"quality": model}))
    assert table.column_names == ["rps_doc_ml_quality_score"]
    assert table.schema.field(0).type == pa.float32()
    scores = table.column(0).to_pylist()
    pos, neg = scores[: len(test_pos)], scores[len(test_pos):]
    accuracy = (sum(s > 0.5 for s in pos) + sum(s < 0.5 for s in neg)) / len(scores)
    assert accuracy >= 0.9, accuracy
    # fastText's defaults (5 epochs) on ~230 lines leave the probabilities near 0.5, but ordered
    assert sum(pos) / len(pos) > sum(neg) / len(neg)


def test_score_formula_on_the_models_own_predictions(trained):
    model_path, test_pos, test_neg = trained
    model = fasttext_model(model_path)
    texts = test_pos[:5] + test_neg[:5]
    labels, probs = model.predict([classifier_text(t) for t in texts], k=1)
    assert {label[0] for label in labels} == {"__label__hq", CC_LABEL}  # both branches exercised
    expected = [1 - float(p[0]) if label[0] == CC_LABEL else float(p[0]) for label, p in zip(labels, probs, strict=True)]
    top1 = fasttext_top1(model_path)
    assert isinstance(top1.__self__, BatchPredictor)  # softmax, no word n-grams: the batched path
    assert predict_scores(top1, texts) == [round(e, 8) for e in expected]  # fastText's answers exactly
    # an empty text has no score; a whitespace-only one is scored on "" like RedPajama-V2
    empty = predict_scores(top1, ["", " \n "])
    assert empty[0] is None and isinstance(empty[1], float)


def test_classifier_text_joins_lines():
    assert classifier_text("  a\nb\r\nc  \n") == "a b c"
    assert classifier_text("\n\n") == ""


def test_balancing_downsamples_the_larger_class_with_a_seed():
    pos = [f"p{i}" for i in range(3)]
    neg = [f"n{i}" for i in range(10)]
    lines = balanced_training_lines(pos, neg, "__label__hq", seed=3)
    assert sorted(line for line in lines if line.startswith("__label__hq")) == [f"__label__hq {p}" for p in pos]
    assert sum(line.startswith(CC_LABEL + " ") for line in lines) == 3
    assert lines == balanced_training_lines(pos, neg, "__label__hq", seed=3)
    assert {frozenset(balanced_training_lines(pos, neg, "__label__hq", seed=s)) for s in range(10)} != {
        frozenset(lines)}
    with pytest.raises(ValueError):
        balanced_training_lines(pos, [], "__label__hq", seed=0)


def test_reservoir_sample_caps_and_skips_empty():
    rng = random.Random(0)
    assert sample(["a", "", " \n", "b"], None, rng) == ["a", "b"]
    kept = sample((f"t{i}" for i in range(100)), 10, rng)
    assert len(kept) == 10 and len(set(kept)) == 10 and kept != [f"t{i}" for i in range(10)]


def test_no_classifier_means_no_columns_and_a_notice():
    family = ML(SignalConfig())
    assert family.signals() == ()
    assert "no columns" in family.notice()
    assert ML(SignalConfig(classifiers={"wiki": "x.bin"})).notice() is None
    with pytest.raises(ValueError, match="letters"):
        ML(SignalConfig(classifiers={"bad-name": "x.bin"})).signals()


def test_lang_placeholder_picks_the_documents_language_model(trained, tmp_path):
    model, test_pos, _ = trained
    (tmp_path / "en.quality.bin").write_bytes(Path(model).read_bytes())
    per_lang = SignalConfig(classifiers={"quality": str(tmp_path / "{lang}.quality.bin")})
    direct = signals.annotate(test_pos[:3], families=["ml"], config=SignalConfig(classifiers={"quality": model}))
    english = signals.annotate(test_pos[:3], families=["ml"], language="en", config=per_lang)
    assert english.column(0).to_pylist() == direct.column(0).to_pylist()
    german = signals.annotate(test_pos[:3], families=["ml"], language="de", config=per_lang)
    assert german.column(0).to_pylist() == [None, None, None]  # no de model file


def test_signals_command_lists_the_ml_column_patterns(capsys):
    assert main(["signals", "--family", "ml"]) == 0
    out = capsys.readouterr().out
    assert "rps_doc_ml_<name>_score" in out and "rps_doc_<target>_importance" in out
