"""A real `dask scheduler` and two `dask worker` processes on loopback: SIGKILL one worker while it
writes a shard; the job still finishes and its outputs are byte-identical to a clean run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.annotate import run_annotate
from schemas.config import AnnotateConfig, ClusterConfig
from tests.conftest import _free_port, make_docs
from tests.shardgen import write_jsonl

pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).with_name("dask"))


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def dask_processes(tmp_path):
    """(scheduler address, [worker Popen, worker Popen]); workers without a nanny, so SIGKILL kills them."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=open(logs / "scheduler.log", "wb"))]
    for i in range(2):
        procs.append(subprocess.Popen(
            [DASK, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
             "--no-dashboard", "--memory-limit", "2GiB"],
            stdout=subprocess.DEVNULL, stderr=open(logs / f"worker{i}.log", "wb")))
    from distributed import Client

    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs[1:]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_sigkill_of_a_worker_mid_shard_changes_no_output_byte(tmp_path, dask_processes):
    address, workers = dask_processes
    shards = tmp_path / "shards"
    shards.mkdir()
    for i in range(4):
        write_jsonl(str(shards / f"s{i}.jsonl.zst"), [{"text": t} for t in make_docs("en", 800, 1000 * i)])
    cluster = ClusterConfig(scheduler=address, retries=1)

    def annotate(out: Path):
        config = AnnotateConfig(inputs=(str(shards),), output=str(out), signals=("rps_doc", "rps_lines"),
                                batch_size=100)
        return run_annotate(config, cluster, quiet=True)

    clean = annotate(tmp_path / "clean")
    assert clean.totals["shards_ok"] == 4

    out = tmp_path / "killed"
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(manifest=annotate(out)))
    runner.start()
    # Kill when a shard's temporary output exists: a worker is in the middle of writing it.
    _wait_for(lambda: out.exists() and any(p.name.startswith(".") and ".tmp-" in p.name for p in out.iterdir()),
              60, "a shard in progress")
    markers = out / "_shards"
    finished_before_kill = len(list(markers.glob("*.json"))) if markers.exists() else 0
    os.kill(workers[0].pid, signal.SIGKILL)
    runner.join(timeout=180)
    assert not runner.is_alive()
    assert workers[0].wait(timeout=10) == -signal.SIGKILL and workers[1].poll() is None

    assert finished_before_kill < 3  # both workers had a shard in flight
    manifest = result["manifest"]
    assert manifest.totals["shards_ok"] == 4 and manifest.totals["rows_written"] == 3200
    produced = sorted(p.name for p in out.glob("*.parquet"))
    assert produced == [f"s{i}.parquet" for i in range(4)]
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    for name in produced:
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
