"""annotate, dedup and select against S3 (moto's server on loopback) behind a proxy that injects 500s,
503s and dropped connections: the jobs succeed with the results of fault-free runs; a shard whose requests always fail is recorded as failed and named;
wrong credentials fail with one clear message naming the bucket, and no credential is ever printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pyarrow.parquet as pq
import pytest
import s3fs

from pipeline.annotate import run_annotate
from pipeline.dedup.run import run_dedup
from pipeline.select import run_select
from schemas.config import AnnotateConfig, ClusterConfig
from schemas.dedup import DedupConfig
from schemas.select import SelectConfig
from tests.conftest import make_docs
from tests.faultproxy import FaultProxy
from tests.shardgen import jsonl_bytes, write_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler():
    """One LocalCluster of 2 worker processes for the module's jobs (each job would start its own)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _upload(fs: s3fs.S3FileSystem, tmp_path, bucket: str, shards: int = 4) -> None:
    fs.mkdir(bucket)
    for i in range(shards):
        local = tmp_path / f"part{i}.jsonl.gz"
        write_jsonl(str(local), [{"text": t} for t in make_docs("en", 30, 100 * i)])
        fs.put(str(local), f"{bucket}/raw/part{i}.jsonl.gz")


def _reset_auth(endpoint: str, count: bytes) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count, method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=10)


def _port(s3_options) -> int:
    return int(s3_options["endpoint_url"].rsplit(":", 1)[1])


def test_annotate_succeeds_through_injected_store_faults(tmp_path, s3_options, scheduler):
    cluster = ClusterConfig(scheduler=scheduler, retries=2)
    fs = s3fs.S3FileSystem(**s3_options)
    _upload(fs, tmp_path, "faults")
    clean = run_annotate(AnnotateConfig(inputs=("s3://faults/raw",), output=str(tmp_path / "clean"),
                                        signals=("ccnet",), storage_options=s3_options), cluster, quiet=True)
    with FaultProxy(_port(s3_options), every=4) as proxy:
        options = {**s3_options, "endpoint_url": proxy.endpoint}
        manifest = run_annotate(AnnotateConfig(inputs=("s3://faults/raw",), output="s3://faults/annotated",
                                               signals=("ccnet",), storage_options=options), cluster, quiet=True)
    assert proxy.faults >= 5 and proxy.requests > 4 * proxy.faults - 4  # faults really were injected
    assert manifest.totals["shards_ok"] == 4 and manifest.totals["rows_written"] == 120
    fs.invalidate_cache()
    for i in range(4):
        got = pq.read_table(fs.open(f"faults/annotated/part{i}.parquet", "rb"))
        assert got.equals(pq.read_table(tmp_path / "clean" / f"part{i}.parquet"))
    assert clean.totals["rows_written"] == 120


def test_dedup_and_select_succeed_through_injected_store_faults(tmp_path, s3_options, scheduler):
    cluster = ClusterConfig(scheduler=scheduler, retries=2)
    fs = s3fs.S3FileSystem(**s3_options)
    _upload(fs, tmp_path, "faults-later", shards=3)
    run_annotate(AnnotateConfig(inputs=("s3://faults-later/raw",), output="s3://faults-later/annotated",
                                signals=("ccnet", "minhash"), storage_options=s3_options), cluster, quiet=True)
    filters = tmp_path / "filters.yaml"
    filters.write_text("rules:\n  - {name: long_enough, signal: ccnet_length, min: 211}\n"
                       "  - {name: not_duplicate, dedup: all}\n")

    def stages(options: dict, out: str) -> None:
        run_dedup(DedupConfig(inputs=("s3://faults-later/annotated",), output=f"{out}/dedup", partitions=2,
                              storage_options=options), cluster, quiet=True)
        manifest, _ = run_select(SelectConfig(inputs=("s3://faults-later/annotated",), output=f"{out}/selected",
                                              filters=str(filters), dedup=f"{out}/dedup", storage_options=options),
                                 cluster, quiet=True)
        assert manifest.totals["shards_ok"] == 3, manifest.shards

    stages(s3_options, "s3://faults-later/clean")
    with FaultProxy(_port(s3_options), every=4) as proxy:
        stages({**s3_options, "endpoint_url": proxy.endpoint}, "s3://faults-later/faulty")
    assert proxy.faults >= 5  # faults really were injected
    fs.invalidate_cache()
    kept = 0
    for stage, names in (("dedup", ["part0", "part1", "part2"]), ("selected", ["part0", "part1", "part2"])):
        for name in names:
            clean = pq.read_table(fs.open(f"faults-later/clean/{stage}/{name}.parquet", "rb"))
            assert pq.read_table(fs.open(f"faults-later/faulty/{stage}/{name}.parquet", "rb")).equals(clean)
            kept += clean.num_rows if stage == "selected" else 0
    assert 0 < kept < 90  # the filters kept some documents and dropped others


def test_a_shard_that_keeps_failing_is_recorded_and_named(tmp_path, s3_options, scheduler):
    fs = s3fs.S3FileSystem(**s3_options)
    _upload(fs, tmp_path, "flaky", shards=3)
    with FaultProxy(_port(s3_options), every=0, always_fail="part1.jsonl.gz") as proxy:
        options = {**s3_options, "endpoint_url": proxy.endpoint,
                   "config_kwargs": {"retries": {"max_attempts": 1, "mode": "standard"}}}
        # expand_inputs lists the folder (no request names part1), so the job starts and part1 fails in its task.
        manifest = run_annotate(AnnotateConfig(inputs=("s3://flaky/raw",), output=str(tmp_path / "out"),
                                               signals=("ccnet",), storage_options=options),
                                ClusterConfig(scheduler=scheduler, retries=1), quiet=True)
    by_shard = {r.shard: r for r in manifest.shards}
    assert by_shard["part1"].status == "error" and by_shard["part1"].attempts == 2
    assert "s3://flaky/raw/part1.jsonl.gz" in by_shard["part1"].error
    assert by_shard["part0"].status == by_shard["part2"].status == "ok"
    assert manifest.totals["rows_written"] == 60 and proxy.faults >= 4
    saved = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert saved["totals"]["shards_error"] == 1


def test_wrong_credentials_fail_clearly_and_stay_secret(tmp_path, s3_options):
    fs = s3fs.S3FileSystem(**s3_options)
    fs.mkdir("private")
    fs.pipe("private/raw/a.jsonl", jsonl_bytes([{"text": "hello there"}]))
    endpoint = s3_options["endpoint_url"]
    _reset_auth(endpoint, b"0")  # from now on moto checks credentials
    try:
        secret, key_id = "WRONG-secret-9f3a71c2", "AKIAWRONGKEY12345678"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
        out = subprocess.run([sys.executable, "-m", "pipeline.cli", "annotate", "s3://private/raw", "-o",
                              "s3://private/out", "--storage-option", f"endpoint_url={endpoint}",
                              "--storage-option", f"key={key_id}", "--storage-option", f"secret={secret}",
                              "--workers", "1"],
                             capture_output=True, text=True, env=env, timeout=120)
    finally:
        _reset_auth(endpoint, b"inf")
    assert out.returncode == 2, out.stderr
    assert "s3://private: access denied" in out.stderr and "credentials" in out.stderr
    lines = [x for x in out.stderr.strip().splitlines() if not x.startswith("note: ")]
    assert "Traceback" not in out.stderr and len(lines) == 1 and lines[0].startswith("assay annotate: error: s3://"), (
        out.stderr)
    assert secret not in out.stderr + out.stdout
