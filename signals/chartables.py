"""Per-code-point property tables taken from Python's own `str` methods and regular-expression classes.

The fast signal paths work on arrays of code points; these tables make them agree with the
per-document definitions (`str.isupper`, `str.isspace`, `re`'s `\\w` and `\\s`, and the `\\w` and
`\\s` of the `regex` engine that RedPajama-V2's raw-word tokenizer runs on) character for character,
whatever the Python version's or the `regex` release's Unicode database is. Built once per Python
build and `regex` release and kept on disk (signals/tablecache.py).
`lower_nfd_tables` does the same for `str.lower()` and NFD (the normalized text).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

from signals.tablecache import cached_arrays

WORD = 1  # re's \w for str patterns
SPACE = 2  # str.isspace / re's \s
UPPER = 4  # str.isupper of the single character
LOWER_OR_TITLE = 8  # lower- or titlecase: a word holding one is not str.isupper
NUMERIC = 16  # str.isnumeric
ASCII_ALPHA = 32  # [a-zA-Z]
# The raw words of RedPajama-V2 (nltk's WordPunctTokenizer, `\w+|[^\w\s]+`) are matched by the
# `regex` engine, whose classes are Unicode's: its \w adds combining marks (Mn Mc Me), connector
# punctuation, ZWJ/ZWNJ and other alphabetic symbols to re's, and drops the No digits (² ½ ①);
# its \s drops U+001C..U+001F. See signals/views.py.
RAW_WORD = 64  # regex's \w
RAW_SPACE = 128  # regex's \s

MAX_CODE = 0x110000


def _all_chars() -> str:
    # Lone surrogates are kept: Python strings may hold them and the tables must cover them too.
    return "".join(map(chr, range(MAX_CODE)))


def _mask_from(pattern: str, chars: str, engine=re) -> np.ndarray:
    mask = np.zeros(MAX_CODE, dtype=bool)
    idx = [m.start() for m in engine.finditer(pattern, chars)]
    mask[idx] = True
    return mask


def _mask_from_method(method: str, chars: str) -> np.ndarray:
    test = getattr(str, method)
    return np.fromiter(map(test, chars), dtype=bool, count=MAX_CODE)


@lru_cache(maxsize=1)
def properties() -> np.ndarray:
    """uint8 bit flags (WORD, SPACE, UPPER, LOWER_OR_TITLE, NUMERIC, ASCII_ALPHA, RAW_WORD, RAW_SPACE)
    per code point."""
    name = f"properties-regex{regex.__version__}"
    return cached_arrays(name, __file__, lambda: {"table": _build_properties()})["table"]


def _build_properties() -> np.ndarray:
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
    table[_mask_from(r"\w", chars, regex)] |= RAW_WORD
    table[_mask_from(r"\s", chars, regex)] |= RAW_SPACE
    return table


# ---- lower() and NFD, for the normalized text ----------------------------------------------------

DELETE = 0xFFFFFFFF  # lower_nfd_tables mapping: an ASCII punctuation character, deleted
CAPITAL_SIGMA = 0x3A3  # its lower() depends on the context (final sigma)
SMALL_SIGMA, FINAL_SIGMA = 0x3C3, 0x3C2
MULTI = 0x80000000  # mapping: MULTI | k, the code points are multi_codes[multi_start[k]:multi_start[k + 1]]
SIGMA_CASED = 1  # ends the final-sigma context scan of str.lower, as a cased character
SIGMA_IGNORABLE = 2  # skipped by that scan (case-ignorable)


@dataclass(frozen=True)
class LowerNFD:
    """Per code point c: NFD(c.lower()) (mapping, multi_start, multi_codes), the canonical combining
    class (ccc) and how str.lower's final-sigma rule sees c (sigma)."""

    mapping: np.ndarray  # uint32: the single code point, MULTI | k, or DELETE
    multi_start: np.ndarray
    multi_codes: np.ndarray
    ccc: np.ndarray  # uint8
    sigma: np.ndarray  # uint8: SIGMA_CASED, SIGMA_IGNORABLE or 0


