"""run_on_dask: results in input order, and a task that kills its worker does not stop the others."""

from __future__ import annotations

import os
import time

import pytest

from pipeline.orchestrate import run_on_dask
from schemas.config import ClusterConfig

pytestmark = pytest.mark.slow


def square_or_die(x: int) -> dict:
    if x == 3:
        time.sleep(0.5)  # mid-task, after the worker has reported the tasks it finished before
        os._exit(17)  # the worker process dies, as an OOM kill would do
    return {"value": x * x, "rows_written": 1}


# The dying task is submitted last: a worker's death also counts against the tasks queued on it,
# and tasks run in submission order, so nothing is queued behind it.
def test_dead_worker_becomes_an_error_report_and_others_finish():
    results = run_on_dask(square_or_die, [1, 2, 4, 5, 3], ClusterConfig(workers=2, dashboard_address=":0"),
                          quiet=True, on_error=lambda item, exc: {"failed": item, "error": type(exc).__name__})
    assert results[:4] == [{"value": v, "rows_written": 1} for v in (1, 4, 16, 25)]
    assert results[4] == {"failed": 3, "error": "KilledWorker"}


def test_without_on_error_the_failure_is_raised_after_the_rest():
    with pytest.raises(RuntimeError, match=r"1 task\(s\) failed; first: 3"):
        run_on_dask(square_or_die, [4, 3], ClusterConfig(workers=1, dashboard_address=":0"), quiet=True)


def flaky(args: tuple[str, int]) -> dict:
    """Fails with a dropped connection on its first `fails` attempts (counted in a file), then succeeds."""
    counter, fails = args
    with open(counter, "a+") as f:
        f.seek(0)
        attempt = len(f.read())
        f.write("x")
    if attempt < fails:
        raise ConnectionResetError(f"attempt {attempt + 1}: connection reset by peer")
    return {"attempts": attempt + 1, "rows_written": 1}


def test_transient_task_failures_are_retried_by_dask(tmp_path):
    items = [(str(tmp_path / f"c{i}"), fails) for i, fails in enumerate([0, 2, 3])]
    results = run_on_dask(flaky, items, ClusterConfig(workers=2, dashboard_address=":0", retries=2), quiet=True,
                          on_error=lambda item, exc: {"failed": item[1], "error": str(exc)})
    assert results[0] == {"attempts": 1, "rows_written": 1}
    assert results[1] == {"attempts": 3, "rows_written": 1}  # two failures, retried twice
    assert results[2] == {"failed": 3, "error": "attempt 3: connection reset by peer"}  # out of retries
    assert (tmp_path / "c2").read_text() == "xxx"
