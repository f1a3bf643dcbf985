"""Synthetic corpora with planted near-duplicates, annotated by the minhash family, for dedup tests."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import signals
from schemas.config import MinHashConfig, SignalConfig
from signals.families import build_families


def make_corpus(n_base: int, seed: int = 0, words: int = 120, rates: tuple[float, ...] = (0.01, 0.03, 0.06, 0.1, 0.2),
                exact_copies: int = 20, short: int = 10) -> list[str]:
    """Random vocabulary documents; a copy of some with each word replaced at the given rates; exact and short copies."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    base = [list(vocab[rng.integers(0, len(vocab), int(rng.integers(words // 2, words * 2)))]) for _ in range(n_base)]
    docs = [" ".join(d) for d in base]
    for i, rate in enumerate(rates):
        for d in base[i::len(rates) * 2]:
            copy = list(d)
            for j in np.flatnonzero(rng.random(len(copy)) < rate):
                copy[j] = vocab[rng.integers(0, len(vocab))]
            docs.append(" ".join(copy))
    for d in docs[:exact_copies]:
        docs.append(d.upper() + "!")           # equal after normalization
    tiny = [" ".join(vocab[rng.integers(0, len(vocab), 3)]) for _ in range(short)]
    docs += tiny + tiny                           # below 5 words: no signature, exact hash only
    order = rng.permutation(len(docs))
    return [docs[i] for i in order]


def write_annotated(docs: list[str], folder: Path, files: int = 3, scheme: str = "oph", num_perm: int = 128,
                    prefix: str = "shard") -> list[Path]:
    """Annotated Parquet (id, text, minhash columns, minhash metadata) split over `files` files."""
    config = SignalConfig(minhash=MinHashConfig(schemes=(scheme,), num_perm=num_perm))
    meta = build_families(["minhash"], config)[0].metadata()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, chunk in enumerate(np.array_split(np.arange(len(docs)), files)):
        texts = [docs[i] for i in chunk]
        table = signals.annotate(texts, families=["minhash"], config=config)
        table = table.add_column(0, "text", pa.array(texts, pa.large_string()))
        table = table.add_column(0, "id", pa.array([f"{prefix}{k}/{i}" for i in range(len(texts))]))
        path = folder / f"{prefix}{k:02d}.parquet"
        pq.write_table(table.replace_schema_metadata(meta), path)
        paths.append(path)
    return paths


def make_variant_corpus(templates: int, variants: int, unique: int, seed: int = 0, words: int = 200,
                        rates: tuple[float, float] = (0.005, 0.04)) -> list[str]:
    """Clusters of many variants of one template (each word replaced at a rate drawn per variant) + unique docs.

    Variants of a template resemble each other to different degrees (J of two variants ~0.55-0.95),
    so most LSH buckets hold several of them and only some pairs reach a threshold of 0.8.
    """
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    docs = []
    for _ in range(templates):
        base = list(vocab[rng.integers(0, len(vocab), words)])
        for _ in range(variants):
            rate = rng.uniform(*rates)
            docs.append(" ".join(w if rng.random() > rate else vocab[rng.integers(0, len(vocab))] for w in base))
    docs += [" ".join(vocab[rng.integers(0, len(vocab), words * 3 // 4)]) for _ in range(unique)]
    return [docs[i] for i in rng.permutation(len(docs))]


def oracle_pairs(docs: list[str], n: int = 5, words=lambda d: d.lower().replace("!", "").split()
                 ) -> dict[tuple[int, int], float]:
    """Exact word-n-gram Jaccard of every pair sharing at least one shingle (others are 0)."""
    sets = []
    for d in docs:
        w = words(d)
        sets.append({tuple(w[i:i + n]) for i in range(len(w) - n + 1)})
    index = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            index[g].append(i)
    pairs = {p for members in index.values() for p in itertools.combinations(members, 2)}
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs}
