"""DSIR features and weights per core, side by side with the `data-selection` package on the same data.

Documents are runs of consecutive paragraphs of the shipped sample texts (tests/data/sample/texts),
cycled to --docs documents; the target is the English novel's paragraphs. Both sides use 10,000
buckets, unigrams + bigrams of WordPunct tokens, one process, one core:

  featurize  bucket counts of every document summed into one vector (what fitting does)
             assay: text_features per batch of 1,024 documents (numba kernel over the batch)
             data-selection: get_ngram_counts per document (sha256 per n-gram)
  weights    the log importance weight of every document
             assay: DSIRModel.batch_weights per batch; data-selection: features · log ratio per document
  resample   assay only: `resample` of k = 10% over the documents as annotated Parquet carrying the
             weight column (Gumbel keys, per-file top-k, merge, write the selection), in documents/s

The data-selection side runs in the benchmark's own environment (--reference-python; default
.bench-venv/dsir, created with `pip install data-selection==1.0.3` when absent) through
bench/dsir_reference.py. The two differ in what they hash (data-selection lowercases, assay keeps
case) and in the hash (sha256 vs XXH64), not in the amount of work per n-gram. Prints medians of
--repeat runs.

    .venv/bin/python bench/dsir.py [--docs 20000] [--repeat 3]
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]  # bench/signals.py

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.dsir import resample  # noqa: E402
from signals.dsir import DSIRModel, text_features  # noqa: E402
from signals.ml import importance_column  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "sample" / "texts"
REFERENCE_VENV = ROOT / ".bench-venv" / "dsir"
BATCH = 1024


def documents(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    texts = [[p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
             for path in sorted(SAMPLE.glob("*/*.txt"))]
    out: list[str] = []
    while len(out) < n:
        for paragraphs in texts:
            i = 0
            while i < len(paragraphs) and len(out) < n:
                k = max(1, int(rng.lognormal(1.5, 0.8)))
                out.append("\n\n".join(paragraphs[i:i + k]))
                i += k
    return out


def reference_python(path: str | None) -> str:
    if path:
        return path
    python = REFERENCE_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {REFERENCE_VENV} (data-selection==1.0.3)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(REFERENCE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "data-selection==1.0.3"], check=True)
    return str(python)


def batches(docs: list[str]) -> list[list[str]]:
    return [docs[i:i + BATCH] for i in range(0, len(docs), BATCH)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-python", help="python of an environment with data-selection installed")
    args = parser.parse_args()

    docs = documents(args.docs)
    target = [p for p in (SAMPLE / "en" / "carroll_alice.txt").read_text(encoding="utf-8").split("\n\n")
              if p.strip()]
    mb = sum(len(d.encode()) for d in docs) / 1e6
    buckets = 10_000
    model = DSIRModel(sum(text_features(b, buckets).counts(buckets) for b in batches(target)),
                      sum(text_features(b, buckets).counts(buckets) for b in batches(docs)), target="bench")
    text_features(docs[:10], buckets)  # compile

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for name, texts in (("docs", docs), ("target", target)):
            with open(tmp_path / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"text": t}) + "\n" for t in texts)
        model.save(str(tmp_path / "bench.json"))
        weights = np.concatenate([model.batch_weights(b) for b in batches(docs)])
        annotated = tmp_path / "annotated"
        annotated.mkdir()
        schema_meta = {"ml.dsir.bench.sha256": model.digest}
        for f in range(4):
            table = pa.table({"id": [f"d{i:07d}" for i in range(f, len(docs), 4)], "text": docs[f::4],
                              importance_column("bench"): pa.array(weights[f::4], pa.float32())})
            pq.write_table(table.replace_schema_metadata(schema_meta), annotated / f"part-{f}.parquet")

        times: dict[str, list[float]] = {"featurize": [], "weights": [], "resample": []}
        for r in range(args.repeat):
            start = time.perf_counter()
            counts = np.zeros(buckets, np.int64)
            for b in batches(docs):
                counts += text_features(b, buckets).counts(buckets)
            times["featurize"].append(time.perf_counter() - start)
            start = time.perf_counter()
            for b in batches(docs):
                model.batch_weights(b)
            times["weights"].append(time.perf_counter() - start)
            start = time.perf_counter()
            resample([str(annotated)], str(tmp_path / "bench.json"), len(docs) // 10, str(tmp_path / f"out{r}"))
            times["resample"].append(time.perf_counter() - start)

        python = reference_python(args.reference_python)
        ref = json.loads(subprocess.run(
            [python, str(ROOT / "bench" / "dsir_reference.py"), str(tmp_path / "docs.jsonl"),
             str(tmp_path / "target.jsonl"), "--repeat", str(args.repeat)],
            check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""}).stdout)

    print(f"{len(docs):,} documents, {mb:.1f} MB, {buckets:,} buckets, median of {args.repeat}, one core")
    print(f"{'what':<34}{'seconds':>9}{'docs/s':>11}{'MB/s':>8}  ratio")
    rows = [("featurize: data-selection", statistics.median(ref["featurize"]), ""),
            ("featurize: assay", statistics.median(times["featurize"]),
             f"{statistics.median(ref['featurize']) / statistics.median(times['featurize']):.1f}x faster"),
            ("weights: data-selection", statistics.median(ref["weights"]), ""),
            ("weights: assay", statistics.median(times["weights"]),
             f"{statistics.median(ref['weights']) / statistics.median(times['weights']):.1f}x faster"),
            ("resample k=10% (assay, in-process)", statistics.median(times["resample"]), "")]
    for what, seconds, ratio in rows:
        print(f"{what:<34}{seconds:>9.3f}{len(docs) / seconds:>11,.0f}{mb / seconds:>8.2f}  {ratio}")


if __name__ == "__main__":
    main()
