"""The tokenize stage: plan encode tasks, run them on Dask, then pack, shuffle and write the outputs.

Outputs in the output folder (local or a shared file system): `documents.bin/.idx` (one sequence per
document, Megatron's indexed layout), `packed.bin/.idx` (fixed-length sequences), `cu_seqlens.npy` +
`cu_seqlens_index.npy` (document boundaries per packed sequence), `provenance.parquet`, `summary.json`
(written last: its config hash marks the output complete) and `_manifest.json`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.manifest import write_manifest
from pipeline.orchestrate import run_on_dask
from pipeline.select import parquet_files
from pipeline.storage import absolute, remove_stale_temporaries, temporary_name, write_bytes_atomic
from pipeline.tokenize.encode import (
    ENCODED_DIR,
    EncodeTask,
    TokenizerInfo,
    encode_task,
    encoded_report,
    plan_encode,
    read_encoded,
    tokenizer_info,
)
from pipeline.tokenize.indexed import IndexedWriter, token_dtype
from pipeline.tokenize.pack import gather, pack
from pipeline.tokenize.shuffle import permutation
from schemas.config import ClusterConfig, config_hash
from schemas.manifest import RunManifest, ShardReport
from schemas.tokens import TokenizeConfig, provenance_schema

SUMMARY_NAME = "summary.json"
_VERSION = 1
_BLOCK = 4096  # packed sequences gathered at a time


def plan(config: TokenizeConfig) -> tuple[TokenizerInfo, list[str], list[EncodeTask], bool, str]:
    """Tokenizer facts, input files, encode tasks, whether there is a `source` column, the stage hash."""
    if "://" in config.output:
        raise ValueError("tokenize: --output must be a local or shared-file-system path")
    info = tokenizer_info(config.tokenizer, config.eos_token, config.bos_token)
    inputs = parquet_files(config.inputs, config.storage_options)
    config = config.model_copy(update={"output": absolute(config.output)})
    tasks, with_source = plan_encode(inputs, config, info)
    digest = config_hash({"seq_len": config.seq_len, "pack": config.pack, "shuffle_seed": config.shuffle_seed,
                          "pad_id": info.pad_id, "vocab_size": info.vocab_size, "version": _VERSION,
                          "tasks": [t.digest for t in tasks]})
    return info, inputs, tasks, with_source, digest


def tokenize_progress(config: TokenizeConfig) -> tuple[int, int] | None:
    """(encode tasks done + 1 when packed, tasks + 1); None when the inputs are not there yet."""
    try:
        _info, _inputs, tasks, _src, digest = plan(config)
    except FileNotFoundError:
        return None
    done = sum(os.path.exists(t.output) for t in tasks)
    return done + int(summary_hash(config.output) == digest), len(tasks) + 1


def summary_hash(output: str) -> str | None:
    try:
        with open(os.path.join(output, SUMMARY_NAME)) as f:
            return json.load(f).get("config_hash")
    except (OSError, ValueError):
        return None


def run_tokenize(config: TokenizeConfig, cluster: ClusterConfig, quiet: bool = False) -> RunManifest:
    """Encode (resuming finished tasks), pack and write every output; returns the manifest."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    info, inputs, tasks, with_source, digest = plan(config)
    config = config.model_copy(update={"output": absolute(config.output)})
    out = config.output
    os.makedirs(os.path.join(out, ENCODED_DIR), exist_ok=True)
    previous = {t.output: encoded_report(t.output) for t in tasks}
    pending = [t for t in tasks if previous[t.output] is None]
    if not quiet and len(pending) < len(tasks):
        print(f"resume: {len(tasks) - len(pending)} of {len(tasks)} encode tasks already done", file=sys.stderr)

    def task_failed(task: EncodeTask, exc: BaseException) -> dict:
        return {"shard": task.shard_id, "input": task.input, "output": task.output, "status": "error",
                "config_hash": task.digest, "error": f"{task.input}: task failed: {type(exc).__name__}: {exc}"}

    fresh = run_on_dask(encode_task, pending, cluster, config.model_dump_json(), info, with_source,
                        desc="tokenize", quiet=quiet, on_error=task_failed)
    by_output = {r["output"]: r for r in fresh}
    reports = [previous[t.output] or by_output[t.output] for t in tasks]
    shard_reports = [ShardReport.model_validate({k: v for k, v in r.items() if k in ShardReport.model_fields})
                     for r in reports]
    if all(r["status"] != "error" for r in reports):
        summary = pack_outputs(config, info, tasks, reports, with_source, digest, quiet)
        write_bytes_atomic(os.path.join(out, SUMMARY_NAME), json.dumps(summary, indent=1).encode())
        _remove_stale(out, tasks)
    remove_stale_temporaries(out)
    return write_manifest("tokenize", config, digest, inputs, shard_reports, started)


