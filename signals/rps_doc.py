"""rps_doc family: RedPajama-V2 document statistics, exactly as shared/spec/signals.md defines them.

Computed for the whole batch at once from the columnar views (signals/arrays.py) and the exact
n-gram classes (signals/ngrams.py); tests/oracle_signals.py is the per-document reference.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa

from signals import chartables as ct
from signals import wordhash
from signals.arrays import RawText, RawTokens, Words, index_dtype, raw_text_view, raw_tokens_view, words_view
from signals.batch import TextBatch
from signals.ngrams import NgramClasses, ngram_view
from signals.registry import Family, Signal, register
from signals.rounding import rounded
from signals.ut1 import load_ut1_map
from signals.wordlists import bad_words, stop_words

_LOREM = re.compile(r"lorem ipsum", re.IGNORECASE)
TOP_NGRAMS = (2, 3, 4)
DUPE_NGRAMS = (5, 6, 7, 8, 9, 10)

F32, I32 = pa.float32(), pa.int32()
SIGNALS = (
    Signal("rps_doc_word_count", I32, "number of normalized words"),
    Signal("rps_doc_mean_word_length", F32, "mean length of normalized words (None if 0 words)"),
    Signal("rps_doc_frac_unique_words", F32, "distinct / all normalized words (None if 0 words)"),
    Signal("rps_doc_unigram_entropy", F32, "sum -c/N ln(c/N) over normalized word counts (None if 0 words)"),
    Signal("rps_doc_num_sentences", I32, "matches of \\b[^.!?]+[.!?]* in the raw text"),
    Signal("rps_doc_symbol_to_word_ratio", F32,
           "(count '#' + '...' + '…') / WordPunct tokens of the raw text (None if 0 tokens)"),
    Signal("rps_doc_frac_lines_end_with_ellipsis", F32,
           "lines whose rstrip() ends with '...' or '…' / lines (None if 0 lines)"),
    Signal("rps_doc_frac_no_alph_words", F32,
           "1 - WordPunct tokens containing [a-zA-Z] / tokens (None if 0 tokens)"),
    Signal("rps_doc_frac_all_caps_words", F32, "WordPunct tokens with str.isupper() / tokens (None if 0 tokens)"),
    Signal("rps_doc_curly_bracket", F32, "('{' + '}' count) / len(raw) (0 if empty)"),
    Signal("rps_doc_lorem_ipsum", F32,
           "case-insensitive 'lorem ipsum' matches / len(normalized text) (0 if empty)"),
    Signal("rps_doc_stop_word_fraction", F32,
           "WordPunct tokens in the language's stop list (case-sensitive) / tokens; 0 if 0 normalized words; "
           "None for a language without a list"),
    Signal("rps_doc_ldnoobw_words", I32,
           "normalized-word n-grams found in the language's LDNOOBW list (None for a language without a list)"),
    Signal("rps_doc_ut1_blacklist", I32,
           "category id of the URL's host in the user's UT1 domain map (None if unlisted or no map)"),
    *(Signal(f"rps_doc_frac_chars_top_{n}gram", F32,
             f"chars of the most common word {n}-gram x its count / chars of all words (0 if it occurs once)")
      for n in TOP_NGRAMS),
    *(Signal(f"rps_doc_frac_chars_dupe_{n}grams", F32,
             f"chars of words covered by a word {n}-gram occurring more than once / chars of all words")
      for n in DUPE_NGRAMS),
)


@register("rps_doc")
class RPSDoc(Family):
    def signals(self) -> tuple[Signal, ...]:
        return SIGNALS

    def notice(self) -> str | None:
        if self.config.ut1_map:
            return None
        return "rps_doc_ut1_blacklist is null: no UT1 domain map given (ut1_map: path to a domain<TAB>category TSV)"

    def metadata(self) -> dict[str, str]:
        if not self.config.ut1_map:
            return {}
        return {"rps_doc_ut1_categories": load_ut1_map(self.config.ut1_map).categories_json()}

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        raw: RawText = batch.view("raw_text", raw_text_view)
        tokens: RawTokens = batch.view("raw_tokens", raw_tokens_view)
        words: Words = batch.view("words", words_view)
        grams: NgramClasses = batch.view("ngrams", ngram_view)
        n_docs = len(batch)
        n_words = np.diff(words.start)
        has_words = n_words > 0
        chars = np.bincount(words.doc, weights=words.length, minlength=n_docs)
        n_tok = tokens.count
        has_tok = n_tok > 0
        texts = batch.texts
        out: dict[str, pa.Array] = {}
        out["rps_doc_word_count"] = pa.array(n_words, I32)
        out["rps_doc_mean_word_length"] = rounded(_div(chars, n_words), has_words)
        reps = words.first == np.arange(len(words.first))
        out["rps_doc_frac_unique_words"] = rounded(
            _div(np.bincount(words.doc[reps], minlength=n_docs), n_words), has_words)
        out["rps_doc_unigram_entropy"] = _entropy(words, grams, reps, n_words)
        out["rps_doc_num_sentences"] = pa.array(num_sentences(raw).astype(np.int32))
        symbols = np.array([t.count("#") + t.count("...") + t.count("\u2026") for t in texts], dtype=np.int64)
        out["rps_doc_symbol_to_word_ratio"] = rounded(_div(symbols, n_tok), has_tok)
        n_lines = raw.segs.line_counts
        out["rps_doc_frac_lines_end_with_ellipsis"] = rounded(_div(_ellipsis_lines(raw), n_lines), n_lines > 0)
        out["rps_doc_frac_no_alph_words"] = rounded(1.0 - _div(tokens.with_ascii_letter, n_tok), has_tok)
        out["rps_doc_frac_all_caps_words"] = rounded(_div(tokens.all_caps, n_tok), has_tok)
        curly = np.array([t.count("{") + t.count("}") for t in texts], dtype=np.int64)
        lengths = np.diff(raw.doc_start)
        out["rps_doc_curly_bracket"] = rounded(np.where(lengths > 0, _div(curly, lengths), 0.0))
        out["rps_doc_lorem_ipsum"] = rounded(_lorem(words))
        langs = batch.languages()
        out["rps_doc_stop_word_fraction"] = _stop_word_fraction(tokens, langs, has_words)
        out["rps_doc_ldnoobw_words"] = pa.array(_ldnoobw(words, langs), I32)
        out["rps_doc_ut1_blacklist"] = pa.array(self._ut1(batch), I32)
        prefix = np.concatenate([[0], np.cumsum(words.length)])
        for n in TOP_NGRAMS:
            out[f"rps_doc_frac_chars_top_{n}gram"] = rounded(_top_ngram(words, grams, n, chars, prefix))
        for n in DUPE_NGRAMS:
            out[f"rps_doc_frac_chars_dupe_{n}grams"] = rounded(_dupe_ngrams(words, grams, n, chars, prefix))
        return out

    def _ut1(self, batch: TextBatch) -> list[int | None]:
        if not self.config.ut1_map:
            return [None] * len(batch)
        mapping = load_ut1_map(self.config.ut1_map).ids
        return [mapping.get(host_of(url)) if url else None for url in batch.urls]


def num_sentences(raw: RawText) -> np.ndarray:
    """Per document, len(re.findall(r"\\b[^.!?]+[.!?]*", text)) without running the regex.

    Each match starts at the first word boundary inside a maximal run of characters other than
    . ! ? and swallows the rest of that run and the following . ! ? run; so the count is the number
    of such runs holding a word boundary (a boundary before the run's first character counts).
    """
    codes, doc_start = raw.codes, raw.doc_start
    n = len(codes)
    if n == 0:
        return np.zeros(len(doc_start) - 1, dtype=np.int64)
    term = (codes == ord(".")) | (codes == ord("!")) | (codes == ord("?"))
    word = (raw.props & ct.WORD) != 0
    at_start = np.zeros(n, dtype=bool)
    at_start[doc_start[:-1][doc_start[:-1] < n]] = True
    prev_word = np.zeros(n, dtype=bool)
    prev_word[1:] = word[:-1]
    prev_word &= ~at_start
    prev_term = np.ones(n, dtype=bool)
    prev_term[1:] = term[:-1]
    run_start = ~term & (prev_term | at_start)
    run = np.cumsum(run_start, dtype=index_dtype(n)) - 1
    starts = np.flatnonzero(run_start)
    has_boundary = np.bincount(run[(word != prev_word) & ~term], minlength=len(starts)) > 0
    doc = np.searchsorted(doc_start, starts[has_boundary], side="right") - 1
    return np.bincount(doc, minlength=len(doc_start) - 1)


def host_of(url: str) -> str | None:
    """The URL's host, lower-cased, without port or credentials (None if it has none)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den as float64, with 0 where den is 0 (callers mask those out or want 0)."""
    den = np.asarray(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(num, dtype=np.float64) / den
    return np.where(den > 0, out, 0.0)


def _entropy(words: Words, grams: NgramClasses, reps: np.ndarray, n_words: np.ndarray) -> pa.Array:
    """Σ -c/N·ln(c/N), summed per document in first-occurrence order with Python's sum, as the oracle does.

    Logarithms come from math.log (NumPy's may differ in the last bit), once per distinct c/N.
    """
    pos = np.flatnonzero(reps)
    counts = grams.unigram_counts[pos]
    total = n_words[words.doc[pos]]
    ratio = counts / total
    logs = np.empty(len(pos), dtype=np.float64)
    once = counts == 1  # most words: c/N = 1/N, one log per document
    inv_n = (1 / np.maximum(n_words, 1)).tolist()
    per_doc = np.array([math.log(v) for v in inv_n] + [0.0], dtype=np.float64)
    logs[once] = per_doc[words.doc[pos[once]]]
    if (~once).any():
        values, inverse = np.unique(ratio[~once], return_inverse=True)
        logs[~once] = np.array([math.log(v) for v in values.tolist()], dtype=np.float64)[inverse.reshape(-1)]
    terms = (-counts / total * logs).tolist()
    bounds = np.searchsorted(words.doc[pos], np.arange(len(n_words) + 1)).tolist()
    sums = [round(sum(terms[a:b]), 8) if b > a else None for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pa.array(sums, pa.float32())


def _ellipsis_lines(raw: RawText) -> np.ndarray:
    segs, codes = raw.segs, raw.codes
    last = raw.last_nonspace
    ok = segs.is_line & (last >= 0)
    end_char = raw.char_at(np.where(ok, last, -1))
    three = ok & (last - 2 >= segs.start)
    dots = three.copy()
    for k in range(3):
        dots[three] &= codes[last[three] - k] == ord(".")
    hit = (end_char == 0x2026) | dots
    return np.bincount(segs.doc[hit], minlength=len(segs.line_counts))


def _lorem(words: Words) -> np.ndarray:
    out = np.zeros(len(words.processed), dtype=np.float64)
    # A match needs the five letters of "lorem" in a row, and the text is already lower-cased: under
    # re.IGNORECASE only "L", "O", "R", "E", "M" also match them, and lower() left none of those.
    for d, text in enumerate(words.processed):
        if "lorem" in text:
            norm = " ".join(text.split())
            out[d] = len(_LOREM.findall(norm)) / len(norm)
    return out


def _stop_word_fraction(tokens: RawTokens, langs: list[str | None], has_words: np.ndarray) -> pa.Array:
    n_docs = len(langs)
    counts = np.zeros(n_docs, dtype=np.int64)
    listed = np.array([stop_words(x) is not None for x in langs], dtype=bool)
    for lang in sorted({x for x in langs if stop_words(x) is not None}):
        where = np.flatnonzero(np.array([x == lang for x in langs] + [False])[tokens.doc])
        counts += np.bincount(tokens.doc[tokens.isin(stop_words(lang), where)], minlength=n_docs)
    frac = np.where(has_words, _div(counts, tokens.count), 0.0)
    return rounded(frac, listed)


def _ldnoobw(words: Words, langs: list[str | None]) -> list[int | None]:
    n_docs = len(langs)
    counts = np.zeros(n_docs, dtype=np.int64)
    size = len(words.doc)
    for lang in sorted({x for x in langs if bad_words(x) is not None}):
        where = np.flatnonzero(np.array([x == lang for x in langs] + [False])[words.doc])
        singles, firsts, multi = _bad_index(lang)
        counts += np.bincount(words.doc[words.isin(singles, where)], minlength=n_docs)
        cand = np.flatnonzero(words.isin(firsts, where))
        if len(cand) == 0:
            continue
        room = words.start[words.doc[cand] + 1] - cand  # words left in the document
        cand_hash = words.hash[cand]
        for entries in multi.values():
            for entry in entries:
                n = len(entry)
                pos = cand[(cand_hash == wordhash.string_hash(entry[0])) & (room >= n)]
                for k in range(1, n):
                    pos = pos[words.hash[np.minimum(pos + k, size - 1)] == wordhash.string_hash(entry[k])]
                for i in pos.tolist():  # hash matches: confirm on the strings
                    if all(words.text(i + k) == entry[k] for k in range(n)):
                        counts[words.doc[i]] += 1
    return [None if bad_words(x) is None else int(c) for x, c in zip(langs, counts.tolist(), strict=True)]


_BadIndex = tuple[frozenset[str], frozenset[str], dict[str, list[tuple[str, ...]]]]
_BAD_INDEX: dict[str, _BadIndex] = {}


def _bad_index(lang: str) -> _BadIndex:
    """Single-word entries; first words of multi-word entries; multi-word entries (split on ' ') by first word."""
    if lang not in _BAD_INDEX:
        singles: set[str] = set()
        multi: dict[str, list[tuple[str, ...]]] = {}
        for entry in bad_words(lang) or ():
            parts = tuple(entry.split(" "))
            if len(parts) == 1:
                singles.add(entry)
            else:
                multi.setdefault(parts[0], []).append(parts)
        _BAD_INDEX[lang] = (frozenset(singles), frozenset(multi), multi)
    return _BAD_INDEX[lang]


def _top_ngram(words: Words, grams: NgramClasses, n: int, chars: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """chars(most common n-gram) · count / chars, ties to the first inserted; 0 if it occurs once."""
    out = np.zeros(len(chars), dtype=np.float64)
    level = grams.level(n)
    ok = level.count > 1
    if not ok.any():
        return out
    pos, cls, count = level.pos[ok], level.cls[ok], level.count[ok]
    doc = words.doc[pos]
    big = grams.size + 1
    key = count * big + (big - 1 - cls)  # the largest count, then the earliest first occurrence
    group = np.flatnonzero(np.concatenate([[True], doc[1:] != doc[:-1]]))
    best = np.maximum.reduceat(key, group)
    docs = doc[group]
    top_count = best // big
    top_first = big - 1 - best % big
    out[docs] = (prefix[top_first + n] - prefix[top_first]) * top_count / chars[docs]
    return out


def _dupe_ngrams(words: Words, grams: NgramClasses, n: int, chars: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """Chars of words covered by an n-gram occurring more than once / chars (0 if fewer than n words)."""
    starts = grams.level(n).repeated()
    if len(starts) == 0:
        return np.zeros(len(chars))
    # Merge overlapping spans [s, s + n); spans never cross documents, nor do merged blocks.
    new_block = np.concatenate([[True], starts[1:] >= starts[:-1] + n])
    first = np.flatnonzero(new_block)
    last = np.concatenate([first[1:] - 1, [len(starts) - 1]])
    covered = prefix[starts[last] + n] - prefix[starts[first]]
    dup = np.bincount(words.doc[starts[first]], weights=covered, minlength=len(chars))
    return _div(dup, chars)
