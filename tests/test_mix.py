"""Mixing sources: realised token shares within one document of the request, epoch caps, seeds, caches."""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.cluster import dask_client
from pipeline.mix.plan import MixError
from pipeline.mix.stage import SUMMARY_NAME, run_mix
from pipeline.tokenize.train import train_bpe
from schemas.config import ClusterConfig
from schemas.mix import MixConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = os.path.join(ROOT, "tests", "data", "sample", "texts")
LANGS = {"web": "en", "books": "de", "wiki": "fr"}  # three sources made of the sample's paragraphs


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    everything = []
    for name, lang in LANGS.items():
        rows = []
        for path in sorted(glob.glob(os.path.join(TEXTS, lang, "*.txt"))):
            with open(path, encoding="utf-8") as f:
                paragraphs = [p for p in f.read().split("\n\n") if p.strip()]
            rows += [{"id": f"{lang}/{os.path.basename(path)}/{i}", "text": p} for i, p in enumerate(paragraphs)]
        folder = root / name
        folder.mkdir()
        half = len(rows) // 2  # two files a source, so counting runs as several tasks
        pq.write_table(pa.Table.from_pylist(rows[:half]), folder / "part-0.parquet")
        pq.write_table(pa.Table.from_pylist(rows[half:]), folder / "part-1.parquet")
        everything += [r["text"] for r in rows]
    tokenizer = train_bpe(everything, vocab_size=1000)
    tokenizer.save(str(root / "tokenizer.json"))
    return root


@pytest.fixture(scope="module")
def cluster():
    with dask_client(ClusterConfig(workers=2, dashboard_address=":0"), quiet=True) as client:
        yield ClusterConfig(scheduler=client.scheduler.address)


def mix_config(root, out, weights=(0.5, 0.3, 0.2), total=30_000, seed=7, caps=(None, None, None), **kw) -> MixConfig:
    sources = {name: {"path": str(root / name), "weight": w, "epoch_cap": cap}
               for name, w, cap in zip(LANGS, weights, caps, strict=True)}
    return MixConfig.model_validate({"sources": sources, "output": str(out), "tokenizer": str(root / "tokenizer.json"),
                                     "total_tokens": total, "seed": seed, **kw})


def read_mixture(out) -> pa.Table:
    return pq.read_table(sorted(glob.glob(str(out / "part-*.parquet"))))


def summary(out) -> dict:
    return yaml.safe_load((out / SUMMARY_NAME).read_text())


@pytest.fixture(scope="module")
def weighted(sources, cluster):
    out = sources / "weighted"
    run_mix(mix_config(sources, out, rows_per_part=200), cluster, quiet=True)
    return out


