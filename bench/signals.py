"""Signal throughput per core: the batch implementation beside the per-document oracle, in one run.

For each family (rps_doc, rps_lines, assay_extras, ccnet) and for the full set (all four; the
language of rps_doc's stop words and bad words then comes from ccnet's fastText LID, computed once),
prints documents/s and MB/s of UTF-8 text for `fast` (signals.annotate) and for `oracle`
(one document at a time: tests/oracle_signals.py, and fastText's own `predict` for ccnet's
language ID), the median of --repeat interleaved runs, and fast/oracle. Then the same full-set
rate as a share of `text.lower().split()` on the same text, a machine-speed yardstick. Per-family runs and `rps+extras` (the three families together) force language "en"
(no LID). Rates are per CPU-second of this process (the machine may be shared); the last column
is the wall-clock ratio. Then the CPU time of each shared view and of each family's own work on
the full set, and with --profile the top functions under cProfile.

Text (--corpus sample, the default): tests/data/sample/texts/**/*.txt (public-domain books and the
UDHR in several languages), cut into documents of about --doc-chars characters at paragraph breaks
and repeated to --mb MB. --corpus real: documentation pages of this machine, built once and cached
(see real_corpus): man pages as `man` renders them and as troff source, /usr/share/doc files
(READMEs, changelogs, copyright files, HTML), the licences in /usr/share/common-licenses and the
Python standard library's modules, each file one page, files over 16 KB cut at blank lines into
pages of about 6 KB, in a seeded shuffle, --mb MB of them (each page once).
One core: polars, BLAS and fastText are limited to one thread.

    .venv/bin/python bench/signals.py [--corpus sample|real] [--mb 4] [--repeat 3] [--batch 1000] [--profile]

--annotate prints only the headline: `signals.annotate(texts, language="en")`, all families, one
process, warm, on the sample and on the real corpus (MB/s per CPU-second, median of --repeat), and
with --against REF the same rows for the code of git revision REF (e.g. main), exported to a
temporary folder; both trees are then timed in fresh worker processes (one warm-up, one pass; the
language-ID token cache starts empty in each), alternating:

    .venv/bin/python bench/signals.py --annotate --against main --repeat 5
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, where bench/signals.py and other
# bench modules would shadow the `signals` package and the standard library: drop it.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

for _var in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sysconfig  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("ASSAY_BENCH_CODE"):  # a --worker timing another checkout's code (see --against)
    sys.path.insert(0, os.environ["ASSAY_BENCH_CODE"])

from tqdm import tqdm  # noqa: E402

import signals  # noqa: E402
from schemas.config import SignalConfig  # noqa: E402
from signals.batch import TextBatch  # noqa: E402
from signals.ccnet import count_lines  # noqa: E402
from signals.families import build_families  # noqa: E402
from signals.models import fasttext_model, lid176_path  # noqa: E402
from signals.registry import compute_families  # noqa: E402
from signals.tablecache import cache_dir  # noqa: E402
from signals.wordlists import bad_words, stop_words  # noqa: E402
from tests import oracle_signals as oracle  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "sample" / "texts"
FALLBACK = [Path("/usr/share/common-licenses")]
MINE = ["rps_doc", "rps_lines", "assay_extras"]


def load_documents(mb: float, doc_chars: int) -> list[str]:
    files = sorted(SAMPLE.glob("**/*.txt")) if SAMPLE.is_dir() else []
    if not files:
        files = [p for d in FALLBACK if d.is_dir() for p in sorted(d.iterdir()) if p.is_file()]
    docs: list[str] = []
    for path in files:
        paragraphs = path.read_text(encoding="utf-8", errors="replace").split("\n\n")
        current: list[str] = []
        for p in paragraphs:
            current.append(p)
            if sum(map(len, current)) >= doc_chars:
                docs.append("\n\n".join(current))
                current = []
        if current:
            docs.append("\n\n".join(current))
    if not docs:
        raise SystemExit("no text found")
    out: list[str] = []
    size = 0
    while size < mb * 1e6:
        for d in docs:
            out.append(d)
            size += len(d.encode("utf-8"))
    return out


REAL_SOURCES = [Path("/usr/share/man"), Path("/usr/share/doc"), Path("/usr/share/common-licenses"),
                Path(sysconfig.get_paths()["stdlib"])]
RENDERED_MAN_PAGES = 400  # `man` takes ~0.1 s a page: the rest are read as troff source
PAGE_MAX, PAGE_CUT = 16_000, 6_000


def _read_page_file(path: Path) -> str | None:
    """The text of a documentation file (gunzipped), None for binary or unreadable files."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", errors="replace")


