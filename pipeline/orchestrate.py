"""Run a per-shard function on Dask: one task per shard, progress, reports back in input order."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from pipeline.cluster import dask_client
from schemas.config import ClusterConfig


def run_on_dask(
    fn: Callable[..., dict],
    items: Sequence[Any],
    cluster: ClusterConfig,
    *args: Any,
    desc: str = "shards",
    count_key: str = "rows_written",
    quiet: bool = False,
    on_error: Callable[[Any, BaseException], dict] | None = None,
    fold: Callable[[dict], dict] | None = None,
) -> list[dict]:
    """`fn(item, *args)` for every item, one Dask task each; returns the results in item order.

    `fold`, when given, sees each result as it arrives and returns what to keep of it (so a caller
    can merge a large part into a running total and keep the driver's memory bounded).

    `fn` returns a dict and handles its own expected failures, so one bad shard never stops the
    others. A task that still fails (its worker died repeatedly, say) becomes `on_error(item, exc)`;
    without `on_error` the first such failure is raised after every other task has finished.
    """
    if not items:
        return []
    from distributed import as_completed

    results: list[dict | None] = [None] * len(items)
    failures: list[tuple[int, BaseException]] = []
    with dask_client(cluster, quiet=quiet) as client:
        futures = [client.submit(fn, item, *args, pure=False, key=f"{desc}-{i}",
                                 retries=cluster.retries) for i, item in enumerate(items)]
        index = {f.key: i for i, f in enumerate(futures)}
        done_count = 0
        with tqdm(total=len(items), desc=desc, unit="shard", file=sys.stderr, disable=quiet) as bar:
            for future in as_completed(futures):
                i = index[future.key]
                try:
                    results[i] = future.result()
                    future.release()  # the workers need not keep a result the driver holds
                    if fold is not None:
                        results[i] = fold(results[i])
                    done_count += int(results[i].get(count_key, 0))
                except Exception as exc:  # noqa: BLE001 - reported after the others finish
                    if on_error is None:
                        failures.append((i, exc))
                    else:
                        results[i] = on_error(items[i], exc)
                bar.set_postfix(docs=f"{done_count:,}")
                bar.update(1)
    if failures:
        i, exc = failures[0]
        raise RuntimeError(f"{len(failures)} task(s) failed; first: {items[i]!r}: {exc}") from exc
    return [r for r in results if r is not None]
