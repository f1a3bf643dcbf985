"""Re-selecting an annotated corpus with a changed threshold, beside recomputing its signals.

Builds a --rows annotated corpus (default 1M rows in --shards Parquet files) by annotating --base
documents cut from the shipped sample texts (tests/data/sample/texts) and repeating their rows
under new ids. Then, each in a fresh process (so peak RSS is the step's own), --repeat times:

  decide   the funnel of the changed selection: every rule's counts, reading the signal columns only
  select   `assay select` in-process (no Dask): funnel + selected Parquet (text read for kept rows)
           + the C4 line filter rewriting kept documents
  dask     the same on a LocalCluster of 2 worker processes (peak RSS: the largest process)

Rows repeat, so zstd Parquet is far smaller than a real corpus's; --compression none writes the
text uncompressed (closer to real I/O volume). The selection is rpv2_gopher_rules +
gopher_repetition + c4 (+ c4_lines); the changed threshold is min_words 50 -> 100. Recomputing the
signals is an ESTIMATE: signals.annotate (ccnet, rps_doc, rps_lines, assay_extras: what the
selection reads) timed on the --base documents in this process after a warm-up that loads the
models, scaled linearly to --rows. Prints medians, peak RSS and the ratio recompute / re-select.

    .venv/bin/python bench/select.py [--rows 1000000] [--shards 20] [--base 2000] [--repeat 3]
                                     [--compression zstd|none] [--no-dask]
"""

from __future__ import annotations

import os
import sys

# this file is named like the stdlib's `select`: keep its folder off the import path
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "tests" / "data" / "sample" / "texts"
FAMILIES = ["ccnet", "rps_doc", "rps_lines", "assay_extras"]
FILTERS = """\
rules:
  - recipe: rpv2_gopher_rules
    overrides: {{min_words: {min_words}}}
  - recipe: gopher_repetition
  - recipe: c4
line_filters:
  - recipe: c4_lines
"""


def sample_documents(n: int, doc_chars: int) -> list[str]:
    """Documents of about `doc_chars` characters, cut at paragraph breaks, cycled to `n`."""
    docs: list[str] = []
    for path in sorted(SAMPLE.glob("**/*.txt")):
        current: list[str] = []
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            current.append(para.strip("\n") + "\n")
            if sum(map(len, current)) >= doc_chars:
                docs.append("".join(current))
                current = []
    if not docs:
        raise SystemExit(f"no sample texts under {SAMPLE}")
    return [docs[i % len(docs)] for i in range(n)]