def _rendered_man_page(path: Path) -> str | None:
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "", "LC_ALL": "C.UTF-8"}
    try:
        done = subprocess.run(["man", "-E", "UTF-8", "-P", "cat", "-l", str(path)], capture_output=True, env=env,
                              timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 and done.stdout else None


def _pages(text: str) -> list[str]:
    """One page, or pages of about PAGE_CUT characters cut at blank lines when over PAGE_MAX."""
    if len(text) <= PAGE_MAX:
        return [text]
    out, current, size = [], [], 0
    for part in text.split("\n\n"):
        current.append(part)
        size += len(part) + 2
        if size >= PAGE_CUT:
            out.append("\n\n".join(current))
            current, size = [], 0
    if current:
        out.append("\n\n".join(current))
    return out


def real_corpus(mb: float, seed: int = 15) -> list[str]:
    """--mb MB of this machine's documentation pages (see the module docstring), cached on disk."""
    path = cache_dir() / f"bench-real-pages-{mb:g}mb-{seed}.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    files = sorted(p for d in REAL_SOURCES if d.is_dir() for p in d.rglob("*")
                   if p.is_file() and not p.is_symlink() and p.suffix in {"", ".gz", ".txt", ".md", ".rst", ".html",
                                                                        ".py", ".Debian", ".1", ".3", ".5", ".7", ".8"})
    random.Random(seed).shuffle(files)
    man = [p for p in files if "/man/" in str(p)]
    rendered = set(man[:RENDERED_MAN_PAGES])
    out: list[str] = []
    size = 0
    for p in tqdm(files, desc="reading documentation pages", unit="file"):
        text = _rendered_man_page(p) if p in rendered else _read_page_file(p)
        if not text or len(text) < 200:
            continue
        for page in _pages(text):
            out.append(page)
            size += len(page.encode("utf-8"))
        if size >= mb * 1e6:
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for page in out:
            f.write(json.dumps(page) + "\n")
    os.replace(tmp, path)
    return out


def batches(docs: list[str], size: int) -> list[list[str]]:
    return [docs[i:i + size] for i in range(0, len(docs), size)]


def run_fast(families: list[str], language: str | None) -> Callable[[list[str]], object]:
    built = build_families(families, SignalConfig(language=language))
    return lambda texts: compute_families(built, TextBatch(texts, None, language))


def run_oracle(families: list[str], language: str | None) -> Callable[[list[str]], object]:
    """The plain reference, one document at a time: fastText's own predict for ccnet's language ID
    (plus length and lines), tests/oracle_signals.py for the rest."""
    lid = fasttext_model(lid176_path()) if "ccnet" in families else None

    def run(texts: list[str]) -> object:
        rows = []
        for text in texts:
            row: dict = {}
            lang = language
            if lid is not None:
                labels, probs = lid.predict(text.replace("\n", " "), k=1)
                row.update(ccnet_length=len(text), ccnet_nlines=count_lines(text), ccnet_language=labels[0][9:],
                           ccnet_language_score=float(probs[0]))
                lang = lang or row["ccnet_language"]
            if "rps_doc" in families:
                row.update(oracle.rps_doc(text, lang, stop_words(lang), bad_words(lang)))
            if "rps_lines" in families:
                row.update(oracle.rps_lines(text))
            if "assay_extras" in families:
                row.update(oracle.assay_extras(text))
            rows.append(row)
        return rows

    return run


def yardstick(docs: list[str], repeat: int) -> float:
    """Median CPU seconds of `text.lower().split()` over the documents: a machine-speed reference."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for d in docs:
            d.lower().split()
        times.append(time.process_time() - start)
    return statistics.median(times)


def timed(fn: Callable[[list[str]], object], parts: list[list[str]]) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds). CPU time is the per-core figure: the machine
    may be shared, and every library here is held to one thread."""
    cpu, wall = time.process_time(), time.perf_counter()
    for texts in parts:
        fn(texts)
    return time.process_time() - cpu, time.perf_counter() - wall


