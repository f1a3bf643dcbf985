"""`assay mix`: several selected sources in, one globally shuffled mixture with exact token shares out."""

from __future__ import annotations

import argparse

import yaml
from pydantic import ValidationError

from pipeline.commands.common import add_cluster_options, cluster_from_args, summarize
from schemas.mix import MixConfig

_SOURCE_HELP = ("NAME=PATH[,weight=W | ,tokens=N][,epoch_cap=E]: a source of selected Parquet (file, folder or "
                "glob), e.g. web=selected/web,weight=0.5,epoch_cap=1 (repeat the option)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mix", help="mix selected sources into one training set by weight or token budget",
                       description="Count every source's tokens with the tokenizer (once, cached in "
                                   "OUT/_token_counts), take whole passes and a seeded partial pass over each "
                                   "source so that its realised tokens are within one document of the request, "
                                   "shuffle the whole mixture by a seeded hash, and write OUT/part-*.parquet "
                                   "(id, text, source, epoch, tokens, order) plus OUT/mix_summary.json. Feed OUT "
                                   "to `assay tokenize`.")
    p.add_argument("--config", metavar="MIX.yaml", help="a mix section as YAML (sources, total_tokens, seed, ...)")
    p.add_argument("--source", action="append", default=[], metavar="SPEC", help=_SOURCE_HELP)
    p.add_argument("--tokenizer", help="tokenizers JSON file (the one tokenize will use)")
    p.add_argument("--total-tokens", type=int, help="tokens of the whole mixture (needed with weights)")
    p.add_argument("--seed", type=int, help="seed of the partial passes and the shuffle (default 0)")
    p.add_argument("--bos", action="store_true", default=None, help="count a BOS token per document")
    p.add_argument("-o", "--output", required=True, help="output folder")
    add_cluster_options(p)
    p.set_defaults(func=run)


def parse_source(spec: str) -> tuple[str, dict]:
    name, sep, rest = spec.partition("=")
    if not sep or not name or not rest:
        raise ValueError(f"--source {spec!r}: expected {_SOURCE_HELP}")
    path, *options = rest.split(",")
    source: dict = {"path": path}
    for option in options:
        key, sep, value = option.partition("=")
        if key not in ("weight", "tokens", "epoch_cap") or not sep:
            raise ValueError(f"--source {spec!r}: unknown option {option!r} (weight=, tokens=, epoch_cap=)")
        source[key] = yaml.safe_load(value)
    return name, source


def mix_config_from_args(args: argparse.Namespace) -> MixConfig:
    raw: dict = {}
    if args.config:
        with open(args.config) as f:
            raw = yaml.safe_load(f) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{args.config}: a mix config is a mapping (sources, total_tokens, seed, tokenizer)")
    sources = dict(raw.get("sources") or {})
    sources.update(parse_source(s) for s in args.source)
    raw["sources"] = sources
    for key in ("tokenizer", "total_tokens", "seed", "bos"):
        if getattr(args, key) is not None:
            raw[key] = getattr(args, key)
    raw["output"] = args.output
    try:
        return MixConfig.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"invalid mix config{' in ' + args.config if args.config else ''}:\n{exc}") from None


def run(args: argparse.Namespace) -> int:
    from pipeline.mix.stage import run_mix

    config = mix_config_from_args(args)
    return summarize(run_mix(config, cluster_from_args(args)), config.output)
