"""Each recipe on hand-made documents just inside and just outside each threshold; YAML = Python."""

from __future__ import annotations

import polars as pl
import pytest
from filters_data import document, schema, table

from filters import Catalog, Selection, recipes
from filters.config import parse_selection
from filters.lines import filter_lines

CATALOG = Catalog.build(schema())

# (recipe, signal, values that keep the document, values that remove it)
THRESHOLDS = [
    ("gopher_quality", "rps_doc_word_count", [50, 100_000], [49, 100_001]),
    ("gopher_quality", "rps_doc_mean_word_length", [3.0, 10.0], [2.99, 10.01]),
    ("gopher_quality", "rps_doc_symbol_to_word_ratio", [0.1], [0.1001]),
    ("gopher_quality", "rps_doc_frac_lines_end_with_ellipsis", [0.3], [0.3001]),
    ("gopher_quality", "rps_doc_frac_no_alph_words", [0.2], [0.2001]),
    ("gopher_quality", "assay_gopher_stop_word_count", [2], [1]),
    ("gopher_repetition", "assay_frac_dup_lines", [0.3], [0.3001]),
    ("gopher_repetition", "assay_frac_dup_paragraphs", [0.3], [0.3001]),
    ("gopher_repetition", "assay_frac_chars_dup_lines", [0.2], [0.2001]),
    ("gopher_repetition", "assay_frac_chars_dup_paragraphs", [0.2], [0.2001]),
    ("gopher_repetition", "rps_doc_frac_chars_top_2gram", [0.2], [0.2001]),
    ("gopher_repetition", "rps_doc_frac_chars_top_3gram", [0.18], [0.1801]),
    ("gopher_repetition", "rps_doc_frac_chars_top_4gram", [0.16], [0.1601]),
    *[("gopher_repetition", f"rps_doc_frac_chars_dupe_{n}grams", [limit], [limit + 0.0001])
      for n, limit in zip(range(5, 11), (0.15, 0.14, 0.13, 0.12, 0.11, 0.10), strict=True)],
    ("c4", "rps_doc_num_sentences", [3], [2]),
    ("c4", "rps_doc_curly_bracket", [0.0], [0.0001]),
    ("c4", "rps_doc_lorem_ipsum", [0.0], [0.0001]),
    ("c4", "rps_doc_ldnoobw_words", [0], [1]),
    ("fineweb", "assay_frac_chars_dup_lines", [0.0999], [0.1]),
    ("fineweb", "assay_frac_short_lines", [0.6699], [0.67]),
    ("fineweb", "assay_newline_to_word_ratio", [0.3], [0.3001]),
    ("rpv2_gopher_rules", "rps_doc_word_count", [50, 100_000], [49, 100_001]),
    ("rpv2_gopher_rules", "rps_doc_mean_word_length", [3.0, 10.0], [2.99, 10.01]),
    ("rpv2_gopher_rules", "rps_doc_symbol_to_word_ratio", [0.1], [0.1001]),
    ("rpv2_gopher_rules", "rps_doc_frac_chars_top_2gram", [0.2], [0.2001]),
]


def kept_ids(selection: Selection, rows: list[dict]) -> list[str]:
    return selection.apply(pl.from_arrow(table(rows))).select("id").collect()["id"].to_list()


@pytest.mark.parametrize(("recipe", "signal", "inside", "outside"), THRESHOLDS,
                         ids=[f"{r}-{s}" for r, s, _, _ in THRESHOLDS])
def test_recipe_threshold(recipe: str, signal: str, inside: list, outside: list) -> None:
    rows = [document("base")]
    rows += [document(f"in-{v}", **{signal: v}) for v in inside]
    rows += [document(f"out-{v}", **{signal: v}) for v in outside]
    selection = Selection.of(recipes.build(recipe))
    selection.check(CATALOG)
    assert kept_ids(selection, rows) == ["base"] + [f"in-{v}" for v in inside]


def _lines(n: int, flag_count: int, signal: str) -> dict:
    return document(f"{signal}-{flag_count}-of-{n}", lines=["A line of text here.\n"] * n,
                    **{signal: [1.0] * flag_count + [0.0] * (n - flag_count)})


@pytest.mark.parametrize("recipe", ["gopher_quality", "rpv2_gopher_rules"])
def test_bullet_line_fraction(recipe: str) -> None:
    signal = "rps_lines_start_with_bulletpoint"
    rows = [_lines(10, 9, signal), _lines(100, 90, signal), _lines(100, 91, signal), _lines(10, 10, signal)]
    assert kept_ids(Selection.of(recipes.build(recipe)), rows) == [rows[0]["id"], rows[1]["id"]]


