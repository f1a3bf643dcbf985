"""Fit a DSIR model: hashed n-gram bucket counts of a target and a raw corpus, one Dask task per file.

Each task streams its file's texts (any shard format, .txt files, annotated Parquet) through the
batch featuriser and returns the file's bucket counts; the counts are summed across tasks, so the
model is the same whatever the worker count or the order the tasks finish in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import numpy as np

from pipeline.dsir.tasks import map_files
from pipeline.storage import expand_inputs
from pipeline.texts import iter_texts
from schemas.config import ClusterConfig, ReaderConfig
from signals.dsir import DEFAULT_BUCKETS, DEFAULT_SEED, DSIRModel, text_features

BATCH_DOCS = 1024


def _batches(texts: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(texts, size)):
        yield batch


def count_file(path: str, buckets: int, seed: int, reader_json: str,
               storage_options: dict[str, Any] | None) -> dict:
    """Bucket counts (int64[buckets]) and the number of documents of one input file."""
    reader = ReaderConfig.model_validate_json(reader_json)
    counts = np.zeros(buckets, dtype=np.int64)
    documents = 0
    for batch in _batches(iter_texts([path], reader, storage_options), BATCH_DOCS):
        counts += text_features(batch, buckets, seed).counts(buckets)
        documents += len(batch)
    return {"path": path, "counts": counts, "documents": documents}


def corpus_counts(patterns: Sequence[str], buckets: int, seed: int, reader: ReaderConfig,
                  storage_options: dict[str, Any] | None, cluster: ClusterConfig | None,
                  desc: str, quiet: bool = False) -> tuple[np.ndarray, int]:
    files = expand_inputs(list(patterns), storage_options)
    results = map_files(count_file, files, cluster, buckets, seed, reader.model_dump_json(), storage_options,
                        desc=desc, quiet=quiet)
    total = np.zeros(buckets, dtype=np.int64)
    for r in results:
        total += r["counts"]
    return total, sum(r["documents"] for r in results)


def fit_dsir(
    target: Sequence[str],
    raw: Sequence[str],
    buckets: int = DEFAULT_BUCKETS,
    seed: int = DEFAULT_SEED,
    reader: ReaderConfig | None = None,
    storage_options: dict[str, Any] | None = None,
    cluster: ClusterConfig | None = None,
    name: str = "target",
    quiet: bool = True,
) -> tuple[DSIRModel, dict[str, int]]:
    """Count the target and the raw inputs' features; returns the model and what was counted."""
    if buckets < 1:
        raise ValueError("buckets must be positive")
    if not 0 <= seed < 2 ** 64:
        raise ValueError("seed must be in [0, 2**64)")
    reader = reader or ReaderConfig()
    target_counts, target_docs = corpus_counts(target, buckets, seed, reader, storage_options, cluster,
                                               "dsir fit: target", quiet)
    raw_counts, raw_docs = corpus_counts(raw, buckets, seed, reader, storage_options, cluster,
                                         "dsir fit: raw", quiet)
    if target_docs == 0 or raw_docs == 0:
        raise ValueError(f"no documents read (target: {target_docs}, raw: {raw_docs})")
    model = DSIRModel(target_counts, raw_counts, seed, name, {"target": target_docs, "raw": raw_docs})
    return model, {"target_docs": target_docs, "raw_docs": raw_docs,
                   "target_features": int(target_counts.sum()), "raw_features": int(raw_counts.sum())}
