"""Dedup resume: a finished run is not redone; a killed or failed run resumes from its completed tasks
and ends with the same bytes as a clean run; a changed config or input starts the work afresh."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dedup_data import make_corpus, write_annotated  # noqa: E402

from pipeline.dedup import stages  # noqa: E402
from pipeline.dedup.run import run_dedup  # noqa: E402
from schemas.dedup import DedupConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    write_annotated(make_corpus(400, seed=5), folder / "annotated", files=4)
    return folder


def _config(folder: Path, name: str, **kw) -> DedupConfig:
    return DedupConfig(inputs=(str(folder / "annotated"),), output=str(folder / name), verify="exact", **kw)


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}


def _stats(out: Path) -> dict:
    return json.loads((out / "_dedup_stats.json").read_text())


@pytest.fixture(scope="module")
def clean(annotated):
    run_dedup(_config(annotated, "clean"), None, quiet=True)
    return _outputs(annotated / "clean")


def _counting(monkeypatch, names=("map_file", "bucket_edges", "verify_attach", "verify_filter", "assemble")):
    calls: dict[str, list] = {n: [] for n in names}
    for name in names:
        real = getattr(stages, name)

        @functools.wraps(real)
        def wrapper(item, *args, _real=real, _name=name):
            calls[_name].append(item)
            return _real(item, *args)

        monkeypatch.setattr(stages, name, wrapper)
    return calls


def test_finished_run_is_not_redone(annotated, clean, monkeypatch):
    out = annotated / "clean"
    assert not (out / "_work").exists()
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    manifest = json.loads((out / "_manifest.json").read_text())
    calls = _counting(monkeypatch)
    again = run_dedup(_config(annotated, "clean", partitions=3), None, quiet=True)  # partitions: same outputs
    assert all(not c for c in calls.values())
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert again.model_dump(mode="json") == manifest
    # a deleted output means the run is not complete: everything is redone, to the same bytes
    (out / "shard02.parquet").unlink()
    run_dedup(_config(annotated, "clean"), None, quiet=True)
    assert len(calls["map_file"]) == 4 and _outputs(out) == clean
    # so does a rewritten input (its modification stamp changed)
    shard = annotated / "annotated" / "shard01.parquet"
    os.utime(shard, ns=(shard.stat().st_atime_ns, shard.stat().st_mtime_ns + 10**9))
    run_dedup(_config(annotated, "clean"), None, quiet=True)
    assert len(calls["map_file"]) == 8 and _outputs(out) == clean


def test_failed_run_resumes_from_completed_tasks(annotated, clean, monkeypatch):
    real = stages.verify_filter

    @functools.wraps(real)
    def failing(number, job):
        if number == 2:
            raise RuntimeError("worker lost")
        return real(number, job)

    monkeypatch.setattr(stages, "verify_filter", failing)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_dedup(_config(annotated, "failed"), None, quiet=True)
    out = annotated / "failed"
    assert (out / "_work" / "_done" / "verify_filter" / "000001.json").exists()
    assert not (out / "_dedup_stats.json").exists() and not _outputs(out)
    monkeypatch.setattr(stages, "verify_filter", real)
    calls = _counting(monkeypatch)
    run_dedup(_config(annotated, "failed"), None, quiet=True)
    assert calls["map_file"] == [] and calls["bucket_edges"] == [] and calls["verify_attach"] == []
    assert calls["verify_filter"] == [2, 3] and calls["assemble"] == [0, 1, 2, 3]
    assert _outputs(out) == clean
    stats = _stats(out)
    assert stats["tasks_resumed"] >= 4 + 2 * stats["partitions"] + 4 + 2 and stats["tasks_run"] >= 2 + 4
    assert not (out / "_work").exists()


def _kill_during_commit_of(annotated: Path, name: str, stem: str) -> subprocess.CompletedProcess:
    """Run the stage in a child process that SIGKILLs itself just before `stem`'s output is renamed."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pipeline.dedup import stages
        from pipeline.dedup.run import run_dedup
        from schemas.dedup import DedupConfig
        real = stages.commit
        def commit(tmp, final, so=None):
            if final.endswith({stem + ".parquet"!r}):
                os.kill(os.getpid(), signal.SIGKILL)
            real(tmp, final, so)
        stages.commit = commit
        run_dedup(DedupConfig(inputs=({str(annotated / "annotated")!r},), output={str(annotated / name)!r},
                              verify="exact"), None, quiet=True)
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)


def test_killed_process_resumes_and_leaves_no_temporaries(annotated, clean, monkeypatch):
    done = _kill_during_commit_of(annotated, "killed", "shard02")
    assert done.returncode == -signal.SIGKILL, done.stderr
    out = annotated / "killed"
    assert sorted(_outputs(out)) == ["shard00.parquet", "shard01.parquet"]
    assert [p for p in os.listdir(out) if ".tmp-" in p]          # the kill left a temporary behind
    calls = _counting(monkeypatch)
    run_dedup(_config(annotated, "killed"), None, quiet=True)
    assert calls["map_file"] == [] and calls["verify_filter"] == [] and calls["assemble"] == [2, 3]
    assert _outputs(out) == clean
    assert not [p for p in os.listdir(out) if ".tmp-" in p or p == "_work"]


def test_changed_config_after_a_kill_starts_afresh(annotated, monkeypatch):
    done = _kill_during_commit_of(annotated, "changed", "shard01")
    assert done.returncode == -signal.SIGKILL, done.stderr
    calls = _counting(monkeypatch)
    run_dedup(_config(annotated, "changed", threshold=0.7), None, quiet=True)
    assert len(calls["map_file"]) == 4 and len(calls["assemble"]) == 4
    run_dedup(_config(annotated, "fresh-0.7", threshold=0.7), None, quiet=True)
    assert _outputs(annotated / "changed") == _outputs(annotated / "fresh-0.7")


def test_failed_star_round_resumes(annotated, clean, monkeypatch):
    from pipeline.dedup import stars

    real = stars.small_step

    @functools.wraps(real)
    def failing(partition, job, rnd):
        if rnd == 0 and partition == 1:
            raise RuntimeError("worker lost")
        return real(partition, job, rnd)

    monkeypatch.setattr(stars, "small_step", failing)
    config = _config(annotated, "stars", partitions=3, distributed_components=True)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_dedup(config, None, quiet=True)
    monkeypatch.setattr(stars, "small_step", real)
    calls = _counting(monkeypatch)
    run_dedup(config, None, quiet=True)
    out = annotated / "stars"
    assert calls["map_file"] == [] and calls["verify_filter"] == []
    assert _outputs(out) == clean and _stats(out)["star_rounds"] >= 1
