"""`assay fit-dsir`: a DSIR model (target vs source hashed n-gram distributions) for importance weights."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.commands.common import add_input_options, require_local_output
from pipeline.dsir import fit_dsir
from schemas.config import ReaderConfig
from signals.dsir import DEFAULT_BUCKETS, DEFAULT_SEED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit-dsir", help="fit a DSIR model from a target and a source corpus",
        description="Count hashed unigrams and bigrams of raw words (case kept) into buckets for a target "
                    "corpus and a source (raw crawl) corpus and save both distributions (.npz). Use it with "
                    "`assay annotate --dsir-target NAME=MODEL` (column rps_doc_NAME_importance).")
    p.add_argument("--target", nargs="+", required=True, metavar="INPUT",
                   help="target corpus: shards (WARC/WET/JSONL/Parquet), .txt files (one document each), "
                        "folders or globs")
    p.add_argument("--source", nargs="+", required=True, metavar="INPUT", help="source corpus (same forms)")
    p.add_argument("-o", "--output", required=True, help="model file to write (local .npz path)")
    p.add_argument("--buckets", type=int, default=DEFAULT_BUCKETS, help=f"hash buckets (default {DEFAULT_BUCKETS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"xxhash seed (default {DEFAULT_SEED})")
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require_local_output(args.output)
    if args.buckets < 1:
        raise ValueError("--buckets must be positive")
    model, info = fit_dsir(args.target, args.source, args.buckets, args.seed,
                           ReaderConfig(format=args.format, text_field=args.text_field))
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    model.save(args.output)
    print(f"fit-dsir: target {info['target_docs']:,} documents ({info['target_features']:,} n-grams), "
          f"source {info['source_docs']:,} documents ({info['source_features']:,} n-grams), "
          f"{model.buckets:,} buckets", file=sys.stderr)
    print(f"output: {args.output}", file=sys.stderr)
    return 0
