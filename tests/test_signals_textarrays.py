"""The per-code-point property tables behind the batch signals agree with Python's own str methods."""

from __future__ import annotations

import re

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
