"""Building Arrow list columns (one list per document) from flat per-line values."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def list_column(counts: np.ndarray, values: pa.Array) -> pa.Array:
    """A list array whose document d holds the next counts[d] items of `values`."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def list_column_null_if_empty(counts: np.ndarray, values: np.ndarray, type: pa.DataType) -> pa.Array:
    """Like list_column, but a document with no items gets one null item instead of an empty list."""
    counts = np.asarray(counts)
    if counts.all():
        return list_column(counts, pa.array(values, type))
    padded = np.maximum(counts, 1)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(padded, out=starts[1:])
    out = np.zeros(int(starts[-1]), dtype=np.asarray(values).dtype)
    mask = np.zeros(len(out), dtype=bool)
    mask[starts[:-1][counts == 0]] = True
    src = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=src[1:])
    doc = np.repeat(np.arange(len(counts)), counts)
    rank = np.arange(len(values)) - src[doc]
    out[starts[doc] + rank] = values
    return list_column(padded, pa.array(out, type, mask=mask))
