"""Streaming readers: a shard in, Documents out, whatever its format and compression."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import zstandard

from pipeline.readers.base import Document, ReadStats, ShardReadError
from pipeline.readers.jsonl import iter_jsonl
from pipeline.readers.parquet import iter_parquet
from pipeline.readers.warc import iter_warc, iter_wet
from pipeline.retry import is_transient
from pipeline.storage import open_binary
from pipeline.streams import DecompressionRatioError
from schemas.config import ReaderConfig

READERS = {"warc": iter_warc, "wet": iter_wet, "jsonl": iter_jsonl, "parquet": iter_parquet}
_COMPRESSION_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_FORMAT_SUFFIXES = [
    (".warc.wet", "wet"), (".wet", "wet"), (".warc", "warc"), (".arc", "warc"),
    (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".parquet", "parquet"),
]


def split_name(path: str) -> tuple[str, str | None, str | None]:
    """(stem, format, compression) of a shard's file name: 'a/b.warc.gz' → ('b', 'warc', 'gzip')."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    compression = None
    for suffix, codec in _COMPRESSION_SUFFIXES.items():
        if name.endswith(suffix):
            name, compression = name[: -len(suffix)], codec
            break
    for suffix, fmt in _FORMAT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], fmt, compression
    return name, None, compression


def detect_format(path: str, override: str = "auto") -> str:
    if override != "auto":
        return override
    fmt = split_name(path)[1]
    if fmt is None:
        raise ValueError(f"{path}: cannot tell the format from the name; pass --format")
    return fmt


def read_documents(
    path: str,
    shard_id: str,
    config: ReaderConfig,
    stats: ReadStats,
    storage_options: dict[str, Any] | None = None,
) -> Iterator[Document]:
    """Stream the documents of one shard; decompression and framing errors become ShardReadError."""
    fmt = detect_format(path, config.format)
    compression = split_name(path)[2]
    # warcio undoes per-record gzip itself (and must, to locate records); other codecs are undone here.
    if fmt in ("warc", "wet") and compression == "gzip":
        compression = None
    reader = READERS[fmt]
    with open_binary(path, storage_options, compression, config.max_decompression_ratio,
                     config.decompression_check_bytes) as stream:
        iterator = reader(stream, shard_id, config, stats)
        while True:
            try:
                doc = next(iterator)
            except StopIteration:
                break
            except ShardReadError as exc:
                if exc.__cause__ is not None and is_transient(exc.__cause__):
                    raise exc.__cause__ from None
                raise
            except DecompressionRatioError as exc:
                stats.skip("decompression_ratio", stats.records, None, str(exc))
                raise ShardReadError(path, stats.records, None, exc) from exc
            except (EOFError, OSError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError, pa.ArrowException) as exc:
                if is_transient(exc):  # the store or network failed, not the shard: retried, never "partial"
                    raise
                raise ShardReadError(path, stats.records, None, exc) from exc
            yield doc
    if stats.records == 0:
        stats.skip("empty_file", 0, 0, f"{path}: no records")


__all__ = ["Document", "ReadStats", "ShardReadError", "detect_format", "read_documents", "split_name"]
