"""Import throughput of the RedPajama-V2 and Dolma layouts, beside the floor measured in the same run.

Setup (not timed): the shipped sample through the annotate stage (ccnet, minhash with the rpv2
scheme, rps_doc, rps_lines, assay_extras), --copies copies of each annotated shard, exported with
`assay export --format rpv2 --all-signals` and `--format dolma`.

floor  = gunzip and json.loads every line of the exported files (documents + signals/attributes)
import = `assay import`'s shard function on the same files, writing annotated Parquet

Both run in this process on one core. Prints the median of --repeat runs, documents/s and MB/s of
document text, and import/floor.

    .venv/bin/python bench/interop.py [--copies 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # this folder holds bench/select.py, which would shadow the standard library

import pyarrow.parquet as pq  # noqa: E402

from pipeline.export_rpv2 import ExportOptions, run_export  # noqa: E402
from pipeline.interop import dolma_import, rpv2_import  # noqa: E402
from pipeline.interop.dolma_export import DolmaOptions, run_dolma_export  # noqa: E402
from tests.interop_data import annotate_sample  # noqa: E402

FAMILIES = ("ccnet", "minhash", "rps_doc", "rps_lines", "assay_extras")


def corpus(root: Path, copies: int) -> tuple[list[Path], int, float]:
    """`copies` copies of the annotated sample shards; (files, documents, MB of text)."""
    originals = annotate_sample(root / "one", FAMILIES)
    files, docs, chars = [], 0, 0
    (root / "annotated").mkdir()
    for k in range(copies):
        for original in originals:
            copy = root / "annotated" / f"{original.stem}-copy{k:03d}.parquet"
            shutil.copyfile(original, copy)
            files.append(copy)
            text = pq.read_table(copy, columns=["text"]).column("text").to_pylist()
            docs += len(text)
            chars += sum(len(t.encode("utf-8")) for t in text)
    return files, docs, chars / 1e6


def floor(paths: list[Path]) -> None:
    for path in paths:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                json.loads(line)


def seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of each annotated sample shard")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files, docs, mb = corpus(root, args.copies)
        inputs = [str(f) for f in files]
        run_export(inputs, str(root / "rpv2"), ExportOptions(all_signals=True))
        run_dolma_export(inputs, str(root / "dolma"), DolmaOptions())
        rpv2_docs = sorted(p for p in (root / "rpv2").glob("*.json.gz") if not p.name.endswith(".signals.json.gz"))
        rpv2_shards = [rpv2_import.locate(str(p)) for p in rpv2_docs]
        dolma_docs = sorted((root / "dolma" / "documents").glob("*.jsonl.gz"))
        dolma_shards = [dolma_import.locate(str(p)) for p in dolma_docs]
        rpv2_files = rpv2_docs + sorted((root / "rpv2").glob("*.signals.json.gz"))
        dolma_files = dolma_docs + sorted((root / "dolma" / "attributes").rglob("*.jsonl.gz"))
        assert len(rpv2_docs) == len(dolma_docs) == len(files)

        def import_all(fn: Callable, shards: list, name: str) -> Callable[[], None]:
            def run() -> None:
                out = root / f"imported-{name}"
                shutil.rmtree(out, ignore_errors=True)
                for shard in shards:
                    fn(shard, str(out))
            return run

        rows = [
            ("rpv2", "floor", seconds(lambda: floor(rpv2_files), args.repeat)),
            ("rpv2", "import", seconds(import_all(rpv2_import.import_shard, rpv2_shards, "rpv2"), args.repeat)),
            ("dolma", "floor", seconds(lambda: floor(dolma_files), args.repeat)),
            ("dolma", "import", seconds(import_all(dolma_import.import_dolma_shard, dolma_shards, "dolma"),
                                        args.repeat)),
        ]
    print(f"{len(files)} shards, {docs:,} documents, {mb:.1f} MB of text; CPU seconds, median of {args.repeat}")
    print(f"{'layout':8}{'stage':8}{'seconds':>9}{'docs/s':>10}{'MB/s':>8}{'vs floor':>10}")
    floors = {layout: s for layout, stage, s in rows if stage == "floor"}
    for layout, stage, s in rows:
        print(f"{layout:8}{stage:8}{s:9.3f}{docs / s:10,.0f}{mb / s:8.2f}{s / floors[layout]:9.1f}x")


if __name__ == "__main__":
    main()
