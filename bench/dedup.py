"""Dedup stage cost at N, 2N, 4N documents: wall time, peak memory of the worker, bytes per document.

    python bench/dedup.py [--n 20000] [--verify off,exact,estimate] [--quality-only]

Each size runs in a fresh process (the tasks run in that one process, as one Dask worker would run
them, so its peak RSS is the per-worker peak). Documents are synthetic (vocabulary words, ~10% of
them planted near-duplicates) and annotated with the minhash family before timing starts.
Every --verify mode runs on the same prepared files, one after another. Prints time and memory
per size and mode, their growth ratios, the time of each mode relative to `off`, and the shuffle
bytes per document that the README's cost model scales to 10^9 and 10^11 documents.

Quality first: the default `assay dedup` command (its options as the CLI parses them, so a changed
default is measured) and `--no-verify`, on two planted corpora, against a brute-force oracle of the
true word-5-gram Jaccard of every pair that shares a shingle. Recall: of the true pairs (J >= 0.8),
the share with at least one document removed (the pair is deduplicated) and the share put in one
cluster. Precision: the share of clustered pairs at J >= 0.8 and >= 0.7, and removal precision
(removed documents whose true J with the document kept for their cluster reaches the threshold).
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


def default_command_config(annotated: str, output: str, *flags: str):
    """The DedupConfig that `assay dedup ANNOTATED -o OUT [flags]` would run."""
    sys.path[:0] = [str(ROOT)]
    from pipeline.cli import build_parser
    from schemas.dedup import DedupConfig

    args = build_parser().parse_args(["dedup", annotated, "-o", output, *flags])
    return DedupConfig(inputs=tuple(args.inputs), output=args.output, threshold=args.threshold,
                       verify=args.verify, keep=args.keep)


def quality_rows(folder: str) -> list[str]:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import itertools
    from collections import defaultdict

    import numpy as np
    import pyarrow.parquet as pq
    from dedup_data import make_corpus, make_variant_corpus, oracle_pairs, write_annotated

    from pipeline.dedup.run import run_dedup

    corpora = {"planted pairs": make_corpus(2500, seed=3, rates=(0.003, 0.01, 0.02, 0.03, 0.05, 0.1)),
               "template variants": make_variant_corpus(30, 20, 500, seed=2)}
    rows = []
    for name, docs in corpora.items():
        truth = oracle_pairs(docs)
        base = Path(folder) / name.replace(" ", "-")
        write_annotated(docs, base / "annotated", files=4)
        for label, flags in (("default", ()), ("--no-verify", ("--no-verify",))):
            config = default_command_config(str(base / "annotated"), str(base / label), *flags)
            run_dedup(config, None, quiet=True)
            t = pq.read_table(base / label)
            cluster, keep = t.column("fuzzy_cluster").to_numpy(), t.column("fuzzy_keep").to_numpy()
            members = defaultdict(list)
            for i, c in enumerate(cluster):
                members[c].append(i)
            clustered = [p for m in members.values() for p in itertools.combinations(m, 2)]
            sims = np.array([truth.get(p, 0.0) for p in clustered])
            true_pairs = [p for p, j in truth.items() if j >= config.threshold]
            together = np.mean([cluster[a] == cluster[b] for a, b in true_pairs])
            resolved = np.mean([not (keep[a] and keep[b]) for a, b in true_pairs])
            kept_of = {c: next(i for i in m if keep[i]) for c, m in members.items() if len(m) > 1}
            removed = [i for i in range(len(docs)) if not keep[i]]
            removal = np.mean([truth.get(tuple(sorted((i, kept_of[cluster[i]]))), 0.0) >= config.threshold
                               for i in removed]) if removed else float("nan")
            rows.append(f"{name:>18s} {label:>12s} verify={config.verify:<6s} true pairs (J>=0.8) {len(true_pairs)}: "
                        f"one removed {resolved:.3f}, same cluster {together:.3f}; clustered pairs {len(sims)}: J>=0.8 {np.mean(sims >= 0.8):.3f}, "
                        f"J>=0.7 {np.mean(sims >= 0.7):.3f}; removal precision {removal:.3f} of {len(removed)}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--verify", default="off,exact", help="comma-separated modes: off, exact, estimate")
    parser.add_argument("--quality-only", action="store_true", help="only the precision/recall rows")
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
    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(quality_rows(tmp)))
    if args.quality_only:
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
