"""The batch kernels against the per-document oracle on inputs the hypothesis strategies of
tests/test_signals_rps_oracle.py rarely or never produce (batch boundaries, empty and whitespace-only
documents, runs of newlines, long repeated n-grams, many identical lines, code points above U+FFFF,
lone surrogates next to each other across documents, U+0000, long documents and words, every
stop-word language, mixed languages in one batch), also with every hash forced equal."""

from __future__ import annotations

import unicodedata

import pytest
import xxhash

import signals
from signals import kernels
from signals.wordlists import bad_words, stop_words
from tests import oracle_signals as oracle
from tests.test_signals_rps_oracle import assert_equal_to_oracle

BOUNDARIES = [
    [""],
    ["", "", ""],
    ["a"],
    ["\n"],
    ["\n", "\n\n", "\n\n\n", "x\n"],
    ["   ", "\t\r\x0b\x0c", "\u3000\u00a0\u2028\x85\x1c"],
    ["a\n", "b", "", "c\n\n"],
    ["", "the the the the the the", ""],
    ["x", "x", "x"],
    ["last document without newline", "ends with newline\n", "ends with two\n\n"],
    [".", "...", "....", "......", "\u2026", "!?.", "#", "{}"],
]


@pytest.mark.parametrize("texts", BOUNDARIES, ids=range(len(BOUNDARIES)))
def test_batch_boundaries(texts):
    assert_equal_to_oracle(texts, "en")


PARAGRAPHS = [
    "a\n\n\nb\n\n\na", "a\n\n\n\n\na\n\na", "\n\n\na\n\nb", "a\n \n\nb\n\n a \n\nb", "a\r\n\r\nb\r\n\r\na",
    "p one\nline two\n\np one\nline two\n\n\n\np one\nline two", "\n\n\n\n", "x\n\n", "\n\nx", " \n\n \n\n ",
]


def test_paragraph_runs_of_newlines():
    assert_equal_to_oracle(PARAGRAPHS, "en")
    assert_equal_to_oracle(list(reversed(PARAGRAPHS)), "en")


def test_many_identical_lines_and_long_repeated_ngrams():
    unit = "one two three four five six seven eight nine ten eleven"
    texts = [
        "same line\n" * 500,
        "same line\n" * 499 + "same line",
        ("  same line  \n" + "Same line\n") * 300,
        " ".join([unit] * 200),
        " ".join([unit] * 50 + ["x"] + [unit] * 50),
        " ".join(["a b"] * 1000 + ["a"]),
        " ".join(["a"] * 3000),
        " ".join(f"w{i % 11}" for i in range(5000)),  # period 11 > the longest n-gram (10)
        " ".join(f"w{i % 10}" for i in range(5000)),  # period 10
        " ".join(f"w{i % 9}" for i in range(5000)),
    ]
    assert_equal_to_oracle(texts, "en")


ASTRAL_AND_SURROGATES = [
    "\U0001f600 \U0001f600\U0001f600 \U00010400\U00010428 \U0001d400BC \U0010ffff",
    "\ud83d\ude00 \ud83d \ude00 x\udfffy \ud800\ud800",  # separate surrogates, also a high + low "pair"
    "\ud83d",
    "\ude00 end",  # with the previous document: a high surrogate followed by a low one across documents
    "\x00", "a\x00b \x00\x00 c\x00\n\x00",
    "\U0001f600...\n\U0001f600...\n",
    "\u03a3\U0001d400\u03a3 \U0001d400\u03a3",  # sigma next to an astral (cased) letter
]


def test_astral_code_points_surrogates_and_nul():
    assert_equal_to_oracle(ASTRAL_AND_SURROGATES, "en")
    assert_equal_to_oracle(ASTRAL_AND_SURROGATES, "de")


def test_exact_hash_with_surrogates_and_astral_code_points():
    table = signals.annotate(ASTRAL_AND_SURROGATES, families=["minhash"], language="en")
    expected = [xxhash.xxh64_intdigest(oracle.normalize(t).encode("utf-8", "surrogatepass"))
                for t in ASTRAL_AND_SURROGATES]
    assert table.column("minhash_exact_hash").to_pylist() == expected


def test_long_documents_and_long_words():
    word = "abcdefghij" * 20000  # one 200,000-character word
    texts = [
        word,
        word + " " + word + " " + word.upper(),
        ("Lorem ipsum dolor sit amet. " * 8000) + "\n",
        ("x" * 70 + " ") * 100,  # words longer than the vocabulary length mask's 63
        "e\u0301" * 30000,  # one long word of combining sequences
    ]
    assert_equal_to_oracle(texts, "en")


def test_lorem_ipsum_under_ignorecase_equivalents():
    # re.IGNORECASE lets "i" match U+0131 and "s" match U+017F, both kept by lower().
    texts = ["lorem \u0131psum", "lorem ip\u017fum dolor", "LOREM IPSUM", "Lorem\u00a0ipsum", "lorem  ipsum",
             "lorem.ipsum", "lo-rem ipsum"]
    assert_equal_to_oracle(texts, "en")


@pytest.mark.parametrize("lang", ["bg", "de", "en", "es", "fi", "fr", "it"])
def test_every_stop_word_and_bad_word_list(lang):
    stop = sorted(stop_words(lang))
    bad = sorted(bad_words(lang) or [])
    texts = [" ".join(stop[i::7]) for i in range(7)]
    texts += [" ".join(w.upper() if i % 3 == 0 else w for i, w in enumerate(stop[:200]))]
    texts += [", ".join(bad), " ".join(unicodedata.normalize("NFD", w.lower()) for w in bad), " ".join(bad * 2)]
    assert_equal_to_oracle(texts, lang)


def test_edge_batches_when_every_hash_collides(monkeypatch):
    monkeypatch.setattr(kernels, "HASH_MASK", 0)
    assert_equal_to_oracle(PARAGRAPHS + ["same line\n" * 50, " ".join(["a b"] * 100)], "en")
    assert_equal_to_oracle(ASTRAL_AND_SURROGATES, "fr")
