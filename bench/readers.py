"""Cost of the guarded decompressing streams (member by member, ratio guard, bounded lines) beside
the unguarded stdlib / zstandard readers, on the same compressed JSONL in one run.

Each variant reads every line of the file; prints the median of --repeat runs in MB/s of
decompressed data and guarded/plain ratios.

    .venv/bin/python bench/readers.py [--mb 60] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # bench/select.py would shadow the stdlib module

import zstandard  # noqa: E402

from pipeline.streams import decompressing, read_bounded_line  # noqa: E402


def corpus(mb: int) -> bytes:
    rng = random.Random(0)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)]
    lines, size = [], 0
    while size < mb << 20:
        line = json.dumps({"text": " ".join(rng.choices(words, k=rng.randint(50, 400)))}).encode() + b"\n"
        lines.append(line)
        size += len(line)
    return b"".join(lines)


def plain_lines(stream) -> int:
    return sum(len(line) for line in stream)


def guarded_lines(stream) -> int:
    total = 0
    while True:
        _, n = read_bounded_line(stream, 64 << 20)
        if not n:
            return total
        total += n


def timed(fn, repeat: int) -> tuple[float, int]:
    times, out = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=60, help="decompressed size of the test file (MiB)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant (the median is printed)")
    args = parser.parse_args()
    data = corpus(args.mb)
    blobs = {"gzip": gzip.compress(data, compresslevel=6), "zstd": zstandard.ZstdCompressor(level=3).compress(data)}
    plain = {
        "gzip": lambda b: plain_lines(gzip.GzipFile(fileobj=io.BytesIO(b))),
        "zstd": lambda b: plain_lines(io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(b), read_across_frames=True), 1 << 20)),
    }
    print(f"{len(data) / 2**20:.0f} MiB of JSONL; median of {args.repeat} runs")
    for codec, blob in blobs.items():
        t_plain, n_plain = timed(lambda b=blob, c=codec: plain[c](b), args.repeat)
        t_guard, n_guard = timed(lambda b=blob, c=codec: guarded_lines(decompressing(io.BytesIO(b), c, 100.0)),
                                 args.repeat)
        assert n_plain == n_guard == len(data)
        mb = len(data) / 1e6
        print(f"{codec}: plain {mb / t_plain:7.1f} MB/s   guarded {mb / t_guard:7.1f} MB/s   "
              f"guarded/plain time {t_guard / t_plain:.2f}x")


if __name__ == "__main__":
    main()
