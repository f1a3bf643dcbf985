"""`assay export`: annotated Parquet in, another project's signal layout out (RedPajama-V2 for now)."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands.common import add_cluster_options, cluster_from_args, parse_storage_options
from pipeline.export_rpv2 import SUFFIX, ExportOptions, run_export
from pipeline.storage import expand_inputs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="write annotated Parquet as RedPajama-V2 quality-signal files",
        description="Write each annotated Parquet shard as RedPajama-V2's quality-signal layout: "
                    f"<shard>{SUFFIX}, one JSON object per document with id, id_int, metadata and "
                    "quality_signals {name: [[start, end, value], ...]} (document-level signals as one span "
                    "over the whole text, rps_lines_* signals as one span per line from assay_line_ends).")
    p.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files, folders or globs")
    p.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    p.add_argument("--format", default="rpv2", choices=["rpv2"], help="output layout (default: rpv2)")
    p.add_argument("--all-signals", action="store_true",
                   help="also write assay_* signals (default: only ccnet_*, rps_doc_*, rps_lines_*)")
    p.add_argument("--language", help="metadata.language for documents without a ccnet_language column")
    p.add_argument("--snapshot-id", help="metadata.snapshot_id when no CC-MAIN-YYYY-WW id is in the paths")
    p.add_argument("--in-process", action="store_true",
                   help="export the shards one after another in this process (no Dask cluster)")
    p.add_argument("--storage-option", action="append", metavar="KEY=VALUE", help="fsspec storage option")
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    so = parse_storage_options(args.storage_option)
    inputs = [p for p in expand_inputs(args.inputs, so)
              if p.endswith(".parquet") and not p.rsplit("/", 1)[-1].startswith((".", "_"))]
    if not inputs:
        raise ValueError("no .parquet file among the inputs")
    options = ExportOptions(all_signals=args.all_signals, language=args.language, snapshot_id=args.snapshot_id)
    results = run_export(inputs, args.output, options, None if args.in_process else cluster_from_args(args), so)
    rows = sum(r["rows_written"] for r in results)
    print(f"export: {len(results)} shards, {rows:,} documents written as {args.format} to {args.output}",
          file=sys.stderr)
    return 0
