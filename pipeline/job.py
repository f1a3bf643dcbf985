"""`assay run JOB.yaml`: the stages a job file names, in pipeline order."""

from __future__ import annotations

import sys

import yaml
from pydantic import ValidationError

from pipeline.annotate import run_annotate
from pipeline.cluster import dask_client
from pipeline.storage import filesystem, join
from schemas.config import AnnotateConfig
from schemas.job import JobConfig
from schemas.manifest import RunManifest
from schemas.select import SelectConfig


def load_job(path: str) -> JobConfig:
    try:
        with open(path) as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return JobConfig.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid job file:\n{exc}") from exc


def annotate_config(job: JobConfig) -> AnnotateConfig:
    a = job.annotate
    return AnnotateConfig(inputs=a.inputs, output=join(job.output, "annotated"), signals=a.signals,
                          reader=a.reader, signal_config=a.signal_config, batch_size=a.batch_size,
                          storage_options=job.storage_options)


def run_job(job: JobConfig) -> list[tuple[str, RunManifest]]:
    """Run each configured stage on one cluster; each stage reads the previous stage's output folder."""
    with dask_client(job.cluster) as client:
        # Every stage connects to this cluster instead of starting its own.
        cluster = job.cluster.model_copy(update={"scheduler": client.scheduler.address})
        job = job.model_copy(update={"cluster": cluster})
        done = []
        print("== annotate", file=sys.stderr)
        config = annotate_config(job)
        done.append((config.output, run_annotate(config, job.cluster)))
        if job.dedup is not None:
            print("== dedup", file=sys.stderr)
            done.append(run_dedup_stage(job))
        if job.select is not None:
            print("== select", file=sys.stderr)
            done.append(run_select_stage(job))
    return done


def run_dedup_stage(job: JobConfig) -> tuple[str, RunManifest]:
    from pipeline.dedup import run_dedup
    from schemas.dedup import DedupConfig

    d = job.dedup
    assert d is not None
    config = DedupConfig(inputs=(join(job.output, "annotated"),), output=join(job.output, "dedup"),
                         threshold=d.threshold, verify=d.verify, clusters=d.clusters, keep=d.keep, scheme=d.scheme,
                         partitions=d.partitions, storage_options=job.storage_options)
    return config.output, run_dedup(config, job.cluster)


def select_config(job: JobConfig) -> SelectConfig:
    s = job.select
    assert s is not None
    dedup: str | None = join(job.output, "dedup")
    if s.dedup is None:  # when the dedup stage has written its output
        fs, path = filesystem(dedup, job.storage_options)
        dedup = dedup if fs.exists(path) else None
    elif not s.dedup:
        dedup = None
    return SelectConfig(inputs=(join(job.output, "annotated"),), output=join(job.output, "selected"),
                        filters=s.filters, dedup=dedup, storage_options=job.storage_options)


def run_select_stage(job: JobConfig) -> tuple[str, RunManifest]:
    from filters.funnel import format_funnel
    from pipeline.select import run_select

    config = select_config(job)
    manifest, funnel = run_select(config, job.cluster)
    print(format_funnel(funnel), file=sys.stderr)
    return config.output, manifest
