"""Export annotated Parquet as RedPajama-V2 files: `<shard>.signals.json.gz` (the quality signals),
`<shard>.json.gz` (the documents, pipeline.interop.rpv2_documents) and, for shards with `minhash_rpv2`
signatures, `<shard>.minhash.parquet` (pipeline.interop.rpv2_minhash).

The quality-signals file has one JSON object per line and document, keys in this order:

    {"id": str, "id_int": int,
     "metadata": {"cc_segment", "cc_net_source", "url", "source_domain", "language", "snapshot_id"},
     "quality_signals": {name: [[start, end, value], ...], ...}}

- `id` is assay's document id; `id_int` the first 8 bytes of its SHA-1, read little-endian.
- Document-level signals (`ccnet_*`, `rps_doc_*` numeric columns) are one span
  `[0, len(text), value]`; `ccnet_*` values are written as floats, as RedPajama-V2 does.
- Line-level signals (`rps_lines_*` list columns) are one span per line, rebuilt from
  `assay_line_ends` (line i spans `[end[i-1], end[i]]`, its '\\n' included; a document without lines
  but with one value, as `rps_lines_start_with_bulletpoint`, gets `[0, len(text), value]`).
- Floats are written at float32 precision (shortest repr), nulls as null.
- metadata: `cc_segment` is the `crawl-data/...` part of the document's source shard path when
  there is one, else the path; `cc_net_source` the source shard path; `source_domain` the URL's
  host; `language` the `ccnet_language` column (else the `language` option); `snapshot_id` the
  `CC-MAIN-YYYY-WW` crawl id found in the source path or URL (else the `snapshot_id` option).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.interop import rpv2_minhash
from pipeline.interop.files import write_jsonl_gz, write_shard
from pipeline.interop.rpv2_documents import COLUMNS as DOCUMENT_COLUMNS
from pipeline.interop.rpv2_documents import document_records
from pipeline.interop.run import run_shards
from pipeline.interop.spans import line_spans, list_values, python_values
from pipeline.readers import split_name
from pipeline.storage import filesystem, join, makedirs
from schemas.documents import DOCUMENT_SCHEMA

LINE_ENDS = "assay_line_ends"
SUFFIX = ".signals.json.gz"
DOCUMENTS_SUFFIX = ".json.gz"
MINHASH_SUFFIX = ".minhash.parquet"
MINHASH = "minhash_rpv2"
_SNAPSHOT = re.compile(r"CC-MAIN-(\d{4}-\d{2})")
_DOC_PREFIXES = ("ccnet_", "rps_doc_")
_LINE_PREFIXES = ("rps_lines_",)


@dataclass(frozen=True)
class ExportOptions:
    """What goes into the export beyond the RedPajama-V2 signals."""

    all_signals: bool = False  # also assay_* document- and line-level signals
    language: str | None = None  # metadata.language when there is no ccnet_language column
    snapshot_id: str | None = None  # metadata.snapshot_id when no CC-MAIN id is in the paths
    documents: bool = True  # also the documents file and (with minhash_rpv2) the MinHash Parquet
    batch_size: int = 10_000


def id_int(doc_id: str) -> int:
    """First 8 bytes of SHA-1(id), little-endian (RedPajama-V2's id_int on little-endian machines)."""
    return int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:8], "little")


def _is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)


def signal_columns(schema: pa.Schema, all_signals: bool = False) -> tuple[list[str], list[str]]:
    """(document-level, line-level) signal columns of an annotated schema that the export writes."""
    doc_prefixes = _DOC_PREFIXES + (("assay_",) if all_signals else ())
    line_prefixes = _LINE_PREFIXES + (("assay_",) if all_signals else ())
    docs, lines = [], []
    for field in schema:
        if field.name in DOCUMENT_SCHEMA.names or field.name == LINE_ENDS:
            continue
        if _is_number(field.type) and field.name.startswith(doc_prefixes):
            docs.append(field.name)
        elif (pa.types.is_list(field.type) or pa.types.is_large_list(field.type)) and _is_number(
                field.type.value_type) and field.name.startswith(line_prefixes):
            lines.append(field.name)
    return docs, lines


def _snapshot(*candidates: str | None) -> str | None:
    for text in candidates:
        if text and (m := _SNAPSHOT.search(text)):
            return m.group(1)
    return None


def _segment(source: str) -> str:
    i = source.find("crawl-data/")
    return source[i:] if i >= 0 else source