def pack_outputs(config: TokenizeConfig, info: TokenizerInfo, tasks: list[EncodeTask], reports: list[dict],
                 with_source: bool, digest: str, quiet: bool = False) -> dict:
    """documents.bin/.idx, packed.bin/.idx, cu_seqlens, provenance.parquet; returns the summary."""
    out, dtype = config.output, token_dtype(info.vocab_size)
    writer = IndexedWriter(os.path.join(out, "documents"), dtype)
    ids, sources, lengths = [], [], []
    try:
        for task in tasks:
            table, _report = read_encoded(task.output)
            column = table.column("tokens").combine_chunks()
            flat = column.values.to_numpy(zero_copy_only=False)
            n = np.diff(column.offsets.to_numpy()).astype(np.int64)
            writer.add(flat, n)
            lengths.append(n)
            ids.extend(table.column("id").to_pylist())
            if with_source:
                sources.extend(table.column("source").to_pylist())
    except BaseException:
        writer.abort()
        raise
    writer.close()
    lengths_all = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    if not len(lengths_all):
        raise ValueError("tokenize: no documents to pack (every input row was skipped or the inputs are empty)")
    packing = pack(lengths_all, config.seq_len, config.pack)
    if config.shuffle_seed is not None:
        packing = packing.reordered(permutation(packing.num_sequences, config.shuffle_seed))
    tokens = np.memmap(os.path.join(out, "documents.bin"), dtype=dtype, mode="r")
    doc_starts = np.zeros(len(lengths_all), dtype=np.int64)
    np.cumsum(lengths_all[:-1], out=doc_starts[1:])
    packed = IndexedWriter(os.path.join(out, "packed"), dtype)
    try:
        for first in range(0, packing.num_sequences, _BLOCK):
            stop = min(packing.num_sequences, first + _BLOCK)
            block = gather(packing, tokens, doc_starts, info.pad_id, first, stop, dtype)
            packed.add(block.ravel(), np.full(stop - first, config.seq_len))
    except BaseException:
        packed.abort()
        raise
    packed.close()
    del tokens
    flat_cu, cu_index = packing.cu_seqlens()
    _save_npy(os.path.join(out, "cu_seqlens.npy"), flat_cu)
    _save_npy(os.path.join(out, "cu_seqlens_index.npy"), cu_index)
    _write_provenance(os.path.join(out, "provenance.parquet"), packing, ids, sources if with_source else None, digest)
    skipped: Counter = Counter()
    for r in reports:
        skipped.update(r.get("skipped", {}))
    documents, total = len(lengths_all), int(lengths_all.sum())
    truncated = packing.truncated_documents(documents)
    summary = {
        "documents": documents, "tokens": total, "sequences": packing.num_sequences, "seq_len": config.seq_len,
        "pack": config.pack, "padding_tokens": packing.padding_tokens(),
        "padding_fraction": round(packing.padding_tokens() / max(1, packing.num_sequences * config.seq_len), 6),
        "truncated_documents": truncated, "truncation_fraction": round(truncated / documents, 6),
        "pieces": len(packing.sequence), "tokenizer": info.path, "tokenizer_sha256": info.sha256,
        "vocab_size": info.vocab_size, "dtype": dtype.name, "bos": config.bos, "eos": config.eos,
        "bos_id": info.bos_id if config.bos else None, "eos_id": info.eos_id if config.eos else None,
        "pad_id": info.pad_id, "shuffle_seed": config.shuffle_seed, "skipped": dict(sorted(skipped.items())),
        "config_hash": digest,
    }
    if with_source:
        per: dict[str, dict[str, int]] = {}
        for name, n in zip(sources, lengths_all.tolist(), strict=True):
            entry = per.setdefault(name if name is not None else "", {"documents": 0, "tokens": 0})
            entry["documents"] += 1
            entry["tokens"] += n
        summary["sources"] = dict(sorted(per.items()))
    if not quiet:
        print(f"tokenize: {documents:,} documents, {total:,} tokens → {packing.num_sequences:,} sequences of "
              f"{config.seq_len} ({config.pack}); padding {summary['padding_fraction']:.2%}, truncated "
              f"documents {summary['truncation_fraction']:.2%}", file=sys.stderr)
    return summary


def _save_npy(path: str, array: np.ndarray) -> None:
    tmp = temporary_name(path) + ".npy"
    np.save(tmp, array)
    os.replace(tmp, path)


def _write_provenance(path: str, packing, ids: list[str], sources: list[str] | None, digest: str) -> None:
    schema = provenance_schema(sources is not None, digest)
    doc = packing.document
    columns = {"sequence": pa.array(packing.sequence), "document": pa.array(doc),
               "document_id": pa.array(ids, pa.string()).take(pa.array(doc)),
               "token_start": pa.array(packing.start.astype(np.int32)),
               "token_end": pa.array(packing.end.astype(np.int32)),
               "offset": pa.array(packing.offset.astype(np.int32))}
    if sources is not None:
        columns["source"] = pa.array(sources, pa.string()).take(pa.array(doc))
    table = pa.table([columns[n] for n in schema.names], schema=schema)
    tmp = temporary_name(path)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _remove_stale(out: str, tasks: list[EncodeTask]) -> None:
    """Encoded files of other configs or inputs (their digest is not in this plan)."""
    keep = {os.path.basename(t.output) for t in tasks}
    folder = os.path.join(out, ENCODED_DIR)
    for name in os.listdir(folder):
        if name.endswith(".arrow") and name not in keep:
            os.remove(os.path.join(folder, name))
