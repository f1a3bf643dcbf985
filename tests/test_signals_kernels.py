"""The numba kernels behind the batch views (signals/kernels.py), each against plain Python."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import chartables as ct
from signals import kernels
from signals.arrays import lowered_nfd, raw_text_view, raw_tokens_view, vocabulary, words_view
from signals.batch import TextBatch
from signals.ngrams import NgramClasses
from signals.rounding import round8
from signals.rps_doc import COMPENSATED_SUM
from tests.test_signals_rps_oracle import TEXT, assert_equal_to_oracle

FULL = np.uint64(kernels.HASH_MASK)
NONE = np.uint64(0)  # every hash equal: every equality is decided on the code points


def codes_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes, np.concatenate([[0], np.cumsum([len(t) for t in texts])]).astype(np.int64)


def split(codes: np.ndarray, start: np.ndarray) -> list[str]:
    return [codes[a:b].tobytes().decode("utf-32-le", "surrogatepass") for a, b in zip(start[:-1], start[1:], strict=True)]


def lower_nfd(texts: list[str]) -> list[str]:
    t = ct.lower_nfd_tables()
    codes, start = codes_of(texts)
    return split(*kernels.lower_nfd(codes, start, t.mapping, t.multi_start, t.multi_codes, t.ccc, t.sigma))


def test_lower_nfd_equals_python_on_every_code_point():
    chars = [chr(c) for c in range(ct.MAX_CODE)]
    assert lower_nfd(chars) == [lowered_nfd(c) for c in chars]


# Capital sigma with cased, case-ignorable (' . : ^ ` U+00AD U+02B0 U+0345) and other neighbours, ASCII
# punctuation (deleted before lower(), so it is no context), non-starters of several classes (reordered
# by NFD, also across deleted punctuation), and characters that lower() or NFD expand.
CONTEXT = st.lists(st.sampled_from(
    ["\u03a3", "\u03c3", "A", "a", "\u0391", "'", ".", ":", "^", "`", "\u00ad", "\u02b0", "\u0345", "-", " ", "\n",
     ",", "!", "\u0301", "\u0316", "\u0334", "\u05b0", "\u0327", "\u1dce", "\u0130", "\u212a", "\u00e9", "\u1f82",
     "\uac00", "\u037e", "\ud800", "1", "\u00c5"]), max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(CONTEXT, min_size=1, max_size=4))
def test_lower_nfd_handles_final_sigma_and_canonical_order(texts):
    assert lower_nfd(texts) == [lowered_nfd(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=4))
def test_lower_nfd_on_random_text(texts):
    assert lower_nfd(texts) == [lowered_nfd(t) for t in texts]


def reference_hash(text: str) -> int:
    """The run hash in plain Python: polynomial in BASE over the code points, plus length * LENGTH_MIX, mod 2**64."""
    h = 0
    for ch in text:
        h = (h * int(kernels._BASE) + ord(ch)) % 2**64
    return (h + len(text) * int(kernels._LENGTH_MIX)) % 2**64


def test_hashes_are_the_polynomial_run_hash():
    texts = ["The cat, the CAT; thé 42!", "", "\U0001f600 x\u0301"]
    batch = TextBatch(texts)
    for runs in (batch.view("raw_tokens", raw_tokens_view), batch.view("words", words_view)):
        expected = [reference_hash(runs.codes[p:p + n].tobytes().decode("utf-32-le"))
                    for p, n in zip(runs.pos.tolist(), runs.length.tolist(), strict=True)]
        assert runs.hash.tolist() == expected
        assert kernels.run_hashes(runs.codes, runs.pos, runs.pos + runs.length).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_wordpunct_tokens_are_the_regex_tokens(texts):
    """The tokens of the `regex` engine's \\w+|[^\\w\\s]+ (RedPajama-V2's raw words, signals/views.py)."""
    raw = raw_text_view(TextBatch(texts))
    pos, length, _, count, with_ascii, caps = kernels.wordpunct_tokens(raw.codes, raw.doc_start, ct.properties())
    spans = [(int(raw.doc_start[d]) + m.start(), len(m.group())) for d, t in enumerate(texts)
             for m in regex.finditer(r"\w+|[^\w\s]+", t)]
    assert list(zip(pos.tolist(), length.tolist(), strict=True)) == spans
    tokens = [regex.findall(r"\w+|[^\w\s]+", t) for t in texts]
    assert count.tolist() == [len(x) for x in tokens]
    assert with_ascii.tolist() == [sum(re.search("[a-zA-Z]", w) is not None for w in x) for x in tokens]
    assert caps.tolist() == [sum(w.isupper() for w in x) for x in tokens]
    sentences, symbols, curly = kernels.document_marks(raw.codes, raw.doc_start, ct.properties())
    assert sentences.tolist() == [len(re.findall(r"\b[^.!?]+[.!?]*", t)) for t in texts]
    assert symbols.tolist() == [t.count("#") + t.count("...") + t.count("\u2026") for t in texts]
    assert curly.tolist() == [t.count("{") + t.count("}") for t in texts]


LINE_ENDS = st.lists(st.sampled_from([".", "..", "...", "\u2026", "!", "?", "\u201d", "\u2022", "\u2013", "a", " ",
                                       "\t", "\n", "\u3000", "\U0001f600", "\x00"]), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE_ENDS, min_size=1, max_size=5))
def test_line_ends_match_rstrip_and_lstrip(texts):
    """Each segment's first and last non-whitespace code point, and ellipsis_lines, against
    str.lstrip / str.rstrip of each line."""
    raw = raw_text_view(TextBatch(texts))
    lines = [re.findall(r"[^\n]*\n|[^\n]+$", t) for t in texts]
    ellipsis = kernels.ellipsis_lines(raw.codes, raw.segs.start, raw.segs.doc, raw.last_nonspace, raw.last_char,
                                      len(texts))
    assert ellipsis.tolist() == [sum(x.rstrip().endswith(("...", "\u2026")) for x in doc) for doc in lines]
    segs = raw.segs.lines
    assert raw.last_char[segs].tolist() == [ord(x.rstrip()[-1]) if x.strip() else 0 for doc in lines for x in doc]
    assert raw.first_char[segs].tolist() == [ord(x.lstrip()[0]) if x.strip() else 0 for doc in lines for x in doc]


WORDS = st.lists(st.lists(st.sampled_from(["a", "b", "ab", "ba", "é", "e\u0301", "aa"]), max_size=30), min_size=1,
                 max_size=5)


def runs_of(docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    words = [w for doc in docs for w in doc]
    codes, pos = codes_of(words)
    length = np.diff(pos)
    group = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    return codes, pos[:-1], length, kernels.run_hashes(codes, pos[:-1], pos[1:]), group


@settings(max_examples=200, deadline=None)
@given(WORDS, st.sampled_from([FULL, NONE]))
def test_first_occurrences_are_exact(docs, mask):
    codes, pos, length, hashes, group = runs_of(docs)
    first, count, distinct = kernels.first_occurrences(codes, pos, length, hashes, group, mask)
    expected, counts = [], []
    for d, doc in enumerate(docs):
        seen: dict[str, int] = {}
        expected += [seen.setdefault(w, int(group[d]) + i) for i, w in enumerate(doc)]
        tally = Counter(doc)
        counts += [tally[w] if seen[w] == int(group[d]) + i else 0 for i, w in enumerate(doc)]
    assert first.tolist() == expected
    assert count.tolist() == counts
    assert distinct.tolist() == [len(set(doc)) for doc in docs]


@settings(max_examples=200, deadline=None)
@given(WORDS, st.sets(st.sampled_from(["a", "ab", "é", "b", "xyz", ""]), max_size=4), st.sampled_from([FULL, NONE]))
def test_lookup_is_exact(docs, entries, mask):
    codes, pos, length, hashes, group = runs_of(docs)
    table = vocabulary(frozenset(entries), int(mask))
    on = np.array([d % 2 == 0 for d in range(len(docs))])
    ids, hits = kernels.lookup(np.zeros(0, np.int64), codes, pos, length, hashes, group, on, mask, table.codes,
                               table.offsets, table.lengths, table.hashes, table.slots, table.length_mask)
    expected = [table.entries.index(w) if on[d] and w in entries else -1 for d, doc in enumerate(docs) for w in doc]
    assert ids.tolist() == expected
    assert hits.tolist() == [sum(w in entries for w in doc) if on[d] else 0 for d, doc in enumerate(docs)]
    first, _, _ = kernels.first_occurrences(codes, pos, length, hashes, group, mask)
    ids, hits = kernels.lookup(first, codes, pos, length, hashes, group, on, mask, table.codes, table.offsets,
                               table.lengths, table.hashes, table.slots, table.length_mask)
    assert ids.tolist() == expected
    assert hits.tolist() == [sum(w in entries for w in doc) if on[d] else 0 for d, doc in enumerate(docs)]


def _neumaier(values: list[float]) -> float:
    hi = lo = 0.0
    for x in values:
        t = hi + x
        lo += (hi - t) + x if abs(hi) >= abs(x) else (x - t) + hi
        hi = t
    return hi + lo if lo and math.isfinite(lo) else hi


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), max_size=40), min_size=1, max_size=4))
def test_entropy_adds_like_python(doc_counts):
    # Words as runs of their class: doc d holds counts[k] copies of class k, first occurrences in order.
    first, count, start = [], [], [0]
    for counts in doc_counts:
        base = start[-1]
        order = [base + sum(counts[:k]) for k in range(len(counts)) for _ in range(counts[k])]
        first += order
        count += [counts[k] if j == 0 else 0 for k in range(len(counts)) for j in range(counts[k])]
        start.append(base + sum(counts))
    args = (np.array(first, dtype=np.int64), np.array(count, dtype=np.int64), np.array(start, dtype=np.int64))
    terms = [[-c / sum(cs) * math.log(c / sum(cs)) for c in cs] for cs in doc_counts]
    plain = kernels.entropy(*args, False).tolist()
    compensated = kernels.entropy(*args, True).tolist()
    assert plain == [_left_to_right(t) for t in terms]
    assert compensated == [_neumaier(t) for t in terms]
    assert (compensated if COMPENSATED_SUM else plain) == [sum(t) for t in terms]


def _left_to_right(values: list[float]) -> float:
    total = 0.0
    for x in values:
        total += x
    return total


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "ab"]), max_size=40), min_size=1, max_size=4))
def test_ngram_levels_are_the_repeated_ngrams(docs):
    words = words_view(TextBatch([" ".join(doc) for doc in docs]))
    grams = NgramClasses(words)
    starts = words.start.tolist()
    for n in range(2, 11):
        level = grams.level(n)
        listed = dict(zip(level.pos.tolist(), zip(level.cls.tolist(), level.count.tolist(), strict=True), strict=True))
        for d, doc in enumerate(docs):
            tuples = [tuple(doc[i:i + n]) for i in range(len(doc) - n + 1)]
            tally = Counter(tuples)
            firsts: dict[tuple[str, ...], int] = {}
            for i, g in enumerate(tuples):
                firsts.setdefault(g, i)
                cls, count = listed.get(starts[d] + i, (None, 1))
                assert count == tally[g]
                if tally[g] > 1:
                    assert cls == starts[d] + firsts[g]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="lorem ipsuLOREMé\u0301x", max_size=30), min_size=1, max_size=5))
def test_docs_containing_is_str_in(texts):
    patterns = ["lorem", "or", "m i", "\u0301x"]
    codes, start = codes_of(texts)
    pcodes, pstart = codes_of(patterns)
    found = kernels.docs_containing(codes, start, pcodes, pstart).reshape(len(texts), len(patterns))
    assert found.tolist() == [[p in t for p in patterns] for t in texts]


@pytest.fixture
def colliding_hashes(monkeypatch):
    """Every run hash masked to 0: all words, tokens, lines and paragraphs share one probe chain."""
    monkeypatch.setattr(kernels, "HASH_MASK", 0)


def test_batch_equals_oracle_when_every_hash_collides(colliding_hashes):
    texts = ["the cat and the hat, the cat!\njavascript JavaScript java", "2 girls 1 cup and fuck the the",
             "a b a b a b a b a b c", "", "Und der Hund und die Katze", "x\ny\nx\n\n\npara\n\nx\ny\nx",
             "blow job blow\nblow job"]
    assert_equal_to_oracle(texts, "en")
    assert_equal_to_oracle(texts[-3:], "de")


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_random_batches_equal_oracle_when_every_hash_collides(texts):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernels, "HASH_MASK", 0)
        assert_equal_to_oracle(texts, "en")


AWKWARD_FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-9, 5e-9, 4.9999999e-9, 0.123456785, 0.123456775, -0.123456785,
                  2.675e-8, 1.0000000050000001, 0.999999995, 1 / 3, 2 / 3, 5e-324, 2.2250738585072014e-308, 1e300,
                  -1e300, 2.0 ** 53 / 1e8, 92233720368.54775, math.inf, -math.inf, math.nan]
HALF_WAYS = [(k + 0.5) / 1e8 for k in range(-50, 50)] + [(k + 0.5) / 1e8 for k in (10**6, 10**9 + 7, 12345678)]
# scaled values whose ulp is large (where the half-way test's tolerance is wide), and a few ulps off half-ways
HALF_WAYS += [(2.0 ** k + f) / 1e8 for k in range(36, 56) for f in (0.0, 0.25, 0.5)]
HALF_WAYS += [float(np.nextafter(h, t)) for h in HALF_WAYS[:20] for t in (-math.inf, math.inf)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(AWKWARD_FLOATS + HALF_WAYS),
                max_size=40))
def test_round8_is_pythons_round(values):
    """round8 (kernels.round_scaled plus Python's round where unsure) equals round(v, 8), and the
    kernel computes np.round's scaled value and its half-way test as NumPy does."""
    x = np.array(AWKWARD_FLOATS + HALF_WAYS + values, dtype=np.float64)
    assert [repr(v) for v in round8(x).tolist()] == [repr(round(v, 8)) for v in x.tolist()]
    out, unsure = kernels.round_scaled(x, 1e8)
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * 1e8
        near_half = np.abs(np.abs(y - np.floor(y)) - 0.5) <= 8 * np.spacing(np.abs(y)) + 1e-9
        expected = np.rint(y) / 1e8
    assert unsure.tolist() == (near_half | ~np.isfinite(y)).tolist()
    assert out.view(np.int64)[~np.isnan(out)].tolist() == expected.view(np.int64)[~np.isnan(expected)].tolist()
