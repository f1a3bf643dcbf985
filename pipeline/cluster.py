"""The Dask client a job runs on: an embedded LocalCluster by default, or a given scheduler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from schemas.config import ClusterConfig, SlurmConfig


@contextmanager
def dask_client(config: ClusterConfig, quiet: bool = False) -> Iterator[object]:
    from distributed import Client, LocalCluster

    if config.scheduler:
        client = Client(config.scheduler)
        cluster = None
    elif config.slurm is not None:
        cluster = slurm_cluster(config.slurm, config.dashboard_address)
        cluster.scale(jobs=config.slurm.jobs)
        client = Client(cluster)
        if config.slurm.wait_for_workers:
            client.wait_for_workers(config.slurm.wait_for_workers, timeout=config.slurm.wait_timeout)
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
        where = config.scheduler or (f"SLURM, {config.slurm.jobs} jobs on partition {config.slurm.partition}"
                                     if config.slurm else f"LocalCluster, {config.workers} worker processes")
        print(f"dask: {where}; dashboard {client.dashboard_link}", file=sys.stderr)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def slurm_cluster(spec: SlurmConfig, dashboard_address: str = ":8787"):
    """A dask-jobqueue SLURMCluster for the spec (its scheduler runs here; `scale` submits the jobs)."""
    from dask_jobqueue import SLURMCluster

    cluster = SLURMCluster(
        queue=spec.partition, cores=spec.cores, processes=spec.processes or spec.cores, memory=spec.memory,
        walltime=spec.walltime, account=spec.account, local_directory=spec.local_directory,
        job_extra_directives=list(spec.job_extra_directives), job_script_prologue=list(spec.job_script_prologue),
        scheduler_options={"dashboard_address": dashboard_address})
    return cluster
