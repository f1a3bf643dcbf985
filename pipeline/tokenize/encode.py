"""Encode tasks: one batch of rows of one Parquet file → token ids (with assay's BOS/EOS), one Arrow file.

The planner reads only Parquet footers and the tokenizer JSON (the `tokenizers` library is loaded in
the workers alone). A task's output name carries its digest (input footer hash, row counts, the
tokenizer file's hash and the options), so a rerun skips every task whose file is there.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import socket
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.shards import assign_shard_ids
from pipeline.storage import confined_join, filesystem, temporary_name
from schemas.config import config_hash
from schemas.tokens import TokenizeConfig, encoded_schema

ENCODED_DIR = "_encoded"
_VERSION = 1  # bump when the same task would write other tokens
EOS_NAMES = ("<|endoftext|>", "</s>", "<eos>", "<|eos|>", "<|end_of_text|>", "[SEP]")
BOS_NAMES = ("<s>", "<bos>", "<|bos|>", "<|begin_of_text|>", "<|startoftext|>", "[CLS]")
PAD_NAMES = ("<pad>", "<|pad|>", "[PAD]")


@dataclass(frozen=True)
class TokenizerInfo:
    path: str
    sha256: str
    vocab_size: int
    eos_id: int | None
    bos_id: int | None
    pad_id: int


def tokenizer_info(path: str, eos_token: str | None = None, bos_token: str | None = None) -> TokenizerInfo:
    """Hash, vocabulary size and special-token ids of a tokenizer.json, from its JSON alone."""
    with open(path, "rb") as f:
        blob = f.read()
    try:
        spec = json.loads(blob)
        vocab = spec["model"]["vocab"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a tokenizers JSON file ({exc})") from None
    ids = dict(vocab) if isinstance(vocab, dict) else {tok: i for i, (tok, _score) in enumerate(vocab)}
    ids.update({t["content"]: t["id"] for t in spec.get("added_tokens") or []})
    vocab_size = max(ids.values(), default=-1) + 1

    def find(names: tuple[str, ...], given: str | None, what: str) -> int | None:
        if given is not None:
            if given not in ids:
                raise ValueError(f"{path}: no token {given!r} for {what}")
            return ids[given]
        return next((ids[n] for n in names if n in ids), None)

    eos = find(EOS_NAMES, eos_token, "EOS")
    bos = find(BOS_NAMES, bos_token, "BOS")
    pad = find(PAD_NAMES, None, "padding")
    return TokenizerInfo(path=os.path.abspath(path), sha256=hashlib.sha256(blob).hexdigest(), vocab_size=vocab_size,
                         eos_id=eos, bos_id=bos if bos is not None else eos,
                         pad_id=pad if pad is not None else (eos if eos is not None else 0))


@dataclass(frozen=True)
class EncodeTask:
    input: str
    shard_id: str
    row_group: int
    start: int  # rows [start, stop) of the row group
    stop: int
    first_row: int  # row index in the file of `start`
    output: str
    digest: str


def plan_encode(inputs: list[str], config: TokenizeConfig, info: TokenizerInfo) -> tuple[list[EncodeTask], bool]:
    """The encode tasks of every input file, in input order, and whether the input has a `source` column."""
    so = config.storage_options
    ids = assign_shard_ids(inputs)
    options = {"bos": config.bos, "eos": config.eos, "bos_id": info.bos_id, "eos_id": info.eos_id,
               "text_field": config.text_field, "tokenizer": info.sha256, "version": _VERSION}
    if config.eos and info.eos_id is None:
        raise ValueError(f"{config.tokenizer}: no EOS token (one of {', '.join(EOS_NAMES)}); pass eos_token")
    tasks, with_source = [], False
    for path in inputs:
        fs, stripped = filesystem(path, so)
        with fs.open(stripped, "rb") as f:
            meta = pq.ParquetFile(f).metadata
        schema = meta.schema.to_arrow_schema()
        if config.text_field not in schema.names:
            raise ValueError(f"{path}: no text column {config.text_field!r} (columns: {', '.join(schema.names)})")
        kind = schema.field(config.text_field).type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise ValueError(f"{path}: text column {config.text_field!r} is {kind}, not a string")
        with_source = with_source or "source" in schema.names
        upstream = (schema.metadata or {}).get(b"assay.config_hash", b"").decode()
        row = 0
        for rg in range(meta.num_row_groups):
            n = meta.row_group(rg).num_rows
            for start in range(0, n, config.batch_rows):
                stop = min(n, start + config.batch_rows)
                digest = config_hash({**options, "upstream": upstream, "rows": meta.num_rows, "shard": ids[path],
                                      "row_group": rg, "start": start, "stop": stop})
                name = f"{ids[path]}.{rg:05d}.{start:09d}.{digest}.arrow"
                tasks.append(EncodeTask(path, ids[path], rg, start, stop, row + start,
                                        confined_join(config.output, ENCODED_DIR, name), digest))
            row += n
    return tasks, with_source


@functools.lru_cache(maxsize=4)
def load_tokenizer(path: str, sha256: str):
    """The tokenizer of a file, loaded once per process (keyed by its hash)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    # Text that spells a special token ("<|endoftext|>" in a web page) is encoded as text: only assay's own
    # BOS/EOS mark document boundaries.
    tokenizer.encode_special_tokens = True
    return tokenizer


