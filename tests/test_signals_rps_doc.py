"""rps_doc: the spec's reference document and empty document, and edge cases of each signal."""

from __future__ import annotations

import json

import pytest

import signals
from schemas.config import SignalConfig
from signals.families import all_signals
from signals.wordlists import bad_words, stop_words

REFERENCE = ("The quick brown fox jumps over the lazy dog. THE END...\n\u2022 bullet line\n"
             "JavaScript is required; enable javascript!\nlorem ipsum dolor {x}")


def doc_values(texts, lang="en", urls=None, config=None) -> list[dict]:
    table = signals.annotate(texts, families=["rps_doc"], language=lang, urls=urls, config=config)
    return table.to_pylist()


def test_reference_document_matches_redpajama_values():
    assert len(REFERENCE) == 134
    row = doc_values([REFERENCE])[0]
    expected = {
        "rps_doc_curly_bracket": 0.01492537, "rps_doc_lorem_ipsum": 0.00793651,
        "rps_doc_stop_word_fraction": 0.13793103, "rps_doc_frac_all_caps_words": 0.06896552,
        "rps_doc_frac_lines_end_with_ellipsis": 0.25, "rps_doc_frac_no_alph_words": 0.24137931,
        "rps_doc_frac_unique_words": 0.86956522, "rps_doc_mean_word_length": 4.52173913,
        "rps_doc_symbol_to_word_ratio": 0.03448276, "rps_doc_unigram_entropy": 2.93192329,
    }
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-7), name
    assert row["rps_doc_num_sentences"] == 4
    assert row["rps_doc_word_count"] == 23
    assert row["rps_doc_ldnoobw_words"] == 0
    assert row["rps_doc_ut1_blacklist"] is None


def test_empty_document():
    row = doc_values([""])[0]
    for name in ("curly_bracket", "lorem_ipsum", "stop_word_fraction", "frac_chars_top_2gram",
                 "frac_chars_top_3gram", "frac_chars_top_4gram", "frac_chars_dupe_5grams", "frac_chars_dupe_10grams"):
        assert row[f"rps_doc_{name}"] == 0.0, name
    assert row["rps_doc_num_sentences"] == 0 and row["rps_doc_word_count"] == 0 and row["rps_doc_ldnoobw_words"] == 0
    for name in ("frac_all_caps_words", "frac_lines_end_with_ellipsis", "frac_no_alph_words", "frac_unique_words",
                 "mean_word_length", "symbol_to_word_ratio", "unigram_entropy"):
        assert row[f"rps_doc_{name}"] is None, name


def test_whitespace_and_punctuation_only():
    ws, punct = doc_values([" \n\t\n", "... !!! ###"])
    assert ws["rps_doc_word_count"] == 0 and ws["rps_doc_frac_lines_end_with_ellipsis"] == 0.0
    assert ws["rps_doc_frac_no_alph_words"] is None  # no WordPunct tokens
    # punctuation is deleted by normalize: no words, but three WordPunct tokens
    assert punct["rps_doc_word_count"] == 0 and punct["rps_doc_mean_word_length"] is None
    assert punct["rps_doc_frac_no_alph_words"] == 1.0
    assert punct["rps_doc_symbol_to_word_ratio"] == pytest.approx(4 / 3)  # '...' once, '#' three times
    assert punct["rps_doc_stop_word_fraction"] == 0.0  # 0 normalized words
    assert punct["rps_doc_frac_lines_end_with_ellipsis"] == 0.0


def test_accents_count_as_two_code_points_after_nfd():
    row = doc_values(["caf\u00e9 cafe\u0301"])[0]
    assert row["rps_doc_word_count"] == 2
    assert row["rps_doc_mean_word_length"] == 5.0
    assert row["rps_doc_frac_unique_words"] == 0.5  # both spellings normalise to the same word


def test_cjk_text_is_one_word_per_whitespace_run():
    row = doc_values(["\u4eca\u65e5\u306f\u826f\u3044\u5929\u6c17\u3067\u3059\u3002 \u660e\u65e5\u3082"])[0]
    assert row["rps_doc_word_count"] == 2
    assert row["rps_doc_frac_no_alph_words"] == 1.0  # no [a-zA-Z] anywhere
    assert row["rps_doc_frac_all_caps_words"] == 0.0  # CJK is uncased


