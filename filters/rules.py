"""The rule tree that Python composition and YAML configs both build.

A rule answers "keep this document (or line)?". Leaves test one value: a signal column, an
aggregate of a line-level list column, or the fraction of a document's lines that satisfy a
per-line rule. `&`, `|` and `~` combine rules. Every rule has a label: its name when `.named()`
gave one, else a description of its expression; labels are what funnel reports show.

Nulls (the rule):
  - a test on a null value is *unknown*, and unknown propagates with three-valued (Kleene) logic,
    as in SQL and polars: `False & unknown = False`, `True | unknown = True`, `~unknown = unknown`;
  - mean/min/max over a document with no lines (an empty or null list), and frac_lines of it, are
    null, so unknown; sum and len of an empty list are 0;
  - unknown is decided where a rule sets `nulls=` (`"keep"` or `"drop"`), else at the funnel step
    that holds it, with the selection's default policy (`"keep"`: a rule removes only the documents
    it has evidence against). `col(...).is_null()` tests for null explicitly and is never unknown.

Rules are frozen dataclasses: two trees built the same way (in Python or from YAML) compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

NullPolicy = Literal["keep", "drop"]
Aggregation = Literal["mean", "sum", "min", "max", "len"]
DedupKind = Literal["exact", "fuzzy", "all"]
Scalar = int | float | str | bool

DEDUP_FLAGS: dict[str, str] = {"exact": "exact_keep", "fuzzy": "fuzzy_keep", "all": "keep"}
NULL_POLICIES = ("keep", "drop")


# ---------------------------------------------------------------- operands (the value a leaf tests)

@dataclass(frozen=True)
class Column:
    """The value of a column: a document-level signal, or, inside a line rule, one line's value."""

    name: str

    def describe(self) -> str:
        return self.name

    def columns(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class ListAggregate:
    """mean / sum / min / max / len over a document's line-level list column (null for no lines)."""

    column: str
    how: Aggregation

    def describe(self) -> str:
        return f"{self.how}({self.column})"

    def columns(self) -> set[str]:
        return {self.column}


@dataclass(frozen=True)
class LineFraction:
    """The fraction of a document's lines for which a per-line rule holds (null for no lines)."""

    rule: Rule

    def describe(self) -> str:
        return f"frac_lines({self.rule.describe()})"

    def columns(self) -> set[str]:
        return self.rule.columns()


Operand = Column | ListAggregate | LineFraction


# ---------------------------------------------------------------- rules

class Rule:
    """Base of every rule node: naming, null policy and the `&`, `|`, `~` operators."""

    name: str | None
    nulls: NullPolicy | None

    def named(self, name: str, nulls: NullPolicy | None = None) -> Rule:
        """The same rule under a name (shown in funnel reports), optionally with its null policy."""
        if not name or not isinstance(name, str):
            raise ValueError("a rule name must be a non-empty string")
        return replace(self, name=name, nulls=_policy(nulls) if nulls is not None else self.nulls)

    def on_null(self, nulls: NullPolicy) -> Rule:
        """Decide an unknown result of this rule: keep or drop."""
        return replace(self, nulls=_policy(nulls))

    @property
    def label(self) -> str:
        return self.name or self.describe()

    def describe(self) -> str:
        raise NotImplementedError

    def children(self) -> tuple[Rule, ...]:
        return ()

    def operands(self) -> tuple[Operand, ...]:
        return ()

    def columns(self) -> set[str]:
        out: set[str] = set()
        for operand in self.operands():
            out |= operand.columns()
        for child in self.children():
            out |= child.columns()
        return out

    def frac_lines(self) -> Col:
        """For a per-line rule: the fraction of a document's lines for which it holds."""
        return Col(LineFraction(self))

    def __and__(self, other: Rule) -> AllOf:
        return AllOf(_flatten(AllOf, self) + _flatten(AllOf, _rule(other)))

    def __or__(self, other: Rule) -> AnyOf:
        return AnyOf(_flatten(AnyOf, self) + _flatten(AnyOf, _rule(other)))

    def __invert__(self) -> Not:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError("rules are not Python booleans: combine them with &, |, ~ (not `and`, `or`, `not`)")


@dataclass(frozen=True)
class Range(Rule):
    """lo <(=) operand <(=) hi; a missing bound is open."""

    operand: Operand
    lo: float | int | None = None
    hi: float | int | None = None
    lo_strict: bool = False
    hi_strict: bool = False
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        what = self.operand.describe()
        lo_op, hi_op = ("<" if self.lo_strict else "<="), ("<" if self.hi_strict else "<=")
        if self.lo is not None and self.hi is not None:
            return f"{_num(self.lo)} {lo_op} {what} {hi_op} {_num(self.hi)}"
        if self.lo is not None:
            return f"{what} {'>' if self.lo_strict else '>='} {_num(self.lo)}"
        return f"{what} {hi_op} {_num(self.hi)}"

    def operands(self) -> tuple[Operand, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class IsIn(Rule):
    """operand is one of `values` (unknown when the operand is null)."""

    operand: Operand
    values: tuple[Scalar, ...]
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        if len(self.values) == 1:
            return f"{self.operand.describe()} == {self.values[0]!r}"
        return f"{self.operand.describe()} in [{', '.join(repr(v) for v in self.values)}]"

    def operands(self) -> tuple[Operand, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class IsNull(Rule):
    """operand is null (never unknown)."""

    operand: Operand
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        return f"{self.operand.describe()} is null"

    def operands(self) -> tuple[Operand, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class DedupKeep(Rule):
    """The dedup stage's keep flag: exact (exact_keep), fuzzy (fuzzy_keep) or all (keep)."""

    kind: DedupKind
    name: str | None = None
    nulls: NullPolicy | None = None

    def __post_init__(self) -> None:
        if self.kind not in DEDUP_FLAGS:
            raise ValueError(f"dedup kind must be one of {', '.join(DEDUP_FLAGS)}, not {self.kind!r}")

    @property
    def flag(self) -> str:
        return DEDUP_FLAGS[self.kind]

    def describe(self) -> str:
        return f"dedup:{self.kind}"

    def columns(self) -> set[str]:
        return {self.flag}


@dataclass(frozen=True)
class AllOf(Rule):
    """Every child holds."""

    rules: tuple[Rule, ...]
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        return "(" + " & ".join(r.label for r in self.rules) + ")"

    def children(self) -> tuple[Rule, ...]:
        return self.rules


@dataclass(frozen=True)
class AnyOf(Rule):
    """At least one child holds."""

    rules: tuple[Rule, ...]
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        return "(" + " | ".join(r.label for r in self.rules) + ")"

    def children(self) -> tuple[Rule, ...]:
        return self.rules


@dataclass(frozen=True)
class Not(Rule):
    """The child does not hold."""

    rule: Rule
    name: str | None = None
    nulls: NullPolicy | None = None

    def describe(self) -> str:
        return f"~{self.rule.label}" if self.rule.name else f"~({self.rule.describe()})"

    def children(self) -> tuple[Rule, ...]:
        return (self.rule,)


# ---------------------------------------------------------------- builders

class Col:
    """A value to test, made by `col(name)`: compare it to get a rule, or aggregate a list column."""

    __slots__ = ("operand",)

    def __init__(self, operand: Operand) -> None:
        self.operand = operand

    def __repr__(self) -> str:
        return f"col({self.operand.describe()})"

    # comparisons (inclusive ge/le, strict gt/lt)
    def ge(self, value: float) -> Range:
        return Range(self.operand, lo=_number(value))

    def gt(self, value: float) -> Range:
        return Range(self.operand, lo=_number(value), lo_strict=True)

    def le(self, value: float) -> Range:
        return Range(self.operand, hi=_number(value))

    def lt(self, value: float) -> Range:
        return Range(self.operand, hi=_number(value), hi_strict=True)

    def between(self, lo: float, hi: float, strict: bool = False) -> Range:
        """lo <= value <= hi (both bounds inclusive unless `strict`)."""
        if _number(lo) > _number(hi):
            raise ValueError(f"between({lo}, {hi}): the lower bound is above the upper bound")
        return Range(self.operand, lo=lo, hi=hi, lo_strict=strict, hi_strict=strict)

    def eq(self, value: Scalar) -> IsIn:
        return IsIn(self.operand, (_scalar(value),))

    def ne(self, value: Scalar) -> Not:
        return Not(self.eq(value))

    def is_in(self, values: list[Scalar] | tuple[Scalar, ...]) -> IsIn:
        if isinstance(values, str) or not values:
            raise ValueError("is_in needs a non-empty list of values")
        return IsIn(self.operand, tuple(_scalar(v) for v in values))

    def is_null(self) -> IsNull:
        return IsNull(self.operand)

    def is_not_null(self) -> Not:
        return Not(IsNull(self.operand))

    __ge__, __gt__, __le__, __lt__ = ge, gt, le, lt

    # aggregations of line-level list columns
    def _aggregate(self, how: Aggregation) -> Col:
        if not isinstance(self.operand, Column):
            raise ValueError(f"{how}() applies to a line-level list column, not to {self.operand.describe()}")
        return Col(ListAggregate(self.operand.name, how))

    def mean(self) -> Col:
        return self._aggregate("mean")

    def sum(self) -> Col:
        return self._aggregate("sum")

    def min(self) -> Col:
        return self._aggregate("min")

    def max(self) -> Col:
        return self._aggregate("max")

    def len(self) -> Col:
        """The number of lines (items of the list)."""
        return self._aggregate("len")


def col(name: str) -> Col:
    """A signal column, e.g. `col("rps_doc_word_count").between(50, 100_000)`."""
    if not isinstance(name, str) or not name:
        raise ValueError("col() needs a column name")
    return Col(Column(name))


def dedup(kind: DedupKind = "all") -> DedupKeep:
    """Keep one document per duplicate cluster: "exact", "fuzzy" or "all" (the dedup stage's `keep`)."""
    return DedupKeep(kind)


def all_of(*rules: Rule) -> AllOf:
    return AllOf(tuple(_rule(r) for r in rules))


def any_of(*rules: Rule) -> AnyOf:
    return AnyOf(tuple(_rule(r) for r in rules))


# ---------------------------------------------------------------- helpers

def _flatten(kind: type, rule: Rule) -> tuple[Rule, ...]:
    """Children of an unnamed node of the same kind, so `a & b & c` is one AllOf of three."""
    if isinstance(rule, kind) and rule.name is None and rule.nulls is None:
        return rule.rules  # type: ignore[attr-defined]
    return (rule,)


def _rule(obj: object) -> Rule:
    if not isinstance(obj, Rule):
        raise TypeError(f"expected a rule, got {type(obj).__name__} ({obj!r}); compare a col() to make one")
    return obj


def _policy(nulls: str) -> NullPolicy:
    if nulls not in NULL_POLICIES:
        raise ValueError(f"nulls must be 'keep' or 'drop', not {nulls!r}")
    return nulls  # type: ignore[return-value]


def _number(value: object) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return value


def _scalar(value: object) -> Scalar:
    if not isinstance(value, int | float | str | bool):
        raise TypeError(f"expected a number, string or boolean, got {value!r}")
    return value


def _num(value: float | int | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
