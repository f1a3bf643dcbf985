"""Time `assay report` on a run's output folder (default demo-out): median of --repeat runs in this process.

    python bench/report.py [OUT] --repeat 3
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/select.py would shadow the standard library's `select`: import from the repository root instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from pipeline.cli import main  # noqa: E402


def run(out: str, repeat: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            start = time.perf_counter()
            assert main(["report", out, "-o", str(Path(tmp) / f"r{i}.html")]) == 0
            times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", default="demo-out")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times = run(args.out, args.repeat)
    print(f"report {args.out}: median {statistics.median(times):.2f} s over {len(times)} runs "
          f"({', '.join(f'{t:.2f}' for t in times)})")