def test_realised_shares_are_within_one_document_of_the_request(sources, weighted):
    from tokenizers import Tokenizer

    s = summary(weighted)
    table = read_mixture(weighted)
    tokenizer = Tokenizer.from_file(str(sources / "tokenizer.json"))
    tokenizer.encode_special_tokens = True
    for row, weight in zip(s["sources"], (0.5, 0.3, 0.2), strict=True):
        assert row["requested_tokens"] == round(30_000 * weight)
        shortfall = row["requested_tokens"] - row["realised_tokens"]
        assert 0 <= shortfall < row["max_document_tokens"], row
        mine = table.filter(pa.compute.equal(table["source"], row["name"]))
        assert sum(mine["tokens"].to_pylist()) == row["realised_tokens"]
        assert mine.num_rows == row["documents"]
        # the counts are the tokenizer's: body tokens + EOS, as tokenize writes them
        texts = mine["text"].to_pylist()[:50]
        expected = [len(e.ids) + 1 for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
        assert mine["tokens"].to_pylist()[:50] == expected
        assert all(i.startswith(LANGS[row["name"]] + "/") for i in mine["id"].to_pylist())
    assert abs(s["sources"][0]["realised_share"] - 0.5) < 0.01
    assert table["order"].to_pylist() == list(range(table.num_rows))
    assert len(glob.glob(str(weighted / "part-*.parquet"))) == -(-table.num_rows // 200)
    # globally shuffled: the sources interleave rather than follow each other
    names = table["source"].to_pylist()
    assert sum(a != b for a, b in zip(names, names[1:], strict=False)) > table.num_rows // 3


def test_upsampling_repeats_whole_documents_up_to_the_cap(sources, cluster, tmp_path):
    out = tmp_path / "up"
    run_mix(mix_config(sources, out, weights=(0.8, 0.1, 0.1), total=60_000, caps=(3, None, None)), cluster, quiet=True)
    web = next(r for r in summary(out)["sources"] if r["name"] == "web")
    assert 1 < web["epochs"] <= 3 and web["dropped_documents"] == 0
    table = read_mixture(out)
    mine = table.filter(pa.compute.equal(table["source"], "web"))
    ids, times = np.unique(mine["id"].to_numpy(zero_copy_only=False), return_counts=True)
    assert times.max() - times.min() <= 1 and times.max() <= 3
    assert len(ids) == web["source_documents"]
    pairs = set(zip(mine["id"].to_pylist(), mine["epoch"].to_pylist(), strict=True))
    assert len(pairs) == mine.num_rows  # a document appears once per epoch


def test_an_epoch_cap_that_cannot_be_met_fails_before_anything_is_written(sources, cluster, tmp_path):
    out = tmp_path / "capped"
    with pytest.raises(MixError, match=r"'web'.*epochs, above its epoch_cap of 1"):
        run_mix(mix_config(sources, out, weights=(0.8, 0.1, 0.1), total=60_000, caps=(1, None, None)), cluster,
                quiet=True)
    assert not glob.glob(str(out / "part-*")) and not (out / SUMMARY_NAME).exists()
    cli = subprocess.run([sys.executable, "-m", "pipeline.cli", "mix", "--tokenizer", str(sources / "tokenizer.json"),
                          "--source", f"web={sources / 'web'},weight=0.8,epoch_cap=1",
                          "--source", f"books={sources / 'books'},weight=0.2", "--total-tokens", "60000",
                          "-o", str(out), "--workers", "1"], capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 2 and "epoch_cap" in cli.stderr and "'web'" in cli.stderr
    assert not glob.glob(str(out / "part-*"))


def test_same_seed_same_bytes_whatever_the_worker_count_and_counts_are_cached(sources, weighted, tmp_path):
    one = tmp_path / "one"
    with dask_client(ClusterConfig(workers=1, dashboard_address=":0"), quiet=True) as client:
        run_mix(mix_config(sources, one, rows_per_part=200), ClusterConfig(scheduler=client.scheduler.address),
                quiet=True)
    parts = sorted(p.name for p in weighted.glob("part-*.parquet"))
    assert parts == sorted(p.name for p in one.glob("part-*.parquet"))
    for name in parts:
        assert (one / name).read_bytes() == (weighted / name).read_bytes(), name
    # the counts are cached in the output folder: other weights and another seed tokenize nothing again
    cache = sorted((weighted / "_token_counts").iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in cache}
    with dask_client(ClusterConfig(workers=1, dashboard_address=":0"), quiet=True) as client:
        run_mix(mix_config(sources, weighted, weights=(0.2, 0.2, 0.6), seed=8),
                ClusterConfig(scheduler=client.scheduler.address), quiet=True)
    assert {p.name: p.stat().st_mtime_ns for p in sorted((weighted / "_token_counts").iterdir())} == stamps
    assert len(stamps) == 6
    other = read_mixture(weighted)
    assert abs(summary(weighted)["sources"][2]["realised_share"] - 0.6) < 0.01
    assert other["source"].to_pylist()[:20] != read_mixture(one)["source"].to_pylist()[:20]


def test_token_budgets_and_weights_together(sources, cluster, tmp_path):
    out = tmp_path / "budget"
    config = MixConfig.model_validate({
        "sources": {"web": {"path": str(sources / "web"), "tokens": 5_000},
                    "books": {"path": str(sources / "books"), "weight": 3},
                    "wiki": {"path": str(sources / "wiki"), "weight": 1}},
        "output": str(out), "tokenizer": str(sources / "tokenizer.json"), "total_tokens": 13_000})
    run_mix(config, cluster, quiet=True)
    rows = {r["name"]: r for r in summary(out)["sources"]}
    assert [rows[n]["requested_tokens"] for n in ("web", "books", "wiki")] == [5_000, 6_000, 2_000]
    for r in rows.values():
        assert 0 <= r["requested_tokens"] - r["realised_tokens"] < r["max_document_tokens"]
    with pytest.raises(ValueError, match="either a weight or a token budget"):
        MixConfig.model_validate({"sources": {"a": {"path": "x", "weight": 1, "tokens": 5}}, "output": "o",
                                  "tokenizer": "t.json", "total_tokens": 10})


def test_a_job_mixes_then_tokenizes_with_the_source_in_provenance(sources, tmp_path):
    job = {"output": str(tmp_path / "out"), "cluster": {"workers": 2, "dashboard_address": ":0"},
           "mix": {"sources": {n: {"path": str(sources / n), "weight": w} for n, w in zip(LANGS, (0.5, 0.3, 0.2), strict=True)},
                   "total_tokens": 20_000, "seed": 3},
           "tokenize": {"tokenizer": str(sources / "tokenizer.json"), "seq_len": 512}}
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    mixed = summary(tmp_path / "out" / "mix")
    tokens = yaml.safe_load((tmp_path / "out" / "tokens" / "summary.json").read_text())
    assert tokens["tokens"] == mixed["total_tokens"]
    for row in mixed["sources"]:
        assert tokens["sources"][row["name"]]["tokens"] == row["realised_tokens"]
        assert tokens["sources"][row["name"]]["documents"] == row["documents"]
    provenance = pq.read_table(tmp_path / "out" / "tokens" / "provenance.parquet")
    assert set(provenance["source"].to_pylist()) == set(LANGS)
    dry = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(path), "--dry-run"], capture_output=True,
                         text=True, cwd=ROOT)
    assert "mix:" in dry.stdout and "skip: complete" in dry.stdout.split("mix:")[1].splitlines()[0]
