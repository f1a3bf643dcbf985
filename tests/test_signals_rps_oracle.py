"""Property tests: the batch implementation of rps_doc, rps_lines and assay_extras equals the
per-document oracle (tests/oracle_signals.py) on random Unicode text, for every signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signals
from signals.wordlists import bad_words, stop_words
from tests import oracle_signals as oracle

FAMILIES = ["rps_doc", "rps_lines", "assay_extras"]
SAMPLE_TEXTS = Path(__file__).parent / "data" / "sample" / "texts"

# Fragments that hit the definitions' special cases, mixed with arbitrary Unicode.
FRAGMENTS = [
    "\n", "\n\n", " ", "\t", "\r", "\x0b", "\x1c", "\x85", "\u00a0", "\u2028", "\u3000", ".", "...", "\u2026", "!",
    "?", "\u201d", "#", "{", "}", "'", "-", "_", "A", "THE", "The", "the", "a", "and", "javascript", "JavaScript",
    "lorem ipsum", "Lorem Ipsum", "LOREM  ipsum", "\u2022", "\u2013", "\u25aa", "\u00e9", "e\u0301", "\u0130",
    "\u03a3", "\u01c5", "\u2168", "\u00bd", "\u0663", "\u4e2d\u6587", "\u24b6", "\ufb01", "fuck", "2 girls 1 cup",
    "blow job", "privacy policy", "Terms of Use", "use cookies", "\U0001f600", "0", "42", "\u212a",
    # where regex's \\w / \\s (RedPajama-V2's raw words) differ from re's: ZWJ, connector punctuation,
    # an enclosing mark, Devanagari with vowel signs and virama, a superscript digit, U+001F
    "\u200d", "\u203f", "\u20dd", "\u0939\u093f\u0928\u094d\u0926\u0940", "x\u00b2", "\x1f",
]
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join)
REPEATED = st.lists(st.sampled_from(["a", "b", "c", "a b", "\n", " ", "x.", "B"]), max_size=60).map(" ".join)


def assert_equal_to_oracle(texts: list[str], lang: str) -> None:
    table = signals.annotate(texts, families=FAMILIES, language=lang)
    stop, bad = stop_words(lang), bad_words(lang)
    for i, text in enumerate(texts):
        expected = {**oracle.rps_doc(text, lang, stop, bad), **oracle.rps_lines(text), **oracle.assay_extras(text)}
        for name, value in expected.items():
            got = table.column(name)[i].as_py()
            assert as_stored(got) == as_stored(value), (name, text, got, value)
        assert table.column("rps_doc_ut1_blacklist")[i].as_py() is None


def as_stored(value):
    """The value as a float32/int32 column stores it."""
    if isinstance(value, list):
        return [as_stored(v) for v in value]
    if isinstance(value, float):
        return float(np.float32(value))
    return value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=6))
def test_batch_equals_oracle_on_random_unicode(texts):
    assert_equal_to_oracle(texts, "en")


@settings(max_examples=80, deadline=None)
@given(st.lists(REPEATED, min_size=1, max_size=5))
def test_batch_equals_oracle_on_repetitive_text(texts):
    assert_equal_to_oracle(texts, "en")


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.sampled_from(["de", "fr", "bg", "xx"]))
def test_batch_equals_oracle_in_other_languages(texts, lang):
    assert_equal_to_oracle(texts, lang)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, max_size=5))
def test_line_lists_have_one_item_per_line(texts):
    table = signals.annotate(texts, families=FAMILIES, language="en")
    for i, text in enumerate(texts):
        n_lines = len(oracle.rps_lines(text)["assay_line_ends"])
        for name in table.column_names:
            if name.startswith("rps_lines_") or name in ("assay_line_ends", "assay_lines_policy"):
                expect = 1 if (n_lines == 0 and name == "rps_lines_start_with_bulletpoint") else n_lines
                assert len(table.column(name)[i].as_py()) == expect, name


@pytest.mark.parametrize("text", ["a\ud800b c\udfff.\n", "\ud83d"])
def test_lone_surrogates_are_handled(text):
    assert_equal_to_oracle([text, "plain text here"], "en")


def test_mixed_languages_in_one_batch_use_each_documents_language():
    texts = [
        "The committee met on Tuesday to discuss the new library and the roads near the school.",
        "Der Ausschuss traf sich am Dienstag, um über die neue Bibliothek und die Straßen zu sprechen.",
        "Le comité s'est réuni mardi pour discuter de la nouvelle bibliothèque et des routes du village.",
        "De commissie kwam dinsdag bijeen om de nieuwe bibliotheek en de wegen bij de school te bespreken.",
        "Il comitato si è riunito martedì per discutere della nuova biblioteca e delle strade vicino alla scuola.",
        "Der Ausschuss traf sich am Dienstag, um über die neue Bibliothek und die Straßen zu sprechen. Scheiße!",
        "Комитетът се събра във вторник, за да обсъди новата библиотека и пътищата край училището.",
        "Valiokunta kokoontui tiistaina keskustelemaan uudesta kirjastosta ja koulun lähellä olevista teistä.",
        "El comité se reunió el martes para hablar de la nueva biblioteca y de las calles cerca de la escuela.",
        "",
    ]
    table = signals.annotate(texts, families=["ccnet", "rps_doc"])
    langs = table.column("ccnet_language").to_pylist()
    assert langs[:9] == ["en", "de", "fr", "nl", "it", "de", "bg", "fi", "es"]
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        expected = oracle.rps_doc(text, lang, stop_words(lang), bad_words(lang))
        for name, value in expected.items():
            assert as_stored(table.column(name)[i].as_py()) == as_stored(value), (lang, name)
    assert table.column("rps_doc_stop_word_fraction")[3].as_py() is None  # no Dutch list


@pytest.mark.skipif(not SAMPLE_TEXTS.is_dir(), reason="no shipped sample texts")
@pytest.mark.parametrize("lang", sorted(p.name for p in SAMPLE_TEXTS.iterdir() if p.is_dir()) if SAMPLE_TEXTS.is_dir() else [])
def test_batch_equals_oracle_on_the_shipped_sample_texts(lang):
    """Real books and declarations, cut into documents of about 2,000 characters at paragraph breaks."""
    docs: list[str] = []
    for path in sorted((SAMPLE_TEXTS / lang).glob("*.txt")):
        current = ""
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            current += paragraph + "\n\n"
            if len(current) > 2000:
                docs.append(current)
                current = ""
        docs.append(current)
    assert len(docs) >= 5
    assert_equal_to_oracle(docs, lang)
