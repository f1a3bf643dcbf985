"""Dedup stage cost at N, 2N, 4N documents: wall time, peak memory of the worker, bytes per document.

    python bench/dedup.py [--n 20000] [--verify off,exact,estimate]

Each size runs in a fresh process (the tasks run in that one process, as one Dask worker would run
them, so its peak RSS is the per-worker peak). Documents are synthetic (vocabulary words, ~10% of
them planted near-duplicates) and annotated with the minhash family before timing starts.
Every --verify mode runs on the same prepared files, one after another. Prints time and memory
per size and mode, their growth ratios, the time of each mode relative to `off`, and the shuffle
bytes per document that the README's cost model scales to 10^9 and 10^11 documents.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds modules named like the stdlib's (select.py): keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def prepare(n: int, folder: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from dedup_data import make_corpus, write_annotated

    docs = make_corpus(int(n / 1.1), seed=1, exact_copies=n // 100, short=n // 200)
    write_annotated(docs, Path(folder) / "annotated", files=max(2, n // 10000))


def one(folder: str, verify: str) -> dict:
    sys.path[:0] = [str(ROOT)]
    from pipeline.dedup.run import run_dedup
    from schemas.dedup import DedupConfig

    start = time.perf_counter()
    out = Path(folder) / f"out-{verify}"
    run_dedup(DedupConfig(inputs=(f"{folder}/annotated",), output=str(out), verify=verify), None, quiet=True)
    seconds = time.perf_counter() - start
    stats = json.loads((out / "_dedup_stats.json").read_text())
    out_bytes = sum(p.stat().st_size for p in out.glob("*.parquet"))
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "out_bytes": out_bytes, "verify": verify, **stats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--verify", default="off,exact", help="comma-separated modes: off, exact, estimate")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.one)
        return
    modes = args.verify.split(",")
    if args.one:
        print(json.dumps(one(args.one, modes[0])))
        return
    rows = []
    for n in (args.n, 2 * args.n, 4 * args.n):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, __file__, "--prepare", str(n), "--one", tmp], check=True)
            for mode in modes:
                cmd = [sys.executable, __file__, "--one", tmp, "--verify", mode]
                rows.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    print(f"{'verify':>8s} {'docs':>8s} {'seconds':>8s} {'us/doc':>7s} {'peak MB':>8s} {'shuffle B/doc':>13s} "
          f"{'verify B/doc':>12s} {'pairs/doc':>9s} {'kept/doc':>8s} {'out B/doc':>9s}")
    for r in rows:
        d = r["documents"]
        print(f"{r['verify']:>8s} {d:8d} {r['seconds']:8.2f} {r['seconds'] / d * 1e6:7.1f} {r['peak_rss_mb']:8.0f} "
              f"{r['shuffle_bytes'] / d:13.1f} {r.get('verify_shuffle_bytes', 0) / d:12.1f} "
              f"{r['candidate_pairs'] / d:9.3f} {r.get('verified_pairs', r['candidate_pairs']) / d:8.3f} "
              f"{r['out_bytes'] / d:9.1f}")
    for mode in modes:
        mine = [r for r in rows if r["verify"] == mode]
        t0, t2 = mine[0]["seconds"] / mine[0]["documents"], mine[2]["seconds"] / mine[2]["documents"]
        print(f"verify={mode}: time per document at 4N / at N: {t2 / t0:.2f} (<= ~1 means no worse than linear)")
        if mode != "off" and "off" in modes:
            base = [r for r in rows if r["verify"] == "off"]
            ratios = [m["seconds"] / b["seconds"] for m, b in zip(mine, base, strict=True)]
            print(f"verify={mode}: time / verify=off at N, 2N, 4N: " + ", ".join(f"{x:.2f}" for x in ratios))
    last = rows[-len(modes):]
    for r in last:
        per_doc = (r["shuffle_bytes"] + r.get("verify_shuffle_bytes", 0)) / r["documents"]
        for total in (1e9, 1e11):
            print(f"verify={r['verify']}, {total:.0e} documents: shuffle {per_doc * total / 1e12:.1f} TB "
                  f"(bands {r['bands']} x 16 B + exact 16 B per document"
                  f"{' + the carried signature or shingle set per candidate pair' if r['verify'] != 'off' else ''})")


if __name__ == "__main__":
    main()
