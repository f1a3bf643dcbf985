"""Load a YAML filter file into a Selection, with errors that name the file and line.

The YAML is composed into nodes (safe tags only: no objects, no code) so every key keeps its line;
pydantic checks the structure (schemas/filters.py), then each rule is built and checked against the
known columns (registry + the annotated tables) before any data is read.
"""

from __future__ import annotations

import difflib
from typing import Any

import fsspec
import yaml
from pydantic import ValidationError

from filters import recipes as recipe_book
from filters.catalog import Catalog
from filters.check import check_rule
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
    Range,
    Rule,
)
from filters.selection import FilterError, Selection
from schemas.filters import (
    KNOWN_KEYS,
    AllRule,
    AnyRule,
    DedupRule,
    FilterFile,
    FracLinesRule,
    NotRule,
    RecipeRule,
    SignalRule,
)

Path = tuple[str | int, ...]


class FilterConfigError(FilterError):
    """Problems in a filter file, each as `file:line: message`."""


def load_selection(path: str, catalog: Catalog, storage_options: dict | None = None) -> Selection:
    """Read a filter file (local path or fsspec URL) and parse it."""
    try:
        with fsspec.open(path, "rb", **(storage_options or {})) as f:
            data = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"filter file not found: {path}") from None
    return parse_selection(data.decode("utf-8"), catalog, path)


def parse_selection(text: str, catalog: Catalog, source: str = "<filters>") -> Selection:
    """Parse and validate YAML text (see schemas/filters.py for the format)."""
    raw, lines = _compose(text, source)
    if raw is None:
        raw = {}
    try:
        spec = FilterFile.model_validate(raw)
    except ValidationError as exc:
        raise FilterConfigError(_pydantic_problems(exc.errors(), lines, source)) from None
    builder = _Builder(catalog, lines, source)
    rules = tuple(builder.rule(r, ("rules", i), line=False) for i, r in enumerate(spec.rules))
    line_rules = tuple(builder.rule(r, ("line_filters", i), line=True) for i, r in enumerate(spec.line_filters))
    if builder.problems:
        raise FilterConfigError(builder.problems)
    return Selection(tuple(r for r in rules if r is not None), tuple(r for r in line_rules if r is not None),
                     spec.nulls, source=source)


# ---------------------------------------------------------------- YAML with lines