def rpv2_records(batch: pa.RecordBatch, docs: list[str], lines: list[str],
                 options: ExportOptions) -> Iterator[dict[str, Any]]:
    """The RedPajama-V2 record of every row of an annotated batch."""
    names = batch.schema.names
    ids = batch.column("id").to_pylist()
    urls = batch.column("url").to_pylist() if "url" in names else [None] * len(ids)
    sources = batch.column("source").to_pylist() if "source" in names else [""] * len(ids)
    if "ccnet_length" in names:
        lengths = batch.column("ccnet_length").to_pylist()
    else:
        lengths = pc.utf8_length(batch.column("text")).to_pylist()
    langs = batch.column("ccnet_language").to_pylist() if "ccnet_language" in names else [None] * len(ids)
    doc_values = {n: python_values(batch.column(n), as_float=n.startswith("ccnet_")) for n in docs}
    line_values = {n: list_values(batch.column(n)) for n in lines}
    ends = batch.column(LINE_ENDS).to_pylist() if lines else None
    for i, doc_id in enumerate(ids):
        url, source, length = urls[i], sources[i] or "", lengths[i]
        signals: dict[str, list] = {n: [[0, length, doc_values[n][i]]] for n in docs}
        for n in lines:
            signals[n] = line_spans(ends[i], line_values[n][i], length, n, doc_id)
        yield {
            "id": doc_id,
            "id_int": id_int(doc_id),
            "metadata": {
                "cc_segment": _segment(source),
                "cc_net_source": source,
                "url": url,
                "source_domain": urlsplit(url).netloc if url else None,
                "language": langs[i] or options.language,
                "snapshot_id": _snapshot(source, url) or options.snapshot_id,
            },
            "quality_signals": signals,
        }


def output_path(input_path: str, output_dir: str) -> str:
    return join(output_dir, split_name(input_path)[0] + SUFFIX)


def _batches(pf: pq.ParquetFile, columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
    names = pf.schema_arrow.names
    yield from pf.iter_batches(batch_size=batch_size, columns=[c for c in dict.fromkeys(columns) if c in names])


def export_shard(input_path: str, output_dir: str, options: ExportOptions,
                 storage_options: dict[str, Any] | None = None) -> dict:
    """Write one annotated shard's RedPajama-V2 files (gzip, each written under a temporary name, then
    renamed): the quality signals, and with `options.documents` the documents file and, when the shard
    has `minhash_rpv2` signatures of 128 permutations, the MinHash Parquet."""
    final = output_path(input_path, output_dir)
    makedirs(output_dir, storage_options)
    fs_in, stripped_in = filesystem(input_path, storage_options)
    with fs_in.open(stripped_in, "rb") as fh:
        pf = pq.ParquetFile(fh)
        docs, lines = signal_columns(pf.schema_arrow, options.all_signals)
        names = pf.schema_arrow.names
        if lines and LINE_ENDS not in names:
            raise ValueError(f"{input_path}: line-level signals need {LINE_ENDS} (annotate with the rps_lines family)")
        wanted = ["id", "url", "source", "ccnet_language", *docs, *lines, *([LINE_ENDS] if lines else [])]
        wanted += ["ccnet_length"] if "ccnet_length" in names else ["text"]
        records = (r for b in _batches(pf, wanted, options.batch_size) for r in rpv2_records(b, docs, lines, options))
        rows = write_jsonl_gz(final, records, storage_options)
        result = {"input": input_path, "output": final, "rows_written": rows,
                  "document_signals": len(docs), "line_signals": len(lines)}
        if options.documents:
            stem = final.removesuffix(SUFFIX)
            batches = _batches(pf, list(DOCUMENT_COLUMNS), options.batch_size)
            write_jsonl_gz(stem + DOCUMENTS_SUFFIX, (r for b in batches for r in document_records(b, _segment)),
                           storage_options)
            result["documents"] = stem + DOCUMENTS_SUFFIX
            if MINHASH in names and pf.schema_arrow.field(MINHASH).type.list_size == rpv2_minhash.NUM_PERM:
                result["minhash"] = _write_minhash(pf, input_path, stem + MINHASH_SUFFIX, options, storage_options)
    return result


def _write_minhash(pf: pq.ParquetFile, input_path: str, final: str, options: ExportOptions,
                   storage_options: dict[str, Any] | None) -> str:
    shard_id = split_name(input_path)[0]
    schema = rpv2_minhash.minhash_schema()

    def tables() -> Iterator[pa.Table]:
        for batch in _batches(pf, ["id", MINHASH], options.batch_size):
            ids = batch.column("id").to_pylist()
            rows = [rpv2_minhash.bands(s) for s in batch.column(MINHASH).to_pylist()]
            yield pa.Table.from_pydict({"shard_id": [shard_id] * len(ids), "id": ids, "id_int": [id_int(i) for i in ids],
                                        **{c: [r[c] for r in rows] for c in schema.names[3:]}}, schema=schema)

    write_shard(final, schema, tables(), storage_options)
    return final


def run_export(inputs: list[str], output_dir: str, options: ExportOptions, cluster=None,
               storage_options: dict[str, Any] | None = None) -> list[dict]:
    """Export every input shard; on a Dask cluster when `cluster` (a ClusterConfig) is given."""
    outputs = [output_path(p, output_dir) for p in inputs]
    return run_shards(export_shard, inputs, outputs, output_dir, cluster, options,
                      storage_options=storage_options, desc="export")
