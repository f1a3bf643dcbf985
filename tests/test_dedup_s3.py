"""Dedup from and to s3:// (moto's S3-compatible server on a loopback port, real s3fs and botocore)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import s3fs

sys.path.insert(0, str(Path(__file__).parent))
from dedup_data import make_corpus, write_annotated  # noqa: E402

from pipeline.dedup.run import run_dedup  # noqa: E402
from schemas.config import ClusterConfig  # noqa: E402
from schemas.dedup import DedupConfig  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("cluster", [None, ClusterConfig(workers=2, threads_per_worker=1, memory_limit="2GiB")],
                         ids=["in-process", "dask"])
def test_dedup_reads_and_writes_s3(tmp_path, s3_options, cluster):
    paths = write_annotated(make_corpus(300, seed=7), tmp_path / "annotated", files=3)
    fs = s3fs.S3FileSystem(**s3_options)
    bucket = "corpus-dask" if cluster else "corpus"  # moto keeps buckets for the whole process
    fs.mkdir(bucket)
    for path in paths:
        fs.put(str(path), f"{bucket}/annotated/{path.name}")

    remote = DedupConfig(inputs=(f"s3://{bucket}/annotated",), output=f"s3://{bucket}/dedup", verify="exact",
                         keep="max:minhash_exact_hash", partitions=2, storage_options=s3_options)
    manifest = run_dedup(remote, cluster, quiet=True)
    run_dedup(DedupConfig(inputs=(str(tmp_path / "annotated"),), output=str(tmp_path / "local"), verify="exact",
                          keep="max:minhash_exact_hash", partitions=3), None, quiet=True)

    fs.invalidate_cache()
    assert sorted(fs.ls(f"{bucket}/dedup", detail=False)) == [
        f"{bucket}/dedup/{n}" for n in ("_dedup_stats.json", "_manifest.json", "shard00.parquet", "shard01.parquet",
                                      "shard02.parquet")]                    # _work removed, no temporaries
    removed = 0
    for name in ("shard00", "shard01", "shard02"):
        with fs.open(f"{bucket}/dedup/{name}.parquet", "rb") as f:
            got = f.read()
        want = (tmp_path / "local" / f"{name}.parquet").read_bytes()
        assert got == want
        removed += pq.read_table(tmp_path / "local" / f"{name}.parquet").column("keep").to_pylist().count(False)
    stats = json.loads(fs.cat(f"{bucket}/dedup/_dedup_stats.json"))
    assert stats["verified_pairs"] > 0 and stats["removed"] == removed > 0
    assert manifest.totals["rows_written"] == stats["documents"]
    # A rerun finds the outputs complete for this config on S3 and does nothing.
    again = run_dedup(remote, cluster, quiet=True)
    assert again.model_dump() == manifest.model_dump()
    fs.invalidate_cache()
    assert not fs.exists(f"{bucket}/dedup/_work")
