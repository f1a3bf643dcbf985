"""`assay annotate`: shards in, annotated Parquet out."""

from __future__ import annotations

import argparse

from pipeline.annotate import run_annotate
from pipeline.commands.common import (
    add_cluster_options,
    add_input_options,
    add_storage_option,
    cluster_from_args,
    parse_key_values,
    parse_storage_options,
    summarize,
)
from schemas.config import AnnotateConfig, MinHashConfig, ReaderConfig, SignalConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("annotate", help="compute quality signals for every document of every shard",
                       description="Stream WARC/WET/JSONL/Parquet shards (local or s3://, .gz/.zst) through the "
                                   "signal families and write one annotated Parquet file per shard.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="shard files, folders or globs")
    p.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    add_input_options(p)
    p.add_argument("--signals", help="comma-separated signal families (default: all; see `assay signals`)")
    p.add_argument("--language", help="force the language of language-dependent signals")
    p.add_argument("--id-field", default="id", help="JSONL/Parquet id field, if present (default: id)")
    p.add_argument("--url-field", default="url", help="JSONL/Parquet url field, if present (default: url)")
    p.add_argument("--batch-size", type=int, default=2000, help="documents per batch / row group")
    p.add_argument("--max-doc-chars", type=int, default=10_000_000, help="skip (and count) longer documents")
    p.add_argument("--max-record-bytes", type=int, default=64 << 20,
                   help="skip (and count) longer JSONL lines / WARC payloads, without holding them whole")
    p.add_argument("--max-decompression-ratio", type=float, default=100.0,
                   help="stop reading a compressed shard that expands beyond this ratio (after 64 MiB out)")
    p.add_argument("--html-time-budget", type=float, default=2.0,
                   help="seconds of HTML extraction per WARC record; slower records are skipped and counted")
    p.add_argument("--kenlm", action="append", metavar="LANG=PATH", help="KenLM model for a language")
    p.add_argument("--perplexity-scope", choices=["document", "lines"], default="document",
                   help="document: score the normalised document as one line, as CCNet does (default); "
                        "lines: score each non-empty line")
    p.add_argument("--sentencepiece", action="append", metavar="LANG=PATH",
                   help="SentencePiece model tokenising text for that language's KenLM model (as CCNet)")
    p.add_argument("--classifier", action="append", metavar="NAME=PATH",
                   help="fastText quality classifier (from `assay train-classifier`) → rps_doc_ml_NAME_score")
    p.add_argument("--dsir-target", action="append", metavar="NAME=PATH",
                   help="DSIR model (from `assay fit-dsir`) → rps_doc_NAME_importance")
    p.add_argument("--minhash-schemes", default="oph",
                   help="MinHash signature schemes, comma-separated: oph (fast, default), rpv2 "
                        "(bit-compatible with RedPajama-V2)")
    add_storage_option(p, "fsspec storage option, e.g. endpoint_url=http://127.0.0.1:9000")
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = AnnotateConfig(
        inputs=tuple(args.inputs),
        output=args.output,
        signals=tuple(s.strip() for s in args.signals.split(",") if s.strip()) if args.signals else None,
        reader=ReaderConfig(format=args.format, text_field=args.text_field, id_field=args.id_field or None,
                            url_field=args.url_field or None, max_doc_chars=args.max_doc_chars,
                            max_record_bytes=args.max_record_bytes,
                            max_decompression_ratio=args.max_decompression_ratio,
                            html_time_budget=args.html_time_budget),
        signal_config=SignalConfig(language=args.language, kenlm_models=parse_key_values(args.kenlm, "--kenlm"),
                                   sentencepiece_models=parse_key_values(args.sentencepiece, "--sentencepiece"),
                                   perplexity_scope=args.perplexity_scope,
                                   classifiers=parse_key_values(args.classifier, "--classifier"),
                                   dsir_targets=parse_key_values(args.dsir_target, "--dsir-target"),
                                   minhash=MinHashConfig(schemes=tuple(
                                       s.strip() for s in args.minhash_schemes.split(",") if s.strip()))),
        batch_size=args.batch_size,
        storage_options=parse_storage_options(args.storage_option),
    )
    manifest = run_annotate(config, cluster_from_args(args))
    return summarize(manifest, config.output)
