"""Import Dolma documents and their attribute files as annotated Parquet.

A documents file `<root>/documents/<rel>.jsonl.gz` (`id`, `text`, `source`, `added`, `created`,
`metadata`) comes with the attribute files `<root>/attributes/<set>/<rel>.jsonl.gz` of every set (or
of the sets asked for), each line-aligned with it: `{"id", "attributes": {key: [[start, end, value],
...]}}`. A key `<set>__<signal>` naming a signal assay declares becomes that column, with assay's type
(what `assay export --format dolma` writes); any other key is an extra float64 column of that name,
which must be document level (one span over the whole text, or no span: null). Document columns:
`url`, `offset`, `warc_record_id`, `content_type` and `source` from `metadata` (`path`) when there,
else the documents path and the 0-based line; `warc_date` from `created`. An id that differs from
the document's at the same line, files of different lengths, spans that do not lie on the text and
missing fields are errors naming the file and the 1-based line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pipeline.interop.columns import (
    LINE_ENDS,
    Rows,
    imported_schema,
    is_declared,
    is_line_level,
    span_signals,
)
from pipeline.interop.dolma_export import SEPARATOR
from pipeline.interop.files import gzip_json_lines, iso_timestamp, require, write_shard
from pipeline.interop.spans import text_line_ends, where
from pipeline.storage import filesystem, join

DOCUMENT_FIELDS = ("id", "text")
ATTRIBUTE_FIELDS = ("id", "attributes")
_SUFFIXES = (".jsonl.gz", ".json.gz")


@dataclass(frozen=True)
class DolmaShard:
    documents: str
    attributes: tuple[tuple[str, str], ...]  # (set name, path)

    @property
    def name(self) -> str:
        rel = self.documents.replace("\\", "/").rsplit("/documents/", 1)[-1]
        for suffix in _SUFFIXES:
            rel = rel.removesuffix(suffix)
        return rel.replace("/", "_")


def locate(documents: str, sets: list[str] | None = None, storage_options: dict[str, Any] | None = None) -> DolmaShard:
    """The documents file's attribute files: every set under `<root>/attributes/`, or `sets`."""
    path = documents.replace("\\", "/")
    if "/documents/" not in path or not path.endswith(_SUFFIXES):
        raise ValueError(f"{documents}: expected a Dolma documents file <root>/documents/<name>.jsonl.gz")
    root, rel = path.rsplit("/documents/", 1)
    fs, stripped = filesystem(join(root, "attributes"), storage_options)
    available = sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(stripped, detail=False)) \
        if fs.isdir(stripped) else []
    for name in sets or []:
        if name not in available:
            raise FileNotFoundError(f"{root}/attributes/{name}: no such attribute set (found: {available or 'none'})")
    found = []
    for name in sets or available:
        candidate = f"{root}/attributes/{name}/{rel}"
        if filesystem(candidate, storage_options)[0].exists(filesystem(candidate, storage_options)[1]):
            found.append((name, candidate))
        elif sets:
            raise FileNotFoundError(f"{candidate}: no attribute file for {documents}")
    return DolmaShard(documents, tuple(found))


def column_of(set_name: str, key: str) -> str:
    """The column of an attribute key: the assay signal it names, else the key itself."""
    prefix = set_name + SEPARATOR
    if key.startswith(prefix) and is_declared(key[len(prefix):]):
        return key[len(prefix):]
    return key


def _rows(shard: DolmaShard, so: dict[str, Any] | None) -> Iterator[tuple[int, dict, list[dict]]]:
    """(line, document, [attribute record per set]), failing where any file ends before another."""
    streams = [gzip_json_lines(shard.documents, so), *(gzip_json_lines(p, so) for _, p in shard.attributes)]
    paths = [shard.documents, *(p for _, p in shard.attributes)]
    count = 0
    while True:
        items = [next(s, None) for s in streams]
        ended = [p for p, item in zip(paths, items, strict=True) if item is None]
        if len(ended) == len(items):
            return
        if ended:
            longer = next(p for p, item in zip(paths, items, strict=True) if item is not None)
            raise ValueError(f"{longer}: line {count + 1}: no matching line in {ended[0]}, which has {count} lines")
        count += 1
        doc = items[0][1]
        require(doc, DOCUMENT_FIELDS, shard.documents, count)
        for path, (_, record) in zip(paths[1:], items[1:], strict=True):
            require(record, ATTRIBUTE_FIELDS, path, count)
            if record["id"] != doc["id"]:
                raise ValueError(f"{where(path, count, 'id')}: {record['id']!r} is not the id of the document at "
                                 f"the same line ({doc['id']!r}): the files are misaligned")
        yield count, doc, [r for _, r in items[1:]]


def import_dolma_shard(shard: DolmaShard, output_dir: str, batch_size: int = 2000,
                       storage_options: dict[str, Any] | None = None) -> dict:
    """Write `<output_dir>/<shard.name>.parquet`; returns a small report."""
    so = storage_options
    rows_in = _rows(shard, so)
    first = next(rows_in, None)
    keys: list[dict[str, str]] = []
    for (name, _), record in zip(shard.attributes, first[2] if first else [], strict=False):
        found = record["attributes"] if isinstance(record["attributes"], dict) else {}
        keys.append({k: column_of(name, k) for k in found})
    names = [c for k in keys for c in k.values()]
    if len(set(names)) != len(names):
        twice = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"{shard.documents}: column {twice[0]!r} comes from more than one attribute set")
    if any(is_line_level(n) for n in names):
        names.append(LINE_ENDS)
    schema = imported_schema(names, "dolma")

    def tables() -> Iterator[pa.Table]:
        rows = Rows(schema)
        for line, doc, records in _chain(first, rows_in):
            _record(line, doc, records, shard, keys, rows)
            if len(rows) == batch_size:
                yield rows.table(shard.documents)
                rows = Rows(schema)
        yield rows.table(shard.documents)

    final = join(output_dir, shard.name + ".parquet")
    written = write_shard(final, schema, tables(), so)
    return {"input": shard.documents, "output": final, "rows_written": written,
            "attribute_sets": [n for n, _ in shard.attributes], "signals": len(names)}


def _chain(first: Any, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
    yield from rest


def _record(line: int, doc: dict, records: list[dict], shard: DolmaShard, keys: list[dict[str, str]],
            rows: Rows) -> None:
    text = doc["text"]
    if not isinstance(text, str):
        raise ValueError(f"{where(shard.documents, line, 'text')}: expected a string")
    meta = doc.get("metadata") or {}
    ends = text_line_ends(text)
    for (_, path), record, expected in zip(shard.attributes, records, keys, strict=True):
        rows.add(**span_signals(record["attributes"], expected, text, ends, path, line, "attributes"))
    rows.add(id=doc["id"], url=meta.get("url"), source=meta.get("path") or shard.documents,
             offset=meta.get("offset", line - 1), text=text,
             warc_date=iso_timestamp(doc.get("created"), where(shard.documents, line, "created")),
             warc_record_id=meta.get("warc_record_id"), content_type=meta.get("content_type"))
    if LINE_ENDS in rows.values:
        rows.add(**{LINE_ENDS: ends})
