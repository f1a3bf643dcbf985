"""RedPajama-V2 documents records (CCNet's layout) from annotated rows, for `assay export --format rpv2`.

One JSON object per line, aligned with the quality-signals file: `raw_content`, `url`, `nlines`,
`original_nlines`, `source_domain`, `length`, `original_length`, `language`, `language_score`,
`perplexity`, `bucket`, `digest` (`sha1:` + base32 of the text's SHA-1, as CCNet writes it),
`cc_segment`, `date_download` (ISO, from `warc_date`). assay has no separate "original" length or
line count, so those repeat `length` and `nlines`. Three keys beyond CCNet's keep what an import
needs to rebuild the annotated row exactly: `offset`, `warc_record_id`, `content_type`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from pipeline.interop.spans import python_values, text_line_ends

BUCKETS = {0: "head", 1: "middle", 2: "tail"}
COLUMNS = ("id", "url", "source", "offset", "text", "warc_date", "warc_record_id", "content_type",
           "ccnet_language", "ccnet_language_score", "ccnet_perplexity", "ccnet_bucket")


def digest(text: str) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()).decode()


def _column(batch: pa.RecordBatch, name: str) -> list:
    if name not in batch.schema.names:
        return [None] * batch.num_rows
    array = batch.column(name)
    return python_values(array) if pa.types.is_floating(array.type) else array.to_pylist()


def document_records(batch: pa.RecordBatch, segment: Any) -> Iterator[dict[str, Any]]:
    """The documents record of every row; `segment(source)` gives `cc_segment`."""
    c = {n: _column(batch, n) for n in COLUMNS}
    for i, text in enumerate(c["text"]):
        url, date = c["url"][i], c["warc_date"][i]
        nlines = len(text_line_ends(text))
        bucket = c["ccnet_bucket"][i]
        yield {
            "raw_content": text, "url": url, "nlines": nlines, "original_nlines": nlines,
            "source_domain": urlsplit(url).netloc if url else None, "length": len(text),
            "original_length": len(text), "language": c["ccnet_language"][i],
            "language_score": c["ccnet_language_score"][i], "perplexity": c["ccnet_perplexity"][i],
            "bucket": BUCKETS.get(bucket, bucket), "digest": digest(text),
            "cc_segment": segment(c["source"][i] or ""),
            "date_download": date.strftime("%Y-%m-%dT%H:%M:%SZ") if date is not None else None,
            "offset": c["offset"][i], "warc_record_id": c["warc_record_id"][i], "content_type": c["content_type"][i],
        }
