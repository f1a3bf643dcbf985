"""Validate a rule against the known columns before any data is read."""

from __future__ import annotations

from filters.catalog import Catalog
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
    Operand,
    Range,
    Rule,
)

_LIST_HINT = ("is a line-level (list) signal: aggregate it (mean, sum, min, max, len or frac_lines) "
              "or use it under line_filters")


def check_rule(rule: Rule, catalog: Catalog, line: bool = False) -> list[str]:
    """Problems with `rule` (empty when valid). `line`: a per-line rule (line filters, frac_lines)."""
    problems: list[str] = []
    _check(rule, catalog, line, problems)
    return list(dict.fromkeys(problems))


def _check(rule: Rule, catalog: Catalog, line: bool, problems: list[str]) -> None:
    if isinstance(rule, AllOf | AnyOf):
        if not rule.rules:
            problems.append(f"{type(rule).__name__} {rule.label!r} has no rules")
        for child in rule.rules:
            _check(child, catalog, line, problems)
    elif isinstance(rule, Not):
        _check(rule.rule, catalog, line, problems)
    elif isinstance(rule, DedupKeep):
        if line:
            problems.append("dedup keep flags are document-level; they cannot decide lines")
    elif isinstance(rule, Range):
        kind = _operand_kind(rule.operand, catalog, line, problems)
        if kind not in (None, "number"):
            problems.append(f"{rule.operand.describe()} holds {kind} values; min/max/gt/lt need numbers")
        if rule.lo is not None and rule.hi is not None and rule.lo > rule.hi:
            problems.append(f"{rule.describe()}: the lower bound is above the upper bound")
    elif isinstance(rule, IsIn):
        kind = _operand_kind(rule.operand, catalog, line, problems)
        if kind == "string" and not all(isinstance(v, str) for v in rule.values):
            problems.append(f"{rule.operand.describe()} holds strings; `in` values must be strings")
        if kind == "number" and not all(isinstance(v, int | float) and not isinstance(v, bool)
                                        for v in rule.values):
            problems.append(f"{rule.operand.describe()} holds numbers; `in` values must be numbers")
        if kind == "bool" and not all(isinstance(v, bool) for v in rule.values):
            problems.append(f"{rule.operand.describe()} holds booleans; `in` values must be true/false")
    elif isinstance(rule, IsNull):
        _operand_kind(rule.operand, catalog, line, problems)
    else:
        problems.append(f"not a rule: {rule!r}")


def _operand_kind(operand: Operand, catalog: Catalog, line: bool, problems: list[str]) -> str | None:
    """The kind of value the operand yields (None if it is invalid; problems say why)."""
    if isinstance(operand, Column):
        if operand.name not in catalog:
            problems.append(catalog.unknown_message(operand.name))
            return None
        kind = catalog.kind(operand.name)
        if line:
            if kind != "list":
                problems.append(f"{operand.name!r} is a document-level signal; a per-line rule tests "
                                "line-level (list) signals")
                return None
            return "number"  # line-level signals hold numbers per line
        if kind == "list":
            problems.append(f"{operand.name!r} {_LIST_HINT}")
            return None
        return kind
    if line:
        problems.append(f"{operand.describe()}: aggregates are document-level; a per-line rule tests one "
                        "line's values")
        return None
    if isinstance(operand, ListAggregate):
        if operand.column not in catalog:
            problems.append(catalog.unknown_message(operand.column))
            return None
        if catalog.kind(operand.column) != "list":
            problems.append(f"{operand.how}() needs a line-level (list) signal; {operand.column!r} is "
                            "document-level")
            return None
        return "number"
    if isinstance(operand, LineFraction):
        inner: list[str] = []
        _check(operand.rule, catalog, True, inner)
        problems.extend(inner)
        if not inner and len(operand.rule.columns()) != 1:
            problems.append(f"{operand.describe()}: frac_lines tests one line-level signal; combine several "
                            "with & or | outside frac_lines")
        return "number" if not inner else None
    problems.append(f"not an operand: {operand!r}")
    return None
