"""The dedup stage's inputs: annotated files in a fixed order, their row offsets and signature scheme."""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from pipeline.storage import expand_inputs, filesystem
from signals.minhash import EXACT_COLUMN, METADATA_KEY, signature_column


@dataclass(frozen=True)
class InputFile:
    """One annotated file: its position, the global index of its first row, and its row count."""

    number: int
    path: str
    offset: int
    rows: int

    @property
    def stem(self) -> str:
        name = posixpath.basename(self.path) if "://" in self.path else os.path.basename(self.path)
        return name.removesuffix(".parquet")


@dataclass(frozen=True)
class Plan:
    files: tuple[InputFile, ...]
    scheme: str
    parameters: dict[str, Any]

    @property
    def column(self) -> str:
        return signature_column(self.scheme)

    @property
    def documents(self) -> int:
        return sum(f.rows for f in self.files)

    def file_of(self, index: np.ndarray) -> np.ndarray:
        """Number of the file holding each global document index."""
        starts = np.array([f.offset for f in self.files], dtype=np.int64)
        return np.searchsorted(starts, index, side="right") - 1


def _annotated_files(inputs: tuple[str, ...], storage_options: dict[str, Any]) -> list[str]:
    paths = expand_inputs(list(inputs), storage_options)
    return [p for p in paths if p.endswith(".parquet") and not any(
        part.startswith(("_", ".")) for part in p.replace("\\", "/").split("/")[-1:])]


def plan_inputs(inputs: tuple[str, ...], scheme: str | None, storage_options: dict[str, Any],
                required: tuple[str, ...] = ()) -> Plan:
    """Read every footer: row counts, and the MinHash parameters, which must agree across files.

    `required` names columns every file must have besides the minhash ones.
    """
    paths = _annotated_files(inputs, storage_options)
    if not paths:
        raise FileNotFoundError(f"no annotated Parquet files in {', '.join(inputs)}")
    files, seen, offset = [], None, 0
    for number, path in enumerate(paths):
        fs, stripped = filesystem(path, storage_options)
        with fs.open(stripped, "rb") as f:
            meta = pq.ParquetFile(f).metadata
            schema = pq.ParquetFile(f).schema_arrow
        raw = (schema.metadata or {}).get(METADATA_KEY.encode())
        if raw is None or EXACT_COLUMN not in schema.names:
            raise ValueError(f"{path}: no minhash signals (annotate with the `minhash` family)")
        missing = [c for c in required if c not in schema.names]
        if missing:
            raise ValueError(f"{path}: no column {', '.join(missing)} (needed by exact verification)")
        schemes = json.loads(raw)["schemes"]
        if scheme is None:
            if len(schemes) != 1:
                raise ValueError(f"{path} has signatures of schemes {sorted(schemes)}: choose one with --scheme")
            scheme = next(iter(schemes))
        if scheme not in schemes:
            raise ValueError(f"{path}: no {scheme!r} signatures (it has {sorted(schemes)})")
        if seen is not None and schemes[scheme] != seen[1]:
            raise ValueError(f"signatures made with different parameters cannot be compared: {seen[0]} has "
                             f"{seen[1]}, {path} has {schemes[scheme]}")
        seen = seen or (path, schemes[scheme])
        files.append(InputFile(number, path, offset, meta.num_rows))
        offset += meta.num_rows
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise ValueError("input files do not have distinct names")
    return Plan(tuple(files), scheme, dict(seen[1]))


def read_columns(path: str, columns: list[str], storage_options: dict[str, Any]) -> Any:
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as f:
        return pq.read_table(f, columns=columns)


def signatures_of(table: Any, column: str, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint32[rows, num_perm] with zeros for nulls, valid bool[rows]) from a signature column."""
    array = table.column(column).combine_chunks()
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    values = array.values.slice(array.offset * num_perm, len(array) * num_perm)
    if values.null_count:  # Parquet stores the slots of null signatures as nulls
        values = values.fill_null(0)
    return values.to_numpy().astype(np.uint32).reshape(len(array), num_perm), valid


def read_rows(path: str, column: str, rows: np.ndarray, storage_options: dict[str, Any]) -> Any:
    """Values of one column at sorted unique `rows`, reading only the row groups that hold them."""
    fs, stripped = filesystem(path, storage_options)
    with fs.open(stripped, "rb") as f:
        parquet = pq.ParquetFile(f)
        counts = [parquet.metadata.row_group(g).num_rows for g in range(parquet.metadata.num_row_groups)]
        starts = np.concatenate(([0], np.cumsum(counts)))
        groups = np.unique(np.searchsorted(starts, rows, side="right") - 1)
        table = parquet.read_row_groups(groups.tolist(), columns=[column])
    # position of each wanted row inside the concatenation of the groups read
    base = np.cumsum(np.concatenate(([0], np.asarray(counts)[groups])))[:-1]
    group_of = np.searchsorted(groups, np.searchsorted(starts, rows, side="right") - 1)
    return table.column(0).take(rows - starts[groups[group_of]] + base[group_of])
