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


def test_select_reads_s3_with_the_storage_options_alone(tmp_path, s3_options, monkeypatch):
    """polars reads the annotated shards and the dedup flags with the credentials and endpoint of
    the fsspec storage options, not the environment's (none here) or the instance's."""
    import pyarrow as pa

    from pipeline.select import run_select
    from schemas.select import SelectConfig

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    fs = s3fs.S3FileSystem(**s3_options)
    fs.mkdir("creds")
    texts = ["a long enough document " * 5, "short", "another long enough document " * 5]
    with fs.open("creds/annotated/part0.parquet", "wb") as f:
        pq.write_table(pa.table({"id": ["d0", "d1", "d2"], "text": texts, "ccnet_length": [len(t) for t in texts]}), f)
    with fs.open("creds/dedup/part0.parquet", "wb") as f:
        pq.write_table(pa.table({"id": ["d0", "d1", "d2"], "exact_keep": [True, True, False],
                                 "fuzzy_keep": [True, True, True], "keep": [True, True, False]}), f)
    filters = tmp_path / "f.yaml"
    filters.write_text("rules:\n  - {name: long, signal: ccnet_length, min: 50}\n  - {name: unique, dedup: all}\n")
    manifest, funnel = run_select(SelectConfig(inputs=("s3://creds/annotated",), output="s3://creds/selected",
                                               filters=str(filters), dedup="s3://creds/dedup",
                                               storage_options=s3_options), None, quiet=True)
    assert manifest.totals["shards_ok"] == 1, manifest.shards
    fs.invalidate_cache()
    assert pq.read_table(fs.open("creds/selected/part0.parquet", "rb")).column("id").to_pylist() == ["d0"]


def test_polars_storage_options_translate_fsspec_names():
    from pipeline.storage import polars_storage_options

    assert polars_storage_options("s3://b/x.parquet", {"key": "k", "secret": "s", "endpoint_url": "http://h:9",
                                                       "config_kwargs": {"retries": {}}}) == {
        "aws_access_key_id": "k", "aws_secret_access_key": "s", "aws_endpoint_url": "http://h:9",
        "aws_allow_http": "true"}
    assert polars_storage_options(["s3://b/x"], {"client_kwargs": {"region_name": "eu-west-1"}, "anon": True}) == {
        "aws_region": "eu-west-1", "aws_skip_signature": "true"}
    assert polars_storage_options("s3://b/x", {"aws_region": "us-east-2"}) == {"aws_region": "us-east-2"}
    assert polars_storage_options("/local/x.parquet", {"key": "k"}) is None
    assert polars_storage_options("s3://b/x", None) is None
