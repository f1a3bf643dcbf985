"""Build jobs/tokenizer/tokenizer.json: byte-level BPE, vocabulary 8,192, trained on the sample texts shipped
under tests/data/sample/texts: five public-domain Project Gutenberg excerpts and the UN's Universal
Declaration of Human Rights in seven languages (free to reproduce); see texts/SOURCES.md.

    PYTHONPATH=. python jobs/tokenizer/build_tokenizer.py      # rewrites tokenizer.json (deterministic)
"""

from __future__ import annotations

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from pipeline.tokenize.train import train_bpe  # noqa: E402

# Public domain (authors dead for over a century, published before 1929) and the UDHR (free reproduction).
TEXTS = ("de/kafka_verwandlung.txt", "en/carroll_alice.txt", "es/cervantes_quijote.txt",
         "fr/flaubert_madame_bovary.txt", "it/manzoni_promessi_sposi.txt",
         *(f"{lang}/udhr.txt" for lang in ("de", "en", "es", "fr", "it", "nl", "pt")))


def main() -> None:
    folder = os.path.join(ROOT, "tests", "data", "sample", "texts")
    missing = sorted(set(TEXTS) - {os.path.relpath(p, folder) for p in glob.glob(os.path.join(folder, "*", "*.txt"))})
    if missing:
        raise SystemExit(f"missing sample texts: {missing}")
    paragraphs = []
    for name in TEXTS:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            paragraphs.extend(p for p in f.read().split("\n\n") if p.strip())
    tokenizer = train_bpe(paragraphs, vocab_size=8192, min_frequency=2)
    path = os.path.join(HERE, "tokenizer.json")
    tokenizer.save(path, pretty=False)
    print(f"{path}: vocabulary {tokenizer.get_vocab_size()}, {os.path.getsize(path):,} bytes")


if __name__ == "__main__":
    main()
