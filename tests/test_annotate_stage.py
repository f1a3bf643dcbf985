"""The annotate stage on a LocalCluster with 2 worker processes: outputs, manifest, resume, bad input."""

from __future__ import annotations

import gzip
import json
import os
import random

import polars as pl
import pyarrow.parquet as pq
import pytest

from pipeline.annotate import run_annotate
from schemas.config import AnnotateConfig, ClusterConfig
from tests.shardgen import html_page, jsonl_bytes, write_jsonl, write_warc

TWO_WORKERS = ClusterConfig(workers=2)
pytestmark = pytest.mark.slow


def annotate(inputs, out, cluster=TWO_WORKERS, **kw):
    config = AnnotateConfig(inputs=tuple(str(i) for i in inputs), output=str(out), signals=("ccnet",), **kw)
    return run_annotate(config, cluster, quiet=True)


def test_every_format_lands_in_annotated_parquet(shard_dir, tmp_path):
    out = tmp_path / "out"
    manifest = annotate([shard_dir], out)
    assert sorted(os.listdir(out)) == ["_manifest.json", "_shards", "de.parquet", "en.parquet", "fr.parquet",
                                       "mix.parquet"]
    df = pl.read_parquet(out / "*.parquet")
    assert df.height == 100 and df["id"].n_unique() == 100
    langs = df.group_by("source").agg(pl.col("ccnet_language").mode().first()).sort("source")
    assert dict(zip(langs["source"].str.split("/").list.last(), langs["ccnet_language"], strict=True)) == {
        "de.warc.gz": "de", "en.jsonl.zst": "en", "fr.warc.wet.gz": "fr", "mix.jsonl.gz": "en"}
    assert set(df.filter(pl.col("source").str.ends_with("mix.jsonl.gz"))["id"]) == {f"m{i}" for i in range(10)}
    assert (df["ccnet_length"] == df["text"].str.len_chars()).all()
    assert manifest.totals["rows_written"] == 100 and manifest.totals["shards_ok"] == 4
    meta = pq.read_schema(out / "en.parquet").metadata
    assert meta[b"assay.config_hash"].decode() == manifest.config_hash
    on_disk = json.loads((out / "_manifest.json").read_text())
    assert on_disk["versions"]["pyarrow"] and len(on_disk["shards"]) == 4


def test_rerun_skips_complete_shards_and_redoes_changed_config(shard_dir, tmp_path):
    out = tmp_path / "out"
    annotate([shard_dir], out)
    mtimes = {p: os.stat(out / p).st_mtime_ns for p in os.listdir(out) if p.endswith(".parquet")}
    os.remove(out / "fr.parquet")  # lost output: its marker alone must not count as complete
    annotate([shard_dir], out)
    after = {p: os.stat(out / p).st_mtime_ns for p in os.listdir(out) if p.endswith(".parquet")}
    assert {p for p in after if after[p] != mtimes.get(p)} == {"fr.parquet"}
    annotate([shard_dir], out, batch_size=7)  # another config: everything is redone
    redone = {p: os.stat(out / p).st_mtime_ns for p in after}
    assert all(redone[p] != after[p] for p in after)
    assert pq.ParquetFile(out / "en.parquet").metadata.num_row_groups == 6


def test_output_does_not_depend_on_worker_count(shard_dir, tmp_path):
    annotate([shard_dir], tmp_path / "one", cluster=ClusterConfig(workers=1))
    annotate([shard_dir], tmp_path / "two", cluster=TWO_WORKERS)
    for name in ("de.parquet", "en.parquet", "fr.parquet", "mix.parquet"):
        a = pq.read_table(tmp_path / "one" / name).drop(["source"])
        b = pq.read_table(tmp_path / "two" / name).drop(["source"])
        assert a.equals(b)


def test_bad_inputs_are_reported_and_other_shards_finish(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    rng = random.Random(7)
    words = "river field stone cloud bread lamp winter garden letter mountain quiet yellow".split()
    docs = [{"text": " ".join(rng.choice(words) for _ in range(150)) + f" ({i})."} for i in range(300)]
    good = jsonl_bytes(docs)
    write_jsonl(str(d / "good.jsonl"), docs[:50])
    gz = gzip.compress(good)
    (d / "truncated.jsonl.gz").write_bytes(gz[: len(gz) // 2])
    import zstandard

    zst = bytearray(zstandard.ZstdCompressor().compress(good))
    zst[len(zst) // 2: len(zst) // 2 + 64] = b"\xff" * 64
    (d / "corrupt.jsonl.zst").write_bytes(bytes(zst))
    (d / "badutf8.jsonl").write_bytes(jsonl_bytes(docs[:3]) + b'{"text": "\xc3\x28 broken"}\n')
    (d / "empty.jsonl").write_bytes(b"")
    write_jsonl(str(d / "huge.jsonl"), [{"text": "word " * 10_000_000}, {"text": "a normal short document"}])
    pages = [(f"http://x.org/{i}", html_page(f"T{i}", [f"Paragraph number {i} about the weather today."]).encode(),
              "text/html") for i in range(6)]
    write_warc(str(d / "broken.warc.gz"), pages)
    raw = bytearray((d / "broken.warc.gz").read_bytes())
    cut = len(raw) * 2 // 3
    raw[cut: cut + 40] = b"\x00" * 40  # garbage inside a later record's gzip member
    (d / "broken.warc.gz").write_bytes(bytes(raw))

    out = tmp_path / "out"
    manifest = annotate([d], out)
    by = {r.shard: r for r in manifest.shards}
    assert by["good"].status == "ok" and by["good"].rows_written == 50
    assert by["empty"].status == "ok" and by["empty"].rows_written == 0
    assert by["badutf8"].rows_written == 3 and by["badutf8"].skipped == {"invalid_utf8": 1}
    assert by["huge"].rows_written == 1 and by["huge"].skipped == {"too_large": 1}
    for name in ("truncated", "corrupt", "broken"):
        report = by[name]
        assert report.status == "partial", (name, report)
        assert report.input in report.error and "record" in report.error
        assert pq.read_metadata(out / f"{name}.parquet").num_rows == report.rows_written
    assert 0 < by["broken"].rows_written < 6
    assert manifest.totals["shards_partial"] == 3 and manifest.totals["shards_error"] == 0
