"""`assay run JOB.yaml`: the stages a job file names, in pipeline order, each skipped when complete.

A job is planned before anything runs: every configured stage becomes a `StagePlan` (its config,
its output folder, and how much of that output is already complete for the same config). Running
the plan skips complete stages and resumes the others (each stage resumes shard by shard itself).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.annotate import annotate_progress, run_annotate
from pipeline.cluster import dask_client
from pipeline.manifest import MANIFEST_NAME
from pipeline.storage import filesystem, join, read_bytes
from schemas.config import AnnotateConfig, ClusterConfig
from schemas.dedup import DedupConfig
from schemas.dsir import DsirConfig
from schemas.job import JobConfig
from schemas.manifest import RunManifest
from schemas.mix import MixConfig
from schemas.select import SelectConfig
from schemas.tokens import TokenizeConfig

STAGES = ("annotate", "dedup", "select", "dsir", "mix", "tokenize")


def load_job(path: str, overrides: Sequence[str] = ()) -> JobConfig:
    """Read and validate a job file; `overrides` are `dotted.key=value` settings applied first."""
    try:
        with open(path) as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a job file is a mapping of stage names to settings")
    for item in overrides:
        apply_override(raw, item)
    try:
        return JobConfig.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid job file:\n{exc}") from exc


def apply_override(raw: dict[str, Any], item: str) -> None:
    """Set `a.b.c=value` in a parsed job file; the value is read as YAML (`[a, b]`, `0.7`, `true`)."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set {item!r}: expected KEY=VALUE, e.g. dedup.threshold=0.7")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"--set {item!r}: the value is not valid YAML: {exc}") from exc
    *parents, last = key.strip().split(".")
    node = raw
    for i, part in enumerate(parents):
        child = node.setdefault(part, {})
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ValueError(f"--set {item!r}: {'.'.join(parents[:i + 1])} is not a mapping")
        node = child
    node[last] = value


@dataclass(frozen=True)
class StagePlan:
    name: str
    config: BaseModel
    run: Callable[[BaseModel, ClusterConfig], RunManifest]
    progress: Callable[[BaseModel], tuple[int, int] | None]

    @property
    def output(self) -> str:
        return self.config.output  # type: ignore[attr-defined]

    def status(self) -> tuple[bool, str]:
        """(complete, a short description) of the stage's output for this config (its inputs as they are now)."""
        done = self.progress(self.config)
        if done is None:
            return False, "to run (its inputs are not there yet)"
        finished, total = done
        if total and finished == total:
            return True, f"complete ({total} of {total} shards)"
        return False, f"to run ({finished} of {total} shards complete)" if finished else "to run"


def plan_job(job: JobConfig) -> list[StagePlan]:
    """The configured stages, in order, with the configs they would run."""
    plans = []
    if job.annotate is not None:
        plans.append(StagePlan("annotate", annotate_config(job), run_annotate, annotate_progress))
    if job.dedup is not None:
        from pipeline.dedup.run import dedup_progress, run_dedup

        plans.append(StagePlan("dedup", dedup_config(job), run_dedup, dedup_progress))
    if job.select is not None:
        plans.append(StagePlan("select", select_config(job), _run_select, _select_progress))
    if job.dsir is not None:
        plans.append(StagePlan("dsir", dsir_config(job), _run_dsir, _dsir_progress))
    if job.mix is not None:
        plans.append(StagePlan("mix", mix_config(job), _run_mix, _mix_progress))
    if job.tokenize is not None:
        plans.append(StagePlan("tokenize", tokenize_config(job), _run_tokenize, _tokenize_progress))
    return plans


def schedule(plans: list[StagePlan], report_errors: bool = False) -> list[tuple[StagePlan, RunManifest | None, str]]:
    """Each stage with the manifest of its complete output (None: it runs) and why. A stage after one
    that runs runs too: its inputs are about to change (it still resumes what stays valid). With
    `report_errors` a stage that cannot start (no input matches, ...) says so instead of raising."""
    out: list[tuple[StagePlan, RunManifest | None, str]] = []
    runs: str | None = None
    for plan in plans:
        if runs is not None:
            out.append((plan, None, f"to run (after {runs})"))
            continue
        try:
            complete, state = plan.status()
        except (FileNotFoundError, ValueError) as exc:
            if not report_errors:
                raise
            complete, state = False, f"cannot run: {exc}"
        manifest = _manifest(plan) if complete else None
        if manifest is None:
            runs = plan.name
        out.append((plan, manifest, state))
    return out


def describe_plan(job: JobConfig) -> str:
    """What `assay run --dry-run` prints: each stage, its output and what a run would do."""
    lines = [f"job output: {job.output}", f"cluster: {_where(job.cluster)}"]
    for plan, manifest, state in schedule(plan_job(job), report_errors=True):
        lines.append(f"{plan.name:>9s}: {plan.output}  {'skip: ' if manifest else ''}{state}")
    return "\n".join(lines)


def run_job(job: JobConfig) -> list[tuple[str, RunManifest]]:
    """Run each configured stage on one cluster, skipping stages whose output is complete."""
    done: list[tuple[str, RunManifest]] = []
    pending = []
    for plan, manifest, state in schedule(plan_job(job)):
        if manifest is not None:
            print(f"== {plan.name}: {state} for this config; skipped", file=sys.stderr)
            done.append((plan.output, manifest))
        else:
            pending.append(plan)
    if not pending:
        return done
    with dask_client(job.cluster) as client:
        # Every stage connects to this cluster instead of starting its own.
        shared = job.cluster.model_copy(update={"scheduler": client.scheduler.address, "slurm": None})
        for plan in pending:
            print(f"== {plan.name}", file=sys.stderr)
            done.append((plan.output, plan.run(plan.config, shared)))
    return done


