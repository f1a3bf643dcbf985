"""`assay export`: annotated Parquet in, RedPajama-V2's or Dolma's layout out."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands.common import (
    add_cluster_options,
    add_in_process_option,
    add_storage_option,
    cluster_from_args,
    parse_storage_options,
)
from pipeline.export_rpv2 import SUFFIX, ExportOptions, run_export
from pipeline.interop.dolma_export import DolmaOptions, run_dolma_export
from pipeline.storage import expand_inputs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="write annotated Parquet as RedPajama-V2 or Dolma files",
        description="rpv2: each annotated shard as RedPajama-V2's layout: "
                    f"<shard>{SUFFIX}, one JSON object per document with id, id_int, metadata and "
                    "quality_signals {name: [[start, end, value], ...]} (document-level signals as one span "
                    "over the whole text, rps_lines_* signals as one span per line from assay_line_ends), the "
                    "documents <shard>.json.gz (CCNet records) and, with minhash_rpv2 signatures, "
                    "<shard>.minhash.parquet. dolma: documents/<shard>.jsonl.gz and the aligned "
                    "attributes/<name>/<shard>.jsonl.gz with every signal as '<name>__<signal>' spans.")
    p.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files, folders or globs")
    p.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    p.add_argument("--format", default="rpv2", choices=["rpv2", "dolma"], help="output layout (default: rpv2)")
    p.add_argument("--all-signals", action="store_true",
                   help="rpv2: also write assay_* signals (default: only ccnet_*, rps_doc_*, rps_lines_*)")
    p.add_argument("--signals-only", action="store_true",
                   help="rpv2: only the quality-signals files (no documents or MinHash files)")
    p.add_argument("--attributes-name", default="assay",
                   help="dolma: the attribute set, attributes/<name>/ with keys <name>__<signal> (default: assay)")
    p.add_argument("--source", default="assay", help="dolma: the documents' source field (default: assay)")
    p.add_argument("--added", help="dolma: the documents' added field, an ISO date (default: their created date)")
    p.add_argument("--language", help="metadata.language for documents without a ccnet_language column")
    p.add_argument("--snapshot-id", help="metadata.snapshot_id when no CC-MAIN-YYYY-WW id is in the paths")
    add_in_process_option(p)
    add_storage_option(p)
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    so = parse_storage_options(args.storage_option)
    inputs = [p for p in expand_inputs(args.inputs, so)
              if p.endswith(".parquet") and not p.rsplit("/", 1)[-1].startswith((".", "_"))]
    if not inputs:
        raise ValueError("no .parquet file among the inputs")
    cluster = None if args.in_process else cluster_from_args(args)
    if args.format == "dolma":
        options = DolmaOptions(name=args.attributes_name, source=args.source, added=args.added)
        results = run_dolma_export(inputs, args.output, options, cluster, so)
    else:
        options = ExportOptions(all_signals=args.all_signals, language=args.language, snapshot_id=args.snapshot_id,
                                documents=not args.signals_only)
        results = run_export(inputs, args.output, options, cluster, so)
    rows = sum(r["rows_written"] for r in results)
    print(f"export: {len(results)} shards, {rows:,} documents written as {args.format} to {args.output}",
          file=sys.stderr)
    return 0
