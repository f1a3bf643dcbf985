"""Import a RedPajama-V2 release shard as annotated Parquet, taking its signals as they are.

Inputs, line-aligned (line i of each describes the same document):
- documents `<name>.json.gz`: CCNet records (`raw_content`, `url`, `language`, ... `date_download`);
- quality signals `<name>.signals.json.gz`: `{"id", "id_int", "metadata", "quality_signals"}`;
- optional MinHash `<name>.minhash.parquet` (rows matched by `id`) → `minhash_rpv2` (see rpv2_minhash),
  plus `minhash_exact_hash`, the one column computed here (xxh64 of the normalized text: RedPajama-V2
  has no equivalent, and `assay dedup` needs it);
- optional duplicates `<name>.duplicates.parquet` (`doc_id`) → bool column `rpv2_is_duplicate`, true
  for the documents it lists (RedPajama-V2's exact duplicates: every copy after the first).

Columns: `id` (the signals' id), `url`, `source` (`metadata.cc_net_source`, else the documents
path), `offset` (the record's 0-based line, unless the record has `offset`), `text` (`raw_content`),
`warc_date` (`date_download`), `warc_record_id`, `content_type` (when the record has them, as
`assay export --format rpv2` writes), `ccnet_language` (`language`), every quality signal (see
pipeline.interop.columns for types) and `assay_line_ends` from the line spans. Every span is checked
against the text; files of different lengths, spans that do not cover the text and missing fields are
errors naming the file and the 1-based line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.interop import rpv2_minhash
from pipeline.interop.columns import LINE_ENDS, Rows, imported_schema, is_line_level, span_signals
from pipeline.interop.files import gzip_json_lines, iso_timestamp, require, write_shard
from pipeline.interop.spans import SpanError, text_line_ends, where
from pipeline.storage import filesystem, join
from signals.batch import TextBatch
from signals.minhash import EXACT_COLUMN, exact_hashes

DUPLICATE = "rpv2_is_duplicate"
SIGNATURE = "minhash_rpv2"
DOCUMENT_FIELDS = ("raw_content", "url", "language")
SIGNAL_FIELDS = ("id", "quality_signals")
_SUFFIXES = {"signals": ".signals.json.gz", "minhash": ".minhash.parquet", "duplicates": ".duplicates.parquet"}
_RELEASE_DIRS = {"signals": "quality_signals", "minhash": "minhash", "duplicates": "duplicates"}


@dataclass(frozen=True)
class RPv2Shard:
    documents: str
    signals: str
    minhash: str | None = None
    duplicates: str | None = None

    @property
    def name(self) -> str:
        """Output stem: the path below `documents/` with '/' → '_' in a release tree, else the file stem."""
        path = self.documents.replace("\\", "/")
        rel = path.split("/documents/", 1)[1] if "/documents/" in path else path.rsplit("/", 1)[-1]
        return rel.removesuffix(".json.gz").replace("/", "_")


def locate(documents: str, storage_options: dict[str, Any] | None = None) -> RPv2Shard:
    """A documents file's signals, MinHash and duplicates files: next to it, or in the release tree
    (`documents/X.json.gz` → `quality_signals/X.signals.json.gz`, `minhash/X.minhash.parquet`, ...)."""
    if not documents.endswith(".json.gz"):
        raise ValueError(f"{documents}: a RedPajama-V2 documents file ends with .json.gz")
    base = documents.removesuffix(".json.gz")
    found: dict[str, str | None] = {}
    for kind, suffix in _SUFFIXES.items():
        candidates = [base + suffix]
        if "/documents/" in base:
            head, tail = base.rsplit("/documents/", 1)
            candidates.append(f"{head}/{_RELEASE_DIRS[kind]}/{tail}{suffix}")
        fs = filesystem(documents, storage_options)[0]
        found[kind] = next((c for c in candidates if fs.exists(filesystem(c, storage_options)[1])), None)
    if found["signals"] is None:
        raise FileNotFoundError(f"{documents}: no quality-signals file ({base}{_SUFFIXES['signals']})")
    return RPv2Shard(documents, found["signals"], found["minhash"], found["duplicates"])


def _pairs(shard: RPv2Shard, so: dict[str, Any] | None) -> Iterator[tuple[int, dict, dict]]:
    """(line, document record, signals record), failing where one file ends before the other."""
    docs, sigs = gzip_json_lines(shard.documents, so), gzip_json_lines(shard.signals, so)
    count = 0
    while True:
        doc, sig = next(docs, None), next(sigs, None)
        if doc is None and sig is None:
            return
        if doc is None or sig is None:
            short, long_ = (shard.documents, shard.signals) if doc is None else (shard.signals, shard.documents)
            raise ValueError(f"{long_}: line {count + 1}: no matching line in {short}, which has {count} lines")
        count += 1
        require(doc[1], DOCUMENT_FIELDS, shard.documents, count)
        require(sig[1], SIGNAL_FIELDS, shard.signals, count)
        yield count, doc[1], sig[1]


def _read_minhash(path: str, so: dict[str, Any] | None) -> dict[str, list[int] | None]:
    fs, stripped = filesystem(path, so)
    with fs.open(stripped, "rb") as fh:
        table = pq.read_table(fh, columns=["id", rpv2_minhash.FULL])
    ids = table.column("id").to_pylist()
    full = table.column(rpv2_minhash.FULL).to_pylist()
    return {i: rpv2_minhash.signature(f, where(path, n, rpv2_minhash.FULL)) for n, (i, f) in
            enumerate(zip(ids, full, strict=True), 1)}


def _read_duplicates(path: str, so: dict[str, Any] | None) -> set[str]:
    fs, stripped = filesystem(path, so)
    with fs.open(stripped, "rb") as fh:
        return set(pq.read_table(fh, columns=["doc_id"]).column("doc_id").to_pylist())


def _record(line: int, doc: dict, sig: dict, shard: RPv2Shard, keys: dict[str, str], rows: Rows) -> None:
    text = doc["raw_content"]
    if not isinstance(text, str):
        raise ValueError(f"{where(shard.documents, line, 'raw_content')}: expected a string")
    meta = sig.get("metadata") or {}
    if doc["url"] and meta.get("url") and doc["url"] != meta["url"]:
        raise ValueError(f"{where(shard.signals, line, 'metadata.url')}: {meta['url']!r} is not the documents "
                         f"file's url {doc['url']!r} at the same line: the files are misaligned")
    ends = text_line_ends(text)
    rows.add(**span_signals(sig["quality_signals"], keys, text, ends, shard.signals, line, "quality_signals"))
    rows.add(id=sig["id"], url=doc["url"], source=meta.get("cc_net_source") or shard.documents,
             offset=doc.get("offset", line - 1), text=text,
             warc_date=iso_timestamp(doc.get("date_download"), where(shard.documents, line, "date_download")),
             warc_record_id=doc.get("warc_record_id"), content_type=doc.get("content_type"),
             ccnet_language=doc["language"])
    if LINE_ENDS in rows.values:
        rows.add(**{LINE_ENDS: ends})


def import_shard(shard: RPv2Shard, output_dir: str, batch_size: int = 2000,
                 storage_options: dict[str, Any] | None = None) -> dict:
    """Write `<output_dir>/<shard.name>.parquet`; returns a small report."""
    so = storage_options
    pairs = _pairs(shard, so)
    first = next(pairs, None)
    found = first[2]["quality_signals"] if first else {}
    keys = {k: k for k in found} if isinstance(found, dict) else {}
    names = [*keys, "ccnet_language"]
    if any(is_line_level(n) for n in keys):
        names.append(LINE_ENDS)
    signatures = _read_minhash(shard.minhash, so) if shard.minhash else None
    duplicates = _read_duplicates(shard.duplicates, so) if shard.duplicates else None
    if signatures is not None:
        names += [SIGNATURE, EXACT_COLUMN]
    if duplicates is not None:
        names.append(DUPLICATE)
    schema = imported_schema(names, "rpv2")
    seen: set[str] = set()

    def tables() -> Iterator[pa.Table]:
        rows = Rows(schema)
        for line, doc, sig in _chain([first] if first else [], pairs):
            _record(line, doc, sig, shard, keys, rows)
            seen.add(sig["id"])
            if len(rows) == batch_size:
                yield _finish(rows, shard, signatures, duplicates)
                rows = Rows(schema)
        if len(rows) or not seen:
            yield _finish(rows, shard, signatures, duplicates)
        _check_leftovers(shard, seen, signatures, duplicates)

    final = join(output_dir, shard.name + ".parquet")
    rows = write_shard(final, schema, tables(), so)
    return {"input": shard.documents, "output": final, "rows_written": rows, "signals": len(keys),
            "minhash": shard.minhash is not None, "duplicates": shard.duplicates is not None}


def _chain(rows: list, rest: Iterator) -> Iterator:
    yield from rows
    yield from rest


def _finish(out: Rows, shard: RPv2Shard, signatures: dict | None, duplicates: set[str] | None) -> pa.Table:
    ids = out.values["id"]
    if signatures is not None:
        absent = [i for i in ids if i not in signatures]
        if absent:
            raise ValueError(f"{shard.minhash}: no row for document {absent[0]!r} ({shard.signals})")
        out.values[SIGNATURE] = [signatures[i] for i in ids]
        out.values[EXACT_COLUMN] = exact_hashes(TextBatch(out.values["text"], None, None)).tolist()
    if duplicates is not None:
        out.values[DUPLICATE] = [i in duplicates for i in ids]
    return out.table(shard.signals)


def _check_leftovers(shard: RPv2Shard, seen: set[str], signatures: dict | None, duplicates: set[str] | None) -> None:
    for path, ids in ((shard.minhash, signatures), (shard.duplicates, duplicates)):
        unknown = sorted(set(ids or ()) - seen)
        if unknown:
            raise ValueError(f"{path}: {len(unknown)} ids are not documents of {shard.signals}, e.g. {unknown[0]!r}")


__all__ = ["DUPLICATE", "RPv2Shard", "SpanError", "import_shard", "locate"]
