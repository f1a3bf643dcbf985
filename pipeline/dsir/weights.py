"""`assay dsir weights`: add `rps_doc_<target>_importance` (and its per-word variant) to annotated Parquet.

One Dask task per file: the file's row groups stream through the batch featuriser, the weight columns
are appended (or replaced, when the file already has them), and the result is written under the
output folder with the input's name, its footer metadata kept plus the model's path and sha256.
Each file is written under a temporary name and renamed, so an interrupted run leaves whole files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dsir.tasks import map_files
from pipeline.select import parquet_files
from pipeline.storage import atomic_write, filesystem, join, makedirs
from schemas.config import ClusterConfig
from signals.batch import TextBatch
from signals.dsir import dsir_model
from signals.ml import check_names, importance_arrays, importance_column, length_corrected_column


def output_names(inputs: Sequence[str]) -> list[str]:
    """Output file name per input: its base name, prefixed by its position when two inputs share one."""
    bases = [p.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] for p in inputs]
    clash = {b for b in bases if bases.count(b) > 1}
    return [f"{i:05d}-{b}" if b in clash else b for i, b in enumerate(bases)]


def weighted_schema(schema: pa.Schema, name: str, length_correction: bool, meta: dict[str, str]) -> pa.Schema:
    new = [importance_column(name)] + ([length_corrected_column(name)] if length_correction else [])
    fields = [f for f in schema if f.name not in new] + [pa.field(c, pa.float32()) for c in new]
    metadata = {**(schema.metadata or {}), **{k.encode(): v.encode() for k, v in meta.items()}}
    return pa.schema(fields, metadata=metadata)


def weigh_file(item: tuple[str, str], model_path: str, name: str, length_correction: bool,
               storage_options: dict[str, Any] | None) -> dict:
    """Write `item[1]`: the Parquet file `item[0]` with the importance column(s) of the model added."""
    source, target = item
    model = dsir_model(model_path)
    fs, stripped = filesystem(source, storage_options)
    rows = 0
    with fs.open(stripped, "rb") as fh:
        parquet = pq.ParquetFile(fh)
        if "text" not in parquet.schema_arrow.names:
            raise ValueError(f"{source}: no text column")
        meta = {f"ml.dsir.{name}": model_path, f"ml.dsir.{name}.sha256": model.digest}
        schema = weighted_schema(parquet.schema_arrow, name, length_correction, meta)
        with atomic_write(target, storage_options) as sink, \
                pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group)
                texts = [t or "" for t in table.column("text").to_pylist()]
                weights, per_word = importance_arrays(TextBatch(texts), [model] * len(texts))
                columns = {importance_column(name): weights, length_corrected_column(name): per_word}
                arrays = [columns[f.name] if f.name in columns else table.column(f.name) for f in schema]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                rows += table.num_rows
    return {"input": source, "output": target, "documents": rows}


def add_weights(
    inputs: Sequence[str],
    model_path: str,
    output: str,
    name: str | None = None,
    length_correction: bool = False,
    storage_options: dict[str, Any] | None = None,
    cluster: ClusterConfig | None = None,
    quiet: bool = True,
) -> list[dict]:
    """Weight every annotated file of `inputs` into `output`/; returns one report per file (input, output,
    documents). `name` (default: the model's target name) makes the column rps_doc_<name>_importance."""
    files = parquet_files(list(inputs), storage_options)
    model = dsir_model(model_path)
    name = name or model.target
    check_names([name], "DSIR target")
    makedirs(output, storage_options)
    items = [(f, join(output, n)) for f, n in zip(files, output_names(files), strict=True)]
    return map_files(weigh_file, items, cluster, model_path, name, length_correction, storage_options,
                     desc="dsir weights", quiet=quiet)
