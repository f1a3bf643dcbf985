"""Every job file shipped in jobs/ validates against the job schema (so none of them rots)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.job import load_job

JOBS = sorted((Path(__file__).resolve().parents[1] / "jobs").glob("*.yaml"))


@pytest.mark.parametrize("path", JOBS, ids=[p.name for p in JOBS])
def test_job_file_validates(path):
    job = load_job(str(path))
    assert job.annotate.inputs and job.output
    if job.select is not None:
        assert (Path(__file__).resolve().parents[1] / job.select.filters).exists()


def test_shipped_jobs_include_the_demo_and_a_cluster_job():
    assert {"demo.yaml", "commoncrawl-s3.yaml"} <= {p.name for p in JOBS}
    s3 = load_job(str(JOBS[[p.name for p in JOBS].index("commoncrawl-s3.yaml")]))
    assert s3.annotate.signal_config.minhash.schemes == ("oph", "rpv2") and s3.dedup.verify is True
