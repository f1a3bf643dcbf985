"""Python composition: operators, names, null policy, aggregations, one lazy polars expression."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

from filters import FilterError, Selection, all_of, any_of, col, dedup
from filters.compile import document_truth
from filters.funnel import chars_expr, funnel_frame
from filters.rules import AllOf, Range

FRAME = pl.DataFrame({
    "id": ["a", "b", "c", "d"],
    "n": [10, 60, None, 200],
    "lang": ["en", "de", "en", None],
    "lines": [[1.0, 0.0, 1.0, 1.0], [0.0, 0.0], [], None],
    "keep": [True, False, None, True],
}, schema_overrides={"n": pl.Int32, "lines": pl.List(pl.Float32)})


def truth(rule) -> list:
    return FRAME.select(document_truth(rule).alias("t"))["t"].to_list()


def kept(selection: Selection) -> list[str]:
    return selection.apply(FRAME).collect()["id"].to_list()


def test_comparisons_and_operators() -> None:
    assert truth(col("n").gt(10)) == [False, True, None, True]
    assert truth(col("n") >= 10) == [True, True, None, True]
    assert truth(col("n").between(10, 60)) == [True, True, None, False]
    assert truth(col("lang").is_in(["en", "fr"])) == [True, False, True, None]
    assert truth(col("lang").ne("en")) == [False, True, False, None]
    # Kleene logic: False & unknown = False, True | unknown = True, ~unknown = unknown
    assert truth(col("n").gt(100) & col("lang").eq("en")) == [False, False, None, None]
    assert truth(col("n").gt(100) | col("lang").eq("en")) == [True, False, True, True]
    assert truth(~col("n").gt(10)) == [True, False, None, False]
    assert truth(col("n").is_null()) == [False, False, True, False]


def test_and_or_flatten_but_keep_named_groups() -> None:
    a, b, c = col("n").gt(1), col("n").gt(2), col("n").gt(3)
    assert (a & b & c) == AllOf((a, b, c))
    assert ((a & b).named("ab") & c).rules == ((a & b).named("ab"), c)
    assert (a | b | c) == any_of(a, b, c)
    assert all_of(a, b) == a & b
    with pytest.raises(TypeError, match="combine them with &"):
        bool(a)
    with pytest.raises(TypeError, match="expected a rule"):
        a & 3  # noqa: B018


def test_null_policy_default_per_rule_and_not() -> None:
    rule = col("n").ge(50).named("long")
    assert kept(Selection.of(rule)) == ["b", "c", "d"]                    # unknown kept by default
    assert kept(Selection.of(rule, nulls="drop")) == ["b", "d"]
    assert kept(Selection.of(rule.on_null("drop"))) == ["b", "d"]
    # ~ of a rule that decides its own nulls flips the decision; ~ of an undecided one stays unknown
    assert kept(Selection.of(~rule.on_null("keep"))) == ["a"]
    assert kept(Selection.of(~rule)) == ["a", "c"]


def test_aggregations_over_line_lists() -> None:
    assert truth(col("lines").mean().ge(0.75)) == [True, False, None, None]   # empty/null list: unknown
    assert truth(col("lines").sum().ge(2)) == [True, False, False, None]      # sum of no lines is 0
    assert truth(col("lines").len().le(2)) == [False, True, True, None]
    assert truth(col("lines").max().lt(1)) == [False, True, None, None]
    assert truth(col("lines").gt(0.5).frac_lines().gt(0.5)) == [True, False, None, None]
    with pytest.raises(ValueError, match="line-level list column"):
        col("lines").mean().mean()


def test_dedup_flags() -> None:
    assert truth(dedup("all")) == [True, False, None, True]
    assert dedup("fuzzy").columns() == {"fuzzy_keep"}
    with pytest.raises(ValueError, match="dedup kind"):
        dedup("fuzy")  # type: ignore[arg-type]


def test_steps_names_and_the_single_expression() -> None:
    recipe = AllOf((col("n").ge(10).named("min"), col("n").le(100).named("max")), name="size")
    selection = Selection.of(recipe, col("lang").eq("en") & col("n").gt(0), dedup("all"))
    assert [s.name for s in selection.steps()] == ["size/min", "size/max", "lang == 'en'", "n > 0", "dedup:all"]
    assert kept(selection) == ["a", "c"]  # c: n and keep are null (unknown), kept by the default policy
    unnamed_parts = AllOf((col("n").ge(10), col("n").le(100)), name="size")
    assert [s.name for s in Selection.of(unnamed_parts).steps()] == ["size"]
    assert [s.name for s in Selection.of(col("n").gt(0), col("n").gt(0)).steps()] == ["n > 0", "n > 0#2"]
    assert Range(col("n").operand, lo=1, hi=2).describe() == "1 <= n <= 2"


def test_the_funnel_reads_only_the_columns_the_rules_name(tmp_path) -> None:
    table = pa.table({"id": ["x", "y"], "text": ["long text " * 100, "short"], "ccnet_length": [1000, 5],
                      "n": pa.array([100, 5], pa.int32()), "unused": [1.0, 2.0]})
    path = tmp_path / "t.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    selection = Selection.of(col("n").ge(10).named("big"))
    plan = funnel_frame(pl.scan_parquet(path), selection.steps(), chars_expr(table.column_names)).explain()
    projection = next(line.strip() for line in plan.splitlines() if "PROJECT" in line)
    assert projection == "PROJECT 2/5 COLUMNS", plan  # ccnet_length and n
    assert "text" not in plan and "unused" not in plan, plan
    assert selection.apply(pl.scan_parquet(path)).collect()["id"].to_list() == ["x"]


def test_apply_checks_names_against_the_frames_columns() -> None:
    with pytest.raises(ValueError, match=r"unknown signal 'lang_' \(did you mean 'lang'\?\)"):
        Selection.of(col("lang_").eq("en")).apply(FRAME)
    with pytest.raises(ValueError, match="line-level"):
        Selection.of(col("lines").gt(0)).apply(FRAME)
    assert Selection.of(col("lang").eq("en")).apply(FRAME).collect()["id"].to_list() == ["a", "c", "d"]  # d: null
    with pytest.raises(FilterError, match="dedup rules read fuzzy_keep: join the dedup output"):
        Selection.of(dedup("fuzzy")).apply(FRAME)  # FRAME has `keep` only
    assert Selection.of(dedup("all")).apply(FRAME).collect()["id"].to_list() == ["a", "c", "d"]  # c: null flag
