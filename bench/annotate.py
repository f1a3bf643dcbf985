"""Annotation throughput per worker, beside the floor measured in the same run.

floor    = read + decompress + parse (WARC: HTML → text) the shards, building the document table
annotate = the same, plus every signal family and writing annotated Parquet (what one worker does)

Both run in this process on one core, on shards built from the shipped sample (repeated to size).
Prints the median of --repeat runs, documents/s and MB/s of text, and annotate/floor.

    .venv/bin/python bench/annotate.py [--docs 4000] [--repeat 3] [--signals ccnet,rps_doc]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The script's own folder comes first on sys.path; bench/select.py there would shadow the stdlib module.
sys.path[0] = str(ROOT)

from pipeline.annotate import annotate_shard, documents_table  # noqa: E402
from pipeline.readers import ReadStats, read_documents  # noqa: E402
from pipeline.shards import plan_tasks  # noqa: E402
from schemas.config import AnnotateConfig, ReaderConfig  # noqa: E402
from tests.shardgen import html_page, write_jsonl, write_warc  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "sample"


def sample_texts() -> list[tuple[str, str]]:
    out = []
    for shard in sorted(SAMPLE.glob("cc-sample-*")):
        stats = ReadStats(str(shard))
        out += [(d.url or d.id, d.text) for d in read_documents(str(shard), shard.name, ReaderConfig(), stats)]
    return out


def build_shards(folder: Path, n_docs: int) -> list[str]:
    texts = sample_texts()
    docs = [(f"{url}?copy={i // len(texts)}", text) for i, (url, text) in
            zip(range(n_docs), (texts[i % len(texts)] for i in range(n_docs)), strict=True)]
    warc, jsonl = folder / "bench.warc.gz", folder / "bench.jsonl.zst"
    write_warc(str(warc), [(u, html_page("t", t.split("\n")).encode(), "text/html; charset=utf-8") for u, t in docs])
    write_jsonl(str(jsonl), [{"url": u, "text": t} for u, t in docs])
    return [str(warc), str(jsonl)]


def floor(path: str) -> tuple[int, int]:
    stats = ReadStats(path)
    docs = list(read_documents(path, "bench", ReaderConfig(), stats))
    table = documents_table(docs, path)
    return table.num_rows, sum(len(d.text.encode()) for d in docs)


def annotate(path: str, out: str, config_json: str) -> tuple[int, int]:
    (task,) = plan_tasks([path], out)
    report = annotate_shard(task, config_json)
    assert report["status"] == "ok", report
    return report["rows_written"], report["text_bytes"]


def timed(fn, *args) -> tuple[float, int, int]:
    start = time.perf_counter()
    rows, nbytes = fn(*args)
    return time.perf_counter() - start, rows, nbytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=4000, help="documents per shard")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--signals", help="comma-separated families (default: all)")
    args = parser.parse_args()
    families = tuple(args.signals.split(",")) if args.signals else None
    with tempfile.TemporaryDirectory() as tmp:
        shards = build_shards(Path(tmp), args.docs)
        out = os.path.join(tmp, "out")
        config = AnnotateConfig(inputs=tuple(shards), output=out, signals=families, batch_size=1000)
        annotate(shards[1], out, config.model_dump_json())  # warm-up: model loading, caches
        print(f"families: {','.join(families) if families else 'all'}; {args.docs} documents per shard; "
              f"median of {args.repeat}")
        print(f"{'shard':<18}{'stage':<10}{'seconds':>9}{'docs/s':>10}{'MB/s':>8}{'vs floor':>10}")
        for shard in shards:
            runs = {"floor": [], "annotate": []}
            for _ in range(args.repeat):  # interleaved, so both see the same machine load
                runs["floor"].append(timed(floor, shard))
                runs["annotate"].append(timed(annotate, shard, out, config.model_dump_json()))
            base = statistics.median(r[0] for r in runs["floor"])
            for stage, results in runs.items():
                seconds = statistics.median(r[0] for r in results)
                rows, nbytes = results[0][1], results[0][2]
                print(f"{Path(shard).name:<18}{stage:<10}{seconds:>9.3f}{rows / seconds:>10.0f}"
                      f"{nbytes / seconds / 1e6:>8.2f}{seconds / base:>9.1f}x")


if __name__ == "__main__":
    main()
