"""Options and helpers shared by several commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import get_args

from schemas.config import ClusterConfig, InputFormat
from schemas.manifest import RunManifest


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("cluster")
    group.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    group.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786); "
                                           "default: start a LocalCluster")


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """--format and --text-field: how input shards are read."""
    parser.add_argument("--format", default="auto", choices=list(get_args(InputFormat)),
                        help="input format (default: from the file name)")
    parser.add_argument("--text-field", default="text", help="JSONL/Parquet text field (default: text)")


def require_local_output(path: str, why: str = "") -> None:
    """Refuse a remote --output path (for writers that only write local files)."""
    if "://" in path:
        raise ValueError("--output must be a local path" + (f" ({why})" if why else ""))


def cluster_from_args(args: argparse.Namespace) -> ClusterConfig:
    return ClusterConfig(scheduler=args.scheduler, workers=args.workers)


def parse_key_values(items: list[str] | None, what: str) -> dict[str, str]:
    """['a=1', 'b=2'] → {'a': '1', 'b': '2'}."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{what}: expected KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def add_storage_option(parser: argparse.ArgumentParser, help: str = "fsspec storage option") -> None:
    """--storage-option KEY=VALUE (repeatable), read by parse_storage_options."""
    parser.add_argument("--storage-option", action="append", metavar="KEY=VALUE", help=help)


def add_in_process_option(parser: argparse.ArgumentParser, items: str = "shards") -> None:
    """--in-process: run the `items` one after another in this process instead of on Dask."""
    parser.add_argument("--in-process", action="store_true",
                        help=f"run the {items} one after another in this process (no Dask cluster)")


def parse_storage_options(items: list[str] | None) -> dict[str, object]:
    """--storage-option key=value; values are JSON when they parse (numbers, booleans, objects)."""
    out: dict[str, object] = {}
    for key, value in parse_key_values(items, "--storage-option").items():
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def summarize(manifest: RunManifest, output: str) -> int:
    """Print a run's totals and problem shards; exit code 1 if any shard failed."""
    t = manifest.totals
    print(f"{manifest.stage}: {t['shards']} shards ({t['shards_ok']} ok, {t['shards_partial']} partial, "
          f"{t['shards_error']} failed), {t['rows_written']:,} documents written, {t['skipped']:,} records skipped",
          file=sys.stderr)
    for report in manifest.shards:
        if report.status != "ok":
            print(f"  {report.status}: {report.error}", file=sys.stderr)
    print(f"output: {output} (manifest: {output.rstrip('/')}/_manifest.json)", file=sys.stderr)
    return 1 if t["shards_error"] else 0
