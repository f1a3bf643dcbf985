"""CCNet's text normalisation for language-model scoring (the rules of CCNet's `text_normalizer`).

`normalize_line(line)` applies, in order: strip; lowercase; NFD then drop combining marks (Unicode
category Mn; characters whose decomposition has no Mn part stay decomposed, as in CCNet); every
Unicode decimal digit (`\\d`) becomes `0`; CJK/full-width/typographic punctuation is mapped to ASCII
(table below); control characters U+0000-U+001F and U+007F-U+009F are deleted. An empty or
whitespace-only line normalises to "".
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation CCNet rewrites to ASCII before scoring ("1" full-width digit one maps to '"', as in CCNet).
UNICODE_PUNCT: dict[str, str] = {
    "\uff0c": ",", "\u3002": ".", "\u3001": ",", "\u201e": '"', "\u201d": '"', "\u201c": '"',
    "\u00ab": '"', "\u00bb": '"', "\uff11": '"', "\u300d": '"', "\u300c": '"', "\u300a": '"',
    "\u300b": '"', "\u00b4": "'", "\u2236": ":", "\uff1a": ":", "\uff1f": "?", "\uff01": "!",
    "\uff08": "(", "\uff09": ")", "\uff1b": ";", "\u2013": "-", "\u2014": " - ", "\uff0e": ". ",
    "\uff5e": "~", "\u2019": "'", "\u2026": "...", "\u2501": "-", "\u3008": "<", "\u3009": ">",
    "\u3010": "[", "\u3011": "]", "\uff05": "%", "\u25ba": "-",
}
_PUNCT_TABLE = str.maketrans(UNICODE_PUNCT)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_DIGIT = re.compile(r"\d")


def strip_accents(text: str) -> str:
    """NFD, then drop the combining marks (category Mn)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalize_line(line: str) -> str:
    """One line normalised as CCNet normalises text before its language models score it."""
    line = line.strip()
    if not line:
        return line
    if line.isascii():  # no accents, no mapped punctuation: the same result, faster
        return _CONTROL.sub("", _DIGIT.sub("0", line.lower()))
    line = strip_accents(line.lower())
    line = _DIGIT.sub("0", line)
    line = line.translate(_PUNCT_TABLE)
    return _CONTROL.sub("", line)
