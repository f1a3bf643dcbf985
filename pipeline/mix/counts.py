"""Token counts per document of every source file, counted once in Dask tasks and cached on disk.

A cache file is named by a digest of what decides the counts: the tokenizer's bytes, BOS/EOS, the
text field, and the source file's identity (path, size, row count, the config hash in its footer).
A second mix with other weights reads the cache and tokenizes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.storage import join, temporary_name
from pipeline.tokenize.encode import TokenizerInfo, encode_texts, load_tokenizer
from schemas.config import config_hash
from schemas.mix import counts_schema

CACHE_DIR = "_token_counts"
_VERSION = 1


@dataclass(frozen=True)
class CountTask:
    source: str
    input: str
    cache: str
    digest: str


def plan_counts(source: str, files: list[str], output: str, info: TokenizerInfo, bos: bool, eos: bool,
                text_field: str) -> list[CountTask]:
    tasks = []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        footer = (meta.metadata or {}).get(b"assay.config_hash", b"").decode()
        digest = config_hash({"tokenizer": info.sha256, "bos": bos, "eos": eos, "text_field": text_field,
                              "path": os.path.abspath(path), "size": os.path.getsize(path), "rows": meta.num_rows,
                              "footer": footer, "version": _VERSION})
        tasks.append(CountTask(source, path, join(output, CACHE_DIR, f"{source}-{digest}.parquet"), digest))
    return tasks


def cached(task: CountTask) -> bool:
    try:
        return (pq.read_schema(task.cache).metadata or {}).get(b"assay.digest", b"").decode() == task.digest
    except (OSError, pa.ArrowInvalid):
        return False


def count_task(task: CountTask, info: TokenizerInfo, bos: bool, eos: bool, text_field: str,
               batch_rows: int = 4096) -> dict:
    """Count the tokens of every document of one file; write the cache file (temp + rename)."""
    tokenizer = load_tokenizer(info.path, info.sha256)
    file = pq.ParquetFile(task.input)
    names = file.schema_arrow.names
    if text_field not in names:
        raise ValueError(f"{task.input}: no {text_field!r} column (columns: {', '.join(names)})")
    ids: list[str] = []
    counts: list[int] = []
    row = 0
    for batch in file.iter_batches(batch_size=batch_rows, columns=[c for c in ("id", text_field) if c in names]):
        texts = batch.column(text_field).to_pylist()
        missing = [row + i for i, t in enumerate(texts) if t is None]
        if missing:
            raise ValueError(f"{task.input}: row {missing[0]} has no text (null {text_field!r})")
        batch_ids = (batch.column("id").to_pylist() if "id" in names
                     else [f"{os.path.basename(task.input)}/{row + i}" for i in range(len(texts))])
        _, lengths = encode_texts(tokenizer, texts, info.bos_id if bos else None, info.eos_id if eos else None)
        ids.extend(batch_ids)
        counts.extend(int(n) for n in lengths)
        row += len(texts)
    table = pa.table({"id": pa.array(ids, pa.string()), "tokens": pa.array(counts, pa.int32())},
                     schema=counts_schema(task.digest))
    os.makedirs(os.path.dirname(task.cache), exist_ok=True)
    tmp = temporary_name(task.cache)
    pq.write_table(table, tmp)
    os.replace(tmp, task.cache)
    return {"source": task.source, "input": task.input, "rows_written": len(ids), "tokens": sum(counts)}


def read_counts(task: CountTask) -> pa.Table:
    return pq.read_table(task.cache)
