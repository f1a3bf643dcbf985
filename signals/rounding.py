"""Rounding to the spec's 8 decimals exactly as Python's `round(x, 8)` does, for whole arrays.

`np.round` scales by 1e8, rounds and scales back; the scaling can land on the wrong side of a
half-way point, so it disagrees with Python's correctly rounded `round` on rare values. Here the
NumPy result is kept where the scaled value is safely away from a half-way point (then both agree:
dividing the right integer by 1e8 is correctly rounded), and Python's `round` decides the rest.
Both the NumPy result and that test are computed in one pass (kernels.round_scaled).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from signals import kernels

PRECISION = 8
_SCALE = 10.0 ** PRECISION
FLOAT32 = pa.float32()


def round8(values: np.ndarray) -> np.ndarray:
    """round(v, 8) for every value of a 1-d array (float64), bit for bit as Python computes it."""
    x = np.asarray(values, dtype=np.float64)
    out, unsure = kernels.round_scaled(x, _SCALE)
    if unsure.any():
        out[unsure] = [round(v, PRECISION) for v in x[unsure].tolist()]
    return out


def rounded(values: np.ndarray, valid: np.ndarray | None = None, type: pa.DataType = FLOAT32) -> pa.Array:
    """round(v, 8) of each value as an Arrow array of `type`; null where `valid` is False."""
    out = round8(values)
    if type == FLOAT32:
        out = out.astype(np.float32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(out, type, mask=mask)
