"""WARC (response records → main text of HTML) and WET (conversion records) shards, via warcio.

Limits: a payload over `max_record_bytes` is skipped unread; a binary payload served as HTML is
skipped; HTML extraction over `html_time_budget` seconds is skipped. resiliparse extracts in C and
cannot be interrupted, so the budget is checked when the extraction returns; `max_record_bytes`
bounds how long any one extraction can take (lexbor parses in linear time).

CommonCrawl writes one gzip member per record; warcio decompresses member by member, so a
shard streams in constant memory and a broken record can be located by its byte offset.
"""

from __future__ import annotations

import codecs
import re
import time
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
    records = _Records(stream, stats)
    for index, offset, record in records:
        if record.rec_type != "response":
            stats.skip(f"not_response:{record.rec_type}", index, offset)
            continue
        content_type = _http_content_type(record)
        if not content_type.lower().startswith(HTML_TYPES):
            stats.skip("non_html", index, offset)
            continue
        payload = _read_payload(record, config.max_record_bytes, stats, index, offset)
        if payload is None:
            continue
        if looks_binary(payload):
            stats.skip("binary_payload", index, offset, f"record {index}: {content_type!r} payload is binary")
            continue
        started = time.perf_counter()
        text = html_to_text(payload, _charset(content_type), config.html_main_content)
        seconds = time.perf_counter() - started
        if seconds > config.html_time_budget:
            stats.skip("html_time_budget", index, offset, f"record {index}: HTML extraction took {seconds:.2f} s > "
                                                          f"html_time_budget={config.html_time_budget:g} s")
            continue
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, offset):
            continue
        if not records.ended_cleanly(index, offset):
            continue
        stats.documents += 1
        yield _document(record, shard_id, index, offset, text, content_type)


def iter_wet(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    """Documents from `conversion` records (text already extracted, UTF-8)."""
    records = _Records(stream, stats)
    for index, offset, record in records:
        if record.rec_type != "conversion":
            stats.skip(f"not_conversion:{record.rec_type}", index, offset)
            continue
        payload = _read_payload(record, config.max_record_bytes, stats, index, offset)
        if payload is None:
            continue
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            stats.skip("invalid_utf8", index, offset, f"record {index}: {exc}")
            continue
        if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, offset):
            continue
        if not records.ended_cleanly(index, offset):
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


_WARCIO_ERRORS = (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError, TypeError, KeyError)


class _Records:
    """(index, byte offset, record) of a WARC stream, turning a broken stream into a ShardReadError
    naming the record. The offset of a record is where the previous one ended (each gzip member is
    one record). Bytes left after the last complete record (a truncated record warcio cannot even
    start) are an error too, not a silent end."""

    def __init__(self, stream: IO[bytes], stats: ReadStats) -> None:
        self.stream, self.stats = stream, stats
        self.iterator = ArchiveIterator(stream, check_digests=False)

    def __iter__(self):
        iterator, stats = self.iterator, self.stats
        index, offset = 0, 0
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                self._check_tail(index, offset)
                return
            except _WARCIO_ERRORS as exc:
                raise ShardReadError(stats.path, index, offset, _explain(exc)) from exc
            stats.records += 1
            yield index, offset, record
            index += 1
            # Only now: asking warcio for the offset reads the record to its end.
            try:
                offset = iterator.get_record_offset() + (iterator.get_record_length() or 0)
            except _WARCIO_ERRORS as exc:
                raise ShardReadError(stats.path, index - 1, offset, exc) from exc

    def ended_cleanly(self, index: int, offset: int) -> bool:
        """Read the current record to its end; False (a counted skip) when its Content-Length was wrong
        (the record is not followed by the blank lines that end it, so its block is cut or overlong)."""
        errors = self.iterator.err_count
        try:
            self.iterator.read_to_end()
        except _WARCIO_ERRORS as exc:
            raise ShardReadError(self.stats.path, index, offset, exc) from exc
        if self.iterator.err_count == errors:
            return True
        self.stats.skip("bad_content_length", index, offset,
                        f"record {index}: not followed by a blank line; its Content-Length is wrong")
        return False

    def _check_tail(self, index: int, offset: int) -> None:
        try:
            size = self.stream.seek(0, 2)
            if size <= offset:
                return
            self.stream.seek(offset)
            tail = self.stream.read(min(size - offset, 1 << 16))
        except (OSError, ValueError):  # not seekable: nothing to check
            return
        if tail.strip(b"\r\n\t \x00"):
            raise ShardReadError(self.stats.path, index, offset,
                                 f"{size - offset:,} bytes after the last complete record cannot be read "
                                 "(truncated record?)")


def _explain(exc: BaseException) -> BaseException | str:
    """warcio fails with AttributeError and the like on records that lack required headers."""
    if isinstance(exc, (AttributeError, TypeError, KeyError)):
        return f"malformed WARC record headers (warcio: {type(exc).__name__}: {exc})"
    return exc


def _read_payload(record, limit: int, stats: ReadStats, index: int, offset: int) -> bytes | None:
    """The record's payload, or None (a counted skip) when it is over `limit` bytes: a record whose
    Content-Length says so is not read at all (warcio streams past it)."""
    declared = record.length or 0
    if declared > limit:
        stats.skip("too_large", index, offset, f"record {index}: Content-Length {declared:,} > "
                                               f"max_record_bytes={limit:,}")
        return None
    try:
        payload = record.content_stream().read(limit + 1)
    except (EOFError, OSError, ValueError) as exc:
        raise ShardReadError(stats.path, index, offset, exc) from exc
    if len(payload) > limit:
        stats.skip("too_large", index, offset, f"record {index}: payload over max_record_bytes={limit:,}")
        return None
    return payload


_CONTROL = bytes(c for c in range(32) if c not in b"\t\n\r\f\x1b")


def looks_binary(payload: bytes, sample: int = 4096) -> bool:
    """True for a payload that is not text: a NUL byte, or over 10% control bytes, in its first `sample` bytes."""
    head = payload[:sample]
    if not head:
        return False
    if b"\0" in head:
        return True
    return len(head) - len(head.translate(None, _CONTROL)) > len(head) // 10


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
