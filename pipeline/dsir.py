"""Fit a DSIR model: hashed unigram+bigram bucket counts of a target and of a source corpus.

The model (.npz, see signals.dsir.DSIRModel) scores documents as `rps_doc_<target>_importance`
(`assay annotate --dsir-target NAME=MODEL`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.texts import iter_texts
from schemas.config import ReaderConfig
from signals.dsir import DEFAULT_BUCKETS, DEFAULT_SEED, DSIRModel, corpus_counts
from signals.views import raw_words


def fit_dsir(
    target: Sequence[str],
    source: Sequence[str],
    buckets: int = DEFAULT_BUCKETS,
    seed: int = DEFAULT_SEED,
    reader: ReaderConfig | None = None,
    storage_options: dict[str, Any] | None = None,
) -> tuple[DSIRModel, dict[str, int]]:
    """Count the target and the source inputs' features; returns the model and document counts."""
    target_counts, target_docs = corpus_counts(
        (raw_words(t) for t in iter_texts(target, reader, storage_options)), buckets, seed)
    source_counts, source_docs = corpus_counts(
        (raw_words(t) for t in iter_texts(source, reader, storage_options)), buckets, seed)
    if target_docs == 0 or source_docs == 0:
        raise ValueError(f"no documents read (target: {target_docs}, source: {source_docs})")
    return DSIRModel(target_counts, source_counts, seed), {
        "target_docs": target_docs, "source_docs": source_docs,
        "target_features": int(target_counts.sum()), "source_features": int(source_counts.sum()),
    }
