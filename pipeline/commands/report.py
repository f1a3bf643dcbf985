"""`assay report`: one self-contained HTML page inspecting a run's outputs."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.report.data import RunOutputs
from pipeline.report.html import render
from pipeline.report.sections import SECTIONS, Section


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write one HTML page with plots and counts of a run's outputs",
                       description="Read a job's output folder (annotated/, dedup/, selected/ and, when present, "
                                   "tokens/summary.json, dsir/summary.json, mix/mix_summary.json) and write one "
                                   "self-contained HTML page: inputs and counts, signal distributions, the filter "
                                   "funnel, duplicate clusters, language mix, token counts, DSIR and mixture. "
                                   "Sections whose input is missing are listed as not shown.")
    p.add_argument("output_dir", metavar="OUT", help="the job's output folder (local)")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--title", help="page title (default: 'assay report: OUT')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outputs = RunOutputs.load(args.output_dir)
    sections: list[Section] = []
    try:
        from tqdm import tqdm
        steps = tqdm(SECTIONS, desc="report", unit="section", file=sys.stderr)
    except ImportError:  # pragma: no cover
        steps = SECTIONS
    for make in steps:
        sections.append(make(outputs))
    page = render(args.title or f"assay report: {args.output_dir}", sections)
    tmp = args.output + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, args.output)
    shown = sum(s.missing is None for s in sections)
    print(f"report: {shown} of {len(sections)} sections, {len(page):,} bytes", file=sys.stderr)
    for s in sections:
        if s.missing:
            print(f"  not shown: {s.title} ({s.missing})", file=sys.stderr)
    print(f"output: {args.output}", file=sys.stderr)
    return 0
