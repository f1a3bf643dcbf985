"""Export annotated Parquet in Dolma's layout: documents plus one aligned attribute set.

For an annotated shard `<shard>.parquet`, under the output folder:
- `documents/<shard>.jsonl.gz`: `{"id", "text", "source", "added", "created", "metadata"}` per row:
  `source` is the `source` option (the dataset's name, default "assay"), `created` the `warc_date`
  (ISO, else null), `added` the `added` option (else `created`), and `metadata` keeps the other
  document columns: `url`, `path` (assay's `source`: the input shard), `offset`, `warc_record_id`,
  `content_type`;
- `attributes/<name>/<shard>.jsonl.gz`, line-aligned: `{"id", "attributes": {"<name>__<signal>":
  [[start, end, value], ...]}}` for every signal column (document level: one span over the text;
  line level: one span per line, from `assay_line_ends`; see pipeline.interop.spans). MinHash
  columns are not spans and are not exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.interop.columns import LINE_ENDS
from pipeline.interop.files import write_jsonl_gz
from pipeline.interop.run import run_shards
from pipeline.interop.spans import line_spans, list_values, python_values
from pipeline.readers import split_name
from pipeline.storage import filesystem, join
from schemas.documents import DOCUMENT_SCHEMA

SUFFIX = ".jsonl.gz"
SEPARATOR = "__"


@dataclass(frozen=True)
class DolmaOptions:
    name: str = "assay"  # the attribute set: attributes/<name>/, keys "<name>__<signal>"
    source: str = "assay"  # the documents' `source` (Dolma: the dataset a document comes from)
    added: str | None = None  # the documents' `added` (ISO date); default: `created`
    batch_size: int = 10_000


def exported_columns(schema: pa.Schema) -> tuple[list[str], list[str]]:
    """(document-level, line-level) signal columns a Dolma export writes."""
    scalars, lines = [], []
    for field in schema:
        if field.name in DOCUMENT_SCHEMA.names or field.name == LINE_ENDS or field.name.startswith("minhash_"):
            continue
        if pa.types.is_list(field.type):
            lines.append(field.name)
        elif not pa.types.is_nested(field.type):
            scalars.append(field.name)
    return scalars, lines


def _iso(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def document_records(batch: pa.RecordBatch, options: DolmaOptions) -> Iterator[dict[str, Any]]:
    c = {n: batch.column(n).to_pylist() for n in DOCUMENT_SCHEMA.names}
    for i, doc_id in enumerate(c["id"]):
        created = _iso(c["warc_date"][i])
        yield {"id": doc_id, "text": c["text"][i], "source": options.source, "added": options.added or created,
               "created": created,
               "metadata": {"url": c["url"][i], "path": c["source"][i], "offset": c["offset"][i],
                            "warc_record_id": c["warc_record_id"][i], "content_type": c["content_type"][i]}}


def attribute_records(batch: pa.RecordBatch, scalars: list[str], lines: list[str],
                      options: DolmaOptions) -> Iterator[dict[str, Any]]:
    ids = batch.column("id").to_pylist()
    lengths = pc.utf8_length(batch.column("text")).to_pylist()
    values = {n: python_values(batch.column(n)) for n in scalars}
    per_line = {n: list_values(batch.column(n)) for n in lines}
    ends = batch.column(LINE_ENDS).to_pylist() if lines else None
    prefix = options.name + SEPARATOR
    for i, doc_id in enumerate(ids):
        attributes = {prefix + n: [[0, lengths[i], values[n][i]]] for n in scalars}
        for n in lines:
            attributes[prefix + n] = line_spans(ends[i], per_line[n][i], lengths[i], n, doc_id)
        yield {"id": doc_id, "attributes": attributes}


def export_dolma_shard(input_path: str, output_dir: str, options: DolmaOptions,
                       storage_options: dict[str, Any] | None = None) -> dict:
    stem = split_name(input_path)[0]
    documents = join(output_dir, "documents", stem + SUFFIX)
    attributes = join(output_dir, "attributes", options.name, stem + SUFFIX)
    fs, stripped = filesystem(input_path, storage_options)
    with fs.open(stripped, "rb") as fh:
        pf = pq.ParquetFile(fh)
        scalars, lines = exported_columns(pf.schema_arrow)
        if lines and LINE_ENDS not in pf.schema_arrow.names:
            raise ValueError(f"{input_path}: line-level signals need {LINE_ENDS} (annotate with the rps_lines family)")
        batches = pf.iter_batches(batch_size=options.batch_size, columns=DOCUMENT_SCHEMA.names)
        rows = write_jsonl_gz(documents, (r for b in batches for r in document_records(b, options)), storage_options)
        columns = ["id", "text", *scalars, *lines, *([LINE_ENDS] if lines else [])]
        batches = pf.iter_batches(batch_size=options.batch_size, columns=columns)
        write_jsonl_gz(attributes, (r for b in batches for r in attribute_records(b, scalars, lines, options)),
                       storage_options)
    return {"input": input_path, "output": documents, "attributes": attributes, "rows_written": rows,
            "document_signals": len(scalars), "line_signals": len(lines)}


def run_dolma_export(inputs: list[str], output_dir: str, options: DolmaOptions, cluster=None,
                     storage_options: dict[str, Any] | None = None) -> list[dict]:
    outputs = [join(output_dir, "documents", split_name(p)[0] + SUFFIX) for p in inputs]
    return run_shards(export_dolma_shard, inputs, outputs, output_dir, cluster, options,
                      storage_options=storage_options, desc="export")