def view_breakdown(parts: list[list[str]], repeat: int) -> list[tuple[str, float]]:
    """CPU seconds spent in each shared view and each family's own work on the full set (in the
    sub-batches compute_families makes), the median over `repeat` passes."""
    from signals.arrays import raw_text_view, raw_tokens_view, words_view
    from signals.langid import identify
    from signals.ngrams import ngram_view
    from signals.registry import SUB_BATCH_CHARS  # here: --against workers run older code

    built = build_families(["ccnet", *MINE], SignalConfig())
    steps: dict[str, list[float]] = {}
    for run in range(repeat):
        for batch in (sub for texts in parts for sub in TextBatch(texts).parts(SUB_BATCH_CHARS)):
            grams = lambda b=batch: b.view("ngrams", ngram_view)  # noqa: E731
            work: list[tuple[str, Callable[[], object]]] = [
                ("view: lid.176 language ID", lambda b=batch: b.view("lid", identify)),
                ("view: raw code points + lines", lambda b=batch: b.view("raw_text", raw_text_view)),
                ("view: WordPunct token counts", lambda b=batch: b.view("raw_tokens", raw_tokens_view)),
                ("view: normalized words", lambda b=batch: b.view("words", words_view)),
                ("view: word first occurrences", lambda b=batch: b.view("words", words_view).first),
                ("view: n-gram classes 2..10", lambda g=grams: [g().level(n) for n in range(2, 11)]),
                *((f"family: {f.name}", lambda f=f, b=batch: compute_families([f], b)) for f in built),
            ]
            for name, fn in work:
                start = time.process_time()
                fn()
                spent = steps.setdefault(name, [0.0] * repeat)
                spent[run] += time.process_time() - start
    return [(name, statistics.median(times)) for name, times in steps.items()]


def annotate_seconds(docs: list[str], batch: int) -> float:
    """CPU seconds of signals.annotate(texts, language="en"), all families, over the documents in batches."""
    start = time.process_time()
    for texts in batches(docs, batch):
        signals.annotate(texts, language="en")
    return time.process_time() - start


def corpus(name: str, mb: float | None, doc_chars: int) -> list[str]:
    return real_corpus(mb or 121.0) if name == "real" else load_documents(mb or 4.0, doc_chars)


