"""The hostile-input corpus (tests/data/hostile/, made by make.py): every kind ends as a clear error
naming the file (and record or line) or as counted skips with their reasons, the good documents of
the shard are kept, and memory stays bounded while reading them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.annotate import annotate_shard, run_annotate
from pipeline.shards import plan_tasks
from schemas.config import AnnotateConfig, ClusterConfig, ReaderConfig
from schemas.manifest import ShardReport

HOSTILE = Path(__file__).parent / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
from make import KINDS, LIMITS, write  # noqa: E402

READER = ReaderConfig(**LIMITS)


def annotate_one(path: Path, out: Path) -> tuple[ShardReport, list[str]]:
    config = AnnotateConfig(inputs=(str(path),), output=str(out), signals=("ccnet",), reader=READER)
    task = plan_tasks([str(path)], str(out))[0]
    report = ShardReport.model_validate(annotate_shard(task, config.model_dump_json()))
    texts = pq.read_table(task.output).column("text").to_pylist() if Path(task.output).exists() else []
    return report, texts


def test_corpus_has_twenty_kinds_and_make_py_regenerates_it(tmp_path):
    assert len(KINDS) >= 20
    for path in write(tmp_path):
        assert path.read_bytes() == (HOSTILE / path.name).read_bytes(), f"{path.name}: rerun make.py"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_hostile_kind_is_an_error_or_counted_skips(name, tmp_path):
    kind = KINDS[name]
    path = HOSTILE / kind.file
    report, texts = annotate_one(path, tmp_path / "out")
    assert report.status == kind.status, report.error
    assert report.skipped == kind.skipped
    assert report.rows_written == report.documents_read == len(texts) == kind.documents
    if kind.status == "ok":
        assert report.error is None
        if kind.message:
            assert any(kind.message in p["message"] for p in report.problems), report.problems
    else:
        assert str(path) in report.error and kind.message in report.error, report.error
    # Every unusual skip is explained by a recorded problem naming its record (routine ones are counted only).
    routine = {"blank_line", "empty", "non_html"}
    reasons = {p["reason"] for p in report.problems}
    assert {r for r in report.skipped if r not in routine and not r.startswith("not_")} <= reasons


def test_good_documents_around_the_damage_are_kept_intact(tmp_path):
    from make import good

    wanted = {good(i) for i in range(400)}
    for name in ("invalid_utf8", "wrong_types", "deep_nesting", "non_json", "huge_record", "lone_surrogate",
                 "bad_zstd_frame", "zstd_bomb", "concatenated_gzip", "utf8_bom"):
        _, texts = annotate_one(HOSTILE / KINDS[name].file, tmp_path / name)
        assert texts and set(texts) <= wanted, name
        assert len(set(texts)) == len(texts) == KINDS[name].documents, name


def test_escaped_nul_is_kept_as_data(tmp_path):
    _, texts = annotate_one(HOSTILE / KINDS["nul_bytes"].file, tmp_path / "out")
    assert "escaped \x00 nul is data" in texts


_MEASURE = """
import json, re, resource, sys
from pipeline.readers import ReadStats, ShardReadError, read_documents
from schemas.config import ReaderConfig

