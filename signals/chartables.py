"""Per-code-point property tables taken from Python's own `str` methods and `re` classes.

The fast signal paths work on arrays of code points; these tables make them agree with the
per-document definitions (`str.isupper`, `str.isspace`, `re`'s `\\w` and `\\s`) character for
character, whatever the Python version's Unicode database is. Built once per process (~0.3 s).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

WORD = 1  # re's \w for str patterns
SPACE = 2  # str.isspace / re's \s
UPPER = 4  # str.isupper of the single character
LOWER_OR_TITLE = 8  # lower- or titlecase: a word holding one is not str.isupper
NUMERIC = 16  # str.isnumeric
ASCII_ALPHA = 32  # [a-zA-Z]

MAX_CODE = 0x110000


def _all_chars() -> str:
    # Lone surrogates are kept: Python strings may hold them and the tables must cover them too.
    return "".join(map(chr, range(MAX_CODE)))


def _mask_from(pattern: str, chars: str) -> np.ndarray:
    mask = np.zeros(MAX_CODE, dtype=bool)
    idx = [m.start() for m in re.finditer(pattern, chars)]
    mask[idx] = True
    return mask


def _mask_from_method(method: str, chars: str) -> np.ndarray:
    test = getattr(str, method)
    return np.fromiter(map(test, chars), dtype=bool, count=MAX_CODE)


@lru_cache(maxsize=1)
def properties() -> np.ndarray:
    """uint8 bit flags (WORD, SPACE, UPPER, LOWER_OR_TITLE, NUMERIC, ASCII_ALPHA) per code point."""
    chars = _all_chars()
    table = np.zeros(MAX_CODE, dtype=np.uint8)
    table[_mask_from(r"\w", chars)] |= WORD
    table[_mask_from_method("isspace", chars)] |= SPACE
    table[_mask_from_method("isupper", chars)] |= UPPER
    # "A" + c is upper exactly when c is neither lower- nor titlecase (str.istitle cannot isolate it).
    blocks_upper = ~np.fromiter(map(str.isupper, map("A".__add__, chars)), dtype=bool, count=MAX_CODE)
    table[blocks_upper] |= LOWER_OR_TITLE
    table[_mask_from_method("isnumeric", chars)] |= NUMERIC
    table[ord("a"):ord("z") + 1] |= ASCII_ALPHA
    table[ord("A"):ord("Z") + 1] |= ASCII_ALPHA
    return table

