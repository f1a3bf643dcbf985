"""Export annotated Parquet as RedPajama-V2 quality-signal files (`<shard>.signals.json.gz`).

One JSON object per line and document, keys in this order:

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

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.readers import split_name
from pipeline.storage import commit, filesystem, join, makedirs, remove_quietly, temporary_name
from schemas.documents import DOCUMENT_SCHEMA

LINE_ENDS = "assay_line_ends"
SUFFIX = ".signals.json.gz"
_SNAPSHOT = re.compile(r"CC-MAIN-(\d{4}-\d{2})")
_DOC_PREFIXES = ("ccnet_", "rps_doc_")
_LINE_PREFIXES = ("rps_lines_",)


@dataclass(frozen=True)
class ExportOptions:
    """What goes into the export beyond the RedPajama-V2 signals."""

    all_signals: bool = False  # also assay_* document- and line-level signals
    language: str | None = None  # metadata.language when there is no ccnet_language column
    snapshot_id: str | None = None  # metadata.snapshot_id when no CC-MAIN id is in the paths
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


def _values(array: pa.Array, as_float: bool = False) -> list:
    """Python values; floats at float32 precision (shortest repr), optionally ints as floats."""
    t = array.type
    if pa.types.is_floating(t):
        text = pl.from_arrow(array.cast(pa.float32())).cast(pl.String).to_list()
        return [None if v is None else float(v) for v in text]
    if pa.types.is_boolean(t) or as_float:
        return [None if v is None else float(v) for v in array.to_pylist()]
    return array.to_pylist()


def _line_spans(ends: list[int] | None, values: list | None, length: int, name: str, doc_id: str) -> list:
    values = values or []
    ends = ends or []
    if len(values) == len(ends):
        starts = [0, *ends[:-1]] if ends else []
        return [[s, e, v] for s, e, v in zip(starts, ends, values, strict=True)]
    if not ends and len(values) == 1:
        return [[0, length, values[0]]]
    raise ValueError(f"{doc_id}: {name} has {len(values)} values for {len(ends)} lines")


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
    doc_values = {n: _values(batch.column(n), as_float=n.startswith("ccnet_")) for n in docs}
    line_values = {}
    for n in lines:
        column = batch.column(n)
        flat = _values(pc.list_flatten(column))
        offsets = column.offsets.to_pylist()
        valid = column.is_valid().to_pylist()
        line_values[n] = [flat[offsets[i]:offsets[i + 1]] if valid[i] else None for i in range(len(ids))]
    ends = batch.column(LINE_ENDS).to_pylist() if lines else None
    for i, doc_id in enumerate(ids):
        url, source, length = urls[i], sources[i] or "", lengths[i]
        signals: dict[str, list] = {n: [[0, length, doc_values[n][i]]] for n in docs}
        for n in lines:
            signals[n] = _line_spans(ends[i], line_values[n][i], length, n, doc_id)
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


def export_shard(input_path: str, output_dir: str, options: ExportOptions,
                 storage_options: dict[str, Any] | None = None) -> dict:
    """Write one annotated shard's RedPajama-V2 file (gzip, written under a temporary name, then renamed)."""
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
        columns = [c for c in dict.fromkeys(wanted) if c in names]
        tmp = temporary_name(final)
        fs_out, stripped_out = filesystem(tmp, storage_options)
        rows = 0
        try:
            with fs_out.open(stripped_out, "wb") as raw, \
                    gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
                out = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
                for batch in pf.iter_batches(batch_size=options.batch_size, columns=columns):
                    for record in rpv2_records(batch, docs, lines, options):
                        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                        out.write("\n")
                        rows += 1
                out.flush()
                out.detach()
            commit(tmp, final, storage_options)
        except BaseException:
            remove_quietly(tmp, storage_options)
            raise
    return {"input": input_path, "output": final, "rows_written": rows,
            "document_signals": len(docs), "line_signals": len(lines)}


def run_export(inputs: list[str], output_dir: str, options: ExportOptions, cluster=None,
               storage_options: dict[str, Any] | None = None) -> list[dict]:
    """Export every input shard; on a Dask cluster when `cluster` (a ClusterConfig) is given."""
    outputs = [output_path(p, output_dir) for p in inputs]
    if len(set(outputs)) < len(outputs):
        dupes = sorted({o for o in outputs if outputs.count(o) > 1})
        raise ValueError(f"inputs with the same file name would write the same output: {', '.join(dupes)}")
    makedirs(output_dir, storage_options)
    if cluster is None:
        return [export_shard(p, output_dir, options, storage_options) for p in inputs]
    from pipeline.orchestrate import run_on_dask

    return run_on_dask(export_shard, inputs, cluster, output_dir, options, storage_options, desc="export")