def _compose(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        hint = " (check the indentation: keys of one rule line up under its first key, list items start with '- ')" \
            if any(s in what for s in ("mapping values", "block", "expected", "indentation")) else ""
        raise FilterConfigError([f"{where}: invalid YAML: {what}{hint}"]) from None
    if node is None:
        return None, {}
    lines: dict[Path, int] = {}
    problems: list[str] = []
    constructor = yaml.SafeLoader("")
    value = _plain(node, (), lines, problems, constructor, source)
    if problems:
        raise FilterConfigError(problems)
    return value, lines


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def _plain(node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[str],
           constructor: yaml.SafeLoader, source: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if node.tag not in _PLAIN_TAGS:
        problems.append(f"{source}:{node.start_mark.line + 1}: YAML tag {node.tag!r} is not allowed "
                        "(filter files hold plain values only)")
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                problems.append(f"{source}:{key_node.start_mark.line + 1}: keys must be strings, not {key!r}")
                continue
            if key in out:
                problems.append(f"{source}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, (*path, key), lines, problems, constructor, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines, problems, constructor, source) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


def _line(lines: dict[Path, int], loc: tuple) -> int:
    """The line of the deepest known prefix of a location (steps that are not keys are skipped)."""
    path: Path = ()
    for step in loc:
        if (*path, step) in lines:
            path = (*path, step)
    return lines.get(path, 1)


def _dotted(loc: tuple) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


_UNION_MEMBERS = {"int", "float", "bool", "str"}  # pydantic names the members of a scalar union by type


def _pydantic_problems(errors: list[dict], lines: dict[Path, int], source: str) -> list[str]:
    """One message per location: alternatives of a union (int | float) are merged into one."""
    by_loc: dict[tuple, list[dict]] = {}
    for error in errors:
        loc = tuple(s for s in error["loc"] if not (isinstance(s, str) and s.endswith(" rule")))  # union tags
        if loc and loc[-1] in _UNION_MEMBERS and loc not in lines:
            loc = loc[:-1]
        by_loc.setdefault(loc, []).append(error)
    out = []
    for loc, group in by_loc.items():
        if len(group) == 1:
            out.append(_pydantic_problem(group[0], loc, lines, source))
        else:
            msgs = " or ".join(dict.fromkeys(e["msg"].removeprefix("Input should be ") for e in group))
            out.append(f"{source}:{_line(lines, loc)}: {_dotted(loc)}: wrong type {_short(group[0].get('input'))}: "
                       f"should be {msgs}")
    return out


def _pydantic_problem(error: dict, loc: tuple, lines: dict[Path, int], source: str) -> str:
    line = _line(lines, loc)
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        key = loc[-1] if loc else "?"
        close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
        msg = f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close and close[0] != key else "")
        if len(loc) == 1 and key in KNOWN_KEYS:
            msg += f"; {key!r} belongs to a rule: indent it under the rule's first key"
    elif error["type"] == "rule_kind":
        msg += f" (got {_short(error.get('input'))})"
    elif error["type"] == "missing":
        msg = f"missing key {loc[-1]!r}" if loc else msg
    return f"{source}:{line}: {_dotted(loc) or 'file'}: {msg}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- specs → rules

class _Builder:
    def __init__(self, catalog: Catalog, lines: dict[Path, int], source: str) -> None:
        self.catalog, self.lines, self.source = catalog, lines, source
        self.problems: list[str] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(f"{self.source}:{_line(self.lines, path)}: {_dotted(path)}: {message}")

    def rule(self, spec: Any, path: Path, line: bool) -> Rule | None:
        rule = self._rule(spec, path, line)
        if rule is None:
            return None
        if spec.name is not None:
            rule = rule.named(spec.name)
        if spec.nulls is not None:
            rule = rule.on_null(spec.nulls)
        return rule

    def _rule(self, spec: Any, path: Path, line: bool) -> Rule | None:
        if isinstance(spec, RecipeRule):
            return self._recipe(spec, path, line)
        if isinstance(spec, DedupRule):
            if line:
                self.fail(path, "dedup keep flags decide documents, not lines: move this rule under rules")
                return None
            return DedupKeep(spec.dedup)
        if isinstance(spec, AllRule | AnyRule):
            key, kind = ("all", AllOf) if isinstance(spec, AllRule) else ("any", AnyOf)
            children = [self.rule(c, (*path, key, i), line) for i, c in enumerate(getattr(spec, key))]
            return kind(tuple(children)) if all(c is not None for c in children) else None
        if isinstance(spec, NotRule):
            child = self.rule(spec.not_, (*path, "not"), line)
            return Not(child) if child is not None else None
        if isinstance(spec, SignalRule):
            return self._signal(spec, path, line)
        if isinstance(spec, FracLinesRule):
            if line:
                self.fail(path, "frac_lines is a document-level value; a line filter tests one line")
                return None
            inner = self.rule(spec.frac_lines, (*path, "frac_lines"), line=True)
            if inner is None:
                return None
            return self._bounded(LineFraction(inner), spec, path, line)
        self.fail(path, f"not a rule: {spec!r}")
        return None

    def _recipe(self, spec: RecipeRule, path: Path, line: bool) -> Rule | None:
        try:
            kind = recipe_book.recipe_kind(spec.recipe)
            rule = recipe_book.build(spec.recipe, spec.overrides)
        except (recipe_book.RecipeError, ValueError) as exc:
            parameter = getattr(exc, "parameter", None)
            self.fail((*path, "overrides", parameter) if parameter else (*path, "recipe"), str(exc))
            return None
        if kind == "line" and not line:
            self.fail((*path, "recipe"), f"{spec.recipe!r} is a line filter recipe: put it under line_filters")
            return None
        if kind == "document" and line:
            self.fail((*path, "recipe"), f"{spec.recipe!r} is a document recipe: put it under rules")
            return None
        return self._checked(rule, (*path, "recipe"), line)

    def _signal(self, spec: SignalRule, path: Path, line: bool) -> Rule | None:
        if spec.signal not in self.catalog:
            self.fail((*path, "signal"), self.catalog.unknown_message(spec.signal))
            return None
        if spec.agg is not None and line:
            self.fail((*path, "agg"), "agg makes a document-level value; a line filter tests one line")
            return None
        operand = ListAggregate(spec.signal, spec.agg) if spec.agg else Column(spec.signal)
        tests: list[Rule] = []
        if spec.in_ is not None:
            tests.append(IsIn(operand, tuple(spec.in_)))
        if spec.is_null is not None:
            tests.append(IsNull(operand) if spec.is_null else Not(IsNull(operand)))
        bounded = self._bounded(operand, spec, path, line, required=not tests)
        if bounded is not None:
            tests.insert(0, bounded)
        if not tests:
            return None
        rule = tests[0] if len(tests) == 1 else AllOf(tuple(tests))
        return self._checked(rule, (*path, "signal"), line)

    def _bounded(self, operand: Any, spec: Any, path: Path, line: bool, required: bool = True) -> Rule | None:
        if spec.min is not None and spec.gt is not None:
            self.fail((*path, "gt"), "give min or gt, not both")
            return None
        if spec.max is not None and spec.lt is not None:
            self.fail((*path, "lt"), "give max or lt, not both")
            return None
        lo = spec.min if spec.min is not None else spec.gt
        hi = spec.max if spec.max is not None else spec.lt
        if lo is None and hi is None:
            if required:
                self.fail(path, "the rule tests nothing: add min, max, gt, lt" +
                          (", in or is_null" if isinstance(spec, SignalRule) else ""))
            return None
        rule = Range(operand, lo=lo, hi=hi, lo_strict=spec.gt is not None, hi_strict=spec.lt is not None)
        return rule if isinstance(spec, SignalRule) else self._checked(rule, path, line)

    def _checked(self, rule: Rule, path: Path, line: bool) -> Rule | None:
        problems = check_rule(rule, self.catalog, line)
        for p in problems:
            self.fail(path, p)
        return None if problems else rule
