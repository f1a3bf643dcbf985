"""Reading line-oriented JSON inputs and writing one imported shard atomically."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.storage import atomic_write, open_binary
from pipeline.streams import read_bounded_line
from schemas.config import ReaderConfig


def write_shard(final: str, schema: pa.Schema, tables: Iterator[pa.Table],
                storage_options: dict[str, Any] | None = None) -> int:
    """Rows written; no file at `final` unless every table was written."""
    rows = 0
    with atomic_write(final, storage_options) as sink, pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for table in tables:
            writer.write_table(table.cast(schema), row_group_size=max(table.num_rows, 1))
            rows += table.num_rows
    return rows


def _record(line: bytes, path: str, number: int) -> dict:
    """The JSON object on one line; anything else is an error naming the file and line."""
    try:
        record = json.loads(line)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: line {number}: invalid UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: line {number}: invalid JSON: {exc.msg}") from None
    if not isinstance(record, dict):
        raise ValueError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
    return record


def gzip_json_lines(path: str, storage_options: dict[str, Any] | None = None,
                    limits: ReaderConfig | None = None) -> Iterator[tuple[int, dict]]:
    """(1-based line number, object) of each line of a gzip-compressed JSON-lines file, read as the
    shard readers read (`limits`, default ReaderConfig()): every gzip member, the decompression-ratio
    guard, lines of at most max_record_bytes never held whole. A corrupt or truncated stream, a
    decompression bomb or an overlong line is an error naming the file and the line."""
    limits = limits or ReaderConfig()
    with open_binary(path, storage_options, "gzip", limits.max_decompression_ratio,
                     limits.decompression_check_bytes) as stream:
        number = 0
        while True:
            try:
                line, length = read_bounded_line(stream, limits.max_record_bytes)
            except (OSError, EOFError, zlib.error) as exc:
                where = f"after line {number}" if number else "at the start"
                raise ValueError(f"{path}: {where}: unreadable gzip stream: {exc}") from None
            if not length:
                return
            number += 1
            if not line:
                raise ValueError(f"{path}: line {number}: {length:,} bytes, over max_record_bytes "
                                 f"({limits.max_record_bytes:,})")
            yield number, _record(line, path, number)


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
