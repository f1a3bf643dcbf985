"""Reference implementation of the rps_doc, rps_lines and assay_* extra signals, one document at a time.

Written straight from shared/spec/signals.md (and the assay_* definitions in signals/assay_extras.py)
with plain Python, as the oracle the fast batch implementation is tested and benchmarked against.
Values are Python floats/ints/None, floats rounded to 8 decimals as the spec says.

`raw_words` are read as RedPajama-V2's code reads them, not as the spec's `re.findall` line says:
its Document takes them from nltk's WordPunctTokenizer, whose pattern `\\w+|[^\\w\\s]+` nltk
(3.10) compiles with the `regex` engine, where \\w and \\s are Unicode's classes (combining marks,
ZWJ, connector punctuation are word characters; No digits are not; U+001C..U+001F are not
whitespace). The oracle therefore runs that pattern with `regex`, on the whole text.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter

import regex

PRECISION = 8
_PUNCT = str.maketrans("", "", string.punctuation)
_RAW_WORD = regex.compile(r"\w+|[^\w\s]+")  # nltk's WordPunctTokenizer, as RedPajama-V2 calls it
_LINE = re.compile(r"([^\n]*\n|[^\n]+$)")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
_LOREM = re.compile(r"lorem ipsum", re.IGNORECASE)
_ALPHA = re.compile(r"[a-zA-Z]")
BULLETS = ("\u2022", "\u2023", "\u25B6", "\u25C0", "\u25E6", "\u25A0", "\u25A1", "\u25AA", "\u25AB", "\u2013")
TERMINAL = (".", "!", "?", "\u201d")
GOPHER_STOP = {"the", "be", "to", "of", "and", "that", "have", "with"}
POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")


def normalize(text: str) -> str:
    text = text.translate(_PUNCT).lower()
    text = re.sub(r"\s+", " ", text.strip())
    return unicodedata.normalize("NFD", text)


def ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def _r(x: float) -> float:
    return round(x, PRECISION)


def rps_doc(text: str, lang: str | None, stop: set[str] | None, bad: set[str] | None) -> dict:
    """Every rps_doc_* value of one document (ut1 excluded: it depends on the URL only)."""
    norm = normalize(text)
    nw = norm.split()
    rw = _RAW_WORD.findall(text)
    lines = [m.group(0) for m in _LINE.finditer(text)]
    out: dict = {"rps_doc_word_count": len(nw)}
    out["rps_doc_mean_word_length"] = _r(sum(map(len, nw)) / len(nw)) if nw else None
    out["rps_doc_frac_unique_words"] = _r(len(set(nw)) / len(nw)) if nw else None
    if nw:
        counts = Counter(nw)
        total = sum(counts.values())
        out["rps_doc_unigram_entropy"] = _r(sum(-c / total * math.log(c / total) for c in counts.values()))
    else:
        out["rps_doc_unigram_entropy"] = None
    out["rps_doc_num_sentences"] = len(_SENTENCE.findall(text))
    symbols = text.count("#") + text.count("...") + text.count("\u2026")
    out["rps_doc_symbol_to_word_ratio"] = _r(symbols / len(rw)) if rw else None
    ellipsis = sum(line.rstrip().endswith(("...", "\u2026")) for line in lines)
    out["rps_doc_frac_lines_end_with_ellipsis"] = _r(ellipsis / len(lines)) if lines else None
    out["rps_doc_frac_no_alph_words"] = (
        _r(1.0 - sum(_ALPHA.search(w) is not None for w in rw) / len(rw)) if rw else None)
    out["rps_doc_frac_all_caps_words"] = _r(sum(w.isupper() for w in rw) / len(rw)) if rw else None
    out["rps_doc_curly_bracket"] = _r((text.count("{") + text.count("}")) / len(text)) if text else 0.0
    out["rps_doc_lorem_ipsum"] = _r(len(_LOREM.findall(norm)) / len(norm)) if norm else 0.0
    if stop is None:
        out["rps_doc_stop_word_fraction"] = None
    else:
        out["rps_doc_stop_word_fraction"] = _r(sum(w in stop for w in rw) / len(rw)) if nw else 0.0
    if bad is None:
        out["rps_doc_ldnoobw_words"] = None
    else:
        sizes = {entry.count(" ") + 1 for entry in bad}
        out["rps_doc_ldnoobw_words"] = sum(" ".join(g) in bad for n in sizes for g in ngrams(nw, n)) if norm else 0
    total_chars = sum(map(len, nw))
    for n in (2, 3, 4):
        grams = Counter(ngrams(nw, n))
        score = 0.0
        if grams:
            gram, count = grams.most_common(1)[0]
            if count > 1:
                score = _r(sum(map(len, gram)) * count / total_chars)
        out[f"rps_doc_frac_chars_top_{n}gram"] = score
    for n in range(5, 11):
        score = 0.0
        if len(nw) >= n:
            grams = ngrams(nw, n)
            repeated = {g for g, c in Counter(grams).items() if c > 1}
            marked = [False] * len(nw)
            for i, g in enumerate(grams):
                if g in repeated:
                    marked[i:i + n] = [True] * n
            dup = sum(len(w) for w, m in zip(nw, marked, strict=True) if m)
            score = _r(dup / total_chars) if total_chars else 0.0
        out[f"rps_doc_frac_chars_dupe_{n}grams"] = score
    return out


def rps_lines(text: str) -> dict:
    """Every rps_lines_* list and assay_line_ends of one document."""
    lines = [m.group(0) for m in _LINE.finditer(text)]
    norm_lines = [normalize(line) for line in lines]
    ends, pos = [], 0
    for line in lines:
        pos += len(line)
        ends.append(pos)
    return {
        "rps_lines_ending_with_terminal_punctution_mark": [float(x.rstrip().endswith(TERMINAL)) for x in lines],
        "rps_lines_javascript_counts": [float(sum(w == "javascript" for w in x.split())) for x in norm_lines],
        "rps_lines_num_words": [len(x.split()) for x in norm_lines],
        "rps_lines_uppercase_letter_fraction": [
            _r(sum(map(str.isupper, x)) / len(x)) if x else 0.0 for x in lines],
        "rps_lines_numerical_chars_fraction": [
            _r(sum(map(str.isnumeric, x)) / len(x)) if x else 0.0 for x in norm_lines],
        "rps_lines_start_with_bulletpoint": (
            [float(x.lstrip().startswith(BULLETS)) for x in lines] if lines else [None]),
        "assay_line_ends": ends,
    }


def _dup_fracs(items: list[str]) -> tuple[float, float]:
    if not items:
        return 0.0, 0.0
    seen: set[str] = set()
    dup = dup_chars = 0
    for item in items:
        if item in seen:
            dup += 1
            dup_chars += len(item)
        seen.add(item)
    return _r(dup / len(items)), _r(dup_chars / sum(map(len, items)))


def assay_extras(text: str) -> dict:
    """Every assay_* extra signal of one document."""
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    paragraphs = [p.strip() for p in re.split(r"\n\n+", text) if p.strip()]
    nw = normalize(text).split()
    raw_lines = [m.group(0) for m in _LINE.finditer(text)]
    out: dict = {}
    out["assay_frac_dup_lines"], out["assay_frac_chars_dup_lines"] = _dup_fracs(lines)
    out["assay_frac_dup_paragraphs"], out["assay_frac_chars_dup_paragraphs"] = _dup_fracs(paragraphs)
    out["assay_frac_short_lines"] = _r(sum(len(x) <= 30 for x in lines) / len(lines)) if lines else 0.0
    out["assay_newline_to_word_ratio"] = _r(text.count("\n") / len(nw)) if nw else None
    out["assay_gopher_stop_word_count"] = sum(w in GOPHER_STOP for w in nw)
    out["assay_lines_policy"] = [float(any(p in x.lower() for p in POLICY)) for x in raw_lines]
    return out
