"""`assay run`: overrides, the plan, skipping complete stages, SLURM job scripts, and kill-and-resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.job import apply_override, describe_plan, load_job

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "sample"


def write_job(folder: Path, inputs: list[str], **extra) -> Path:
    job = {"output": str(folder / "out"), "cluster": {"workers": 2, "dashboard_address": ":0"},
           "annotate": {"inputs": inputs, "batch_size": 50}, "dedup": {"threshold": 0.8},
           "select": {"filters": str(ROOT / "jobs" / "filters" / "quality.yaml")}, **extra}
    path = folder / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    return path


def assay(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, **kwargs)


def test_overrides_set_nested_fields_as_yaml_values():
    raw = {"output": "o", "annotate": {"inputs": ["a"]}, "dedup": None}
    apply_override(raw, "dedup.threshold=0.7")
    apply_override(raw, "annotate.inputs=[x.warc.gz, y.jsonl]")
    apply_override(raw, "cluster.slurm.partition=gpu")
    apply_override(raw, "select.dedup=false")
    assert raw == {"output": "o", "annotate": {"inputs": ["x.warc.gz", "y.jsonl"]}, "dedup": {"threshold": 0.7},
                   "cluster": {"slurm": {"partition": "gpu"}}, "select": {"dedup": False}}
    for bad, message in (("threshold", "expected KEY=VALUE"), ("output.x=1", "output is not a mapping"),
                         ("dedup.threshold=[1", "not valid YAML")):
        with pytest.raises(ValueError, match=message):
            apply_override(raw, bad)


def test_unknown_field_in_an_override_is_a_validation_error(tmp_path):
    path = write_job(tmp_path, [str(SAMPLE / "cc-sample-00001.jsonl.zst")])
    with pytest.raises(ValueError, match=r"dedup.thresold\s+Extra inputs are not permitted"):
        load_job(str(path), ["dedup.thresold=0.7"])


def test_slurm_spec_becomes_the_worker_job_script():
    from pipeline.cluster import slurm_cluster
    from schemas.config import SlurmConfig

    spec = SlurmConfig(partition="cpu", jobs=3, cores=8, processes=4, memory="32GB", walltime="01:30:00",
                       account="proj42", job_extra_directives=("--exclusive",),
                       job_script_prologue=("source /shared/venv/bin/activate",))
    cluster = slurm_cluster(spec, dashboard_address=":0")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p cpu", "#SBATCH -A proj42", "#SBATCH --cpus-per-task=8", "#SBATCH -t 01:30:00",
                 "#SBATCH --exclusive", "source /shared/venv/bin/activate", "--nworkers 4", "--nthreads 2"):
        assert line in script, line
    shipped = load_job(str(ROOT / "jobs" / "slurm.yaml"))
    assert shipped.cluster.slurm is not None and shipped.cluster.slurm.processes == shipped.cluster.slurm.cores


def test_complete_stages_are_skipped_and_a_changed_threshold_reruns_only_what_depends_on_it(tmp_path):
    path = write_job(tmp_path, [str(SAMPLE / "cc-sample-00001.jsonl.zst")])
    first = assay("run", str(path))
    assert first.returncode == 0, first.stderr
    plan = describe_plan(load_job(str(path)))
    assert plan.count("skip: complete") == 3, plan
    again = assay("run", str(path))
    assert again.returncode == 0, again.stderr
    assert [line for line in again.stderr.splitlines() if line.startswith("==")] == [
        f"== {stage}: complete (1 of 1 shards) for this config; skipped" for stage in ("annotate", "dedup", "select")]
    assert "dask:" not in again.stderr                       # no cluster was started
    changed = assay("run", str(path), "--set", "dedup.threshold=0.5", "--set", "dedup.verify=off")
    assert changed.returncode == 0, changed.stderr
    stages = [line for line in changed.stderr.splitlines() if line.startswith("==")]
    assert stages == ["== annotate: complete (1 of 1 shards) for this config; skipped", "== dedup", "== select"]
    written = json.loads(pq.read_schema(next((tmp_path / "out" / "dedup").glob("*.parquet"))).metadata[b"assay.dedup"])
    assert (written["threshold"], written["verify"]) == (0.5, "off")
    assert "resume:" not in changed.stderr.split("== select", 1)[1]   # the selection is stale: redone whole


def test_dsir_stage_selects_toward_the_target_skips_when_complete_and_feeds_tokenize(tmp_path):
    """annotate → select → dsir → tokenize on the JSONL sample with the English UDHR as target: the
    sample's UDHR passages are what DSIR keeps; a rerun skips; a new fraction reruns dsir and tokenize
    and leaves only the new sample's files; tokenize reads exactly the DSIR sample."""
    extra = {"dsir": {"target": [str(SAMPLE / "texts" / "en" / "udhr.txt")], "name": "udhr", "fraction": 0.5},
             "tokenize": {"tokenizer": str(ROOT / "jobs" / "tokenizer" / "tokenizer.json"), "seq_len": 512}}
    path = write_job(tmp_path, [str(SAMPLE / "cc-sample-00001.jsonl.zst")], **extra)
    first = assay("run", str(path))
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    def rows(folder: Path) -> list[dict]:
        return [r for f in sorted(folder.glob("*.parquet")) for r in pq.read_table(f).to_pylist()]

    pool = rows(out / "selected")
    summary = json.loads((out / "dsir" / "summary.json").read_text())
    chosen = rows(out / "dsir" / "selected")
    assert summary["selected"] == len(chosen) == -(-len(pool) // 2)
    udhr_pool = {d["id"] for d in pool if "/udhr/" in d["url"]}
    udhr_chosen = {d["id"] for d in chosen if "/udhr/" in d["url"]}
    assert 0 < len(udhr_pool) <= len(chosen) and udhr_chosen == udhr_pool
    assert summary["kl_selected"] < summary["kl_random"] and summary["kl_reduction"] > 0
    assert json.loads((out / "tokens" / "summary.json").read_text())["documents"] == len(chosen)
    again = assay("run", str(path))
    assert "== dsir: complete (1 of 1 shards) for this config; skipped" in again.stderr, again.stderr
    smaller = assay("run", str(path), "--set", "dsir.fraction=0.1", "--set", "dsir.k=null")
    assert smaller.returncode == 0, smaller.stderr
    stages = [line for line in smaller.stderr.splitlines() if line.startswith("==")]
    assert stages[-2:] == ["== dsir", "== tokenize"], stages
    fewer = rows(out / "dsir" / "selected")
    assert len(fewer) == -(-len(pool) // 10) and {d["id"] for d in fewer} <= {d["id"] for d in chosen}
    manifest = json.loads((out / "dsir" / "_manifest.json").read_text())
    assert sum(r["rows_written"] for r in manifest["shards"]) == len(fewer)
    both = assay("run", str(path), "--set", "dsir.k=3")
    assert both.returncode != 0 and "either k" in both.stderr, both.stderr


def _tables(folder: Path) -> dict[str, object]:
    return {str(p.relative_to(folder)): pq.read_table(p) for p in sorted(folder.rglob("*.parquet"))
            if "_work" not in p.parts}


@pytest.mark.slow
def test_run_killed_at_random_points_resumes_to_the_clean_result(tmp_path):
    """SIGKILL `assay run` (its whole process group: driver and workers) at seeded random moments
    inside each stage, rerun after each kill, and compare every output table with a clean run's."""
    inputs = [str(SAMPLE / "cc-sample-00000.warc.gz"), str(SAMPLE / "cc-sample-00001.jsonl.zst")]
    clean_dir, killed_dir = tmp_path / "clean", tmp_path / "killed"
    clean_dir.mkdir()
    killed_dir.mkdir()
    tokenize = {"tokenize": {"tokenizer": str(ROOT / "jobs" / "tokenizer" / "tokenizer.json"), "seq_len": 512},
                "dsir": {"target": [str(SAMPLE / "texts" / "en" / "udhr.txt")], "fraction": 0.5}}
    clean_job = write_job(clean_dir, inputs, **tokenize)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(clean_job)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    marks = {}
    for line in proc.stderr:
        if line.startswith("== "):
            marks[line.split()[1]] = time.monotonic() - started
    assert proc.wait() == 0
    total = time.monotonic() - started
    windows = [(marks["annotate"], marks["dedup"]), (marks["dedup"], marks["select"]),
               (marks["select"], marks["dsir"]), (marks["dsir"], marks["tokenize"]), (marks["tokenize"], total)]
    rng = random.Random(20261205)
    killed_job = write_job(killed_dir, inputs, **tokenize)
    kills = 0
    for lo, hi in windows:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(killed_job)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # a resumed run skips finished stages, so it reaches a later stage sooner than the clean run did
        time.sleep(rng.uniform(lo + 0.2 * (hi - lo), lo + 0.9 * (hi - lo)) * 0.8)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the killed group's workers must be gone before the rerun
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
    assert kills >= 2
    final = assay("run", str(killed_job))
    assert final.returncode == 0, final.stderr
    clean, resumed = _tables(clean_dir / "out"), _tables(killed_dir / "out")
    assert sorted(clean) == sorted(resumed)
    for name, table in clean.items():
        if name == "dsir/ids.parquet":  # names its input files, which lie under each run's own folder
            assert [Path(f).name for f in resumed[name]["file"].to_pylist()] == \
                [Path(f).name for f in table["file"].to_pylist()]
            table, resumed[name] = table.drop_columns(["file"]), resumed[name].drop_columns(["file"])
        assert resumed[name].equals(table), name
        if not name.startswith("tokens"):  # provenance lists a split document once per piece
            ids = table.column("id").to_pylist()
            assert len(ids) == len(set(ids)), name
    token_files = sorted(p.name for p in (clean_dir / "out" / "tokens").iterdir() if p.is_file())
    assert {"documents.bin", "documents.idx", "packed.bin", "packed.idx", "summary.json"} <= set(token_files)
    for name in token_files:
        if name.endswith((".bin", ".idx", ".npy")):
            clean_bytes = (clean_dir / "out" / "tokens" / name).read_bytes()
            assert (killed_dir / "out" / "tokens" / name).read_bytes() == clean_bytes, name
    leftovers = [p for p in (killed_dir / "out").rglob("*") if ".tmp-" in p.name]
    assert not leftovers
