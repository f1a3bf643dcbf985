"""`assay select`: annotated Parquet in, selected Parquet and the filter funnel out."""

from __future__ import annotations

import argparse
import sys

from filters.funnel import format_funnel
from pipeline.commands.common import (
    add_cluster_options,
    add_in_process_option,
    add_storage_option,
    cluster_from_args,
    parse_storage_options,
    summarize,
)
from pipeline.select import FUNNEL_NAME, run_select
from schemas.select import SelectConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("select", help="keep the documents (and lines) that pass a filter file; print the funnel",
                       description="Evaluate the rules of a filter file (YAML; see jobs/filters/) over annotated "
                                   "Parquet, reading only the signal columns they name, and write one selected "
                                   "Parquet file per input shard plus funnel.json: documents and characters each "
                                   "rule removes alone and in sequence.")
    p.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files, folders or globs")
    p.add_argument("--filters", required=True, metavar="F.yaml", help="filter file")
    p.add_argument("--dedup", metavar="DIR", help="dedup stage output, joined on id (for `dedup:` rules)")
    p.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    add_in_process_option(p)
    add_storage_option(p)
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = SelectConfig(inputs=tuple(args.inputs), output=args.output, filters=args.filters, dedup=args.dedup,
                          storage_options=parse_storage_options(args.storage_option))
    manifest, funnel = run_select(config, None if args.in_process else cluster_from_args(args))
    print(format_funnel(funnel))
    print(f"funnel: {config.output.rstrip('/')}/{FUNNEL_NAME}", file=sys.stderr)
    return summarize(manifest, config.output)
