"""DSIR hashed n-gram features and importance weights (`rps_doc_<target>_importance`).

Features of a document: its `raw_words` (WordPunct tokens, case kept) and their bigrams (the two
words joined by one space), each hashed with seeded xxh3-64 of its UTF-8 bytes into `buckets`
(10,000 by default) and counted. A DSIR model holds bucket counts of a target corpus and of the
source (raw) corpus; the importance of a document is

    Σ_b count_b · (log(p_target[b] + 1e-8) - log(p_source[b] + 1e-8))

with p = counts / Σ counts: the log likelihood ratio of the document under the two bag-of-n-grams
models. Rounded to 8 decimals; None for an empty text (0 for a text without words). The hash is
portable (not Python's per-process `hash()`), so a model fitted once scores the same everywhere.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash

DEFAULT_BUCKETS = 10_000
DEFAULT_SEED = 0
FORMAT = "assay-dsir-v1"
_EPS = 1e-8


def feature_buckets(words: Sequence[str], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Bucket index of every unigram and bigram of `words` (unigrams first), as int64."""
    hash_ = xxhash.xxh3_64_intdigest
    grams = list(words) + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return np.fromiter((hash_(g.encode("utf-8"), seed) % buckets for g in grams), dtype=np.int64, count=len(grams))


def hashed_counts(words: Sequence[str], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Counts of a document's unigrams and bigrams per hash bucket (int64[buckets])."""
    return np.bincount(feature_buckets(words, buckets, seed), minlength=buckets).astype(np.int64)


@dataclass(frozen=True)
class DSIRModel:
    """Bucket counts of a target and a source corpus, and the hash parameters that made them."""

    target_counts: np.ndarray
    source_counts: np.ndarray
    seed: int = DEFAULT_SEED

    @property
    def buckets(self) -> int:
        return int(self.target_counts.shape[0])

    @functools.cached_property
    def log_ratio(self) -> np.ndarray:
        """log(p_target + 1e-8) - log(p_source + 1e-8) per bucket."""
        target = self.target_counts / max(int(self.target_counts.sum()), 1)
        source = self.source_counts / max(int(self.source_counts.sum()), 1)
        return np.log(target + _EPS) - np.log(source + _EPS)

    def importance(self, words: Sequence[str]) -> float:
        """Log importance weight of one document given its raw words."""
        return round(float(self.log_ratio[feature_buckets(words, self.buckets, self.seed)].sum()), 8)

    def save(self, path: str) -> None:
        """Write the model as .npz (local path)."""
        with open(path, "wb") as fh:
            np.savez(fh, format=np.array(FORMAT), target_counts=self.target_counts,
                     source_counts=self.source_counts, seed=np.array(self.seed, dtype=np.uint64))

    @classmethod
    def load(cls, path: str) -> DSIRModel:
        if not os.path.exists(path):
            raise FileNotFoundError(f"DSIR model not found: {path}")
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data or str(data["format"]) != FORMAT:
                raise ValueError(f"{path}: not an assay DSIR model (make one with `assay fit-dsir`)")
            target, source = data["target_counts"], data["source_counts"]
            if target.shape != source.shape or target.ndim != 1:
                raise ValueError(f"{path}: target and source counts differ in shape")
            return cls(target.astype(np.int64), source.astype(np.int64), int(data["seed"]))


def corpus_counts(
    word_lists: Iterable[Sequence[str]], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED
) -> tuple[np.ndarray, int]:
    """Summed bucket counts over documents, and the number of documents."""
    total = np.zeros(buckets, dtype=np.int64)
    docs = 0
    for words in word_lists:
        total += np.bincount(feature_buckets(words, buckets, seed), minlength=buckets)
        docs += 1
    return total, docs


@functools.cache
def dsir_model(path: str) -> DSIRModel:
    """Load a DSIR model once per process."""
    return DSIRModel.load(path)
