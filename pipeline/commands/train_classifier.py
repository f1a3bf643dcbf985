"""`assay train-classifier`: a fastText quality classifier from positive and negative corpora."""

from __future__ import annotations

import argparse
import os
import random
import sys

from pipeline.commands.common import add_input_options, require_local_output
from pipeline.texts import iter_texts
from schemas.config import ReaderConfig
from signals.classifier import CC_LABEL, balanced_training_lines, sample, train


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-classifier", help="train a fastText quality classifier (positive vs crawl)",
        description="Train a fastText supervised classifier the RedPajama-V2 way: each document becomes "
                    "one line (`\" \".join(text.splitlines()).strip()`), the negative (crawl) class is "
                    f"labelled {CC_LABEL}, classes are balanced 50/50 by seeded downsampling of the larger "
                    "one, and fastText's default hyperparameters are used. Use the model with "
                    "`assay annotate --classifier NAME=MODEL` (column rps_doc_ml_NAME_score).")
    p.add_argument("--positive", nargs="+", required=True, metavar="INPUT",
                   help="high-quality examples: shards (WARC/WET/JSONL/Parquet, annotated Parquet), .txt files "
                        "(one document each), folders or globs")
    p.add_argument("--negative", nargs="+", required=True, metavar="INPUT", help="crawl examples (same forms)")
    p.add_argument("-o", "--output", required=True, help="model file to write (local path, e.g. model.bin)")
    p.add_argument("--label", default="hq", help="label of the positive class (default: hq → __label__hq)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling, balancing, shuffling and fastText")
    p.add_argument("--max-per-class", type=int, help="keep a uniform sample of at most this many documents per class")
    p.add_argument("--threads", type=int, help="fastText training threads (default: fastText's; 1 = reproducible)")
    p.add_argument("--epoch", type=int, help="fastText epochs (default: fastText's, 5; raise it for small corpora)")
    p.add_argument("--lr", type=float, help="fastText learning rate (default: fastText's, 0.1)")
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require_local_output(args.output, "fastText writes local files")
    if args.label.startswith("__label__") or args.label == CC_LABEL.removeprefix("__label__"):
        raise ValueError(f"--label is the bare name of the positive class and cannot be 'cc' (got {args.label!r})")
    reader = ReaderConfig(format=args.format, text_field=args.text_field)
    rng = random.Random(args.seed)
    positive = sample(iter_texts(args.positive, reader), args.max_per_class, rng)
    negative = sample(iter_texts(args.negative, reader), args.max_per_class, rng)
    lines = balanced_training_lines(positive, negative, f"__label__{args.label}", args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    hyper = {k: v for k, v in (("epoch", args.epoch), ("lr", args.lr)) if v is not None}
    info = train(lines, args.output, seed=args.seed, threads=args.threads, **hyper)
    print(f"train-classifier: {len(positive):,} positive and {len(negative):,} negative documents read; "
          f"trained on {info['examples']:,} balanced examples ({info['examples'] // 2:,} per class), "
          f"vocabulary {info['words']:,} words, labels {', '.join(info['labels'])}", file=sys.stderr)
    print(f"output: {args.output}", file=sys.stderr)
    return 0
