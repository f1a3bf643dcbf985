"""Span lists `[[start, end, value], ...]` ↔ assay's columns, in both directions.

A document-level signal is one span `[0, len(text), value]`. A line-level signal (a list column)
is one span per line, line i being `[end[i-1], end[i]]` of `assay_line_ends` (its '\\n' included);
a document without lines whose list has one value (as `rps_lines_start_with_bulletpoint`) is
`[[0, len(text), value]]`. Reading checks every span against the text, so a span list that does not
cover it, or covers other lines, is an error naming the file, the 1-based line and the field.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

_LINES = re.compile(r"[^\n]*\n|[^\n]+$")


def text_line_ends(text: str) -> list[int]:
    """End offset of each line of `text` (lines keep their '\\n'; an empty text has none)."""
    return [m.end() for m in _LINES.finditer(text)]


def python_values(array: pa.Array, as_float: bool = False) -> list:
    """Python values; floats at float32 precision (shortest repr), optionally ints as floats."""
    t = array.type
    if pa.types.is_floating(t):
        text = pl.from_arrow(array.cast(pa.float32())).cast(pl.String).to_list()
        return [None if v is None else float(v) for v in text]
    if pa.types.is_boolean(t) or as_float:
        return [None if v is None else float(v) for v in array.to_pylist()]
    return array.to_pylist()


def list_values(column: pa.Array) -> list[list | None]:
    """The Python values of each row of a list column (floats as python_values gives them)."""
    flat = python_values(pc.list_flatten(column))
    offsets, valid = column.offsets.to_pylist(), column.is_valid().to_pylist()
    return [flat[offsets[i]:offsets[i + 1]] if valid[i] else None for i in range(len(column))]


def line_spans(ends: list[int] | None, values: list | None, length: int, name: str, doc_id: str) -> list:
    """The spans of a line-level signal's values."""
    values = values or []
    ends = ends or []
    if len(values) == len(ends):
        starts = [0, *ends[:-1]] if ends else []
        return [[s, e, v] for s, e, v in zip(starts, ends, values, strict=True)]
    if not ends and len(values) == 1:
        return [[0, length, values[0]]]
    raise ValueError(f"{doc_id}: {name} has {len(values)} values for {len(ends)} lines")


class SpanError(ValueError):
    """Input that does not line up: the message names the file, the 1-based line and the field."""


def where(path: str, line: int, field: str) -> str:
    return f"{path}: line {line}: {field}"


def _span(span: Any) -> tuple[int, int, Any]:
    if type(span) is not list or len(span) != 3 or type(span[0]) is not int or type(span[1]) is not int:
        raise SpanError(f"expected a span [start, end, value], got {span!r}")
    return span[0], span[1], span[2]


def document_value(spans: Any, length: int) -> Any:
    """The value of a document-level signal's single span, which must be `[0, length]` (SpanError, without
    the location, else)."""
    if type(spans) is not list or len(spans) != 1:
        count = len(spans) if isinstance(spans, list) else type(spans).__name__
        raise SpanError(f"expected one span [0, {length}, value], got {count}")
    start, end, value = _span(spans[0])
    if start != 0 or end != length:
        raise SpanError(f"span [{start}, {end}] does not cover the text [0, {length}]")
    return value


def line_values(spans: Any, ends: list[int], length: int) -> list:
    """The per-line values of a line-level signal, whose spans must be the text's lines, in order
    (SpanError, without the location, else)."""
    if type(spans) is not list:
        raise SpanError(f"expected a list of spans, got {type(spans).__name__}")
    if not ends and len(spans) == 1:
        return [document_value(spans, length)]
    if len(spans) != len(ends):
        raise SpanError(f"{len(spans)} spans for the {len(ends)} lines of the text")
    values, start = [], 0
    for i, (span, end) in enumerate(zip(spans, ends, strict=True)):
        s, e, value = _span(span)
        if s != start or e != end:
            raise SpanError(f"span {i} [{s}, {e}] is not line {i + 1} of the text [{start}, {end}]")
        values.append(value)
        start = end
    return values
