"""Run a per-shard export or import over many inputs, in this process or as one Dask task per shard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pipeline.storage import makedirs


def run_shards(fn: Callable[..., dict], items: Sequence[Any], outputs: Sequence[str], output_dir: str,
               cluster: Any, *args: Any, storage_options: dict[str, Any] | None = None,
               desc: str = "shards") -> list[dict]:
    """`fn(item, output_dir, *args, storage_options)` for every item; refuses two items with one output."""
    if len(set(outputs)) < len(outputs):
        dupes = sorted({o for o in outputs if outputs.count(o) > 1})
        raise ValueError(f"inputs with the same file name would write the same output: {', '.join(dupes)}")
    makedirs(output_dir, storage_options)
    if cluster is None:
        return [fn(item, output_dir, *args, storage_options) for item in items]
    from pipeline.orchestrate import run_on_dask

    return run_on_dask(fn, items, cluster, output_dir, *args, storage_options, desc=desc)
