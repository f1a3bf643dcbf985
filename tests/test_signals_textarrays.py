"""The per-code-point property tables behind the batch signals agree with Python's own str methods."""

from __future__ import annotations

import re

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import chartables as ct


@settings(max_examples=300, deadline=None)
@given(st.characters())
def test_property_table_agrees_with_python(ch):
    flags = int(ct.properties()[ord(ch)])
    assert bool(flags & ct.WORD) == bool(re.fullmatch(r"\w", ch))
    assert bool(flags & ct.SPACE) == ch.isspace()
    assert bool(flags & ct.UPPER) == ch.isupper()
    assert bool(flags & ct.NUMERIC) == ch.isnumeric()
    assert bool(flags & ct.LOWER_OR_TITLE) == (not ("A" + ch).isupper())
    assert bool(flags & ct.RAW_WORD) == bool(regex.fullmatch(r"\w", ch))
    assert bool(flags & ct.RAW_SPACE) == bool(regex.fullmatch(r"\s", ch))


def test_raw_word_classes_differ_from_re_where_redpajama_v2_reads_them_differently():
    table = ct.properties()
    for ch in "\u0301\u0903\u20dd\u200d\u203f\u24b6":  # Mn, Mc, Me, ZWJ, Pc, an alphabetic So
        assert table[ord(ch)] & ct.RAW_WORD and not table[ord(ch)] & ct.WORD
    for ch in "\u00b2\u00bd\u2460":  # No digits
        assert table[ord(ch)] & ct.WORD and not table[ord(ch)] & ct.RAW_WORD
    for ch in "\x1c\x1d\x1e\x1f":
        assert table[ord(ch)] & ct.SPACE and not table[ord(ch)] & (ct.RAW_SPACE | ct.RAW_WORD)