def build_corpus(folder: Path, rows: int, shards: int, base: int, doc_chars: int, compression: str
                 ) -> tuple[float, int]:
    """Annotate `base` documents (timed), then write `rows` rows in `shards` files. Returns (seconds, bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import signals
    from pipeline.annotate import output_schema
    from schemas.config import AnnotateConfig
    from schemas.documents import DOCUMENT_SCHEMA
    from signals.families import build_families

    texts = sample_documents(base, doc_chars)
    signals.annotate(texts[:20], families=FAMILIES)  # warm-up: models and word lists load once per process
    started = time.perf_counter()
    annotated = signals.annotate(texts, families=FAMILIES)
    annotate_seconds = time.perf_counter() - started
    config = AnnotateConfig(inputs=("bench",), output=str(folder), signals=tuple(FAMILIES))
    schema = output_schema(config, build_families(FAMILIES, config.signal_config))
    docs = pa.table({"id": [f"base/{i}" for i in range(base)], "url": [None] * base, "source": ["bench"] * base,
                     "offset": list(range(base)), "text": texts, "warc_date": [None] * base,
                     "warc_record_id": [None] * base, "content_type": ["text/plain"] * base})
    docs = docs.cast(DOCUMENT_SCHEMA)
    for name in annotated.column_names:
        docs = docs.append_column(annotated.schema.field(name), annotated[name])
    docs = docs.cast(schema)
    per = -(-rows // shards)
    size = 0
    for s in range(shards):
        index = pa.array([i % base for i in range(s * per, min(rows, (s + 1) * per))])
        part = docs.take(index)
        part = part.set_column(0, schema.field("id"), pa.array([f"bench-{s}/{i}" for i in range(len(part))]))
        path = folder / f"shard-{s:03d}.parquet"
        pq.write_table(part, path, compression=compression, use_dictionary=["id"] if compression == "none" else True,
                       row_group_size=10_000)
        size += path.stat().st_size
    return annotate_seconds, size


def child(args: argparse.Namespace) -> None:
    """One measured step in this (fresh) process: prints seconds and peak RSS as JSON."""
    import polars as pl

    from filters import Catalog
    from filters.config import load_selection
    from filters.funnel import chars_expr, document_funnel
    from pipeline.select import parquet_files, read_schema, run_select
    from schemas.config import ClusterConfig
    from schemas.select import SelectConfig

    started = time.perf_counter()
    if args.child == "decide":
        files = parquet_files([args.inputs])
        schema = read_schema(files[0])
        selection = load_selection(args.filters, Catalog.build(schema))
        funnel = document_funnel(pl.scan_parquet(files), selection.steps(), chars_expr(schema.names))
        kept = funnel.after_rules.documents
    else:
        config = SelectConfig(inputs=(args.inputs,), output=args.out, filters=args.filters)
        cluster = ClusterConfig(workers=2) if args.child == "dask" else None
        _, funnel = run_select(config, cluster, quiet=True)
        kept = funnel.output.documents
    seconds = time.perf_counter() - started
    rss_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "kept": kept, "input": funnel.input.documents}))


def measure(step: str, inputs: Path, filters: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--inputs", str(inputs), "--filters", str(filters),
           "--out", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{step} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--shards", type=int, default=20)
    p.add_argument("--base", type=int, default=2000, help="documents really annotated (then repeated)")
    p.add_argument("--doc-chars", type=int, default=1500)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--compression", default="zstd", help="Parquet compression of the corpus (zstd, none)")
    p.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    p.add_argument("--child", choices=["decide", "select", "dask"], help=argparse.SUPPRESS)
    p.add_argument("--inputs", help=argparse.SUPPRESS)
    p.add_argument("--filters", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return

    with tempfile.TemporaryDirectory(prefix="assay-bench-select-") as tmp:
        root = Path(tmp)
        corpus = root / "annotated"
        corpus.mkdir()
        print(f"building {args.rows:,} annotated rows in {args.shards} shards from {args.base:,} annotated "
              f"documents of ~{args.doc_chars} chars ...", file=sys.stderr)
        annotate_s, size = build_corpus(corpus, args.rows, args.shards, args.base, args.doc_chars, args.compression)
        first, changed = root / "first.yaml", root / "changed.yaml"
        first.write_text(FILTERS.format(min_words=50))
        changed.write_text(FILTERS.format(min_words=100))
        measure("select", corpus, first, root / "selected-first")  # the first selection (not timed)
        runs: dict[str, list[dict]] = {"decide": [], "select": []} | ({} if args.no_dask else {"dask": []})
        for r in range(args.repeat):
            for step in runs:
                runs[step].append(measure(step, corpus, changed, root / f"selected-{step}-{r}"))
    recompute_s = annotate_s / args.base * args.rows
    rows = [(step, statistics.median(x["seconds"] for x in rs), max(x["rss_mb"] for x in rs), rs[0]["kept"])
            for step, rs in runs.items()]
    print(f"\nre-selection of {args.rows:,} annotated rows ({size / 1e9:.2f} GB Parquet, {args.compression}, "
          f"{args.shards} shards), "
          f"threshold min_words 50 -> 100; median of {args.repeat}, fresh process each, "
          f"{os.cpu_count()} cores visible")
    print(f"{'step':<34} {'seconds':>9} {'peak RSS MB':>12} {'rows/s':>12} {'kept':>10}")
    for step, seconds, rss, kept in rows:
        label = {"decide": "decide (funnel, signal columns)", "select": "select (+ write, c4_lines)",
                 "dask": "select on 2 Dask workers"}[step]
        print(f"{label:<34} {seconds:>9.2f} {rss:>12.0f} {args.rows / seconds:>12,.0f} {kept:>10,}")
    print(f"{'recompute signals (ESTIMATE)':<34} {recompute_s:>9.0f} {'':>12} {args.rows / recompute_s:>12,.0f}"
          f"   signals.annotate on {args.base:,} docs: {annotate_s:.2f} s, scaled x{args.rows / args.base:,.0f}")
    for step, seconds, _, _ in rows:
        print(f"recompute / {step}: {recompute_s / seconds:,.0f}x")


if __name__ == "__main__":
    main()
