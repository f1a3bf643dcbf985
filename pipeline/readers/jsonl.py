"""JSON Lines shards (.jsonl, .jsonl.gz, .jsonl.zst): one document per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from pipeline.readers.base import Document, ReadStats, check_size
from schemas.config import ReaderConfig


def iter_jsonl(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    offset = 0
    for index, line in enumerate(stream):
        stats.records += 1
        line_offset, offset = offset, offset + len(line)
        if not line.strip():
            stats.skip("blank_line", index, line_offset)
            continue
        if len(line) > 4 * config.max_doc_chars + 1024:
            stats.skip("too_large", index, line_offset, f"line of {len(line)} bytes")
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            stats.skip("invalid_utf8", index, line_offset, f"line {index + 1}: {exc}")
            continue
        except json.JSONDecodeError as exc:
            stats.skip("invalid_json", index, line_offset, f"line {index + 1}: {exc}")
            continue
        if not isinstance(obj, dict):
            stats.skip("invalid_json", index, line_offset, f"line {index + 1}: not a JSON object")
            continue
        text = obj.get(config.text_field)
        if not isinstance(text, str):
            stats.skip("missing_text", index, line_offset, f"line {index + 1}: no string field {config.text_field!r}")
            continue
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, line_offset):
            continue
        source_id = obj.get(config.id_field) if config.id_field else None
        url = obj.get(config.url_field) if config.url_field else None
        stats.documents += 1
        yield Document(
            id=str(source_id) if source_id is not None else f"{shard_id}/{index}",
            text=text,
            url=str(url) if url is not None else None,
            offset=line_offset,
            content_type="text/plain",
        )
