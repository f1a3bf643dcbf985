"""Filter files: the DESIGN form parses to the Python rule tree; malformed files name the file and line."""

from __future__ import annotations

import pytest
from filters_data import schema

from filters import Catalog, FilterError, Selection, col, dedup, load_filters, recipes
from filters.config import FilterConfigError, parse_selection

CATALOG = Catalog.build(schema())

DESIGN_EXAMPLE = """\
rules:
  - recipe: gopher_quality          # thresholds as in the paper
  - recipe: c4
    overrides: {min_sentences: 3}
  - name: long_enough
    signal: rps_doc_word_count
    min: 50
    max: 100000
  - name: english
    signal: ccnet_language
    in: [en]
  - name: no_code_or_filler
    all:
      - {signal: rps_doc_curly_bracket, max: 0.1}
      - {signal: rps_doc_lorem_ipsum, max: 0}
  - dedup: fuzzy                    # one document per duplicate cluster
line_filters:
  - recipe: c4_lines
"""


def test_design_example_is_the_python_selection() -> None:
    python = Selection.of(
        recipes.gopher_quality(),
        recipes.c4(min_sentences=3),
        col("rps_doc_word_count").between(50, 100_000).named("long_enough"),
        col("ccnet_language").is_in(["en"]).named("english"),
        (col("rps_doc_curly_bracket").le(0.1) & col("rps_doc_lorem_ipsum").le(0)).named("no_code_or_filler"),
        dedup("fuzzy"),
        line_filters=[recipes.c4_lines()],
    )
    parsed = parse_selection(DESIGN_EXAMPLE, CATALOG)
    assert parsed == python
    assert [s.name for s in parsed.steps()][-4:] == ["long_enough", "english", "no_code_or_filler", "dedup:fuzzy"]


def test_every_form_of_rule_parses_to_its_python_tree() -> None:
    text = """\
nulls: drop
rules:
  - {name: few_short, frac_lines: {signal: rps_lines_num_words, lt: 3}, max: 0.5, nulls: keep}
  - {name: caps, signal: rps_lines_uppercase_letter_fraction, agg: max, lt: 0.5}
  - {name: either, any: [{signal: rps_doc_word_count, gt: 10}, {signal: ccnet_language, in: [de, fr]}]}
  - {name: not_lorem, not: {signal: rps_doc_lorem_ipsum, gt: 0}}
  - {name: has_lang, signal: ccnet_language, is_null: false}
"""
    python = Selection.of(
        col("rps_lines_num_words").lt(3).frac_lines().le(0.5).named("few_short", nulls="keep"),
        col("rps_lines_uppercase_letter_fraction").max().lt(0.5).named("caps"),
        (col("rps_doc_word_count").gt(10) | col("ccnet_language").is_in(["de", "fr"])).named("either"),
        (~col("rps_doc_lorem_ipsum").gt(0)).named("not_lorem"),
        col("ccnet_language").is_not_null().named("has_lang"),
        nulls="drop",
    )
    assert parse_selection(text, CATALOG) == python


