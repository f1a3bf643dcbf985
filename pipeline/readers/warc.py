"""WARC (response records → main text of HTML) and WET (conversion records) shards, via warcio.

CommonCrawl writes one gzip member per record; warcio decompresses member by member, so a
shard streams in constant memory and a broken record can be located by its byte offset.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.readers.base import Document, ReadStats, ShardReadError, check_size
from schemas.config import ReaderConfig

HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def iter_warc(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    """Documents from `response` records whose payload is HTML."""
    for index, offset, record in _records(stream, stats):
        if record.rec_type != "response":
            stats.skip(f"not_response:{record.rec_type}", index, offset)
            continue
        content_type = _http_content_type(record)
        if not content_type.lower().startswith(HTML_TYPES):
            stats.skip("non_html", index, offset)
            continue
        payload = _read_payload(record, config.max_doc_chars * 4, stats, index, offset)
        if payload is None:
            continue
        text = html_to_text(payload, _charset(content_type), config.html_main_content)
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, offset):
            continue
        stats.documents += 1
        yield _document(record, shard_id, index, offset, text, content_type)


def iter_wet(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    """Documents from `conversion` records (text already extracted, UTF-8)."""
    for index, offset, record in _records(stream, stats):
        if record.rec_type != "conversion":
            stats.skip(f"not_conversion:{record.rec_type}", index, offset)
            continue
        payload = _read_payload(record, config.max_doc_chars * 4, stats, index, offset)
        if payload is None:
            continue
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            stats.skip("invalid_utf8", index, offset, f"record {index}: {exc}")
            continue
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, offset):
            continue
        stats.documents += 1
        content_type = record.rec_headers.get_header("Content-Type") or "text/plain"
        yield _document(record, shard_id, index, offset, text, content_type)


def html_to_text(payload: bytes, charset: str | None, main_content: bool = True) -> str:
    """Visible text of an HTML page (main content only by default), decoded with its charset.

    A charset Python does not know (`utf8mb4`, `none`, typos) is ignored and the encoding detected,
    rather than failing the whole shard on one record's header."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.parse.html import HTMLTree

    html = bytes_to_str(payload, _known_codec(charset) or detect_encoding(payload), errors="replace")
    return extract_plain_text(HTMLTree.parse(html), main_content=main_content)


def _records(stream: IO[bytes], stats: ReadStats):
    """(index, byte offset, record), turning a broken stream into a ShardReadError naming the record.

    The offset of a record is where the previous one ended (each gzip member is one record)."""
    iterator = ArchiveIterator(stream, check_digests=False)
    index, offset = 0, 0
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
            raise ShardReadError(stats.path, index, offset, exc) from exc
        stats.records += 1
        yield index, offset, record
        index += 1
        # Only now: asking warcio for the offset reads the record to its end.
        try:
            offset = iterator.get_record_offset() + (iterator.get_record_length() or 0)
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
            raise ShardReadError(stats.path, index - 1, offset, exc) from exc


def _read_payload(record, limit: int, stats: ReadStats, index: int, offset: int) -> bytes | None:
    try:
        payload = record.content_stream().read(limit + 1)
    except (EOFError, OSError, ValueError) as exc:
        raise ShardReadError(stats.path, index, offset, exc) from exc
    if len(payload) > limit:
        stats.skip("too_large", index, offset, f"payload over {limit} bytes")
        return None
    return payload


def _http_content_type(record) -> str:
    headers = record.http_headers
    return (headers.get_header("Content-Type") if headers else None) or ""


def _charset(content_type: str) -> str | None:
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _document(record, shard_id: str, index: int, offset: int, text: str, content_type: str) -> Document:
    headers = record.rec_headers
    return Document(
        id=f"{shard_id}/{index}",
        text=text,
        url=headers.get_header("WARC-Target-URI"),
        offset=offset,
        warc_date=_parse_date(headers.get_header("WARC-Date")),
        warc_record_id=headers.get_header("WARC-Record-ID"),
        content_type=content_type.split(";")[0].strip() or None,
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
