"""The tokenize stage's throughput beside raw `Tokenizer.encode_batch`, and best-fit against concatenation.

Documents are cut from the shipped sample texts (tests/data/sample/texts): runs of a seeded,
lognormally distributed number of paragraphs (some whole excerpts), repeated under new ids to --mb
MB of text in --files Parquet files. With the shipped tokenizer (jobs/tokenizer/tokenizer.json) and
RAYON_NUM_THREADS=--threads in both, alternating, --repeat times:

  raw    `Tokenizer.encode_batch(texts, add_special_tokens=False)` in this process over the same
         texts in the same batches (the encodings only: no ids copied out, nothing written)
  stage  `run_tokenize` on a LocalCluster of one worker process, started beforehand: plan, read
         Parquet, encode, EOS, intermediates, documents.bin/.idx, best-fit packing, shuffle,
         packed.bin/.idx, cu_seqlens, provenance, summary (a fresh output folder each time)

Prints tokens/s medians (wall clock) and stage / raw, per pair too; and CPU seconds (this process's
for raw; this process's, which runs the scheduler and the packing, plus the worker's for the stage),
the steadier figure on a shared machine. Then the truncation and padding fractions of best-fit and
concatenation at --seq-lens (2048, 8192) over the stage's document lengths.

    .venv/bin/python bench/tokenize.py [--mb 8] [--files 4] [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import os
import sys

# this file is named like the stdlib's `tokenize` (and bench/select.py like `select`): keep its folder
# off the import path
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "tests" / "data" / "sample" / "texts"
TOKENIZER = ROOT / "jobs" / "tokenizer" / "tokenizer.json"


def documents(mb: float, seed: int = 0) -> list[str]:
    """Runs of consecutive paragraphs of each sample text (lognormal lengths), cycled to `mb` MB."""
    import numpy as np

    rng = np.random.default_rng(seed)
    texts = [[p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
             for path in sorted(SAMPLE.glob("*/*.txt"))]
    out: list[str] = []
    size = 0
    while size < mb * 1e6:
        for paragraphs in texts:
            i = 0
            while i < len(paragraphs):
                n = max(1, int(rng.lognormal(2.0, 1.2)))
                doc = "\n\n".join(paragraphs[i:i + n])
                i += n
                out.append(doc)
                size += len(doc.encode())
    return out


def write_inputs(docs: list[str], folder: str, files: int) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = []
    per = -(-len(docs) // files)
    for f in range(files):
        part = docs[f * per:(f + 1) * per]
        path = os.path.join(folder, f"docs-{f:02d}.parquet")
        pq.write_table(pa.table({"id": [f"d{f}-{i}" for i in range(len(part))], "text": part}), path,
                       row_group_size=4096)
        paths.append(path)
    return paths


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=8)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seq-lens", type=int, nargs="+", default=[2048, 8192])
    args = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)  # read by tokenizers in this process and in workers

    import numpy as np
    from tokenizers import Tokenizer

    from pipeline.cluster import dask_client
    from pipeline.tokenize.pack import bestfit, concat
    from pipeline.tokenize.stage import run_tokenize
    from pipeline.tokens import IndexedTokens
    from schemas.config import ClusterConfig
    from schemas.tokens import TokenizeConfig

    docs = documents(args.mb)
    mb = sum(len(d.encode()) for d in docs) / 1e6
    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.encode_special_tokens = True  # as the stage encodes
    batch = 4096
    raw_s, stage_s, raw_cpu, stage_cpu = [], [], [], []
    tokens = 0
    with tempfile.TemporaryDirectory() as tmp:
        inputs = write_inputs(docs, tmp, args.files)
        texts = docs
        with dask_client(ClusterConfig(workers=1, dashboard_address=":0"), quiet=True) as client:
            cluster = ClusterConfig(scheduler=client.scheduler.address)
            for r in range(args.repeat):
                t, c = time.perf_counter(), _cpu()
                n = 0
                for i in range(0, len(texts), batch):
                    n += sum(len(e) for e in tok.encode_batch(texts[i:i + batch], add_special_tokens=False))
                raw_s.append(time.perf_counter() - t)
                raw_cpu.append(_cpu() - c)
                out = os.path.join(tmp, f"out{r}")
                config = TokenizeConfig(inputs=tuple(inputs), output=out, tokenizer=str(TOKENIZER), seq_len=2048,
                                        batch_rows=batch)
                workers = client.run(_cpu)
                t, c = time.perf_counter(), _cpu()
                run_tokenize(config, cluster, quiet=True)
                stage_s.append(time.perf_counter() - t)
                after = client.run(_cpu)
                stage_cpu.append(_cpu() - c + sum(after[w] - workers[w] for w in after))
                tokens = n
        lengths = IndexedTokens(os.path.join(tmp, "out0", "documents")).lengths.astype(np.int64)
        assert int(lengths.sum()) == tokens + len(docs), "the stage's tokens = raw tokens + one EOS per document"
        raw, stage = statistics.median(raw_s), statistics.median(stage_s)
        print(f"corpus: {len(docs):,} documents, {mb:.1f} MB, {tokens:,} tokens (+{len(docs):,} EOS); "
              f"document tokens median {int(np.median(lengths))}, p90 {int(np.percentile(lengths, 90))}, "
              f"max {lengths.max()}; RAYON_NUM_THREADS={args.threads}; {args.repeat} runs each, alternating")
        print(f"raw encode_batch: {tokens / raw:,.0f} tokens/s ({mb / raw:.2f} MB/s), median {raw:.2f} s "
              f"{[round(s, 2) for s in raw_s]}")
        print(f"tokenize stage:   {tokens / stage:,.0f} tokens/s ({mb / stage:.2f} MB/s), median {stage:.2f} s "
              f"{[round(s, 2) for s in stage_s]}")
        paired = [r / s for r, s in zip(raw_s, stage_s, strict=True)]
        print(f"stage / raw throughput: {raw / stage:.1%} (medians); per pair {[f'{x:.1%}' for x in paired]}, "
              f"median {statistics.median(paired):.1%}")
        rc, sc = statistics.median(raw_cpu), statistics.median(stage_cpu)
        print(f"CPU seconds: raw {rc:.2f} ({tokens / rc:,.0f} tokens per CPU-s), stage {sc:.2f} "
              f"({tokens / sc:,.0f} tokens per CPU-s); stage / raw throughput per CPU-s: {rc / sc:.1%}")
        for seq_len in args.seq_lens:
            for name, fn in (("bestfit", bestfit), ("concat", concat)):
                p = fn(lengths, seq_len)
                print(f"seq_len {seq_len:5d} {name:7s}: truncated documents {p.truncated_documents(len(lengths)) / len(lengths):7.2%}"
                      f", padding {p.padding_tokens() / (p.num_sequences * seq_len):6.2%}, {p.num_sequences:,} sequences")


if __name__ == "__main__":
    main()
