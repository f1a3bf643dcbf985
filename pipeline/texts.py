"""Document texts from a mix of inputs, for fitting models (classifiers, DSIR distributions).

Every shard format the readers know (WARC, WET, JSONL, Parquet incl. annotated Parquet; .gz/.zst;
local or s3://) yields its documents; a plain-text file (`.txt`, `.txt.gz`, `.txt.zst`) is one
document.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pipeline.readers import ReadStats, read_documents, split_name
from pipeline.storage import expand_inputs, open_binary
from schemas.config import ReaderConfig


def is_plain_text(path: str) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".gz", ".zst", ".zstd"):
        name = name.removesuffix(suffix)
    return name.endswith(".txt")


def iter_texts(
    patterns: Sequence[str],
    reader: ReaderConfig | None = None,
    storage_options: dict[str, Any] | None = None,
) -> Iterator[str]:
    """The texts of every document of every input (files, folders or globs), in sorted path order."""
    reader = reader or ReaderConfig()
    for path in expand_inputs(list(patterns), storage_options):
        stem, _, compression = split_name(path)
        if is_plain_text(path):
            with open_binary(path, storage_options, compression) as fh:
                yield fh.read().decode("utf-8", errors="replace")
            continue
        stats = ReadStats(path)
        for doc in read_documents(path, stem, reader, stats, storage_options):
            yield doc.text
