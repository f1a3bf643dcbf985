"""Text views of the spec (shared/spec/signals.md), computed once per batch and shared by families.

`normalize` and `raw_words` are the per-document definitions (used by dedup's exact verification,
DSIR fitting, the ml family and the tests); the batch views the signal families share (code points, lines, WordPunct tokens,
normalized words with exact identities) are in signals/arrays.py, computed by signals/kernels.py.
"""

from __future__ import annotations

import string
import unicodedata

import regex

from signals.batch import TextBatch

_PUNCT_BYTES = string.punctuation.encode("ascii")
# RedPajama-V2's raw words are nltk's WordPunctTokenizer, `\w+|[^\w\s]+` compiled by the `regex`
# engine (nltk 3.10; releases before compiled it with `re`). regex's \w and \s are Unicode's, not
# re's: a combining mark, ZWJ/ZWNJ or connector punctuation stays inside a word ("re\u0301sume\u0301"
# is one token, four with re), a No digit is not a word character ("x²" is two tokens, one with
# re), and U+001C..U+001F are punctuation, not whitespace.
RAW_WORD = regex.compile(r"\w+|[^\w\s]+")


def normalize(text: str) -> str:
    """Delete ASCII punctuation, lowercase, strip and collapse whitespace runs to one space, NFD.

    Same result as deleting `string.punctuation` with `str.translate`, `lower()`, then
    `re.sub(r"\\s+", " ", strip())`, then NFD, about four times faster: ASCII punctuation bytes
    never occur inside a multi-byte UTF-8 sequence, so deleting them from the bytes is exact, and
    `str.split()` uses the same whitespace test (Py_UNICODE_ISSPACE) as `\\s` and `strip()`.
    """
    text = text.encode("utf-8", "surrogatepass").translate(None, _PUNCT_BYTES)
    text = text.decode("utf-8", "surrogatepass").lower()
    return unicodedata.normalize("NFD", " ".join(text.split()))


def raw_words(text: str) -> list[str]:
    """WordPunct tokens of the raw text as RedPajama-V2 reads them (case kept; punctuation runs are
    tokens; `regex`'s Unicode \\w and \\s, see RAW_WORD)."""
    return RAW_WORD.findall(text)


def raw_words_view(batch: TextBatch) -> list[list[str]]:
    return [raw_words(t) for t in batch.texts]

