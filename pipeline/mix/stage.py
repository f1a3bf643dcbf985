"""The mix stage: count tokens (cached), plan the mixture, write the globally shuffled documents.

Outputs in the stage folder: `part-NNNNN.parquet` (schemas/mix.py `mixed_schema`, in mixture order),
`mix_summary.json` (requested against realised tokens per source) and `_manifest.json`. The order is
a sort on a seeded hash of (source, id, epoch), so it depends on nothing but the inputs and the seed.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from pipeline.manifest import write_manifest
from pipeline.mix.counts import CountTask, cached, count_task, plan_counts, read_counts
from pipeline.mix.plan import SourcePlan, plan_mixture, requested_tokens
from pipeline.orchestrate import run_on_dask
from pipeline.select import parquet_files
from pipeline.storage import absolute, join, temporary_name
from pipeline.tokenize.encode import TokenizerInfo, tokenizer_info
from schemas.config import ClusterConfig, config_hash
from schemas.manifest import RunManifest, ShardReport
from schemas.mix import MixConfig, mixed_schema

SUMMARY_NAME = "mix_summary.json"
_VERSION = 1


def _plan_counts(config: MixConfig) -> tuple[TokenizerInfo, dict[str, list[CountTask]]]:
    info = tokenizer_info(config.tokenizer)
    tasks = {name: plan_counts(name, parquet_files(source.paths, config.storage_options), config.output, info,
                               config.bos, config.eos, config.text_field)
             for name, source in config.sources.items()}
    return info, tasks


def mix_hash(config: MixConfig, info: TokenizerInfo, tasks: dict[str, list[CountTask]]) -> str:
    settings = config.model_dump(mode="json", exclude={"output", "storage_options"})
    return config_hash({"config": settings, "tokenizer": info.sha256, "version": _VERSION,
                        "counts": {n: [t.digest for t in ts] for n, ts in tasks.items()}})


def summary_hash(output: str) -> str | None:
    try:
        with open(join(output, SUMMARY_NAME)) as f:
            return json.load(f).get("config_hash")
    except (OSError, ValueError):
        return None


def mix_progress(config: MixConfig) -> tuple[int, int] | None:
    """(1, 1) when the mixture is written for this config and these inputs; None when inputs are missing."""
    config = config.model_copy(update={"output": absolute(config.output)})
    try:
        info, tasks = _plan_counts(config)
    except FileNotFoundError:
        return None
    return int(summary_hash(config.output) == mix_hash(config, info, tasks)), 1


def run_mix(config: MixConfig, cluster: ClusterConfig, quiet: bool = False) -> RunManifest:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    config = config.model_copy(update={"output": absolute(config.output)})
    if "://" in config.output:
        raise ValueError(f"mix output must be a local (or shared-filesystem) folder: {config.output}")
    os.makedirs(config.output, exist_ok=True)
    info, tasks = _plan_counts(config)
    digest = mix_hash(config, info, tasks)
    everything = [t for ts in tasks.values() for t in ts]
    pending = [t for t in everything if not cached(t)]
    if not quiet:
        print(f"mix: token counts of {len(everything)} files ({len(everything) - len(pending)} cached)",
              file=sys.stderr)
    run_on_dask(count_task, pending, cluster, info, config.bos, config.eos, config.text_field,
                desc="mix: count tokens", quiet=quiet)
    counts = {n: _source_counts(ts) for n, ts in tasks.items()}
    plans = plan_mixture(config, {n: (ids, c) for n, (ids, c) in counts.items()})  # MixError before writing
    order = _mixture_order(plans, {n: ids for n, (ids, _) in counts.items()}, config.seed)
    reports = _write_parts(config, tasks, plans, order, digest)
    summary = mixture_summary(config, plans, digest)
    _write_json(join(config.output, SUMMARY_NAME), summary)
    if not quiet:
        print(format_summary(summary), file=sys.stderr)
    return write_manifest("mix", config, digest, [t.input for t in everything], reports, started)


def _source_counts(tasks: list[CountTask]) -> tuple[list[str], np.ndarray]:
    tables = [read_counts(t) for t in tasks]
    ids = [i for t in tables for i in t.column("id").to_pylist()]
    counts = np.concatenate([t.column("tokens").to_numpy() for t in tables]) if tables else np.zeros(0, np.int32)
    return ids, counts.astype(np.int64)


def _mixture_order(plans: list[SourcePlan], ids: dict[str, list[str]], seed: int) -> np.ndarray:
    """Rows (source index, document index, epoch) of the mixture, sorted by a seeded hash of each."""
    parts = []
    for s, plan in enumerate(plans):
        n = len(plan.counts)
        for epoch in range(plan.full_epochs + 1):
            docs = np.arange(n) if epoch < plan.full_epochs else plan.partial
            parts.append(np.stack([np.full(len(docs), s), docs, np.full(len(docs), epoch)], axis=1))
    rows = np.concatenate(parts) if parts else np.zeros((0, 3), np.int64)
    keys = np.fromiter((xxhash.xxh64_intdigest(f"{plans[s].name}\x00{ids[plans[s].name][d]}\x00{e}".encode(), seed=seed)
                        for s, d, e in rows), dtype=np.uint64, count=len(rows))
    return rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0], keys))]


def _write_parts(config: MixConfig, tasks: dict[str, list[CountTask]], plans: list[SourcePlan],
                 order: np.ndarray, digest: str) -> list[ShardReport]:
    texts = {p.name: _source_texts(tasks[p.name], config.text_field) for p in plans}
    schema = mixed_schema(digest)
    names = [p.name for p in plans]
    for old in os.listdir(config.output):
        if old.startswith("part-") and old.endswith(".parquet"):
            os.remove(join(config.output, old))
    reports = []
    step = config.rows_per_part
    for k, start in enumerate(range(0, len(order), step)):
        rows = order[start:start + step]
        pieces = []
        for s, name in enumerate(names):
            mask = rows[:, 0] == s
            if mask.any():
                table = texts[name].take(pa.array(rows[mask, 1]))
                pieces.append((np.flatnonzero(mask), table, name, rows[mask, 2], plans[s].counts[rows[mask, 1]]))
        if not pieces:
            continue
        table = _assemble(pieces, len(rows), start, schema)
        path = join(config.output, f"part-{k:05d}.parquet")
        tmp = temporary_name(path)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        reports.append(ShardReport(shard=f"part-{k:05d}", input=",".join(names), output=path, status="ok",
                                   config_hash=digest, documents_read=len(rows), rows_written=len(rows),
                                   text_bytes=int(pc.sum(pc.binary_length(table.column("text"))).as_py() or 0)))
    return reports


def _source_texts(tasks: list[CountTask], text_field: str) -> pa.Table:
    tables = []
    for t in tasks:
        names = pq.read_schema(t.input).names
        table = pq.read_table(t.input, columns=[text_field])
        ids = read_counts(t).column("id") if "id" not in names else pq.read_table(t.input, columns=["id"]).column("id")
        tables.append(pa.table({"id": ids.cast(pa.string()), "text": table.column(text_field).cast(pa.large_string())}))
    return pa.concat_tables(tables) if tables else pa.table({"id": pa.array([], pa.string()),
                                                            "text": pa.array([], pa.large_string())})


def _assemble(pieces, n: int, start: int, schema: pa.Schema) -> pa.Table:
    """Scatter the per-source takes (positions in the part, rows, source, epochs, token counts) back
    into mixture order."""
    position = np.concatenate([p[0] for p in pieces])
    table = pa.table({
        "id": pa.concat_arrays([p[1].column("id").combine_chunks() for p in pieces]),
        "text": pa.concat_arrays([p[1].column("text").combine_chunks() for p in pieces]),
        "source": pa.array([p[2] for p in pieces for _ in range(len(p[0]))], pa.string()),
        "epoch": pa.array(np.concatenate([p[3] for p in pieces]).astype(np.int32), pa.int32()),
        "tokens": pa.array(np.concatenate([p[4] for p in pieces]).astype(np.int32), pa.int32()),
    })
    table = table.take(pa.array(np.argsort(position, kind="stable")))
    table = table.append_column("order", pa.array(np.arange(start, start + n, dtype=np.int64)))
    return table.cast(schema)


def mixture_summary(config: MixConfig, plans: list[SourcePlan], digest: str) -> dict:
    asked = requested_tokens(config)
    total_asked = sum(asked.values())
    total = sum(p.realised_tokens for p in plans)
    return {
        "seed": config.seed, "total_tokens": total, "requested_total_tokens": total_asked,
        "tokenizer": os.path.abspath(config.tokenizer), "config_hash": digest,
        "sources": [{
            "name": p.name, "requested_share": round(asked[p.name] / total_asked, 6) if total_asked else 0.0,
            "requested_tokens": p.requested_tokens, "realised_tokens": p.realised_tokens,
            "realised_share": round(p.realised_tokens / total, 6) if total else 0.0,
            "available_tokens": p.available_tokens, "documents": p.documents,
            "source_documents": len(p.counts), "max_document_tokens": int(p.counts.max(initial=0)),
            "epochs": round(p.epochs, 4), "epoch_cap": config.sources[p.name].epoch_cap,
            "dropped_documents": p.dropped_documents,
        } for p in plans],
    }


def format_summary(summary: dict) -> str:
    lines = [f"{'source':<16} {'requested':>12} {'realised':>12} {'share':>7} {'epochs':>7} {'docs':>8} {'dropped':>8}"]
    for s in summary["sources"]:
        lines.append(f"{s['name']:<16} {s['requested_tokens']:>12,} {s['realised_tokens']:>12,} "
                     f"{s['realised_share']:>7.3f} {s['epochs']:>7.2f} {s['documents']:>8,} {s['dropped_documents']:>8,}")
    lines.append(f"{'total':<16} {summary['requested_total_tokens']:>12,} {summary['total_tokens']:>12,}")
    return "\n".join(lines)


def _write_json(path: str, obj: dict) -> None:
    tmp = temporary_name(path)
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)
