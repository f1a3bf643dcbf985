"""`assay tokenize`: selected Parquet in; an indexed dataset, packed sequences and provenance out."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands.common import (
    add_cluster_options,
    add_storage_option,
    cluster_from_args,
    parse_storage_options,
    summarize,
)
from pipeline.tokenize.stage import SUMMARY_NAME, run_tokenize
from schemas.tokens import TokenizeConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenize", help="tokenize documents and pack them into fixed-length sequences",
                       description="Encode the text of Parquet documents with a Hugging Face tokenizers file "
                                   "(add_special_tokens=False; assay appends EOS and, with --bos, prepends BOS) "
                                   "in Dask workers, then write documents.bin/.idx (Megatron's indexed layout), "
                                   "packed.bin/.idx of --seq-len sequences (best-fit decreasing or concatenation) "
                                   "with cu_seqlens boundaries, provenance.parquet and summary.json.")
    p.add_argument("inputs", nargs="+", metavar="SELECTED", help="Parquet files, folders or globs")
    p.add_argument("--tokenizer", required=True, metavar="tokenizer.json", help="tokenizers JSON file")
    p.add_argument("--seq-len", type=int, default=2048, help="tokens per packed sequence (default 2048)")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--pack", choices=("bestfit", "concat"), default="bestfit",
                   help="bestfit: best-fit decreasing (default); concat: concatenate and cut")
    p.add_argument("--shuffle-seed", type=int, default=1234, help="seed of the global shuffle (default 1234)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the packing order")
    p.add_argument("--bos", action="store_true", help="prepend BOS to every document")
    p.add_argument("--eos", action=argparse.BooleanOptionalAction, default=True,
                   help="append EOS to every document (default: yes)")
    p.add_argument("--eos-token", help="EOS token (default: found among the tokenizer's special tokens)")
    p.add_argument("--bos-token", help="BOS token (default: found, else the EOS token)")
    p.add_argument("--text-field", default="text", help="text column (default: text)")
    p.add_argument("--batch-rows", type=int, default=4096, help="documents per encode task (default 4096)")
    add_storage_option(p, "fsspec option for inputs")
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = TokenizeConfig(inputs=tuple(args.inputs), output=args.output, tokenizer=args.tokenizer,
                            seq_len=args.seq_len, pack=args.pack,
                            shuffle_seed=None if args.no_shuffle else args.shuffle_seed, bos=args.bos, eos=args.eos,
                            eos_token=args.eos_token, bos_token=args.bos_token, text_field=args.text_field,
                            batch_rows=args.batch_rows, storage_options=parse_storage_options(args.storage_option))
    manifest = run_tokenize(config, cluster_from_args(args))
    print(f"summary: {config.output.rstrip('/')}/{SUMMARY_NAME}", file=sys.stderr)
    return summarize(manifest, config.output)
