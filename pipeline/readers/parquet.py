"""Parquet shards: text (and optional id, url) columns, read a row group at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.readers.base import Document, ReadStats, check_size
from schemas.config import ReaderConfig


def iter_parquet(stream: IO[bytes], shard_id: str, config: ReaderConfig, stats: ReadStats) -> Iterator[Document]:
    pf = pq.ParquetFile(stream)
    names = set(pf.schema_arrow.names)
    if config.text_field not in names:
        raise ValueError(f"no column {config.text_field!r} (columns: {sorted(names)})")
    text_type = pf.schema_arrow.field(config.text_field).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
        raise ValueError(f"column {config.text_field!r} is {text_type}, not a string column")
    id_field = config.id_field if config.id_field in names else None
    url_field = config.url_field if config.url_field in names else None
    columns = [c for c in (config.text_field, id_field, url_field) if c]
    row = 0
    for batch in pf.iter_batches(batch_size=1024, columns=columns):
        data = batch.to_pydict()
        texts = data[config.text_field]
        ids = data[id_field] if id_field else [None] * len(texts)
        urls = data[url_field] if url_field else [None] * len(texts)
        for text, source_id, url in zip(texts, ids, urls, strict=True):
            index, row = row, row + 1
            stats.records += 1
            if not isinstance(text, str):
                stats.skip("missing_text", index, index, f"row {index}: null text")
                continue
            if not check_size(text, config.max_doc_chars, config.min_doc_chars, stats, index, index):
                continue
            stats.documents += 1
            yield Document(
                id=str(source_id) if source_id is not None else f"{shard_id}/{index}",
                text=text,
                url=str(url) if url is not None else None,
                offset=index,
                content_type="text/plain",
            )