def test_load_filters_reads_a_file_and_accepts_the_tables_own_columns(tmp_path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("rules:\n  - {signal: my_custom_score, min: 0.5}\n")
    with pytest.raises(FilterError, match="unknown signal 'my_custom_score'"):
        load_filters(str(path))
    import pyarrow as pa

    selection = load_filters(str(path), pa.schema([("my_custom_score", pa.float32())]))
    assert selection.rules == (col("my_custom_score").ge(0.5),)
    assert selection.source == str(path)


MALFORMED = [
    ("bad indentation",
     "rules:\n  - name: long\n    signal: rps_doc_word_count\n   min: 50\n",
     "f.yaml:4:4: invalid YAML", "check the indentation"),
    ("key outdented out of its rule",
     "rules:\n- name: long\n  signal: rps_doc_word_count\nmin: 50\n",
     "f.yaml:4: min: unknown key 'min'", "indent it under the rule"),
    ("unknown signal",
     "rules:\n  - recipe: c4\n  - name: long\n    signal: rps_doc_word_cont\n    min: 50\n",
     "f.yaml:4: rules[1].signal: unknown signal 'rps_doc_word_cont'", "did you mean 'rps_doc_word_count'?"),
    ("unknown signal inside all",
     "rules:\n  - all:\n      - {signal: rps_doc_word_count, min: 1}\n      - {signal: rps_doc_lorem_ipsun, max: 0}\n",
     "f.yaml:4: rules[0].all[1].signal: unknown signal", "did you mean 'rps_doc_lorem_ipsum'?"),
    ("wrong type",
     "rules:\n  - name: long\n    signal: rps_doc_word_count\n    min: fifty\n",
     "f.yaml:4: rules[0].min: wrong type 'fifty'", "a valid integer or a valid number"),
    ("string signal with a bound",
     "rules:\n  - signal: ccnet_language\n    min: 3\n", "f.yaml:2: rules[0].signal:", "need numbers"),
    ("number signal with strings",
     "rules:\n  - signal: rps_doc_word_count\n    in: [a, b]\n", "f.yaml:2:", "`in` values must be numbers"),
    ("unknown recipe", "rules:\n  - recipe: gopher_qualty\n",
     "f.yaml:2: rules[0].recipe: unknown recipe 'gopher_qualty'", "did you mean 'gopher_quality'?"),
    ("unknown override", "rules:\n  - recipe: c4\n    overrides:\n      min_sentence: 3\n",
     "f.yaml:4: rules[0].overrides.min_sentence: recipe 'c4' has no parameter", "did you mean 'min_sentences'?"),
    ("override of the wrong type", "rules:\n  - recipe: c4\n    overrides:\n      min_sentences: lots\n",
     "f.yaml:4: rules[0].overrides.min_sentences:", "valid integer"),
    ("line recipe under rules", "rules:\n  - recipe: c4_lines\n", "f.yaml:2:", "put it under line_filters"),
    ("document recipe under line filters", "line_filters:\n  - recipe: c4\n", "f.yaml:2:", "put it under rules"),
    ("line-level signal without aggregate", "rules:\n  - signal: rps_lines_num_words\n    min: 3\n",
     "f.yaml:2:", "line-level (list) signal"),
    ("document signal in a line filter", "line_filters:\n  - signal: rps_doc_word_count\n    min: 3\n",
     "f.yaml:2:", "document-level signal"),
    ("dedup in a line filter", "line_filters:\n  - dedup: fuzzy\n", "f.yaml:2:", "move this rule under rules"),
    ("unknown dedup kind", "rules:\n  - dedup: fuzy\n", "f.yaml:2: rules[0].dedup:", "'exact', 'fuzzy' or 'all'"),
    ("rule without a kind", "rules:\n  - name: x\n    min: 3\n", "f.yaml:2: rules[0]:", "one of the keys recipe"),
    ("rule testing nothing", "rules:\n  - signal: rps_doc_word_count\n", "f.yaml:2:", "tests nothing"),
    ("min and gt together", "rules:\n  - {signal: rps_doc_word_count, min: 1, gt: 2}\n", "f.yaml:2:", "not both"),
    ("duplicate key", "rules:\n  - signal: rps_doc_word_count\n    min: 3\n    min: 4\n",
     "f.yaml:4: duplicate key 'min'", ""),
    ("misspelt top-level key", "rule:\n  - recipe: c4\n", "f.yaml:1: rule: unknown key 'rule'", "did you mean 'rules'?"),
    ("bad null policy", "nulls: maybe\n", "f.yaml:1: nulls:", "'keep' or 'drop'"),
    ("python object tag", "rules: !!python/object/apply:os.system ['echo hi']\n", "f.yaml:1:", "not allowed"),
]


@pytest.mark.parametrize(("case", "text", "where", "hint"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_name_file_line_and_fix(case: str, text: str, where: str, hint: str) -> None:
    with pytest.raises(FilterConfigError) as info:
        parse_selection(text, CATALOG, "f.yaml")
    message = str(info.value)
    assert where in message, message
    assert hint in message, message


def test_all_problems_are_reported_at_once() -> None:
    text = "rules:\n  - {signal: rps_doc_word_cont, min: 1}\n  - {signal: rps_doc_lorem_ipsun, max: 0}\n"
    with pytest.raises(FilterConfigError) as info:
        parse_selection(text, CATALOG, "f.yaml")
    assert [p.split(":")[1] for p in info.value.problems] == ["2", "3"]


def test_python_selection_check_suggests_names() -> None:
    selection = Selection.of(col("rps_doc_word_cont").ge(50).named("long"),
                             col("rps_lines_num_words").ge(3))
    with pytest.raises(FilterError) as info:
        selection.check(CATALOG)
    assert info.value.problems == [
        "rule 'long': unknown signal 'rps_doc_word_cont' (did you mean 'rps_doc_word_count'?)",
        "rule 'rps_lines_num_words >= 3': 'rps_lines_num_words' is a line-level (list) signal: aggregate it "
        "(mean, sum, min, max, len or frac_lines) or use it under line_filters"]


def test_example_filter_files_are_valid() -> None:
    from pathlib import Path

    files = sorted(Path(__file__).parent.parent.joinpath("jobs", "filters").glob("*.yaml"))
    assert files
    for path in files:
        selection = load_filters(str(path), schema())
        assert selection.steps() or selection.line_steps(), path
