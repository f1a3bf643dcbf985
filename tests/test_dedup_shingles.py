"""Shingle sets and pair Jaccard of exact verification against Python sets of word n-grams."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dedup.inputs import read_rows
from pipeline.dedup.shingles import pair_jaccard, shingle_sets, take_sets
from signals.minhash_oph import word_bytes
from signals.views import normalize

TEXTS = [
    "The quick brown fox jumps over the lazy dog, again and again.",
    "the QUICK brown fox jumps over the lazy dog again and again!!",
    "Ünïcödé wörds\u00a0with non-breaking spaces and\ttabs\nand lines — dashes — and “quotes”.",
    "Ünïcödé wörds with non-breaking spaces and tabs and lines dashes and quotes",
    "too short",
    "",
    "a b c d e a b c d e a b c d e",            # repeated n-grams count once
    "x " * 40,
]


def _python_sets(texts: list[str], scheme: str, n: int) -> list[set[tuple]]:
    out = []
    for t in texts:
        words = word_bytes(t).split() if scheme == "oph" else normalize(t).split(" ")
        words = [w for w in words if w]
        out.append({tuple(words[i:i + n]) for i in range(len(words) - n + 1)})
    return out


@pytest.mark.parametrize("scheme,n", [("oph", 5), ("oph", 3), ("rpv2", 13), ("rpv2", 5)])
def test_sets_and_jaccard_match_python_sets(scheme, n):
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(50)] + ["Ab,", "cD.", "é", "ß", "x-y"]
    base = [list(rng.choice(vocab, int(rng.integers(0, 60)))) for _ in range(30)]
    edited = [[w if rng.random() > 0.05 else "new" for w in words] for words in base]  # partial overlaps
    texts = TEXTS + [" ".join(w) for w in base + edited]
    values, offsets = shingle_sets(texts, scheme, n, seed=42)
    sets = _python_sets(texts, scheme, n)
    assert [int(x) for x in np.diff(offsets)] == [len(s) for s in sets]
    for i in range(len(texts)):  # sorted, no repeats
        own = values[offsets[i]:offsets[i + 1]]
        assert (own[1:] > own[:-1]).all()
    a = rng.integers(0, len(texts), 3000)
    twin = np.where(a >= len(TEXTS) + 30, a - 30, np.minimum(a + 30, len(texts) - 1))
    b = np.select([rng.random(3000) < 0.2, rng.random(3000) < 0.5], [a, twin], rng.integers(0, len(texts), 3000))
    got = pair_jaccard(take_sets(values, offsets, a), take_sets(values, offsets, b))
    want = [len(sets[x] & sets[y]) / len(sets[x] | sets[y]) if sets[x] | sets[y] else 0.0
            for x, y in zip(a, b, strict=True)]
    assert np.array_equal(got, np.array(want))
    assert ((got > 0) & (got < 1)).sum() >= 200 and (got == 1).sum() >= 300  # partial overlaps too
    if scheme == "oph" and n == 5:
        j01 = got[(a == 0) & (b == 1)]
        assert len(j01) == 0 or j01[0] == 1.0      # case and punctuation do not count


def test_read_rows_reads_only_the_wanted_rows_in_order(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(1000)]}), path, row_group_size=70)
    for rows in ([0], [999], [5, 69, 70, 71, 500, 998], list(range(0, 1000, 3))):
        assert read_rows(str(path), "text", np.array(rows), {}).to_pylist() == [f"t{i}" for i in rows]
