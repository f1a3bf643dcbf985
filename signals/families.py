"""The catalogue of signal families: imports every built-in family so that it registers itself, and
builds families by name. Add new family modules here.

The import order is the registration order, hence the column order of annotated Parquet.
"""
# ruff: noqa: I001

from __future__ import annotations

import difflib

import signals.ccnet  # noqa: F401
import signals.minhash  # noqa: F401
import signals.rps_doc  # noqa: F401
import signals.rps_lines  # noqa: F401
import signals.assay_extras  # noqa: F401
import signals.ml  # noqa: F401

from schemas.config import SignalConfig
from signals.registry import Family, Signal, registered


def build_families(names: list[str] | tuple[str, ...] | None, config: SignalConfig) -> list[Family]:
    """Instantiate families by name (all when `names` is None), validating the names."""
    known = registered()
    if names is None:
        names = list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = []
        for n in unknown:
            close = difflib.get_close_matches(n, list(known), n=1)
            hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ValueError(f"unknown signal families: {', '.join(hints)}; known: {', '.join(known)}")
    return [known[n](config) for n in names]


def all_signals(config: SignalConfig | None = None) -> list[tuple[str, Signal]]:
    """(family, signal) for every column every family can write."""
    config = config or SignalConfig()
    return [(f.name, s) for f in build_families(None, config) for s in f.signals()]