def annotate_config(job: JobConfig) -> AnnotateConfig:
    a = job.annotate
    return AnnotateConfig(inputs=a.inputs, output=join(job.output, "annotated"), signals=a.signals,
                          reader=a.reader, signal_config=a.signal_config, batch_size=a.batch_size,
                          storage_options=job.storage_options)


def dedup_config(job: JobConfig) -> DedupConfig:
    d = job.dedup
    assert d is not None
    return DedupConfig(inputs=(join(job.output, "annotated"),), output=join(job.output, "dedup"),
                       threshold=d.threshold, verify=d.verify, clusters=d.clusters, keep=d.keep, scheme=d.scheme,
                       partitions=d.partitions, storage_options=job.storage_options)


def select_config(job: JobConfig) -> SelectConfig:
    s = job.select
    assert s is not None
    dedup: str | None = join(job.output, "dedup")
    if s.dedup is None:  # when the job deduplicates, or an earlier run has written the dedup output
        fs, path = filesystem(dedup, job.storage_options)
        dedup = dedup if job.dedup is not None or fs.exists(path) else None
    elif not s.dedup:
        dedup = None
    return SelectConfig(inputs=(join(job.output, "annotated"),), output=join(job.output, "selected"),
                        filters=s.filters, dedup=dedup, storage_options=job.storage_options)


def tokenize_config(job: JobConfig) -> TokenizeConfig:
    t = job.tokenize
    assert t is not None
    if job.mix is not None:
        default_input = join(job.output, "mix")
    elif job.dsir is not None:
        default_input = join(job.output, "dsir", "selected")
    else:
        default_input = join(job.output, "selected")
    return TokenizeConfig(inputs=(t.input or default_input,), output=join(job.output, "tokens"),
                          tokenizer=t.tokenizer, seq_len=t.seq_len, pack=t.pack, shuffle_seed=t.shuffle_seed,
                          bos=t.bos, eos=t.eos, text_field="text" if job.mix else t.text_field, batch_rows=t.batch_rows,
                          storage_options=job.storage_options)


def dsir_config(job: JobConfig) -> DsirConfig:
    d = job.dsir
    assert d is not None
    return DsirConfig(**d.model_dump(exclude={"input"}), inputs=(d.input or join(job.output, "selected"),),
                      output=join(job.output, "dsir"), storage_options=job.storage_options)


def _run_dsir(config: DsirConfig, cluster: ClusterConfig) -> RunManifest:
    from pipeline.dsir.stage import run_dsir

    return run_dsir(config, cluster)


def _dsir_progress(config: DsirConfig) -> tuple[int, int] | None:
    from pipeline.dsir.stage import dsir_progress

    return dsir_progress(config)


def mix_config(job: JobConfig) -> MixConfig:
    m = job.mix
    assert m is not None
    t = job.tokenize
    return MixConfig(sources=m.sources, output=join(job.output, "mix"), tokenizer=m.tokenizer or t.tokenizer,
                     total_tokens=m.total_tokens, seed=m.seed, bos=t.bos if t else False, eos=t.eos if t else True,
                     text_field=t.text_field if t else "text", rows_per_part=m.rows_per_part,
                     storage_options=job.storage_options)


def _run_mix(config: MixConfig, cluster: ClusterConfig) -> RunManifest:
    from pipeline.mix.stage import run_mix

    return run_mix(config, cluster)


def _mix_progress(config: MixConfig) -> tuple[int, int] | None:
    from pipeline.mix.stage import mix_progress

    return mix_progress(config)


def _run_tokenize(config: TokenizeConfig, cluster: ClusterConfig) -> RunManifest:
    from pipeline.tokenize.stage import run_tokenize

    return run_tokenize(config, cluster)


def _tokenize_progress(config: TokenizeConfig) -> tuple[int, int] | None:
    from pipeline.tokenize.stage import tokenize_progress

    return tokenize_progress(config)


def _run_select(config: SelectConfig, cluster: ClusterConfig) -> RunManifest:
    from filters.funnel import format_funnel
    from pipeline.select import run_select

    manifest, funnel = run_select(config, cluster)
    print(format_funnel(funnel), file=sys.stderr)
    return manifest


def _select_progress(config: SelectConfig) -> tuple[int, int] | None:
    from pipeline.select import select_progress

    return select_progress(config)


def _manifest(plan: StagePlan) -> RunManifest | None:
    blob = read_bytes(join(plan.output, MANIFEST_NAME), plan.config.storage_options)  # type: ignore[attr-defined]
    return RunManifest.model_validate_json(blob) if blob is not None else None


def _where(cluster: ClusterConfig) -> str:
    if cluster.scheduler:
        return f"scheduler {cluster.scheduler}"
    if cluster.slurm is not None:
        s = cluster.slurm
        return f"SLURM partition {s.partition}: {s.jobs} jobs x {s.processes or s.cores} workers, {s.memory}, {s.walltime}"
    return f"LocalCluster of {cluster.workers} worker processes"
