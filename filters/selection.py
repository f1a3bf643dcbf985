"""A selection: document rules in funnel order, line filters, and the default null policy.

Funnel steps are the named rules reachable from the top through `&`: an unnamed conjunction is
split into its parts; a named conjunction whose parts are all named (a recipe) is split into
`recipe/part` steps; any other named rule is one step. Each step's unknown results are decided by
its own `nulls=` or the selection's default, so the conjunction of the steps is the selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from filters.catalog import Catalog
from filters.check import check_rule
from filters.compile import decide, document_truth
from filters.rules import AllOf, DedupKeep, NullPolicy, Rule, _policy


class FilterError(ValueError):
    """A selection that cannot run: unknown signals, wrong types, bad config. Lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems) if len(problems) != 1 else problems[0])


@dataclass(frozen=True)
class Step:
    """One funnel row: a name, its rule and the policy that decides its unknown results."""

    name: str
    rule: Rule
    nulls: NullPolicy


@dataclass(frozen=True)
class Selection:
    """Rules that keep documents (in funnel order) and per-line rules that keep lines."""

    rules: tuple[Rule, ...] = ()
    line_rules: tuple[Rule, ...] = ()
    nulls: NullPolicy = "keep"
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _policy(self.nulls)
        for r in (*self.rules, *self.line_rules):
            if not isinstance(r, Rule):
                raise TypeError(f"a selection holds rules, not {type(r).__name__}")

    @classmethod
    def of(cls, *rules: Rule, line_filters: Iterable[Rule] = (), nulls: NullPolicy = "keep") -> Selection:
        return cls(tuple(rules), tuple(line_filters), nulls)

    def steps(self) -> list[Step]:
        return _unique([s for r in self.rules for s in _steps(r, "", self.nulls)])

    def line_steps(self) -> list[Step]:
        return _unique([s for r in self.line_rules for s in _steps(r, "", self.nulls)])

    def columns(self) -> set[str]:
        """Every column the document rules read (dedup keep flags included)."""
        out: set[str] = set()
        for r in self.rules:
            out |= r.columns()
        return out

    def line_columns(self) -> set[str]:
        out: set[str] = set()
        for r in self.line_rules:
            out |= r.columns()
        return out

    def dedup_flags(self) -> set[str]:
        return {n.flag for r in self.rules for n in _walk(r) if isinstance(n, DedupKeep)}

    def check(self, catalog: Catalog) -> None:
        """Raise FilterError listing every problem (unknown signals with suggestions, wrong types)."""
        problems = [f"rule {r.label!r}: {p}" for r in self.rules for p in check_rule(r, catalog)]
        problems += [f"line filter {r.label!r}: {p}" for r in self.line_rules for p in check_rule(r, catalog, True)]
        if problems:
            raise FilterError(problems)

    def keep(self) -> pl.Expr:
        """One polars expression: True for the documents every rule keeps."""
        steps = self.steps()
        if not steps:
            return pl.lit(True)
        expr = decide(document_truth(steps[0].rule), steps[0].nulls)
        for step in steps[1:]:
            expr = expr & decide(document_truth(step.rule), step.nulls)
        return expr

    def apply(self, frame: pl.LazyFrame | pl.DataFrame, check: bool = True) -> pl.LazyFrame:
        """The documents of `frame` the document rules keep (line filters: filters.lines.filter_lines).

        `check` validates the rules against the registry and the frame's own columns first.
        """
        frame = frame.lazy()
        if check:
            columns = dict(frame.collect_schema())
            self.check(Catalog.build(columns))
            if lacking := sorted(self.dedup_flags() - set(columns)):
                raise FilterError([f"dedup rules read {', '.join(lacking)}: join the dedup output on id first, "
                                   "e.g. frame.join(pl.scan_parquet('dedup/*.parquet'), on='id', how='left')"])
        return frame.filter(self.keep())


def _steps(rule: Rule, prefix: str, default: NullPolicy) -> list[Step]:
    nulls = rule.nulls or default
    if isinstance(rule, AllOf) and rule.name is None:
        return [s for child in rule.rules for s in _steps(child, prefix, nulls)]
    if isinstance(rule, AllOf) and all(c.name for c in rule.rules):
        return [s for child in rule.rules for s in _steps(child, f"{prefix}{rule.name}/", nulls)]
    return [Step(prefix + rule.label, rule, nulls)]


def _unique(steps: list[Step]) -> list[Step]:
    seen: dict[str, int] = {}
    out = []
    for s in steps:
        seen[s.name] = seen.get(s.name, 0) + 1
        out.append(s if seen[s.name] == 1 else Step(f"{s.name}#{seen[s.name]}", s.rule, s.nulls))
    return out


def _walk(rule: Rule) -> Iterable[Rule]:
    yield rule
    for child in rule.children():
        yield from _walk(child)
    for operand in rule.operands():
        inner = getattr(operand, "rule", None)
        if inner is not None:
            yield from _walk(inner)
