"""The tokenize stage on a real LocalCluster, with a BPE tokenizer trained here on the sample texts."""

from __future__ import annotations

import glob
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.cluster import dask_client
from pipeline.tokenize.encode import ENCODED_DIR
from pipeline.tokenize.stage import run_tokenize, tokenize_progress
from pipeline.tokenize.train import train_bpe
from pipeline.tokens import IndexedTokens, PackedSequences
from schemas.config import ClusterConfig
from schemas.tokens import TokenizeConfig
from tests.conftest import SAMPLE_DIR

OUTPUTS = ("documents.bin", "documents.idx", "packed.bin", "packed.idx", "cu_seqlens.npy", "cu_seqlens_index.npy",
           "provenance.parquet", "summary.json")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Two Parquet files of sample paragraphs (id, source, text; several row groups) and one with a null
    text, an empty one and one that spells the EOS token."""
    root = tmp_path_factory.mktemp("tok")
    rows = []
    for path in sorted(glob.glob(os.path.join(SAMPLE_DIR, "texts", "*", "*.txt"))):
        lang = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8") as f:
            paragraphs = [p for p in f.read().split("\n\n") if p.strip()]
        # whole chapters too, so that some documents are longer than a sequence
        rows += [{"id": f"{lang}/{os.path.basename(path)}/{i}", "source": lang, "text": p} for i, p in enumerate(paragraphs)]
        rows += [{"id": f"{lang}/{os.path.basename(path)}/all", "source": lang, "text": "\n\n".join(paragraphs[:40])}]
    table = pa.Table.from_pylist(rows)
    data = root / "in"
    data.mkdir()
    pq.write_table(table.slice(0, 700), data / "a.parquet", row_group_size=300)
    pq.write_table(table.slice(700), data / "b.parquet", row_group_size=300)
    odd = pa.table({"id": ["x0", "x1", "x2", "x3"], "source": ["odd"] * 4,
                    "text": ["kept <|endoftext|> as text", None, "", "Ünïcödé 🙂\ttabs\r\nand CRLF"]})
    pq.write_table(odd, data / "c.parquet")
    tokenizer = train_bpe([r["text"] for r in rows], vocab_size=1200)
    tokenizer.save(str(root / "tokenizer.json"))
    texts = {r["id"]: r["text"] for r in rows} | {"x0": odd["text"][0].as_py(), "x3": odd["text"][3].as_py()}
    return {"root": root, "inputs": (str(data),), "tokenizer": str(root / "tokenizer.json"), "texts": texts,
            "sources": {r["id"]: r["source"] for r in rows} | {"x0": "odd", "x3": "odd"}}


@pytest.fixture(scope="module")
def cluster():
    with dask_client(ClusterConfig(workers=2, dashboard_address=":0"), quiet=True) as client:
        yield ClusterConfig(scheduler=client.scheduler.address)


def config(corpus, out, **kw) -> TokenizeConfig:
    return TokenizeConfig(output=str(out), tokenizer=corpus["tokenizer"],
                          **{"inputs": corpus["inputs"], "seq_len": 256, "batch_rows": 200, **kw})


@pytest.fixture(scope="module")
def bestfit_run(corpus, cluster):
    out = corpus["root"] / "bestfit"
    manifest = run_tokenize(config(corpus, out), cluster, quiet=True)
    return out, manifest


def read_bytes(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def test_documents_decode_back_to_their_text_and_counts_agree(corpus, bestfit_run):
    from tokenizers import Tokenizer

    out, manifest = bestfit_run
    summary = json.loads((out / "summary.json").read_text())
    tok = Tokenizer.from_file(corpus["tokenizer"])
    docs = IndexedTokens(str(out / "documents"))
    prov = pq.read_table(out / "provenance.parquet")
    ids = {}
    for d, doc_id in zip(prov["document"].to_pylist(), prov["document_id"].to_pylist(), strict=True):
        ids[d] = doc_id
    assert len(docs) == summary["documents"] == len(corpus["texts"]) == len(ids)
    eos = summary["eos_id"]
    tok.encode_special_tokens = True
    for d in range(len(docs)):
        ids_d = docs[d]
        assert ids_d[-1] == eos and eos not in ids_d[:-1].tolist()
        text = corpus["texts"][ids[d]]
        assert tok.decode(ids_d[:-1].tolist(), skip_special_tokens=False) == text
        assert len(ids_d) == len(tok.encode(text, add_special_tokens=False).ids) + 1
    lengths = docs.lengths.astype(np.int64)
    packed = PackedSequences(str(out))
    used = sum(int(packed[i][1][-1]) for i in range(len(packed)))
    pieces = prov["token_end"].to_numpy().astype(np.int64) - prov["token_start"].to_numpy()
    assert summary["tokens"] == lengths.sum() == used == pieces.sum()
    assert summary["padding_tokens"] == len(packed) * 256 - used == summary["sequences"] * 256 - summary["tokens"]
    per_source: dict[str, int] = {}
    for d in range(len(docs)):
        per_source[corpus["sources"][ids[d]]] = per_source.get(corpus["sources"][ids[d]], 0) + int(lengths[d])
    assert {k: v["tokens"] for k, v in summary["sources"].items()} == per_source
    assert summary["skipped"] == {"empty": 1, "null_text": 1}
    assert manifest.totals["skipped"] == 2 and manifest.totals["rows_written"] == summary["documents"]
    assert summary["dtype"] == "uint16" and summary["vocab_size"] == 1200


def test_packed_sequences_hold_the_pieces_provenance_names(bestfit_run):
    out, _ = bestfit_run
    docs, packed = IndexedTokens(str(out / "documents")), PackedSequences(str(out))
    prov = pq.read_table(out / "provenance.parquet").to_pydict()
    assert packed.seq_len == 256 and len(packed) == json.loads((out / "summary.json").read_text())["sequences"]
    bounds: dict[int, list[int]] = {}
    for s, d, a, b, o in zip(prov["sequence"], prov["document"], prov["token_start"], prov["token_end"],
                             prov["offset"], strict=True):
        tokens, _ = packed[s]
        assert tokens[o:o + b - a].tolist() == docs[d][a:b].tolist()
        bounds.setdefault(s, []).append(o)
    pad = json.loads((out / "summary.json").read_text())["pad_id"]
    for s, offsets in bounds.items():
        tokens, cu = packed[s]
        assert cu.dtype == np.int32 and cu.tolist()[:-1] == offsets
        assert (tokens[cu[-1]:] == pad).all()
        assert not tokens.flags.owndata


def test_bestfit_truncates_fewer_documents_than_concat(corpus, cluster, bestfit_run, tmp_path):
    out, _ = bestfit_run
    code = main(["tokenize", *corpus["inputs"], "--tokenizer", corpus["tokenizer"], "--seq-len", "256",
                 "-o", str(tmp_path / "concat"), "--pack", "concat", "--bos", "--scheduler", cluster.scheduler])
    assert code == 0
    b = json.loads((out / "summary.json").read_text())
    c = json.loads((tmp_path / "concat" / "summary.json").read_text())
    assert c["documents"] == b["documents"] and c["tokens"] == b["tokens"] + b["documents"]  # + BOS each
    longer = int((IndexedTokens(str(out / "documents")).lengths > 256).sum())
    assert 0 < b["truncated_documents"] == longer < c["truncated_documents"] / 2
    assert c["padding_tokens"] < 256 and c["truncation_fraction"] > b["truncation_fraction"]
    first = IndexedTokens(str(tmp_path / "concat" / "documents"))[0]
    assert first[0] == c["bos_id"] and first[-1] == c["eos_id"]


def test_same_seed_same_bytes_with_one_and_two_workers_and_resume(corpus, bestfit_run, tmp_path):
    out, _ = bestfit_run
    one = tmp_path / "one"
    run_tokenize(config(corpus, one), ClusterConfig(workers=1, dashboard_address=":0"), quiet=True)
    assert read_bytes(one) == read_bytes(out)
    # resume: one encode task lost; only it runs again, the outputs come back identical
    encoded = sorted((one / ENCODED_DIR).iterdir())
    n = len(encoded)
    assert n == 9  # a: row groups of 300, 300, 100 rows in tasks of <= 200; b: 300, 300, 89; c
    before = {p.name: p.stat().st_mtime_ns for p in encoded}
    encoded[2].unlink()
    (one / "summary.json").unlink()
    assert tokenize_progress(config(corpus, one)) == (n - 1, n + 1)
    run_tokenize(config(corpus, one), ClusterConfig(workers=1, dashboard_address=":0"), quiet=True)
    after = {p.name: p.stat().st_mtime_ns for p in (one / ENCODED_DIR).iterdir()}
    assert after.keys() == before.keys()
    assert [n for n in before if after[n] != before[n]] == [encoded[2].name]
    assert read_bytes(one) == read_bytes(out)
    assert tokenize_progress(config(corpus, one)) == (n + 1, n + 1)
    # another seed: other order, same sequences
    assert tokenize_progress(config(corpus, one, shuffle_seed=5)) == (n, n + 1)


def test_bad_input_is_named(corpus, cluster, tmp_path):
    pq.write_table(pa.table({"id": ["a"], "body": ["no text column"]}), tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match=r"bad\.parquet: no text column 'text'"):
        run_tokenize(config(corpus, tmp_path / "o", inputs=(str(tmp_path / "bad.parquet"),)), cluster, quiet=True)
    pq.write_table(pa.table({"text": [1, 2]}), tmp_path / "ints.parquet")
    with pytest.raises(ValueError, match=r"ints\.parquet: text column 'text' is int64, not a string"):
        run_tokenize(config(corpus, tmp_path / "o", inputs=(str(tmp_path / "ints.parquet"),)), cluster, quiet=True)
    pq.write_table(pa.table({"text": pa.array([None, ""], pa.string())}), tmp_path / "empty.parquet")
    with pytest.raises(ValueError, match="no documents to pack"):
        run_tokenize(config(corpus, tmp_path / "o", inputs=(str(tmp_path / "empty.parquet"),)), cluster, quiet=True)
    with pytest.raises(FileNotFoundError):
        run_tokenize(config(corpus, tmp_path / "o", inputs=(str(tmp_path / "none"),)), cluster, quiet=True)


def test_job_plan_has_a_tokenize_stage_after_select(corpus, bestfit_run, tmp_path):
    from pipeline.job import describe_plan, load_job, plan_job

    job_file = tmp_path / "job.yaml"
    job_file.write_text(f"output: {tmp_path / 'job'}\nannotate:\n  inputs: [{tmp_path / 'nothing.jsonl'}]\n"
                        f"tokenize:\n  tokenizer: {corpus['tokenizer']}\n  seq_len: 256\n  batch_rows: 200\n")
    job = load_job(str(job_file))
    plans = plan_job(job)
    assert [p.name for p in plans] == ["annotate", "tokenize"]
    assert plans[-1].config.inputs == (str(tmp_path / "job" / "selected"),)
    assert plans[-1].output == str(tmp_path / "job" / "tokens")
    assert describe_plan(job).endswith(f" tokenize: {tmp_path / 'job' / 'tokens'}  to run (after annotate)")
    assert plans[-1].status() == (False, "to run (its inputs are not there yet)")
    # with input: pointing at documents already tokenized into <output>/tokens, the stage is complete
    out, _ = bestfit_run
    job = load_job(str(job_file), [f"tokenize.input={corpus['inputs'][0]}", f"output={out.parent}"])
    plan = plan_job(job)[-1]
    assert plan.config.inputs == corpus["inputs"]
    assert plan.status() == (False, "to run")  # <output>/tokens is not the bestfit folder
    moved = plan.config.model_copy(update={"output": str(out)})
    assert plan.progress(moved) == (10, 10)


def test_shipped_tokenizer_facts_from_its_json_agree_with_the_library():
    from tokenizers import Tokenizer

    from pipeline.tokenize.encode import tokenizer_info

    path = os.path.join(os.path.dirname(SAMPLE_DIR), "..", "..", "jobs", "tokenizer", "tokenizer.json")
    info, tok = tokenizer_info(path), Tokenizer.from_file(path)
    assert info.vocab_size == tok.get_vocab_size() == 8192
    assert (info.eos_id, info.bos_id, info.pad_id) == tuple(tok.token_to_id(t) for t in ("<|endoftext|>", "<s>", "<pad>"))
    with pytest.raises(ValueError, match="no token '<nope>'"):
        tokenizer_info(path, eos_token="<nope>")


def test_planning_and_progress_never_load_tokenizers_in_the_driver(corpus, bestfit_run):
    """Loading the tokenizers library beside other stages' checks made `assay run --dry-run` abort at
    exit now and then; the driver reads the tokenizer's JSON instead."""
    import subprocess
    import sys

    out, _ = bestfit_run
    code = ("import sys; from pipeline.tokenize.stage import tokenize_progress; from schemas.tokens import "
            f"TokenizeConfig; c = TokenizeConfig(inputs=({corpus['inputs'][0]!r},), output={str(out)!r}, "
            f"tokenizer={corpus['tokenizer']!r}, seq_len=256, batch_rows=200); print(tokenize_progress(c)); "
            "print('tokenizers' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         env={**os.environ, "PYTHONPATH": root}, timeout=120)
    assert got.returncode == 0, got.stderr
    assert got.stdout.split() == ["(10,", "10)", "False"]


@pytest.mark.slow
def test_killed_tokenize_resumes_to_the_clean_result(corpus, bestfit_run, tmp_path):
    """SIGKILL `assay tokenize` (its whole process group) part-way through the encode tasks, rerun it:
    the outputs equal a clean run's, though tasks of 5 rows instead of 200 cut the work differently."""
    import signal
    import subprocess
    import sys
    import time

    from tests.test_interrupt_resume import wait_until_group_is_gone

    out, _ = bestfit_run
    resumed = tmp_path / "resumed"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, "-m", "pipeline.cli", "tokenize", *corpus["inputs"], "--tokenizer", corpus["tokenizer"],
           "--seq-len", "256", "--batch-rows", "5", "-o", str(resumed), "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=root, env=env)
    encoded = resumed / ENCODED_DIR
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(encoded.glob("*.arrow")) if encoded.is_dir() else []) < 10:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_until_group_is_gone(proc.pid)
    done = len(list(encoded.glob("*.arrow")))
    assert 10 <= done < 200 and not (resumed / "summary.json").exists()
    rerun = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"resume: {done} of " in rerun.stderr
    assert not [p for p in resumed.rglob("*") if ".tmp-" in p.name]
    for name in OUTPUTS[:-2]:
        assert (resumed / name).read_bytes() == (out / name).read_bytes(), name
    assert pq.read_table(resumed / "provenance.parquet").equals(pq.read_table(out / "provenance.parquet"))
    a, b = (json.loads((d / "summary.json").read_text()) for d in (resumed, out))
    assert a.pop("config_hash") != b.pop("config_hash") and a == b


def test_text_that_encodes_to_nothing_is_a_counted_skip(cluster, tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"a": 0, "b": 1, "<|endoftext|>": 2, "[UNK]": 3}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "words.json"))
    pq.write_table(pa.table({"text": ["a b", "   \n ", "b zzz"]}), tmp_path / "w.parquet")
    c = TokenizeConfig(inputs=(str(tmp_path / "w.parquet"),), output=str(tmp_path / "o"),
                       tokenizer=str(tmp_path / "words.json"), seq_len=8, eos=False, shuffle_seed=None)
    manifest = run_tokenize(c, cluster, quiet=True)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["skipped"] == {"no_tokens": 1} and summary["documents"] == 2 and summary["tokens"] == 4
    assert manifest.shards[0].problems == [{"record": 1, "reason": "no_tokens"}]
    docs = IndexedTokens(str(tmp_path / "o" / "documents"))
    assert [docs[i].tolist() for i in range(2)] == [[0, 1], [1, 3]]
    assert pq.read_table(tmp_path / "o" / "provenance.parquet")["document_id"].to_pylist() == ["w/0", "w/2"]
