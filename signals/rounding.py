"""Rounding to the spec's 8 decimals, with Python's correctly rounded `round` (NumPy's differs on ties)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

PRECISION = 8
FLOAT32 = pa.float32()


def rounded(values: np.ndarray, valid: np.ndarray | None = None, type: pa.DataType = FLOAT32) -> pa.Array:
    """`round(v, 8)` of each value as an Arrow array; null where `valid` is False."""
    out = [round(v, PRECISION) for v in np.asarray(values, dtype=np.float64).tolist()]
    if valid is None:
        return pa.array(out, type)
    return pa.array(out, type, mask=~np.asarray(valid, dtype=bool))
