"""Reading line-oriented JSON inputs and writing one imported shard atomically."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.storage import atomic_write, filesystem


def write_shard(final: str, schema: pa.Schema, tables: Iterator[pa.Table],
                storage_options: dict[str, Any] | None = None) -> int:
    """Rows written; no file at `final` unless every table was written."""
    rows = 0
    with atomic_write(final, storage_options) as sink, pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for table in tables:
            writer.write_table(table.cast(schema), row_group_size=max(table.num_rows, 1))
            rows += table.num_rows
    return rows


def json_lines(fh, path: str) -> Iterator[tuple[int, dict]]:
    """(1-based line number, object) of each line of a text stream; a line that is not an object is an error."""
    for number, line in enumerate(fh, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: line {number}: invalid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def gzip_json_lines(path: str, storage_options: dict[str, Any] | None = None) -> Iterator[tuple[int, dict]]:
    """(1-based line number, object) of each line of a gzip-compressed JSON-lines file."""
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as raw, gzip.GzipFile(fileobj=raw) as gz:
        yield from json_lines(io.TextIOWrapper(gz, encoding="utf-8"), path)


def require(record: dict, fields: tuple[str, ...], path: str, number: int) -> None:
    missing = [f for f in fields if f not in record]
    if missing:
        raise ValueError(f"{path}: line {number}: missing field {', '.join(repr(f) for f in missing)}")


def iso_timestamp(value: str | None, at: str) -> datetime | None:
    """An ISO 8601 date (a trailing Z, or none: UTC) as an aware UTC datetime."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{at}: not an ISO date: {value!r}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def write_jsonl_gz(final: str, records: Iterator[dict], storage_options: dict[str, Any] | None = None) -> int:
    """One compact JSON object per line, gzip without a timestamp (deterministic), written atomically."""
    rows = 0
    with atomic_write(final, storage_options) as raw, \
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        out = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            rows += 1
        out.flush()
        out.detach()
    return rows
