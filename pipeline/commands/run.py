"""`assay run JOB.yaml`: run a whole job file."""

from __future__ import annotations

import argparse

from pipeline.commands.common import summarize
from pipeline.job import describe_plan, load_job, run_job


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the stages of a job file",
                       description="Run a YAML job file (see jobs/): annotate -> dedup -> select -> tokenize, each writing "
                                   "under the job's output folder. A stage whose output is complete for the same "
                                   "config is skipped; the others resume shard by shard.")
    p.add_argument("job", help="path of the job YAML file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field of the job file, dotted and read as YAML, e.g. --set dedup.threshold=0.7 "
                        "--set 'annotate.inputs=[a.warc.gz, b.warc.gz]' (repeatable)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (stages, outputs, what is complete and would be skipped) and exit")
    p.add_argument("--workers", type=int, help="override the job's worker count")
    p.add_argument("--scheduler", help="override the job's scheduler address")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    if args.workers is not None:
        overrides.append(f"cluster.workers={args.workers}")
    if args.scheduler is not None:
        overrides.append(f"cluster.scheduler={args.scheduler}")
    job = load_job(args.job, overrides)
    if args.dry_run:
        print(describe_plan(job))
        return 0
    code = 0
    for output, manifest in run_job(job):
        code = max(code, summarize(manifest, output))
    return code