def test_fineweb_terminal_punctuation_fraction_is_strict() -> None:
    signal = "rps_lines_ending_with_terminal_punctution_mark"
    rows = [_lines(100, 13, signal), _lines(100, 12, signal), _lines(25, 3, signal), _lines(25, 4, signal)]
    assert kept_ids(Selection.of(recipes.fineweb()), rows) == [rows[0]["id"], rows[3]["id"]]


def test_overrides_and_disabled_parts() -> None:
    rows = [document("two", rps_doc_num_sentences=2), document("four", rps_doc_num_sentences=4),
            document("brace", rps_doc_curly_bracket=0.01)]
    assert kept_ids(Selection.of(recipes.c4(min_sentences=5)), rows) == []
    assert kept_ids(Selection.of(recipes.c4(min_sentences=1, max_curly_bracket=None)), rows) == ["two", "four", "brace"]
    assert [r.name for r in recipes.c4(max_bad_words=None).rules] == ["sentences", "curly_bracket", "lorem_ipsum"]


C4_LINE_DOC = ["Keep this good line here.\n", "no terminal mark here\n", "Enable JavaScript to view this page.\n",
               "Too short.\n", "Read our privacy policy now.\n", "Ünïcödé line stays too.\n"]


def c4_lines_doc() -> dict:
    return document("lines", lines=C4_LINE_DOC,
                    rps_lines_ending_with_terminal_punctution_mark=[1.0, 0.0, 1.0, 1.0, 1.0, 1.0],
                    rps_lines_javascript_counts=[0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                    rps_lines_num_words=[5, 4, 6, 2, 5, 4],
                    assay_lines_policy=[0.0, 0.0, 0.0, 0.0, 1.0, 0.0])


def test_c4_lines_removes_each_kind_of_line() -> None:
    frame = pl.from_arrow(table([c4_lines_doc()]))
    result = filter_lines(frame, Selection.of(line_filters=[recipes.c4_lines()]).line_steps())
    assert result.frame["text"].to_list() == [C4_LINE_DOC[0] + C4_LINE_DOC[5]]
    assert [(c.name, c.lines_alone) for c in result.steps] == [
        ("c4_lines/terminal_punctuation", 1), ("c4_lines/javascript", 1), ("c4_lines/min_words", 1),
        ("c4_lines/policy", 1)]
    relaxed = filter_lines(frame, Selection.of(line_filters=[recipes.c4_lines(min_words=2, policy=False)]).line_steps())
    assert relaxed.frame["text"].to_list() == ["".join(C4_LINE_DOC[i] for i in (0, 3, 4, 5))]


# The same recipes spelled out rule by rule in YAML: they must select exactly the rows the recipes do.
EXPLICIT_YAML = {
    "gopher_quality": """
rules:
  - name: gopher_quality
    all:
      - {name: word_count, signal: rps_doc_word_count, min: 50, max: 100000}
      - {name: mean_word_length, signal: rps_doc_mean_word_length, min: 3, max: 10}
      - {name: symbol_to_word_ratio, signal: rps_doc_symbol_to_word_ratio, max: 0.1}
      - {name: bullet_lines, signal: rps_lines_start_with_bulletpoint, agg: mean, max: 0.9}
      - {name: ellipsis_lines, signal: rps_doc_frac_lines_end_with_ellipsis, max: 0.3}
      - {name: alphabetic_words, signal: rps_doc_frac_no_alph_words, max: 0.2}
      - {name: stop_words, signal: assay_gopher_stop_word_count, min: 2}
""",
    "gopher_repetition": """
rules:
  - name: gopher_repetition
    all:
      - {name: dup_lines, signal: assay_frac_dup_lines, max: 0.3}
      - {name: dup_paragraphs, signal: assay_frac_dup_paragraphs, max: 0.3}
      - {name: chars_dup_lines, signal: assay_frac_chars_dup_lines, max: 0.2}
      - {name: chars_dup_paragraphs, signal: assay_frac_chars_dup_paragraphs, max: 0.2}
      - {name: top_2gram, signal: rps_doc_frac_chars_top_2gram, max: 0.2}
      - {name: top_3gram, signal: rps_doc_frac_chars_top_3gram, max: 0.18}
      - {name: top_4gram, signal: rps_doc_frac_chars_top_4gram, max: 0.16}
      - {name: dupe_5grams, signal: rps_doc_frac_chars_dupe_5grams, max: 0.15}
      - {name: dupe_6grams, signal: rps_doc_frac_chars_dupe_6grams, max: 0.14}
      - {name: dupe_7grams, signal: rps_doc_frac_chars_dupe_7grams, max: 0.13}
      - {name: dupe_8grams, signal: rps_doc_frac_chars_dupe_8grams, max: 0.12}
      - {name: dupe_9grams, signal: rps_doc_frac_chars_dupe_9grams, max: 0.11}
      - {name: dupe_10grams, signal: rps_doc_frac_chars_dupe_10grams, max: 0.10}
""",
    "c4": """
rules:
  - name: c4
    all:
      - {name: sentences, signal: rps_doc_num_sentences, min: 3}
      - {name: curly_bracket, signal: rps_doc_curly_bracket, max: 0}
      - {name: lorem_ipsum, signal: rps_doc_lorem_ipsum, max: 0}
      - {name: bad_words, signal: rps_doc_ldnoobw_words, max: 0}
""",
    "fineweb": """
rules:
  - name: fineweb
    all:
      - {name: line_punctuation, signal: rps_lines_ending_with_terminal_punctution_mark, agg: mean, gt: 0.12}
      - {name: chars_dup_lines, signal: assay_frac_chars_dup_lines, lt: 0.1}
      - {name: short_lines, signal: assay_frac_short_lines, lt: 0.67}
      - {name: newline_ratio, signal: assay_newline_to_word_ratio, max: 0.3}
""",
    "rpv2_gopher_rules": """
rules:
  - name: rpv2_gopher_rules
    all:
      - {name: word_count, signal: rps_doc_word_count, min: 50, max: 100000}
      - {name: mean_word_length, signal: rps_doc_mean_word_length, min: 3, max: 10}
      - {name: symbol_to_word_ratio, signal: rps_doc_symbol_to_word_ratio, max: 0.1}
      - {name: bullet_lines, signal: rps_lines_start_with_bulletpoint, agg: mean, max: 0.9}
      - {name: top_2gram, signal: rps_doc_frac_chars_top_2gram, max: 0.2}
""",
}
C4_LINES_YAML = """
line_filters:
  - name: c4_lines
    all:
      - {name: terminal_punctuation, signal: rps_lines_ending_with_terminal_punctution_mark, in: [1]}
      - {name: javascript, signal: rps_lines_javascript_counts, max: 0}
      - {name: min_words, signal: rps_lines_num_words, min: 3}
      - {name: policy, signal: assay_lines_policy, in: [0]}
"""


def boundary_rows() -> list[dict]:
    rows = [document("base")]
    for recipe, signal, inside, outside in THRESHOLDS:
        rows += [document(f"{recipe}-{signal}-{v}", **{signal: v}) for v in inside + outside]
    signal = "rps_lines_ending_with_terminal_punctution_mark"
    rows += [_lines(100, 12, signal), _lines(100, 13, signal)]
    rows += [_lines(100, 90, "rps_lines_start_with_bulletpoint"), _lines(100, 91, "rps_lines_start_with_bulletpoint")]
    return rows


@pytest.mark.parametrize("recipe", sorted(EXPLICIT_YAML))
def test_yaml_and_python_forms_select_the_same_rows(recipe: str) -> None:
    rows = boundary_rows()
    python = Selection.of(recipes.build(recipe))
    by_name = parse_selection(f"rules:\n  - recipe: {recipe}\n", CATALOG)
    spelled = parse_selection(EXPLICIT_YAML[recipe], CATALOG)
    assert by_name.rules == python.rules and spelled.rules == python.rules
    expected = kept_ids(python, rows)
    assert 0 < len(expected) < len(rows)
    assert kept_ids(by_name, rows) == expected
    assert kept_ids(spelled, rows) == expected
    assert [s.name for s in spelled.steps()] == [s.name for s in python.steps()]


def test_c4_lines_yaml_and_python_forms_keep_the_same_lines() -> None:
    frame = pl.from_arrow(table([c4_lines_doc(), document("plain")]))
    python = Selection.of(line_filters=[recipes.c4_lines()])
    for text in ("line_filters:\n  - recipe: c4_lines\n", C4_LINES_YAML):
        selection = parse_selection(text, CATALOG)
        assert selection.line_rules == python.line_rules
        assert filter_lines(frame, selection.line_steps()).frame.equals(filter_lines(frame, python.line_steps()).frame)
