"""A file shuffle: tasks scatter rows into partition folders; one task then gathers each partition.

`scatter` writes `<dir>/<partition>/<name>.parquet` for each partition that gets rows, so no
process ever holds more than its own input and one partition. Row order inside a gathered
partition depends on file names only (sorted), never on which task finished first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.storage import filesystem, join


def partition_dir(directory: str, partition: int) -> str:
    return join(directory, f"{partition:05d}")


def scatter(table: pa.Table, partition: np.ndarray, directory: str, name: str,
            storage_options: dict[str, Any] | None = None) -> int:
    """Write the rows of `table` into their partitions (`partition[i]` for row i); returns bytes written."""
    if table.num_rows == 0:
        return 0
    order = np.argsort(partition, kind="stable")
    ordered = partition[order]
    cuts = np.flatnonzero(np.diff(ordered)) + 1
    written = 0
    for rows in np.split(order, cuts):
        part = int(partition[rows[0]])
        path = join(partition_dir(directory, part), f"{name}.parquet")
        fs, stripped = filesystem(path, storage_options)
        fs.makedirs(fs._parent(stripped), exist_ok=True)
        chunk = table.take(pa.array(rows))
        with fs.open(stripped, "wb") as f:
            pq.write_table(chunk, f, compression="zstd")
        written += chunk.nbytes
    return written


def partition_files(directory: str, partition: int, storage_options: dict[str, Any] | None = None) -> list[str]:
    """The files scattered into `partition`, sorted by name (paths as `read_piece` takes them)."""
    fs, stripped = filesystem(partition_dir(directory, partition), storage_options)
    if not fs.exists(stripped):
        return []
    protocol = directory.split("://", 1)[0] + "://" if "://" in directory else ""
    return [protocol + p for p in sorted(fs.ls(stripped, detail=False)) if p.endswith(".parquet")]


def read_piece(path: str, storage_options: dict[str, Any] | None = None, columns: list[str] | None = None,
               schema: pa.Schema | None = None) -> pa.Table:
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.read_table(f, columns=columns, schema=schema)


def gather(directory: str, partition: int, schema: pa.Schema,
           storage_options: dict[str, Any] | None = None) -> pa.Table:
    """Every row scattered into `partition` (an empty table of `schema` when there are none)."""
    tables = [read_piece(p, storage_options, schema=schema)
              for p in partition_files(directory, partition, storage_options)]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def hash_partition(keys: np.ndarray, partitions: int) -> np.ndarray:
    """Partition of already well-mixed uint64 keys."""
    return (keys % np.uint64(partitions)).astype(np.int64)
