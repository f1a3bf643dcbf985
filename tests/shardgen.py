"""Writers of small real shards (WARC, WET, JSONL, Parquet; gzip/zstd) for tests and the sample."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FIXED_DATE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def html_page(title: str, paragraphs: Iterable[str], lang: str = "en") -> str:
    """A web page with navigation and footer boilerplate around the article's paragraphs."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        "<script>var tracking = 1;</script></head><body>"
        '<header><nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/contact">Contact</a></nav></header>'
        f"<main><article><h1>{title}</h1>\n{body}</article></main>"
        "<footer><p>Site footer: links, legal notice.</p></footer></body></html>"
    )


def write_warc(path: str, pages: Iterable[tuple[str, bytes, str]], gzip_records: bool = True,
               with_request: bool = False) -> None:
    """pages: (url, payload bytes, content type). One gzip member per record, as CommonCrawl writes."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip_records)
        writer.write_record(writer.create_warcinfo_record("sample.warc", {"software": "assay tests"}))
        for i, (url, payload, content_type) in enumerate(pages):
            if with_request and i % 2 == 0:
                req_headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
                writer.write_record(writer.create_warc_record(url, "request", http_headers=req_headers))
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=headers,
                warc_headers_dict={"WARC-Date": FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>"},
            )
            writer.write_record(record)


def write_wet(path: str, docs: Iterable[tuple[str, str]]) -> None:
    """docs: (url, text) as WET conversion records."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=path.endswith(".gz"))
        for url, text in docs:
            record = writer.create_warc_record(
                url, "conversion", payload=io.BytesIO(text.encode("utf-8")),
                warc_headers_dict={"Content-Type": "text/plain",
                                   "WARC-Date": FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)


def jsonl_bytes(records: Iterable[dict]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)


def write_jsonl(path: str, records: Iterable[dict] | bytes) -> None:
    """Compression from the name: .gz, .zst or none."""
    data = records if isinstance(records, bytes) else jsonl_bytes(records)
    if path.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    elif path.endswith(".zst"):
        data = zstandard.ZstdCompressor(level=10).compress(data)
    with open(path, "wb") as f:
        f.write(data)


def write_parquet(path: str, records: list[dict]) -> None:
    pq.write_table(pa.Table.from_pylist(records), path)
