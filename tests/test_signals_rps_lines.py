"""rps_lines: the spec's reference document, the empty document and per-line edge cases."""

from __future__ import annotations

import pytest

import signals
from tests.test_signals_rps_doc import REFERENCE


def line_values(texts) -> list[dict]:
    return signals.annotate(texts, families=["rps_lines"], language="en").to_pylist()


def test_reference_document_matches_redpajama_values():
    row = line_values([REFERENCE])[0]
    assert row["rps_lines_ending_with_terminal_punctution_mark"] == [1, 0, 1, 0]
    assert row["rps_lines_javascript_counts"] == [0, 0, 2, 0]
    assert row["rps_lines_num_words"] == [11, 3, 5, 4]
    assert row["rps_lines_start_with_bulletpoint"] == [0, 1, 0, 0]
    assert row["rps_lines_uppercase_letter_fraction"] == pytest.approx([0.125, 0.0, 0.04651163, 0.0], rel=1e-6)
    assert row["assay_line_ends"] == [56, 70, 113, 134]  # 56 = len("The quick ... END...\n")


def test_empty_document_has_empty_lists_and_one_null_bullet():
    row = line_values([""])[0]
    for name, value in row.items():
        assert value == ([None] if name == "rps_lines_start_with_bulletpoint" else []), name


def test_whitespace_lines_are_lines():
    row = line_values([" \n\n\t"])[0]
    assert row["assay_line_ends"] == [2, 3, 4]
    assert row["rps_lines_num_words"] == [0, 0, 0]
    assert row["rps_lines_numerical_chars_fraction"] == [0.0, 0.0, 0.0]  # empty normalized lines
    assert row["rps_lines_uppercase_letter_fraction"] == [0.0, 0.0, 0.0]


def test_trailing_line_without_newline_and_final_newline():
    a, b = line_values(["ab\ncd", "ab\ncd\n"])
    assert a["assay_line_ends"] == [3, 5] and b["assay_line_ends"] == [3, 6]


def test_uppercase_fraction_counts_the_newline_in_the_length():
    row = line_values(["AB\nAb"])[0]
    assert row["rps_lines_uppercase_letter_fraction"] == pytest.approx([2 / 3, 1 / 2])


def test_numerical_fraction_is_over_the_normalized_line():
    # normalized line 1: "12 ab" (5 chars, 2 numeric); line 2: "½ ٣" (both isnumeric)
    row = line_values(["12, ab!\n\u00bd \u0663\n"])[0]
    assert row["rps_lines_numerical_chars_fraction"] == pytest.approx([0.4, 2 / 3])


def test_terminal_punctuation_and_bullets_after_whitespace():
    row = line_values(["  \u2022 item.  \n- dash\n\u2013 en dash\u201d\nquestion?\t\n"])[0]
    assert row["rps_lines_start_with_bulletpoint"] == [1, 0, 1, 0]
    assert row["rps_lines_ending_with_terminal_punctution_mark"] == [1, 0, 1, 1]


def test_javascript_counts_whole_normalized_words():
    row = line_values(["JavaScript, javascript; javascripts\nJAVASCRIPT!"])[0]
    assert row["rps_lines_javascript_counts"] == [2, 1]


def test_accented_and_cjk_lines():
    row = line_values(["Caf\u00e9 \u00c9t\u00e9\n\u4e2d\u6587 \u6587\u5b57"])[0]
    assert row["rps_lines_num_words"] == [2, 2]
    assert row["rps_lines_uppercase_letter_fraction"] == pytest.approx([2 / 9, 0.0])  # raw line: precomposed letters count once
