"""JSON Lines shards (.jsonl, .jsonl.gz, .jsonl.zst): one UTF-8 JSON object per line.

A line over `max_record_bytes` is skipped while it is read (never held whole); a UTF-8 byte-order
mark on the first line is accepted; a UTF-16 one stops the shard with a clear error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from pipeline.readers.base import Document, ReadStats, ShardReadError, check_size
from pipeline.streams import read_bounded_line
from schemas.config import ReaderConfig

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def iter_jsonl(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    offset, index = 0, -1
    while True:
        line, length = read_bounded_line(stream, config.max_record_bytes)
        if not length:
            return
        index += 1
        stats.records += 1
        line_offset, offset = offset, offset + length
        if index == 0:
            if line.startswith(_UTF16_BOMS):
                raise ShardReadError(stats.path, 0, 0, "UTF-16 byte-order mark: JSON Lines shards must be UTF-8")
            line = line.removeprefix(_UTF8_BOM)
        where = f"line {index + 1}"
        if not line:
            stats.skip("too_large", index, line_offset, f"{where}: {length:,} bytes > max_record_bytes="
                                                        f"{config.max_record_bytes:,}")
            continue
        if not line.strip():
            stats.skip("blank_line", index, line_offset)
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            stats.skip("invalid_utf8", index, line_offset, f"{where}: {exc}")
            continue
        except json.JSONDecodeError as exc:
            stats.skip("invalid_json", index, line_offset, f"{where}: {exc}")
            continue
        except RecursionError:
            stats.skip("invalid_json", index, line_offset, f"{where}: JSON nested too deeply")
            continue
        if not isinstance(obj, dict):
            stats.skip("invalid_json", index, line_offset, f"{where}: a JSON {type(obj).__name__}, not an object")
            continue
        if config.text_field not in obj:
            stats.skip("missing_text", index, line_offset, f"{where}: no field {config.text_field!r}")
            continue
        text = obj[config.text_field]
        if not isinstance(text, str):
            kind = "null" if text is None else type(text).__name__
            stats.skip("bad_text_type", index, line_offset, f"{where}: field {config.text_field!r} is {kind}, "
                                                            "not a string")
            continue
        source_id = obj.get(config.id_field) if config.id_field else None
        doc_id = str(source_id) if source_id is not None else f"{shard_id}/{index}"
        url = obj.get(config.url_field) if config.url_field else None
        url = str(url) if url is not None else None
        if b"\\u" in line and not all(_encodable(s) for s in (text, doc_id, url or "")):
            stats.skip("invalid_unicode", index, line_offset, f"{where}: a lone surrogate escape (not Unicode text)")
            continue
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, line_offset):
            continue
        stats.documents += 1
        yield Document(
            id=doc_id,
            text=text,
            url=url,
            offset=line_offset,
            content_type="text/plain",
        )


def _encodable(text: str) -> bool:
    """False for text with lone surrogates (valid JSON escapes that no UTF-8 string can hold)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
