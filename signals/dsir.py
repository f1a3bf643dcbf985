"""DSIR hashed n-gram features and importance weights (`rps_doc_<target>_importance`).

Features of a document: its `raw_words` (WordPunct tokens, case kept) and their bigrams (the two
words joined by one space), each hashed with seeded XXH64 of its UTF-8 bytes into `buckets`
(10,000 by default) and counted. A DSIR model holds bucket counts of a target corpus and of the
raw (source) corpus; the importance of a document is

    Σ_b count_b · (log(p_target[b] + 1e-8) - log(p_raw[b] + 1e-8))

with p = counts / Σ counts: the log likelihood ratio of the document under the two bag-of-n-grams
models. Rounded to 8 decimals; None for an empty text (0 for a text without words). The
length-corrected weight divides it by the document's word count (its raw words), so documents of
any length are compared per word. The hash is portable (XXH64, as `xxhash.xxh64_intdigest`), so a
model fitted once scores the same everywhere. Features of a whole batch come from one numba kernel
over the batch's WordPunct tokens (kernels.dsir_grams); `feature_buckets` is the per-document
definition it equals.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash

from schemas.dsir import DEFAULT_BUCKETS, DEFAULT_SEED
from signals import kernels
from signals.arrays import RawTokens, raw_tokens_view
from signals.batch import TextBatch

FORMAT = "assay-dsir-v2"
EPS = 1e-8


def feature_buckets(words: Sequence[str], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Bucket index of every unigram and bigram of `words` (unigrams first), as int64."""
    grams = list(words) + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return np.fromiter((xxhash.xxh64_intdigest(g.encode("utf-8", "surrogatepass"), seed) % buckets for g in grams),
                       dtype=np.int64, count=len(grams))


def hashed_counts(words: Sequence[str], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Counts of a document's unigrams and bigrams per hash bucket (int64[buckets])."""
    return np.bincount(feature_buckets(words, buckets, seed), minlength=buckets).astype(np.int64)


@dataclass(frozen=True)
class BatchFeatures:
    """The n-gram buckets of a batch: `grams[start[d]:start[d+1]]` are document d's; `words[d]` its word count."""

    grams: np.ndarray
    start: np.ndarray
    words: np.ndarray

    @functools.cached_property
    def doc(self) -> np.ndarray:
        """Document index of every n-gram."""
        return np.repeat(np.arange(len(self.words)), np.diff(self.start))

    def counts(self, buckets: int, docs: np.ndarray | None = None) -> np.ndarray:
        """Bucket counts summed over the batch, or over the documents where `docs` (bool) holds."""
        grams = self.grams if docs is None else self.grams[docs[self.doc]]
        return np.bincount(grams, minlength=buckets).astype(np.int64)


def batch_features(batch: TextBatch, buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> BatchFeatures:
    """DSIR features of every text of the batch (shared per batch and hash parameters)."""
    def compute(b: TextBatch) -> BatchFeatures:
        tokens: RawTokens = b.view("raw_tokens", raw_tokens_view)
        grams, start = kernels.dsir_grams(tokens.codes, tokens.pos, tokens.length, tokens.start, buckets,
                                          np.uint64(seed))
        return BatchFeatures(grams, start, tokens.count)
    return batch.view(f"dsir_features:{buckets}:{seed}", compute)


def text_features(texts: Sequence[str], buckets: int = DEFAULT_BUCKETS, seed: int = DEFAULT_SEED) -> BatchFeatures:
    return batch_features(TextBatch(texts), buckets, seed)


def distribution(counts: np.ndarray) -> np.ndarray:
    """Counts normalised to probabilities (all zeros stay zeros)."""
    return counts / max(int(counts.sum()), 1)


@dataclass(frozen=True)
class DSIRModel:
    """Bucket counts of a target and a raw corpus, and the hash parameters that made them."""

    target_counts: np.ndarray
    raw_counts: np.ndarray
    seed: int = DEFAULT_SEED
    target: str = "target"
    documents: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.target_counts.shape != self.raw_counts.shape or self.target_counts.ndim != 1:
            raise ValueError("target and raw counts differ in shape")

    @property
    def buckets(self) -> int:
        return int(self.target_counts.shape[0])

    @functools.cached_property
    def log_ratio(self) -> np.ndarray:
        """log(p_target + 1e-8) - log(p_raw + 1e-8) per bucket."""
        return np.log(distribution(self.target_counts) + EPS) - np.log(distribution(self.raw_counts) + EPS)

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of the model's canonical JSON (what a weight column records it was made with)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def importance(self, words: Sequence[str]) -> float:
        """Log importance weight of one document given its raw words (the per-document definition)."""
        return round(float(self.log_ratio[feature_buckets(words, self.buckets, self.seed)].sum()), 8)

    def weights(self, features: BatchFeatures) -> np.ndarray:
        """Log importance weight of every document of a featurised batch (float64, rounded to 8 decimals)."""
        sums = np.bincount(features.doc, weights=self.log_ratio[features.grams], minlength=len(features.words))
        return np.round(sums, 8)

    def batch_weights(self, texts: Sequence[str]) -> np.ndarray:
        return self.weights(text_features(texts, self.buckets, self.seed))

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "target": self.target, "buckets": self.buckets, "seed": self.seed,
            "hash": "xxh64(utf-8) mod buckets", "features": "raw_words unigrams + space-joined bigrams",
            "documents": dict(sorted(self.documents.items())),
            "target_counts": self.target_counts.tolist(), "raw_counts": self.raw_counts.tolist(),
        }, separators=(",", ":"))

    def save(self, path: str) -> None:
        """Write the model as one JSON file (local path), via a temporary name."""
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str) -> DSIRModel:
        if not os.path.exists(path):
            raise FileNotFoundError(f"DSIR model not found: {path}")
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: not an assay DSIR model (make one with `assay dsir fit`): {err}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not an assay DSIR model of format {FORMAT} (make one with `assay dsir fit`)")
        try:
            return cls(np.asarray(data["target_counts"], dtype=np.int64), np.asarray(data["raw_counts"], dtype=np.int64),
                       int(data["seed"]), str(data["target"]), {k: int(v) for k, v in data["documents"].items()})
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{path}: malformed DSIR model: {err}") from None


@functools.cache
def dsir_model(path: str) -> DSIRModel:
    """Load a DSIR model once per process."""
    return DSIRModel.load(path)