def status(key):
    return int(re.search(key + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

config = ReaderConfig(**json.loads(sys.argv[1]))
try:  # reset the peak to the current RSS (Linux), so the imports' peak does not hide the reading's
    open("/proc/self/clear_refs", "w").write("5")
    before, peak = status("VmRSS"), lambda: status("VmHWM")
except OSError:
    before, peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, (
        lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
docs = 0
for path in sys.argv[2:]:
    stats = ReadStats(path)
    try:
        for _ in read_documents(path, "s", config, stats):
            docs += 1
    except (ShardReadError, ValueError):
        pass
print(json.dumps({"before_kib": before, "after_kib": peak(), "docs": docs}))
"""


@pytest.mark.parametrize("limits", [LIMITS, {}], ids=["corpus-limits", "defaults"])
def test_reading_the_whole_corpus_keeps_memory_bounded(limits):
    """Two 200 MB / 20 MB decompression bombs and oversize records: peak RSS grows by well under
    the size of any bomb (the default limits stop at 64 MiB of record and of decompression check)."""
    paths = [str(HOSTILE / k.file) for k in KINDS.values()]
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(limits), *paths], capture_output=True,
                         text=True, check=True, timeout=120)
    got = json.loads(out.stdout)
    grown_mib = (got["after_kib"] - got["before_kib"]) / 1024
    print(got, f"{grown_mib:.0f} MiB")
    assert got["docs"] >= sum(k.documents for k in KINDS.values())
    assert grown_mib < (60 if limits else 120), got


@pytest.mark.slow
def test_annotate_job_over_the_corpus_counts_every_skip_in_the_manifest(tmp_path):
    inputs = tuple(str(HOSTILE / k.file) for k in KINDS.values())
    config = AnnotateConfig(inputs=inputs, output=str(tmp_path / "out"), signals=("ccnet",), reader=READER)
    manifest = run_annotate(config, ClusterConfig(workers=2, dashboard_address=":0"), quiet=True)
    totals = manifest.totals
    by_input = {Path(r.input).name: r for r in manifest.shards}
    assert set(by_input) == {k.file for k in KINDS.values()}
    assert totals["rows_written"] == sum(k.documents for k in KINDS.values())
    for reason in {r for k in KINDS.values() for r in k.skipped}:
        assert totals[f"skipped:{reason}"] == sum(k.skipped.get(reason, 0) for k in KINDS.values())
    assert totals["shards_error"] == sum(k.status == "error" for k in KINDS.values())
    assert totals["shards_partial"] == sum(k.status == "partial" for k in KINDS.values())
    on_disk = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert on_disk["totals"] == totals


def _read(path: Path, **limits) -> tuple[list[str], dict[str, int], list[dict]]:
    from pipeline.readers import ReadStats, read_documents

    stats = ReadStats(str(path))
    texts = [d.text for d in read_documents(str(path), "s", ReaderConfig(**limits), stats)]
    return texts, dict(stats.skipped), stats.problems


def test_html_extraction_over_its_time_budget_is_a_counted_skip(tmp_path):
    from make import members, response

    big = b"<html><body><main>" + b"<div><p>many words in a paragraph</p></div>" * 20_000 + b"</main></body></html>"
    path = tmp_path / "slow.warc.gz"
    path.write_bytes(members([response(0), response(1, payload=big), response(2)]))
    texts, skipped, _ = _read(path)
    assert len(texts) == 3 and skipped == {}
    # A budget the small pages meet and the 900 KB page cannot (extraction of it takes milliseconds).
    texts, skipped, problems = _read(path, html_time_budget=0.0005)
    assert len(texts) == 2 and skipped == {"html_time_budget": 1}
    assert problems[0]["record"] == 1 and "html_time_budget=0.0005" in problems[0]["message"]


def test_warc_record_over_max_record_bytes_is_skipped_unread(tmp_path):
    from make import members, response

    path = tmp_path / "big.warc.gz"
    path.write_bytes(members([response(0), response(1, payload=b"<p>x</p>" * 5000), response(2)]))
    texts, skipped, problems = _read(path, max_record_bytes=20_000)
    assert len(texts) == 2 and skipped == {"too_large": 1}
    assert "Content-Length 40,0" in problems[0]["message"] and "max_record_bytes=20,000" in problems[0]["message"]


def test_ratio_guard_leaves_ordinary_compressed_text_alone(tmp_path):
    import random

    import zstandard

    from pipeline.readers import ReadStats, ShardReadError, read_documents

    rng = random.Random(5)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(3000)]
    lines = [json.dumps({"text": " ".join(rng.choices(vocabulary, k=60))}) + "\n" for _ in range(12_000)]
    path = tmp_path / "plain.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=19).compress("".join(lines).encode()))  # ~5 MB, ratio ~3
    texts, skipped, _ = _read(path, max_decompression_ratio=10.0, decompression_check_bytes=1_000_000)
    assert len(texts) == 12_000 and skipped == {}
    stats, kept = ReadStats(str(path)), 0
    with pytest.raises(ShardReadError, match="decompression ratio over 1.5"):
        for _ in read_documents(str(path), "s", ReaderConfig(max_decompression_ratio=1.5,
                                                           decompression_check_bytes=3_000_000), stats):
            kept += 1
    assert 0 < kept < 12_000 and dict(stats.skipped) == {"decompression_ratio": 1}


@pytest.mark.slow
def test_a_failed_shard_makes_the_job_exit_non_zero_naming_it_after_the_others_finish(tmp_path):
    job = tmp_path / "job.yaml"
    bad, good = HOSTILE / KINDS["parquet_wrong_type"].file, HOSTILE / KINDS["concatenated_gzip"].file
    job.write_text(f"output: {tmp_path / 'out'}\ncluster: {{workers: 1, dashboard_address: ':0'}}\n"
                   f"annotate:\n  inputs: [{bad}, {good}]\n  signals: [ccnet]\n")
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(job)], capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 1, out.stderr
    assert f"error: {bad}: ValueError: column 'text' is int64, not a string column" in out.stderr
    assert "1 failed" in out.stderr and "Traceback" not in out.stderr
    assert pq.read_table(tmp_path / "out" / "annotated" / "concatenated.parquet").num_rows == 7
    saved = json.loads((tmp_path / "out" / "annotated" / "_manifest.json").read_text())
    assert [s["status"] for s in saved["shards"]] == ["ok", "error"]
