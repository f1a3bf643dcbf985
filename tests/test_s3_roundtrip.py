"""s3:// in and out, against moto's S3-compatible server on a loopback port (real s3fs and botocore)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
import s3fs

from pipeline.annotate import run_annotate
from schemas.config import AnnotateConfig, ClusterConfig

pytestmark = pytest.mark.slow


def test_annotate_reads_and_writes_s3(shard_dir, tmp_path, s3_options):
    options = s3_options
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("corpus")
    for path in sorted(shard_dir.iterdir()):
        fs.put(str(path), f"corpus/raw/{path.name}")

    cluster = ClusterConfig(workers=2)
    remote = AnnotateConfig(inputs=("s3://corpus/raw/*",), output="s3://corpus/annotated", signals=("ccnet",),
                            storage_options=options)
    manifest = run_annotate(remote, cluster, quiet=True)
    local = AnnotateConfig(inputs=(str(shard_dir),), output=str(tmp_path / "local"), signals=("ccnet",))
    run_annotate(local, cluster, quiet=True)

    assert manifest.totals["rows_written"] == 100 and manifest.totals["shards_ok"] == 4
    assert sorted(fs.ls("corpus/annotated", detail=False)) == [
        f"corpus/annotated/{n}" for n in ("_manifest.json", "_shards", "de.parquet", "en.parquet", "fr.parquet",
                                          "mix.parquet")]
    for name in ("de", "en", "fr", "mix"):
        with fs.open(f"corpus/annotated/{name}.parquet", "rb") as f:
            got = pq.read_table(f)
        want = pq.read_table(tmp_path / "local" / f"{name}.parquet")
        assert got.column("source")[0].as_py().startswith("s3://corpus/raw/")
        assert got.drop(["source"]).equals(want.drop(["source"]))
    # A rerun finds every shard complete on S3 and rewrites nothing.
    again = run_annotate(remote, cluster, quiet=True)
    assert [r.seconds for r in again.shards] == [r.seconds for r in manifest.shards]