def text_of(codes: np.ndarray) -> str:
    """The string of an array of code points (lone surrogates kept)."""
    return np.asarray(codes, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def code_points(text: str) -> np.ndarray:
    """The code points of a string as uint32 (lone surrogates kept)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _pieces(probes: np.ndarray, transform: Callable[[str], str]) -> tuple[np.ndarray, np.ndarray]:
    """transform() of the rows of `probes` (code points), each closed by "\\0", as the code points of
    the result and the position of each row's closing "\\0". "\\0" is a starter that lower() and NFD
    keep and that ends the final-sigma context (checked in lower_nfd_tables); U+0000 probed in row
    0 adds its own "\\0"s there, which are skipped."""
    rows = np.concatenate([probes, np.zeros((len(probes), 1), dtype=np.uint32)], axis=1)
    out = code_points(transform(text_of(rows.reshape(-1))))
    return out, np.flatnonzero(out == 0)[np.count_nonzero(probes[0] == 0):]


def _per_code_point(transform: Callable[[str], str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """transform(c) for every code point c, as (mapping, multi_start, multi_codes): the single code
    point of the result, or MULTI | k when it is multi_codes[multi_start[k]:multi_start[k + 1]]."""
    out, ends = _pieces(np.arange(MAX_CODE, dtype=np.uint32)[:, None], transform)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts
    mapping = np.where(lengths == 1, out[starts], 0).astype(np.uint32)
    multi = np.flatnonzero(lengths != 1)
    mapping[multi] = MULTI | np.arange(len(multi), dtype=np.uint32)
    multi_start = np.zeros(len(multi) + 1, dtype=np.int64)
    np.cumsum(lengths[multi], out=multi_start[1:])
    offset = np.arange(multi_start[-1]) - np.repeat(multi_start[:-1], lengths[multi])
    return mapping, multi_start, out[np.repeat(starts[multi], lengths[multi]) + offset]


@dataclass(frozen=True)
class Lower:
    """Per code point c: c.lower() as mapping (the single code point, or MULTI | k) and
    multi_codes[multi_start[k]:multi_start[k + 1]]. Capital sigma maps to small sigma here; its
    final form depends on the context (LowerNFD.sigma, kernels.oph_bin_minima)."""

    mapping: np.ndarray  # uint32
    multi_start: np.ndarray
    multi_codes: np.ndarray


@lru_cache(maxsize=1)
def lower_tables() -> Lower:
    """The tables of kernels.oph_bin_minima (see _build_lower), kept on disk between processes."""
    return Lower(**cached_arrays("lower", __file__, lambda: vars(_build_lower())))


def _build_lower() -> Lower:
    """str.lower of every code point, taken from Python itself. Checks what kernels.oph_bin_minima
    relies on: no character but an ASCII one lowers to something holding ASCII whitespace or punctuation."""
    mapping, multi_start, multi_codes = _per_code_point(str.lower)
    marks = np.array([ord(c) for c in string.whitespace + string.punctuation], dtype=np.uint32)
    if np.isin(mapping[0x80:], marks).any() or np.isin(multi_codes, marks).any():
        raise AssertionError("lower() maps a non-ASCII character to ASCII whitespace or punctuation")
    return Lower(mapping, multi_start, multi_codes)


@lru_cache(maxsize=1)
def lower_nfd_tables() -> LowerNFD:
    """The tables of kernels.lower_nfd (see _build_lower_nfd), kept on disk between processes."""
    return LowerNFD(**cached_arrays("lower_nfd", __file__, lambda: vars(_build_lower_nfd())))


def _build_lower_nfd() -> LowerNFD:
    """The tables of kernels.lower_nfd, taken from Python's own str.lower and unicodedata (~0.3 s).

    NFD(lower(s)) is the canonical reordering of the concatenated NFD(lower(c)) of s's characters
    (lower() maps each character alone except capital sigma; reordering is a stable sort of runs
    of non-starters). The final-sigma class of c comes from lower(c + "Σ") (final iff c is cased
    and not case-ignorable) and lower("A" + c + "Σ") (final iff c is case-ignorable or cased).
    """
    if ("A\0\u03a3".lower(), "A\u03a3\0".lower()) != ("a\0\u03c3", "a\u03c2\0"):
        raise AssertionError("U+0000 no longer ends the final-sigma context")
    cp = np.arange(MAX_CODE, dtype=np.uint32)
    mapping, multi_start, multi_codes = _per_code_point(lambda s: unicodedata.normalize("NFD", s.lower()))
    mapping[[ord(c) for c in string.punctuation]] = DELETE
    sigma = np.full(MAX_CODE, CAPITAL_SIGMA, dtype=np.uint32)
    out, ends = _pieces(np.stack([cp, sigma], axis=1), str.lower)
    stops_cased = out[ends - 1] == FINAL_SIGMA
    out, ends = _pieces(np.stack([np.full(MAX_CODE, ord("A"), dtype=np.uint32), cp, sigma], axis=1), str.lower)
    ignorable = (out[ends - 1] == FINAL_SIGMA) & ~stops_cased
    classes = np.where(stops_cased, SIGMA_CASED, np.where(ignorable, SIGMA_IGNORABLE, 0)).astype(np.uint8)
    ccc = np.fromiter(map(unicodedata.combining, text_of(cp)), dtype=np.uint8, count=MAX_CODE)
    return LowerNFD(mapping, multi_start, multi_codes, ccc, classes)
