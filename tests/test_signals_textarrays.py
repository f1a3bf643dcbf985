"""The building blocks of the batch signals: property tables, word hashes, exact membership."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import chartables as ct
from signals import wordhash


@settings(max_examples=300, deadline=None)
@given(st.characters())
def test_property_table_agrees_with_python(ch):
    flags = int(ct.properties()[ord(ch)])
    assert bool(flags & ct.WORD) == bool(re.fullmatch(r"\w", ch))
    assert bool(flags & ct.SPACE) == ch.isspace()
    assert bool(flags & ct.UPPER) == ch.isupper()
    assert bool(flags & ct.NUMERIC) == ch.isnumeric()
    assert bool(flags & ct.LOWER_OR_TITLE) == (not ("A" + ch).isupper())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20))
def test_run_hashes_equal_string_hash(parts):
    text = "".join(parts)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.cumsum([len(p) for p in parts])
    starts = ends - [len(p) for p in parts]
    hashes = wordhash.run_hashes(codes, starts, ends)
    assert hashes.tolist() == [wordhash.string_hash(p) for p in parts]


def test_power_tables_beyond_the_kept_size(monkeypatch):
    monkeypatch.setattr(wordhash._Powers, "KEEP", 16)
    powers = wordhash._Powers()
    small = powers.upto(10)[0]
    large, inverse = powers.upto(100)
    assert len(large) == 100 and np.array_equal(large[:10], small)
    assert np.all(large * inverse == 1)  # BASE**k * BASE**-k == 1 modulo 2**64
    assert len(powers.pos) <= 16


def test_runs_isin_is_exact_with_colliding_entries(monkeypatch):
    monkeypatch.setattr(wordhash, "string_hash", lambda text: 7)
    wordhash.vocabulary_table.cache_clear()
    try:
        words = ["the", "cat", "thé", "th"]
        text = "".join(words)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        length = np.array([len(w) for w in words])
        pos = np.concatenate([[0], np.cumsum(length)[:-1]])
        hashes = np.full(len(words), 7, dtype=np.uint64)
        got = wordhash.runs_isin(codes, pos, length, hashes, frozenset({"the", "th"}), words.__getitem__)
        assert got.tolist() == [True, False, False, True]
        got = wordhash.runs_isin(codes, pos, length, hashes, frozenset({"thé"}), words.__getitem__)
        assert got.tolist() == [False, False, True, False]
    finally:
        wordhash.vocabulary_table.cache_clear()


def _first_by_sort(keys: np.ndarray) -> np.ndarray:
    _, first_idx, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first_idx[inverse.reshape(-1)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), max_size=300), st.integers(0, 40))
def test_first_equal_is_the_first_index_of_each_key(values, shift):
    keys = np.array([v >> shift for v in values] * 2, dtype=np.int64)  # every key at least twice
    assert np.array_equal(wordhash.first_equal(keys), _first_by_sort(keys))


def test_first_equal_falls_back_to_sorting_on_long_probe_chains(monkeypatch):
    monkeypatch.setattr(wordhash, "_MAX_ROUNDS", 0)  # no probing round at all
    keys = np.arange(1000, dtype=np.int64) % 37
    assert np.array_equal(wordhash.first_equal(keys), _first_by_sort(keys))