def worker_seconds(code: Path, name: str, mb: float | None, args: argparse.Namespace) -> float:
    """One warm annotate pass over a corpus in a fresh process running the code in `code`."""
    env = {**os.environ, "ASSAY_BENCH_CODE": str(code)}
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--corpus", name, "--batch", str(args.batch),
           "--doc-chars", str(args.doc_chars)] + (["--mb", str(mb)] if mb else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"worker for {code or ROOT} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def headline(args: argparse.Namespace) -> None:
    """annotate MB/s on the sample and the real corpus, for this checkout and --against's revision."""
    trees: list[tuple[str, Path | None]] = [("this checkout", None)]
    tmp = None
    if args.against:  # both trees in fresh worker processes: neither starts with the other's warm caches
        trees = [("this checkout", ROOT)]
        tmp = tempfile.TemporaryDirectory(prefix="assay-bench-")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.against], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp.name], input=archive.stdout, check=True)
        trees.insert(0, (args.against, Path(tmp.name)))
    print(f'signals.annotate(texts, language="en"), all families, batches of {args.batch}, one process, warm; '
          f"MB/s per CPU-second, median of {args.repeat} (runs alternate between code trees)")
    for _, code in trees:  # a first run compiles the other tree's kernels into its numba cache: not timed
        if code:
            worker_seconds(code, "sample", 0.5, args)
    signals.annotate(load_documents(0.5, args.doc_chars)[:50], language="en")
    rates: dict[tuple[str, str], float] = {}
    for name in ("sample", "real"):
        size = args.mb if name == "real" else None
        docs = corpus(name, size, args.doc_chars)
        mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
        times: dict[str, list[float]] = {label: [] for label, _ in trees}
        for _ in range(args.repeat):
            for label, code in trees:
                times[label].append(worker_seconds(code, name, size, args) if code
                                    else annotate_seconds(docs, args.batch))
        for label, _ in trees:
            rates[(name, label)] = mb / statistics.median(times[label])
            spread = ", ".join(f"{mb / t:.1f}" for t in times[label])
            print(f"  {name:<7}{len(docs):>7} docs {mb:>7.1f} MB  {label:<14}{rates[(name, label)]:>7.2f} MB/s  "
                  f"(runs: {spread})")
    if args.against:
        for name in ("sample", "real"):
            print(f"  {name}: this checkout / {args.against} = "
                  f"{rates[(name, 'this checkout')] / rates[(name, args.against)]:.2f}x")
    print(f"  real / sample per byte (this checkout): "
          f"{rates[('real', 'this checkout')] / rates[('sample', 'this checkout')]:.2f}")
    if tmp:
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["sample", "real"], default="sample",
                        help="sample: the shipped books, repeated; real: this machine's documentation pages (cached)")
    parser.add_argument("--mb", type=float, default=None,
                        help="MB of text per run (default 4; 121 with --corpus real; with --annotate, of the real corpus)")
    parser.add_argument("--doc-chars", type=int, default=3000, help="characters per document")
    parser.add_argument("--batch", type=int, default=1000, help="documents per batch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the fast full set")
    parser.add_argument("--annotate", action="store_true",
                        help="only the headline: annotate MB/s, all families, on the sample and the real corpus")
    parser.add_argument("--against", metavar="REF", help="with --annotate: also time git revision REF's code")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # warm up, then print the CPU seconds of one annotate pass
        docs = corpus(args.corpus, args.mb, args.doc_chars)
        signals.annotate(docs[:50], language="en")
        print(annotate_seconds(docs, args.batch))
        return
    if args.annotate:
        headline(args)
        return

    if args.corpus == "real":
        docs = real_corpus(args.mb or 121.0)
    else:
        docs = load_documents(args.mb or 4.0, args.doc_chars)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    parts = batches(docs, args.batch)
    print(f"{args.corpus} corpus: {len(docs)} documents, {mb:.2f} MB of text, batches of {args.batch}, median of {args.repeat} runs, "
          f"one core")
    signals.annotate(docs[:50], families=["ccnet", *MINE])  # warm up: tables, word lists, LID model

    cases = [(name, [name], "en") for name in MINE] + [("rps+extras", MINE, "en"), ("ccnet", ["ccnet"], None),
                                                        ("full set", ["ccnet", *MINE], None)]
    print(f"{'family':<14}{'fast docs/s':>13}{'fast MB/s':>11}{'oracle docs/s':>15}{'oracle MB/s':>13}"
          f"{'fast/oracle':>13}{'(wall)':>9}")
    for label, families, language in cases:
        fast, slow = run_fast(families, language), run_oracle(families, language)
        t_fast, t_slow = [], []
        for _ in range(args.repeat):
            t_fast.append(timed(fast, parts))
            t_slow.append(timed(slow, parts))
        f = statistics.median(t[0] for t in t_fast)
        s = statistics.median(t[0] for t in t_slow)
        wall = statistics.median(t[1] for t in t_slow) / statistics.median(t[1] for t in t_fast)
        print(f"{label:<14}{len(docs) / f:>13.0f}{mb / f:>11.2f}{len(docs) / s:>15.0f}{mb / s:>13.2f}"
              f"{s / f:>12.1f}x{wall:>8.1f}x")
        if label == "full set":
            full = f
    stick = yardstick(docs, args.repeat)
    print(f"\nyardstick text.lower().split(): {mb / stick:.1f} MB/s; the full set runs at "
          f"{100 * stick / full:.1f}% of it (10 MB/s on a machine where the yardstick runs at 100 MB/s is 10%)")

    print(f"\nwhere the fast full set spends its CPU time (median of {args.repeat} passes):")
    steps = view_breakdown(parts, args.repeat)
    total = sum(t for _, t in steps)
    for name, seconds in steps:
        print(f"  {name:<34}{seconds * 1000:>9.0f} ms {100 * seconds / total:>5.1f}%")

    if args.profile:
        fast = run_fast(["ccnet", *MINE], None)
        profiler = cProfile.Profile()
        profiler.enable()
        timed(fast, parts)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
