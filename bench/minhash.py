"""Text -> MinHash signature throughput per core: assay's rpv2 and oph schemes beside datasketch and rensa.

    python bench/minhash.py [--mb 4] [--repeats 3]

One process, one core. Documents are ~4 KB pieces of the shipped multilingual sample, repeated to
--mb megabytes. "End to end" means from the raw text: normalization, shingles, hashing,
permutations. datasketch runs its legacy scheme (num_perm=128, seed=42, sha1_hash32) on the same
13-gram shingles as rpv2 (its output is checked equal); rensa (RMinHash, Rust) runs on the same
shingles when installed (`pip install rensa`: a comparison only, not an assay dependency).
Prints the median of --repeats runs and ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]  # bench/signals.py
from signals import minhash_oph, minhash_rpv2  # noqa: E402
from signals.views import normalize  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "sample" / "texts"


def documents(megabytes: float, size: int = 4000) -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*/*.txt")))
    pieces = [text[i:i + size] for i in range(0, len(text), size)]
    out, total = [], 0
    while total < megabytes * 1e6:
        for p in pieces:
            out.append(p)
            total += len(p.encode())
    return out


def rpv2(docs: list[str]) -> np.ndarray:
    return minhash_rpv2.signatures([normalize(d).encode("utf-8") for d in docs], 13, 128, 42)[0]


def oph(docs: list[str]) -> np.ndarray:
    return minhash_oph.signatures(docs, 5, 128, 42)[0]


def _shingles(doc: str) -> list[str]:
    words = normalize(doc).split()
    return [" ".join(words[i:i + 13]) for i in range(len(words) - 12)]


def datasketch_legacy(docs: list[str]) -> np.ndarray:
    from datasketch import MinHash
    from datasketch.hashfunc import sha1_hash32

    out = []
    for doc in docs:
        m = MinHash(num_perm=128, seed=42, hashfunc=sha1_hash32, scheme="legacy")
        m.update_batch([s.encode() for s in set(_shingles(doc))])
        out.append(m.hashvalues.astype(np.uint32))
    return np.stack(out)


def rensa_rminhash(docs: list[str]) -> list:
    from rensa import RMinHash

    out = []
    for doc in docs:
        m = RMinHash(num_perm=128, seed=42)
        m.update(_shingles(doc))
        out.append(m.digest())
    return out


def median_seconds(fn, docs: list[str], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(docs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    docs = documents(args.mb)
    mb = sum(len(d.encode()) for d in docs) / 1e6
    oph(docs[:50])  # warm the cached constants and powers
    runs = {"assay oph (5-gram)": oph, "assay rpv2 (13-gram)": rpv2, "datasketch legacy (13-gram)": datasketch_legacy}
    try:
        import rensa  # noqa: F401

        runs["rensa RMinHash (13-gram)"] = rensa_rminhash
    except ImportError:
        print("rensa not installed: skipped (pip install rensa to compare; not an assay dependency)")
    seconds, results = {}, {}
    for name, fn in runs.items():
        seconds[name], results[name] = median_seconds(fn, docs, args.repeats)
    assert np.array_equal(results["assay rpv2 (13-gram)"], results["datasketch legacy (13-gram)"]), "rpv2 != datasketch"
    print(f"{len(docs):,} documents, {mb:.1f} MB of text, 128 permutations, 1 core, median of {args.repeats}")
    print(f"{'implementation':30s} {'MB/s':>8s} {'docs/s':>9s}")
    for name, s in seconds.items():
        print(f"{name:30s} {mb / s:8.2f} {len(docs) / s:9.0f}")
    ds = seconds["datasketch legacy (13-gram)"]
    print(f"rpv2 vs datasketch: {ds / seconds['assay rpv2 (13-gram)']:.2f}x (identical signatures)")
    print(f"oph vs datasketch: {ds / seconds['assay oph (5-gram)']:.2f}x")
    if "rensa RMinHash (13-gram)" in seconds:
        print(f"oph vs rensa: {seconds['rensa RMinHash (13-gram)'] / seconds['assay oph (5-gram)']:.2f}x")


if __name__ == "__main__":
    main()