def test_trailing_line_without_newline_counts():
    a, b = doc_values(["one...\ntwo\u2026", "one...\ntwo\u2026\n"])
    assert a["rps_doc_frac_lines_end_with_ellipsis"] == 1.0
    assert b["rps_doc_frac_lines_end_with_ellipsis"] == 1.0  # the final '\n' opens no new line


def test_all_caps_follows_str_isupper():
    row = doc_values(["NASA ABC1 A1b \u01c5X I"])[0]  # ǅ is titlecase: 'ǅX'.isupper() is False
    assert row["rps_doc_frac_all_caps_words"] == pytest.approx(3 / 5)


def test_stop_words_are_case_sensitive_and_count_punctuation_tokens():
    row = doc_values(["The the , ."])[0]
    assert row["rps_doc_stop_word_fraction"] == 0.25  # only 'the'; 'The' is not in the list


def test_language_without_lists_gives_null():
    row = doc_values(["the quick fox"], lang="xx")[0]
    assert row["rps_doc_stop_word_fraction"] is None and row["rps_doc_ldnoobw_words"] is None
    de = doc_values(["und der die das"], lang="de")[0]
    assert de["rps_doc_stop_word_fraction"] == 1.0


def test_ldnoobw_counts_single_and_multi_word_entries():
    assert "2 girls 1 cup" in bad_words("en") and "boobs" in bad_words("en")
    row = doc_values(["Boobs! 2 girls, 1 cup... and 2 girls 1 cups"])[0]
    assert row["rps_doc_ldnoobw_words"] == 2


def test_top_ngram_ties_go_to_the_first_inserted_and_can_exceed_one():
    rows = doc_values(["a b a b a b c", "x y z", "aa b c aa b c d d d"])
    assert rows[0]["rps_doc_frac_chars_top_4gram"] == pytest.approx(8 / 7)  # 'a b a b' twice
    assert rows[1]["rps_doc_frac_chars_top_2gram"] == 0.0  # every bigram occurs once
    # 'aa b', 'b c', 'd d' each occur twice: the first inserted, 'aa b' (3 chars), wins
    assert rows[2]["rps_doc_frac_chars_top_2gram"] == pytest.approx(3 * 2 / 11)


def test_dupe_ngrams_mark_overlapping_repeats_once():
    rows = doc_values(["one two three four five one two three four five six", "a b c d"])
    assert rows[0]["rps_doc_frac_chars_dupe_5grams"] == pytest.approx(38 / 41)
    assert rows[0]["rps_doc_frac_chars_dupe_6grams"] == 0.0
    assert rows[1]["rps_doc_frac_chars_dupe_5grams"] == 0.0  # fewer than 5 words


def test_lorem_ipsum_is_found_across_punctuation_and_case():
    row = doc_values(["Lorem, ipsum! LOREM\nIPSUM"])[0]
    assert row["rps_doc_lorem_ipsum"] == pytest.approx(2 / len("lorem ipsum lorem ipsum"))


def test_num_sentences_regex_quirks():
    rows = doc_values(["Hi. How are you?! Fine", "...", "3.14 is pi."])
    assert [r["rps_doc_num_sentences"] for r in rows] == [3, 0, 2]


@pytest.mark.parametrize("suffix", [".tsv", ".json"])
def test_ut1_category_of_the_exact_host(tmp_path, suffix):
    path = tmp_path / f"ut1{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps({"casino.example": 3, "www.adult.example": 7}))
    else:
        path.write_text("casino.example\t3\nwww.adult.example\t7\n")
    config = SignalConfig(ut1_map=str(path))
    rows = doc_values(["a", "b", "c", "d", "e"], urls=["https://casino.example/x", "http://CASINO.example:8080/",
                                                       "http://sub.casino.example/", None, "http://www.adult.example"],
                      config=config)
    assert [r["rps_doc_ut1_blacklist"] for r in rows] == [3, 3, None, None, 7]


def test_ut1_category_names_get_sorted_ids(tmp_path):
    path = tmp_path / "ut1.tsv"
    path.write_text("a.example\tgambling\nb.example\tadult\n")
    rows = doc_values(["x", "y"], urls=["http://a.example/", "http://b.example/"], config=SignalConfig(ut1_map=str(path)))
    assert [r["rps_doc_ut1_blacklist"] for r in rows] == [1, 0]


def test_every_column_is_declared_with_a_definition():
    declared = {s.name: s for fam, s in all_signals() if fam == "rps_doc"}
    assert len(declared) == 23 and all(s.definition for s in declared.values())
    assert stop_words("en") is not None and "the" in stop_words("en")
