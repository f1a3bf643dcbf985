"""The `data-selection` package's hashed n-gram DSIR on a JSONL file, timed; run by bench/dsir.py in the
benchmark's own environment (it needs numpy, nltk and data-selection, not assay).

    REFERENCE_PYTHON bench/dsir_reference.py DOCS.jsonl TARGET.jsonl --repeat 3

Prints one JSON object: seconds per repeat of `featurize` (get_ngram_counts of every document, 10,000
buckets, unigrams + bigrams) and of `weights` (the same features dotted with the fitted log ratio, as
HashedNgramDSIR.compute_importance_weights does per document), and a checksum of the weights.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]  # bench/tokenize.py

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from data_selection.hashed_ngram_dsir import get_ngram_counts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("docs")
    parser.add_argument("target")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--buckets", type=int, default=10_000)
    args = parser.parse_args()
    docs = [json.loads(line)["text"] for line in open(args.docs, encoding="utf-8")]
    target = [json.loads(line)["text"] for line in open(args.target, encoding="utf-8")]
    target_counts = sum(get_ngram_counts(t, num_buckets=args.buckets) for t in target)
    raw_counts = sum(get_ngram_counts(t, num_buckets=args.buckets) for t in docs)
    log_diff = np.log(target_counts / target_counts.sum() + 1e-8) - np.log(raw_counts / raw_counts.sum() + 1e-8)
    featurize, weights = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        counts = np.zeros(args.buckets, dtype=int)
        for text in docs:
            get_ngram_counts(text, num_buckets=args.buckets, counts=counts)
        featurize.append(time.perf_counter() - start)
        start = time.perf_counter()
        values = [float(np.dot(log_diff, get_ngram_counts(text, num_buckets=args.buckets))) for text in docs]
        weights.append(time.perf_counter() - start)
    print(json.dumps({"featurize": featurize, "weights": weights, "checksum": float(np.sum(values))}))


if __name__ == "__main__":
    main()
