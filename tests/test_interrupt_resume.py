"""Kill a running annotate job part-way, rerun it, and get exactly a clean run's output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from tests.shardgen import write_jsonl

pytestmark = pytest.mark.slow
N_SHARDS = 12


def annotate_cmd(inputs: str, out: str) -> list[str]:
    # batch size 1 makes every document its own batch and row group: slow enough to kill mid-run.
    return [sys.executable, "-m", "pipeline.cli", "annotate", inputs, "-o", out, "--workers", "2",
            "--signals", "ccnet", "--batch-size", "1"]


def finished_markers(folder: str) -> list[str]:
    """Completion markers in place (a marker being written has a hidden temporary name)."""
    if not os.path.isdir(folder):
        return []
    return [m for m in os.listdir(folder) if m.endswith(".json") and not m.startswith(".")]


def wait_until_group_is_gone(pgid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes of group {pgid} outlived SIGKILL")


def shard_tables(out: str) -> dict[str, object]:
    return {n: pq.read_table(os.path.join(out, n)) for n in sorted(os.listdir(out)) if n.endswith(".parquet")}


def test_killed_job_resumes_to_the_clean_result(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for s in range(N_SHARDS):
        write_jsonl(str(inputs / f"part-{s:02d}.jsonl"),
                    [{"text": f"Shard {s} document {i}: the ferry leaves at noon from the old harbour."}
                     for i in range(250)])
    clean, resumed = str(tmp_path / "clean"), str(tmp_path / "resumed")
    subprocess.run(annotate_cmd(str(inputs), clean), check=True, capture_output=True)

    proc = subprocess.Popen(annotate_cmd(str(inputs), resumed), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    markers = os.path.join(resumed, "_shards")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(finished_markers(markers)) >= 2:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_until_group_is_gone(proc.pid)  # no worker may still be finishing a shard
    done_at_kill = len(finished_markers(markers))
    assert 2 <= done_at_kill < N_SHARDS, f"the job was not killed part-way ({done_at_kill} of {N_SHARDS} done)"
    # Whatever was finished is complete; what was in flight exists only under a temporary name.
    for name, table in shard_tables(resumed).items():
        assert table.num_rows == 250, name
    assert not os.path.exists(os.path.join(resumed, "_manifest.json"))

    rerun = subprocess.run(annotate_cmd(str(inputs), resumed), check=True, capture_output=True, text=True)
    assert f"resume: {done_at_kill} of {N_SHARDS} shards already complete" in rerun.stderr
    assert not [n for n in os.listdir(resumed) if ".tmp-" in n]
    a, b = shard_tables(clean), shard_tables(resumed)
    assert list(a) == list(b) and len(a) == N_SHARDS
    for name in a:
        assert a[name].equals(b[name]), name
    ids = [i for t in b.values() for i in t.column("id").to_pylist()]
    assert len(ids) == len(set(ids)) == N_SHARDS * 250