def encode_texts(tokenizer, texts: list[str], bos_id: int | None, eos_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(flat int32 token ids, per-document lengths) of `encode_batch(texts, add_special_tokens=False)`
    with `bos_id` prepended and `eos_id` appended to every document (None: not added)."""
    ids = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    body = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    pre, post = int(bos_id is not None), int(eos_id is not None)
    lengths = body + pre + post
    flat = np.empty(int(lengths.sum()), dtype=np.int32)
    starts = np.cumsum(lengths) - lengths
    if pre:
        flat[starts] = bos_id
    if post:
        flat[starts + lengths - 1] = eos_id
    n = int(body.sum())
    where = np.arange(n) + np.repeat(starts + pre - (np.cumsum(body) - body), body)
    flat[where] = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=n)
    return flat, lengths


def encode_task(task: EncodeTask, config_json: str, info: TokenizerInfo, with_source: bool) -> dict:
    """Encode one task's rows into `task.output` (written under a temporary name, then renamed)."""
    started = time.perf_counter()
    config = TokenizeConfig.model_validate_json(config_json)
    report = {"shard": task.shard_id, "input": task.input, "output": task.output, "status": "ok",
              "config_hash": task.digest, "records": task.stop - task.start, "documents_read": 0,
              "rows_written": 0, "text_bytes": 0, "tokens": 0, "skipped": {}, "problems": [],
              "worker": socket.gethostname()}
    try:
        fs, stripped = filesystem(task.input, config.storage_options)
        with fs.open(stripped, "rb") as f:
            pf = pq.ParquetFile(f)
            names = pf.schema_arrow.names
            columns = [c for c in ("id", "source", config.text_field) if c in names]
            table = pf.read_row_group(task.row_group, columns=columns).slice(task.start, task.stop - task.start)
        text = table.column(config.text_field)
        sizes = pc.binary_length(text)
        keep_mask = pc.fill_null(pc.greater(sizes, 0), False)
        if not pc.all(keep_mask).as_py():
            for i in np.flatnonzero(~keep_mask.to_numpy(zero_copy_only=False)).tolist():
                reason = "null_text" if not text[i].is_valid else "empty"
                report["skipped"][reason] = report["skipped"].get(reason, 0) + 1
                if len(report["problems"]) < 10:
                    report["problems"].append({"record": task.first_row + i, "reason": reason})
            table = table.filter(keep_mask)
            rows = np.flatnonzero(keep_mask.to_numpy(zero_copy_only=False))
        else:
            rows = np.arange(table.num_rows)
        texts = table.column(config.text_field).to_pylist()
        ids = table.column("id").to_pylist() if "id" in names else [None] * len(texts)
        doc_ids = [d if d is not None else f"{task.shard_id}/{task.first_row + i}"
                   for d, i in zip(ids, rows.tolist(), strict=True)]
        tokenizer = load_tokenizer(info.path, info.sha256)
        flat, lengths = encode_texts(tokenizer, texts, info.bos_id if config.bos else None,
                                     info.eos_id if config.eos else None)
        if (lengths == 0).any():  # text that encodes to nothing (whitespace under some tokenizers), no EOS
            nothing = np.flatnonzero(lengths == 0)
            report["skipped"]["no_tokens"] = len(nothing)
            report["problems"] += [{"record": task.first_row + int(rows[i]), "reason": "no_tokens"}
                                   for i in nothing[:max(0, 10 - len(report["problems"]))]]
            has = pa.array(lengths > 0)
            table, lengths = table.filter(has), lengths[lengths > 0]
            doc_ids = [d for d, k in zip(doc_ids, has.to_pylist(), strict=True) if k]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        columns = {"id": pa.array(doc_ids, pa.string()),
                   "tokens": pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.int32()))}
        if with_source:
            columns["source"] = (table.column("source").cast(pa.string()).combine_chunks() if "source" in names
                                 else pa.nulls(len(lengths), pa.string()))
        report.update(documents_read=table.num_rows, rows_written=table.num_rows, tokens=int(lengths.sum()),
                      text_bytes=int(pc.sum(pc.binary_length(table.column(config.text_field))).as_py() or 0))
        schema = encoded_schema(with_source, task.digest)
        schema = schema.with_metadata({**schema.metadata, b"assay.report": json.dumps(report).encode()})
        out = pa.table([columns[n] for n in schema.names], schema=schema)
        tmp = temporary_name(task.output)
        os.makedirs(os.path.dirname(task.output), exist_ok=True)
        with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
            writer.write_table(out)
        os.replace(tmp, task.output)
    except Exception as exc:  # noqa: BLE001 - reported; the stage packs nothing while a task has failed
        report.update(status="error", error=f"{task.input}: row group {task.row_group} rows {task.start}-"
                                            f"{task.stop}: {type(exc).__name__}: {exc}")
    report["seconds"] = round(time.perf_counter() - started, 3)
    return report


def read_encoded(path: str) -> tuple[pa.Table, dict]:
    """A finished task's table (memory-mapped) and its report."""
    with pa.memory_map(path, "r") as source:
        table = pa.ipc.open_file(source).read_all()
    return table, json.loads(table.schema.metadata[b"assay.report"])


def encoded_report(path: str) -> dict | None:
    """The report in a finished task file's footer (None when the file is not there or unreadable)."""
    if not os.path.exists(path):
        return None
    try:
        with pa.memory_map(path, "r") as source:
            return json.loads(pa.ipc.open_file(source).schema.metadata[b"assay.report"])
    except (OSError, KeyError, ValueError, pa.ArrowInvalid):
        return None
