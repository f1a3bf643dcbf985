"""assay_extras: Gopher repetition, FineWeb line and newline ratios, Gopher stop words, C4 policy lines."""

from __future__ import annotations

import pytest

import signals
from signals.families import all_signals


def extra_values(texts) -> list[dict]:
    return signals.annotate(texts, families=["assay_extras"], language="en").to_pylist()


def test_duplicate_lines_and_paragraphs():
    text = "alpha\nbeta\n alpha \n\n\nbeta\n\nalpha\nbeta\n alpha "
    row = extra_values([text])[0]
    # lines (stripped, non-empty): alpha beta alpha beta alpha beta alpha -> 5 duplicates of 7
    assert row["assay_frac_dup_lines"] == pytest.approx(5 / 7)
    assert row["assay_frac_chars_dup_lines"] == pytest.approx((5 + 4 + 5 + 4 + 5) / (5 * 4 + 4 * 3))
    # paragraphs: "alpha\nbeta\n alpha", "beta", "alpha\nbeta\n alpha" -> 1 duplicate of 3
    assert row["assay_frac_dup_paragraphs"] == pytest.approx(1 / 3)
    assert row["assay_frac_chars_dup_paragraphs"] == pytest.approx(17 / (17 + 4 + 17))


def test_short_lines_newlines_and_gopher_stop_words():
    text = "The cat and the dog.\n" + "x" * 31 + "\n\n  short  \n"
    row = extra_values([text])[0]
    assert row["assay_frac_short_lines"] == pytest.approx(2 / 3)
    assert row["assay_newline_to_word_ratio"] == pytest.approx(4 / 7)  # 5 + 1 + 1 words
    assert row["assay_gopher_stop_word_count"] == 3  # The, and, the (normalized: lower-cased)


def test_empty_and_whitespace_documents():
    empty, blank = extra_values(["", " \n \n"])
    for row in (empty, blank):
        assert row["assay_frac_dup_lines"] == 0.0 and row["assay_frac_dup_paragraphs"] == 0.0
        assert row["assay_frac_short_lines"] == 0.0 and row["assay_newline_to_word_ratio"] is None
        assert row["assay_gopher_stop_word_count"] == 0
    assert empty["assay_lines_policy"] == [] and blank["assay_lines_policy"] == [0.0, 0.0]


def test_policy_lines_are_aligned_with_the_spec_lines():
    text = "Read our Privacy Policy.\nnothing here\nThis site USES COOKIES\nterms of usage"
    row = extra_values([text])[0]
    assert row["assay_lines_policy"] == [1.0, 0.0, 1.0, 0.0]


def test_declared_names_are_the_recipe_contract():
    names = {s.name for fam, s in all_signals() if fam == "assay_extras"}
    assert names == {"assay_frac_dup_lines", "assay_frac_chars_dup_lines", "assay_frac_dup_paragraphs",
                     "assay_frac_chars_dup_paragraphs", "assay_frac_short_lines", "assay_newline_to_word_ratio",
                     "assay_gopher_stop_word_count", "assay_lines_policy"}
