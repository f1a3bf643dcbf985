"""`assay dedup`: exact and MinHash-LSH near-duplicate clusters of annotated Parquet."""

from __future__ import annotations

import argparse

from pipeline.commands.common import (
    add_cluster_options,
    add_storage_option,
    cluster_from_args,
    parse_storage_options,
    summarize,
)
from pipeline.dedup import run_dedup
from schemas.dedup import DedupConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dedup", help="find exact and near-duplicate documents in annotated Parquet",
                       description="Exact dedup (xxh64 of the normalized text) and fuzzy dedup (MinHash "
                                   "signatures -> LSH bands -> connected components). Writes one Parquet file "
                                   "per input: id, exact_cluster, exact_keep, fuzzy_cluster, cluster_size, "
                                   "fuzzy_keep, keep.")
    p.add_argument("inputs", nargs="+", metavar="ANNOTATED", help="annotated Parquet files or folders")
    p.add_argument("-o", "--output", required=True, help="output folder (local or s3://)")
    p.add_argument("--threshold", type=float, default=0.8, help="Jaccard similarity of near-duplicates (0.8)")
    check = p.add_mutually_exclusive_group()
    check.add_argument("--verify", dest="verify", action="store_const", const="exact", default="exact",
                       help="keep a candidate pair only when the Jaccard of the two documents' word n-gram sets "
                            "(read from their text) reaches the threshold: precise clusters (the default)")
    check.add_argument("--verify-estimate", dest="verify", action="store_const", const="estimate",
                       help="the same check on the MinHash signatures' agreement (no text read; an estimate "
                            "with sd ~0.035 at 128 permutations, so pairs near the threshold go either way)")
    check.add_argument("--no-verify", dest="verify", action="store_const", const="off",
                       help="link every LSH candidate pair unchecked: fastest, but clusters then join documents "
                            "well below the threshold (about a third of clustered pairs on real pages)")
    p.add_argument("--clusters", choices=("centers", "components"), default="centers",
                   help="with verification: 'centers' (default) makes every cluster member a verified near-duplicate "
                        "of the document kept for it; 'components' joins whole chains of verified pairs")
    p.add_argument("--keep", default="first",
                   help="which cluster member is kept: 'first' (smallest document index, the default) or "
                        "'max:<signal>' (highest value of a signal column; ties and nulls: first)")
    p.add_argument("--scheme", help="signature scheme, when the inputs have several (oph, rpv2)")
    p.add_argument("--partitions", type=int, help="shuffle partitions (default: one per 2M documents)")
    p.add_argument("--distributed-components", action="store_true", default=None,
                   help="connected components by large-star/small-star on Dask even for small edge sets")
    add_storage_option(p)
    add_cluster_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = DedupConfig(inputs=tuple(args.inputs), output=args.output, threshold=args.threshold,
                         scheme=args.scheme, verify=args.verify, clusters=args.clusters, keep=args.keep, partitions=args.partitions,
                         distributed_components=args.distributed_components,
                         storage_options=parse_storage_options(args.storage_option))
    manifest = run_dedup(config, cluster_from_args(args))
    return summarize(manifest, config.output)
