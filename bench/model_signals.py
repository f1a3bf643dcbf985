"""Throughput of the model-based signals and of the RedPajama-V2 export, side by side in one run.

- perplexity: the ccnet family with a KenLM model (a word bigram ARPA fitted here on the sample)
  against the same family without one: the ratio is what perplexity costs.
- classifier: the ml family scoring with a fastText classifier trained here, in documents/s.
- export: `export_shard` (annotated Parquet → rpv2 JSONL.gz) against reading the same columns.

Documents are the paragraphs of the shipped sample texts, grouped and repeated to --docs. One
process, one core; prints the median of --repeat runs.

    .venv/bin/python bench/model_signals.py [--docs 4000] [--repeat 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the script's folder (first on sys.path) holds bench/select.py, which would shadow the stdlib module
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import pyarrow.parquet as pq  # noqa: E402

import signals  # noqa: E402
from pipeline.export_rpv2 import ExportOptions, export_shard  # noqa: E402
from schemas.config import SignalConfig  # noqa: E402
from schemas.documents import DOCUMENT_SCHEMA  # noqa: E402
from signals.ccnet_text import normalize_line  # noqa: E402
from signals.classifier import balanced_training_lines, train  # noqa: E402

TEXTS = ROOT / "tests" / "data" / "sample" / "texts"


def documents(n: int) -> list[str]:
    paras = []
    for path in sorted(TEXTS.glob("*/*.txt")):
        ps = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
        paras += ["\n".join(ps[i:i + 4]) for i in range(0, len(ps), 4)]
    return [paras[i % len(paras)] for i in range(n)]


def write_arpa(texts: list[str], path: Path) -> None:
    """A word bigram model with MLE probabilities and zero backoffs (valid ARPA; speed is what matters)."""
    uni, bi = Counter(), Counter()
    for text in texts:
        for line in text.split("\n"):
            words = ["<s>", *normalize_line(line).split(), "</s>"]
            uni.update(words[1:])
            bi.update(zip(words, words[1:], strict=False))
    total = sum(uni.values())
    bigrams = dict(bi.most_common(20_000))
    firsts = Counter()
    for (a, _), c in bi.items():
        firsts[a] += c
    with open(path, "w") as fh:
        fh.write(f"\\data\\\nngram 1={len(uni) + 2}\nngram 2={len(bigrams)}\n\n\\1-grams:\n")
        fh.write("-6.0\t<unk>\t0\n-99\t<s>\t0\n")
        for w, c in uni.items():
            fh.write(f"{math.log10(c / total):.6f}\t{w}\t0\n")
        fh.write("\n\\2-grams:\n")
        for (a, b), c in bigrams.items():
            fh.write(f"{math.log10(c / firsts[a]):.6f}\t{a} {b}\n")
        fh.write("\n\\end\\\n")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs = documents(args.docs)
    mb = sum(len(d.encode()) for d in docs) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        english = [d for d in documents(2000) if d.isascii()][:300]
        arpa = tmp / "en.arpa"
        write_arpa(english, arpa)
        base = SignalConfig(language="en")
        with_lm = SignalConfig(language="en", kenlm_models={"en": str(arpa)})
        signals.annotate(docs[:10], families=["ccnet"], config=with_lm)  # load the model once
        t_plain = timed(lambda: signals.annotate(docs, families=["ccnet"], config=base), args.repeat)
        t_lm = timed(lambda: signals.annotate(docs, families=["ccnet"], config=with_lm), args.repeat)
        rows.append(("ccnet without KenLM", t_plain, ""))
        rows.append(("ccnet with KenLM perplexity", t_lm, f"{t_lm / t_plain:.2f}x the time"))

        negatives = [" ".join(sorted(d.split())) for d in english]  # same words, no prose
        lines = balanced_training_lines([" ".join(d.split()) for d in english], negatives, "__label__hq", 0)
        model = tmp / "clf.bin"
        train(lines, str(model), seed=0, threads=1)
        clf = SignalConfig(classifiers={"bench": str(model)})
        signals.annotate(docs[:10], families=["ml"], config=clf)
        t_clf = timed(lambda: signals.annotate(docs, families=["ml"], config=clf), args.repeat)
        rows.append(("ml: fastText classifier score", t_clf, ""))

        table = signals.annotate(docs, families=["ccnet", "rps_doc", "rps_lines"], config=base)
        import pyarrow as pa

        doc_cols = [pa.array([f"b/{i}" for i in range(len(docs))]), pa.array([None] * len(docs), pa.string()),
                    pa.array(["bench"] * len(docs)), pa.array(range(len(docs)), pa.int64()),
                    pa.array(docs, pa.large_string()), pa.array([None] * len(docs), pa.timestamp("s", tz="UTC")),
                    pa.array([None] * len(docs), pa.string()), pa.array([None] * len(docs), pa.string())]
        full = pa.Table.from_arrays(doc_cols, schema=DOCUMENT_SCHEMA)
        for name in table.column_names:
            full = full.append_column(table.schema.field(name), table.column(name))
        shard = tmp / "bench.parquet"
        pq.write_table(full, shard)
        read_cols = [c for c in full.column_names if c != "text"]
        t_read = timed(lambda: pq.read_table(shard, columns=read_cols).to_pylist(), args.repeat)
        t_export = timed(lambda: export_shard(str(shard), str(tmp / "out"), ExportOptions()), args.repeat)
        rows.append(("export floor: read columns to Python", t_read, ""))
        rows.append(("export rpv2 (JSONL.gz)", t_export, f"{t_export / t_read:.2f}x the floor"))

    print(f"{len(docs):,} documents, {mb:.1f} MB of text, median of {args.repeat}")
    print(f"{'step':42} {'seconds':>8} {'docs/s':>10}  ratio")
    for name, seconds, ratio in rows:
        print(f"{name:42} {seconds:8.3f} {len(docs) / seconds:10,.0f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
