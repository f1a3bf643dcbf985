"""`assay import`: RedPajama-V2 shards or Dolma documents + attributes in, annotated Parquet out."""

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
from pipeline.interop import dolma_import, rpv2_import
from pipeline.interop.run import run_shards
from pipeline.storage import expand_inputs, join


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="read RedPajama-V2 or Dolma files as annotated Parquet, without recomputing signals",
        description="rpv2: each documents file <name>.json.gz with its line-aligned <name>.signals.json.gz and, "
                    "when present, <name>.minhash.parquet (→ minhash_rpv2 + minhash_exact_hash, for assay dedup) "
                    "and <name>.duplicates.parquet (→ rpv2_is_duplicate), next to it or in the release tree "
                    "(documents/, quality_signals/, minhash/, duplicates/). dolma: each documents/<name>.jsonl.gz "
                    "with its attributes/<set>/<name>.jsonl.gz files. Writes <output>/<name>.parquet, which "
                    "assay select, dedup and tokenize read as they read annotated Parquet.")
    p.add_argument("inputs", nargs="+", metavar="DOCUMENTS", help="documents files, folders or globs")
    p.add_argument("-o", "--output", required=True, help="output folder of annotated Parquet (local or s3://)")
    p.add_argument("--format", required=True, choices=["rpv2", "dolma"], help="input layout")
    p.add_argument("--attributes", action="append", metavar="SET",
                   help="dolma: import only these attribute sets (repeatable; default: every set found)")
    p.add_argument("--batch-size", type=int, default=2000, help="documents per Parquet row group (default 2000)")
    add_in_process_option(p)
    add_storage_option(p)
    add_cluster_options(p)
    p.set_defaults(func=run)


def _documents(paths: list[str], fmt: str) -> list[str]:
    """The documents files among expanded inputs (a folder expands to every file below it)."""
    if fmt == "rpv2":
        return [p for p in paths if p.endswith(".json.gz") and not p.endswith(".signals.json.gz")]
    return [p for p in paths if "/documents/" in p.replace("\\", "/") and p.endswith((".jsonl.gz", ".json.gz"))]


def run(args: argparse.Namespace) -> int:
    so = parse_storage_options(args.storage_option)
    inputs = _documents(expand_inputs(args.inputs, so), args.format)
    if not inputs:
        raise ValueError(f"no {args.format} documents file among the inputs")
    if args.format == "rpv2":
        shards = [rpv2_import.locate(p, so) for p in inputs]
        fn = rpv2_import.import_shard
    else:
        shards = [dolma_import.locate(p, args.attributes, so) for p in inputs]
        fn = dolma_import.import_dolma_shard
    outputs = [join(args.output, s.name + ".parquet") for s in shards]
    cluster = None if args.in_process else cluster_from_args(args)
    results = run_shards(fn, shards, outputs, args.output, cluster, args.batch_size, storage_options=so,
                         desc="import")
    rows = sum(r["rows_written"] for r in results)
    print(f"import: {len(results)} shards, {rows:,} documents from {args.format} written to {args.output}",
          file=sys.stderr)
    return 0
