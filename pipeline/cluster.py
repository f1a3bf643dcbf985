"""The Dask client a job runs on: an embedded LocalCluster by default, or a given scheduler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from schemas.config import ClusterConfig


@contextmanager
def dask_client(config: ClusterConfig, quiet: bool = False) -> Iterator[object]:
    from distributed import Client, LocalCluster

    if config.scheduler:
        client = Client(config.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=config.workers,
            threads_per_worker=config.threads_per_worker,
            processes=True,
            memory_limit=config.memory_limit,
            dashboard_address=config.dashboard_address,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    if not quiet:
        where = config.scheduler or f"LocalCluster, {config.workers} worker processes"
        print(f"dask: {where}; dashboard {client.dashboard_link}", file=sys.stderr)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
