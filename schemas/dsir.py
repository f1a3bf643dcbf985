"""Arrow schemas of the DSIR resample output: the selected ids, and the columns it adds to selected rows."""

from __future__ import annotations

import pyarrow as pa

LOG_WEIGHT = "dsir_log_weight"
RANK = "dsir_rank"


def ids_schema() -> pa.Schema:
    """OUT/ids.parquet: one row per selected document, best Gumbel key first."""
    return pa.schema([
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("row", pa.int64(), nullable=False),
        pa.field("log_weight", pa.float64(), nullable=False),
        pa.field("key", pa.float64(), nullable=False),
    ])


def selected_fields() -> list[pa.Field]:
    """Columns appended to every row of OUT/selected/*.parquet (the input's columns come first)."""
    return [pa.field(LOG_WEIGHT, pa.float64(), nullable=False), pa.field(RANK, pa.int64(), nullable=False)]
