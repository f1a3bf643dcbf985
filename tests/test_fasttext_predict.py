"""The batched fastText predictor gives fastText's own label and float32 probability, bit for bit.

Checked against fastText's `predict` on lid.176 (shipped sample texts, hand-made edge cases,
hypothesis-generated Unicode, a cache too small to hold the batch) and on models the test trains
itself: hierarchical softmax (dense .bin; quantized .ftz with pruned buckets and norms) and the
softmax quality-classifier recipe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signals import classifier
from signals.fasttext_format import FastTextFormatError, read_model
from signals.fasttext_predict import BatchPredictor, huffman_tree, supports
from signals.langid import identify_texts
from signals.models import fasttext_model, fasttext_top1, lid176_path

SAMPLE_TEXTS = Path(__file__).parent / "data" / "sample" / "texts"

EDGE_CASES = [
    "", " ", "\n", "\n\n\n", "\t\r\x0b\x0c", "\x00", "x\x00y", "a </s> b", "</s>", "Der Hund </s> the dog runs fast",
    "__label__en", "__label__en bonjour le monde", "__label__", "word__label__x", "<", ">", "<>", "</s></s>",
    "The quick brown fox jumps over the lazy dog.", "Le renard brun saute par-dessus le chien paresseux.",
    "\u00a0non\u00a0breaking\u00a0spaces\u00a0", "\u3000全角\u3000スペース", "日本語のテキストです", "中文文本", "한국어 텍스트",
    "Ελληνικά κείμενα", "русский текст", "עברית", "العربية", "\U0001f600\U0001f600 emoji", "e\u0301te\u0301",
    "x" * 5000, "ab" * 3000 + " cd", "a\nb\nc", "THE END...\n\u2022 bullet", "1234 5678 90", "\x1c\x1d\x85\u2028",
    # tokens around the token cache's 8-byte words: lengths 7..17, equal first words, control bytes below 33
    "abcdefg abcdefgh abcdefghi abcdefghabcdefgh abcdefghabcdefghi abcdefgh abcdefg",
    "internationalization internationalizations internationalisation internationalization",
    "abcdefg\x01 abcdefgh\x1f abc\x08defghij \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x1f! \x7f\x80é\x14",
]

FRAGMENTS = [" ", "\n", "\t", "\x00", "\r", "</s>", "__label__de", "__label__", "<", ">", "the", "und", "le", "de",
             "\u00e9", "\u4e2d", "\u00a0", "\U0001f600", "\u0301", "ß", "Привет", "x"]
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30).map("".join)


def sample_documents() -> list[str]:
    docs: list[str] = []
    for path in sorted(SAMPLE_TEXTS.glob("**/*.txt")):
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        docs.extend(paragraphs[:40])
        docs.append("\n\n".join(paragraphs))  # one long document per file
    return docs


def fasttext_answers(model, texts: list[str]) -> tuple[list[str | None], np.ndarray]:
    labels, probs = model.predict([t.replace("\n", " ") for t in texts], k=1)
    return ([lab[0] if len(lab) else None for lab in labels],
            np.array([p[0] if len(p) else np.nan for p in probs], dtype=np.float32))


def assert_same_as_fasttext(predictor: BatchPredictor, model, texts: list[str]) -> None:
    labels, probs = predictor.predict(texts)
    want_labels, want_probs = fasttext_answers(model, texts)
    for text, got, want, p, q in zip(texts, labels, want_labels, probs, want_probs, strict=True):
        assert got == want, (text[:80], got, want)
        assert p.tobytes() == q.tobytes(), (text[:80], float(p), float(q))  # the same float32, bit for bit


@pytest.fixture(scope="module")
def lid_fasttext():
    return fasttext_model(lid176_path())


def lid176_predictor() -> BatchPredictor:
    top1 = fasttext_top1(lid176_path())
    assert isinstance(top1.__self__, BatchPredictor)  # what ccnet_language runs on
    return top1.__self__


def test_lid176_file_is_read_as_fasttext_sees_it(lid_fasttext) -> None:
    model = read_model(lid176_path())
    assert model.loss == "hs" and model.quantized and (model.minn, model.maxn) == (2, 4)
    assert [w.decode() for w in model.words] == lid_fasttext.get_words()
    assert [lab.decode() for lab in model.labels] == lid_fasttext.get_labels()
    assert model.input_rows.shape == (50000, 16)
    for i in range(model.input_rows.shape[0]):
        assert np.array_equal(model.input_rows[i], lid_fasttext.get_input_vector(i)), i
    assert np.array_equal(model.output, np.array(lid_fasttext.f.getOutputMatrix()))
    assert supports(model) is None


def test_lid176_sample_and_edge_cases_bit_for_bit(lid_fasttext) -> None:
    texts = sample_documents() + EDGE_CASES
    assert len(texts) > 300
    assert_same_as_fasttext(lid176_predictor(), lid_fasttext, texts)


def test_literal_eos_ends_the_input_as_in_fasttext(lid_fasttext) -> None:
    # fastText reads one line and stops at a literal </s>: the German after it must not count.
    text = "the dog </s> " + "der Hund läuft schnell über die Straße und bellt " * 20
    labels, _ = lid176_predictor().predict([text])
    assert labels == ["__label__en"]
    assert_same_as_fasttext(lid176_predictor(), lid_fasttext, [text, text.replace("</s>", "")])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=8))
def test_lid176_random_unicode_bit_for_bit(lid_fasttext, texts: list[str]) -> None:
    assert_same_as_fasttext(lid176_predictor(), lid_fasttext, texts)


def test_a_full_token_cache_changes_nothing(lid_fasttext) -> None:
    texts = sample_documents()
    tiny = BatchPredictor(read_model(lid176_path()), cache_slots=8, cache_words=8)
    for start in range(0, len(texts), 50):  # several batches: the cache fills, is rebuilt larger, fills again
        assert_same_as_fasttext(tiny, lid_fasttext, texts[start:start + 50])
    assert len(tiny.slots) > 8


def test_identify_texts_strips_the_label_prefix() -> None:
    langs, scores = identify_texts(["Das ist ein ganz normaler deutscher Satz über das Wetter.",
                                    "Ceci est une phrase française tout à fait ordinaire."])
    assert langs == ["de", "fr"]
    assert scores.dtype == np.float32 and (scores > 0.5).all()
    assert identify_texts([]) == ([], pytest.approx(np.zeros(0)))


def test_huffman_tree_puts_frequent_labels_near_the_root() -> None:
    left, right = huffman_tree(np.array([50, 30, 15, 5]))
    # Nodes 4..6 are internal; each takes the smaller count as its left child, and on a tie (node 5 and
    # leaf 0, both 50) the internal node: 4 = (3, 2), 5 = (4, 1), root 6 = (5, 0).
    assert (left[4], right[4]) == (3, 2)
    assert (left[5], right[5]) == (4, 1)
    assert (left[6], right[6]) == (5, 0)
    assert (left[:4] == -1).all() and (right[:4] == -1).all()


def _training_file(tmp_path: Path) -> Path:
    lines = []
    for path in sorted(SAMPLE_TEXTS.glob("**/*.txt")):
        label = path.parent.name if path.parent != SAMPLE_TEXTS else path.stem.split("_")[0]
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            words = para.split()
            if len(words) > 3:
                lines.append(f"__label__{label} " + " ".join(words))
    out = tmp_path / "train.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import fasttext

    tmp = tmp_path_factory.mktemp("ft")
    train = _training_file(tmp)
    model = fasttext.train_supervised(input=str(train), loss="hs", dim=8, minn=2, maxn=3, epoch=3, bucket=20000,
                                      thread=1, seed=1, verbose=0)
    dense = tmp / "model.bin"
    model.save_model(str(dense))
    model.quantize(input=str(train), qnorm=True, cutoff=2000, retrain=False, thread=1, verbose=0)
    quant = tmp / "model.ftz"
    model.save_model(str(quant))
    lines = train.read_text(encoding="utf-8").splitlines()
    softmax = tmp / "softmax.bin"  # the quality-classifier recipe: fastText's default hyperparameters
    classifier.train(lines, str(softmax), seed=1, threads=1)
    bigrams = tmp / "bigrams.bin"
    classifier.train(lines, str(bigrams), seed=1, threads=1, wordNgrams=2, epoch=1)
    return {"dense": dense, "quantized": quant, "softmax": softmax, "bigrams": bigrams}


@pytest.mark.parametrize("kind", ["dense", "quantized", "softmax"])
def test_models_trained_here_bit_for_bit(trained, kind: str) -> None:
    path = str(trained[kind])
    model = read_model(path)
    assert model.quantized == (kind == "quantized")
    assert (model.pruneidx_size > 0) == (kind == "quantized")
    assert model.loss == ("softmax" if kind == "softmax" else "hs")
    reference = fasttext_model(path)
    assert len(reference.get_labels()) >= 5
    assert_same_as_fasttext(BatchPredictor(model), reference, sample_documents() + EDGE_CASES)


def test_models_it_does_not_implement_go_to_fasttext(trained) -> None:
    path = str(trained["bigrams"])
    assert "word n-grams 2" in supports(read_model(path))
    texts = sample_documents()[:50]
    assert any("\n" in t for t in texts)  # newlines separate tokens like spaces on this path too
    labels, probs = fasttext_top1(path)(texts)
    want_labels, want_probs = fasttext_answers(fasttext_model(path), texts)
    assert labels == want_labels and probs.tobytes() == want_probs.tobytes()


def test_unsupported_models_and_broken_files_are_refused(tmp_path: Path) -> None:
    model = read_model(lid176_path())
    negative_sampling = type(model)(**{**model.__dict__, "loss": "ns"})
    assert "hierarchical softmax and softmax" in supports(negative_sampling)
    with pytest.raises(ValueError, match="does not support"):
        BatchPredictor(negative_sampling)
    cut = tmp_path / "cut.ftz"
    cut.write_bytes(Path(lid176_path()).read_bytes()[:5000])
    with pytest.raises(FastTextFormatError, match="truncated"):
        read_model(str(cut))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(FastTextFormatError, match="not a fastText model"):
        read_model(str(junk))
