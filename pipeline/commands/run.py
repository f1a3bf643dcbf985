"""`assay run JOB.yaml`: run a whole job file."""

from __future__ import annotations

import argparse

from pipeline.commands.common import summarize
from pipeline.job import load_job, run_job


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the stages of a job file",
                       description="Run a YAML job file (see jobs/). Stages write under the job's output folder.")
    p.add_argument("job", help="path of the job YAML file")
    p.add_argument("--workers", type=int, help="override the job's worker count")
    p.add_argument("--scheduler", help="override the job's scheduler address")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    job = load_job(args.job)
    overrides = {k: v for k, v in (("workers", args.workers), ("scheduler", args.scheduler)) if v is not None}
    if overrides:
        job = job.model_copy(update={"cluster": job.cluster.model_copy(update=overrides)})
    code = 0
    for output, manifest in run_job(job):
        code = max(code, summarize(manifest, output))
    return code
