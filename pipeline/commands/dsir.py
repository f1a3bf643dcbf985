"""`assay dsir fit|weights|resample`: DSIR importance resampling toward a target corpus."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from pipeline.commands.common import (
    add_cluster_options,
    add_in_process_option,
    add_input_options,
    add_storage_option,
    cluster_from_args,
    parse_storage_options,
    require_local_output,
)
from pipeline.dsir import add_weights, fit_dsir, resample
from pipeline.dsir.resample import IDS_NAME, SELECTED_DIR, SUMMARY_NAME
from schemas.config import ReaderConfig
from signals.dsir import DEFAULT_BUCKETS, DEFAULT_SEED


def _runner_options(p: argparse.ArgumentParser) -> None:
    add_in_process_option(p, "files")
    add_storage_option(p)
    add_cluster_options(p)


def add_fit_arguments(p: argparse.ArgumentParser, raw_flags: tuple[str, ...] = ("--raw",)) -> None:
    p.add_argument("--target", nargs="+", required=True, metavar="INPUT",
                   help="target corpus: shards (WARC/WET/JSONL/Parquet), .txt files (one document each), "
                        "folders or globs")
    p.add_argument(*raw_flags, dest="raw", nargs="+", required=True, metavar="INPUT",
                   help="raw corpus to select from (same forms; usually the annotated Parquet)")
    p.add_argument("-o", "--output", required=True, help="model file to write (local .json path)")
    p.add_argument("--name", help="target name: the column becomes rps_doc_NAME_importance "
                                  "(default: the model file's stem)")
    p.add_argument("--buckets", type=int, default=DEFAULT_BUCKETS, help=f"hash buckets (default {DEFAULT_BUCKETS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"XXH64 seed (default {DEFAULT_SEED})")
    add_input_options(p)
    _runner_options(p)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dsir", help="DSIR: fit a target model, add importance weights, resample toward a target",
                       description="Data selection with importance resampling: hashed unigram+bigram counts of "
                                   "a target and a raw corpus (fit), the log importance weight of every document "
                                   "(weights, or `assay annotate --dsir-target`), and k documents drawn without "
                                   "replacement in proportion to the weights (resample).")
    dsir = p.add_subparsers(dest="dsir_command", required=True, metavar="SUBCOMMAND")

    fit = dsir.add_parser("fit", help="fit a model: target and raw bucket counts, summed across Dask workers")
    add_fit_arguments(fit)
    fit.set_defaults(func=run_fit)

    weights = dsir.add_parser("weights", help="add rps_doc_NAME_importance to annotated Parquet")
    weights.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files, folders or globs")
    weights.add_argument("--model", required=True, help="model file from `assay dsir fit`")
    weights.add_argument("--name", help="target name (default: the one stored in the model)")
    weights.add_argument("--length-correction", action="store_true",
                         help="also write rps_doc_NAME_importance_length_correction (weight per word)")
    weights.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    _runner_options(weights)
    weights.set_defaults(func=run_weights)

    res = dsir.add_parser("resample", help="Gumbel top-k: k documents sampled in proportion to their weights")
    res.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files, folders or globs")
    res.add_argument("--model", required=True, help="model file from `assay dsir fit`")
    res.add_argument("-k", type=int, required=True, help="documents to select")
    res.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    res.add_argument("--filters", metavar="F.yaml", help="keep only documents passing this filter file's "
                                                         "document rules first")
    res.add_argument("-o", "--output", required=True, help="output folder: ids.parquet, selected/, summary.json")
    _runner_options(res)
    res.set_defaults(func=run_resample)

    alias = sub.add_parser("fit-dsir", help="alias of `assay dsir fit` (--source is --raw)",
                           description="The same as `assay dsir fit`.")
    add_fit_arguments(alias, ("--raw", "--source"))
    alias.set_defaults(func=run_fit)


def _cluster(args: argparse.Namespace):
    return None if args.in_process else cluster_from_args(args)


def run_fit(args: argparse.Namespace) -> int:
    require_local_output(args.output)
    name = args.name or re.sub(r"\W", "_", os.path.basename(args.output).split(".")[0], flags=re.ASCII)
    model, info = fit_dsir(args.target, args.raw, args.buckets, args.seed,
                           ReaderConfig(format=args.format, text_field=args.text_field),
                           parse_storage_options(args.storage_option), _cluster(args), name=name, quiet=False)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    model.save(args.output)
    print(f"dsir fit: target {info['target_docs']:,} documents ({info['target_features']:,} n-grams), "
          f"raw {info['raw_docs']:,} documents ({info['raw_features']:,} n-grams), {model.buckets:,} buckets",
          file=sys.stderr)
    print(f"output: {args.output}", file=sys.stderr)
    return 0


def run_weights(args: argparse.Namespace) -> int:
    reports = add_weights(args.inputs, args.model, args.output, args.name, args.length_correction,
                          parse_storage_options(args.storage_option), _cluster(args), quiet=False)
    print(f"dsir weights: {sum(r['documents'] for r in reports):,} documents in {len(reports)} file(s)",
          file=sys.stderr)
    print(f"output: {args.output}", file=sys.stderr)
    return 0


def run_resample(args: argparse.Namespace) -> int:
    result = resample(args.inputs, args.model, args.k, args.output, args.seed, args.filters,
                      parse_storage_options(args.storage_option), _cluster(args), quiet=False)
    s = result.summary
    keys = ("target", "k", "selected", "eligible", "kl_selected", "kl_random", "kl_reduction",
            "distance_selected", "distance_random")
    print(json.dumps({key: s[key] for key in keys}, indent=2))
    out = args.output.rstrip("/")
    print(f"output: {out}/{IDS_NAME}, {out}/{SELECTED_DIR}/ ({len(result.selected_files)} file(s)), "
          f"{out}/{SUMMARY_NAME}", file=sys.stderr)
    return 0
