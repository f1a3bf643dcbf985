"""Compile rule trees to polars expressions (three-valued, then decided by a null policy)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import polars as pl

from filters.rules import (
    AllOf,
    AnyOf,
    Column,
    DedupKeep,
    IsIn,
    IsNull,
    LineFraction,
    ListAggregate,
    Not,
    NullPolicy,
    Operand,
    Range,
    Rule,
)

LineValue = Callable[[str], pl.Expr]


def document_truth(rule: Rule) -> pl.Expr:
    """The rule over a frame of documents: True, False or null (unknown)."""
    return _truth(rule, None)


def line_truth(rule: Rule, line_value: LineValue = pl.col) -> pl.Expr:
    """A per-line rule over a frame with one row per line (list columns exploded to their items)."""
    return _truth(rule, line_value)


def decide(expr: pl.Expr, nulls: NullPolicy) -> pl.Expr:
    """Unknown becomes keep (True) or drop (False)."""
    return expr.fill_null(nulls == "keep")


def _truth(rule: Rule, line_value: LineValue | None) -> pl.Expr:
    expr = _node(rule, line_value)
    return decide(expr, rule.nulls) if rule.nulls is not None else expr


def _node(rule: Rule, line_value: LineValue | None) -> pl.Expr:
    if isinstance(rule, AllOf):
        return functools.reduce(operator.and_, (_truth(r, line_value) for r in rule.rules))
    if isinstance(rule, AnyOf):
        return functools.reduce(operator.or_, (_truth(r, line_value) for r in rule.rules))
    if isinstance(rule, Not):
        return ~_truth(rule.rule, line_value)
    if isinstance(rule, DedupKeep):
        return pl.col(rule.flag)
    if isinstance(rule, IsNull):
        return _value(rule.operand, line_value).is_null()
    if isinstance(rule, IsIn):
        value = _value(rule.operand, line_value)
        return functools.reduce(operator.or_, (value == pl.lit(v) for v in rule.values))
    if isinstance(rule, Range):
        value = _value(rule.operand, line_value)
        tests = []
        if rule.lo is not None:
            tests.append(value > rule.lo if rule.lo_strict else value >= rule.lo)
        if rule.hi is not None:
            tests.append(value < rule.hi if rule.hi_strict else value <= rule.hi)
        if not tests:
            raise ValueError(f"{rule.describe()}: a range needs a bound")
        return functools.reduce(operator.and_, tests)
    raise TypeError(f"cannot compile {rule!r}")


def _value(operand: Operand, line_value: LineValue | None) -> pl.Expr:
    if isinstance(operand, Column):
        return line_value(operand.name) if line_value is not None else pl.col(operand.name)
    if isinstance(operand, ListAggregate):
        lists = pl.col(operand.column).list
        if operand.how == "len":
            return lists.len().cast(pl.Int64)
        return getattr(lists, operand.how)()
    if isinstance(operand, LineFraction):
        (column,) = operand.rule.columns()
        per_line = _truth(operand.rule, lambda _name: pl.element())
        return pl.col(column).list.eval(per_line.cast(pl.Float64)).list.mean()
    raise TypeError(f"cannot compile operand {operand!r}")
