"""Map a function over files on Dask (a ClusterConfig) or in this process (cluster None)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from pipeline.orchestrate import run_on_dask
from schemas.config import ClusterConfig


def map_files(fn: Callable[..., dict], items: Sequence[Any], cluster: ClusterConfig | None, *args: Any,
              desc: str, quiet: bool = False, fold: Callable[[dict], dict] | None = None) -> list[dict]:
    """`fn(item, *args)` for every item, results in item order; `fold` reduces each result on arrival."""
    if cluster is not None:
        return run_on_dask(fn, items, cluster, *args, desc=desc, count_key="documents", quiet=quiet, fold=fold)
    keep = fold or (lambda result: result)
    return [keep(fn(item, *args)) for item in tqdm(items, desc=desc, unit="file", file=sys.stderr, disable=quiet)]
