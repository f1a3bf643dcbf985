"""Imports every built-in family so that it registers itself. Add new family modules here.

The import order is the registration order, hence the column order of annotated Parquet.
"""
# ruff: noqa: I001

import signals.ccnet  # noqa: F401
import signals.minhash  # noqa: F401
import signals.rps_doc  # noqa: F401
import signals.rps_lines  # noqa: F401
import signals.assay_extras  # noqa: F401
import signals.ml  # noqa: F401
