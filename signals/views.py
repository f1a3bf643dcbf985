"""Text views of the spec (shared/spec/signals.md), computed once per batch and shared by families.

Each `*_view` takes a TextBatch and is used as `batch.view(name, fn)`; the plain functions are the
per-document definitions. The same views as NumPy arrays over the whole batch (code points, lines,
WordPunct tokens, normalized words with exact identities) are in signals/arrays.py.
"""

from __future__ import annotations

import re
import string
import unicodedata

from signals.batch import TextBatch

_PUNCT_TABLE = str.maketrans("", "", string.punctuation)
_PUNCT_BYTES = string.punctuation.encode("ascii")
_WHITESPACE = re.compile(r"\s+")
RAW_WORD = re.compile(r"\w+|[^\w\s]+")
LINE = re.compile(r"([^\n]*\n|[^\n]+$)")


def normalize(text: str) -> str:
    """Delete ASCII punctuation, lowercase, strip and collapse whitespace runs to one space, NFD.

    Same result as `text.translate(_PUNCT_TABLE).lower()`, then `re.sub(r"\\s+", " ", strip())`,
    then NFD, about four times faster: ASCII punctuation bytes never occur inside a multi-byte
    UTF-8 sequence, so deleting them from the bytes is exact, and `str.split()` uses the same
    whitespace test (Py_UNICODE_ISSPACE) as `\\s` and `strip()`.
    """
    text = text.encode("utf-8", "surrogatepass").translate(None, _PUNCT_BYTES)
    text = text.decode("utf-8", "surrogatepass").lower()
    return unicodedata.normalize("NFD", " ".join(text.split()))


def raw_words(text: str) -> list[str]:
    """WordPunct tokens of the raw text (case kept; punctuation runs are tokens)."""
    return RAW_WORD.findall(text)


def split_lines(text: str) -> list[str]:
    """Lines keeping their trailing '\\n'; empty lines kept; an empty text has no lines."""
    return [m.group(0) for m in LINE.finditer(text)]


def raw_words_view(batch: TextBatch) -> list[list[str]]:
    return [raw_words(t) for t in batch.texts]

