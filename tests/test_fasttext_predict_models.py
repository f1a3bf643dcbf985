"""The batched fastText predictor against fastText's own `predict` on more models and inputs: a dictionary without `</s>`, a custom label prefix, ties everywhere
(zeroed output matrix), many labels, quantization variants, minn/maxn extremes, and the token cache
kept across calls (tiny caches, tokens longer than the cache, the same batch twice)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from signals.fasttext_format import read_model
from signals.fasttext_predict import BatchPredictor, supports
from signals.models import fasttext_model, lid176_path
from tests.test_fasttext_predict import EDGE_CASES, assert_same_as_fasttext

fasttext = pytest.importorskip("fasttext")


def _train(tmp: Path, name: str, lines: list[str], **kw) -> str:
    data = tmp / f"{name}.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = dict(dim=5, epoch=2, bucket=2000, minn=2, maxn=3, loss="hs", thread=1, seed=1, verbose=0)
    options.update(kw)
    quantize = options.pop("quantize", None)
    model = fasttext.train_supervised(input=str(data), **options)
    if quantize is not None:
        model.quantize(input=str(data), retrain=False, thread=1, verbose=0, **quantize)
    path = tmp / f"{name}.{'ftz' if quantize is not None else 'bin'}"
    model.save_model(str(path))
    return str(path)


def _labelled_lines(n_labels: int, n_lines: int, seed: int, prefix: str = "__label__") -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n_lines):
        label = min(int(rng.expovariate(0.35)), n_labels - 1)
        words = [f"l{label}w{rng.randrange(40)}" if rng.random() < 0.7 else f"x{rng.randrange(30)}" for _ in range(8)]
        out.append(f"{prefix}l{label} " + " ".join(words))
    return out


def _texts(seed: int, n: int = 150) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "</s>", "</s> l0w1", "l1w2 </s>", "x1 </s> l2w3", "__label__l1", "__label__l1 l3w4", "#l2",
             "#l2 l0w5", "é ü 中文 \U0001f600", "l0w1" * 300]
    for _ in range(n):
        texts.append(" ".join(rng.choice([f"l{rng.randrange(25)}w{rng.randrange(45)}", f"x{rng.randrange(40)}",
                                          f"q{rng.randrange(99)}é", "__label__l0", "#l1", "</s>"])
                              for _ in range(rng.randrange(1, 10))))
    return texts + EDGE_CASES


def _assert_model_matches(path: str, texts: list[str]) -> None:
    parsed = read_model(path)
    assert supports(parsed) is None
    assert_same_as_fasttext(BatchPredictor(parsed), fasttext_model(path), texts)


def test_dictionary_without_eos(tmp_path):
    # Every line has 30 words of a few kinds but "</s>" only once per line: with minCount above the number
    # of lines, "</s>" leaves the dictionary. fastText then adds nothing for a literal "</s>" (an
    # out-of-vocabulary EOS gets no subwords) and still stops there; "</s>" alone gets no label.
    rng = random.Random(0)
    lines = [f"__label__{lab} " + " ".join(rng.choice([lab + "a", lab + "b"]) for _ in range(30))
             for lab in (rng.choice("abc") for _ in range(200))]
    path = _train(tmp_path, "noeos", lines, minCount=250)
    assert "</s>" not in fasttext_model(path).get_words()
    _assert_model_matches(path, ["</s>", "</s> aa", "bb </s>", "q </s> ca", "aa ab", "zz", ""])


def test_custom_label_prefix(tmp_path):
    # A model trained with label="#": fastText's loaded model knows "#l2" as a label entry of its
    # dictionary and adds nothing for it, while "__label__zz", a word of that model, counts as a word.
    lines = _labelled_lines(6, 600, 1, prefix="#")
    lines += [f"#l0 __label__zz {line.split(' ', 1)[1]}" for line in lines[:50]]  # "__label__zz" is a word here
    path = _train(tmp_path, "hashlabel", lines, label="#")
    model = fasttext_model(path)
    assert "#l2" in model.get_labels() and "__label__zz" in model.get_words()
    _assert_model_matches(path, ["#l2", "#l2 l0w5", "l0w5", "__label__zz", "__label__zz l1w2"] + _texts(1, 40))


@pytest.mark.parametrize("loss", ["hs", "softmax"])
def test_many_labels_and_ties_everywhere(tmp_path, loss):
    path = _train(tmp_path, f"many_{loss}", _labelled_lines(25, 1500, 2), loss=loss, dim=6, minn=2, maxn=4)
    texts = _texts(2)
    _assert_model_matches(path, texts)
    # Zero the (dense) output matrix, the file's last bytes: every hs node is 0.5 and every softmax logit
    # equal, so many leaves / labels tie and fastText's tie rule and pruning decide.
    data = bytearray(Path(path).read_bytes())
    size = read_model(path).output.size * 4
    data[-size:] = bytes(size)
    zero = tmp_path / f"zero_{loss}.bin"
    zero.write_bytes(bytes(data))
    _assert_model_matches(str(zero), texts)


@pytest.mark.parametrize("options", [
    dict(minn=1, maxn=6), dict(minn=0, maxn=0), dict(minn=3, maxn=2),
    dict(loss="softmax", quantize=dict(qnorm=True, cutoff=300, dsub=4)),  # dim 6: last sub-quantizer of 2
    dict(quantize=dict(qnorm=False, cutoff=2000, dsub=2)),
], ids=["minn1-maxn6", "no-subwords", "minn>maxn", "softmax-ftz-cutoff", "hs-ftz-no-qnorm"])
def test_model_variants(tmp_path, options):
    options = {"dim": 6, **options}
    path = _train(tmp_path, "variant", _labelled_lines(10, 2500, 3), **options)
    _assert_model_matches(path, _texts(3))


def test_token_cache_across_calls():
    model = read_model(lid176_path())
    reference = fasttext_model(lid176_path())
    rng = random.Random(4)
    vocabulary = ["the", "der", "le", "и", "的", "\u00e9t\u00e9", "x" * 3000, "ab" * 700, "</s>", "__label__en"]
    batches = [[" ".join(rng.choice(vocabulary) + rng.choice(["", "s", "é"]) for _ in range(rng.randrange(0, 30)))
                for _ in range(rng.choice([1, 3, 40]))] for _ in range(25)]
    tiny = BatchPredictor(model, cache_slots=2, cache_words=1)  # nothing fits at first
    small = BatchPredictor(model, cache_slots=16, cache_words=32)
    for batch in batches:
        for predictor in (tiny, small):
            assert_same_as_fasttext(predictor, reference, batch)
            labels, probs = predictor.predict(batch)  # again, now from the cache it filled
            again, probs_again = predictor.predict(batch)
            assert labels == again and probs.tobytes() == probs_again.tobytes()
    assert len(tiny.slots) > 2 and len(small.slots) > 16
    assert np.all(tiny.state[:2] >= 0)
