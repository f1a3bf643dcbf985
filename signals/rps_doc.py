"""rps_doc family: RedPajama-V2 document statistics, exactly as shared/spec/signals.md defines them.

Computed for the whole batch at once from the columnar views (signals/arrays.py) and the exact
n-gram classes (signals/ngrams.py); tests/oracle_signals.py is the per-document reference.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa

from signals import chartables as ct
from signals import kernels
from signals.arrays import (
    RawText,
    RawTokens,
    Vocabulary,
    Words,
    offsets,
    raw_text_view,
    raw_tokens_view,
    vocabulary,
    words_view,
)
from signals.batch import TextBatch
from signals.langid import languages
from signals.ngrams import NgramClasses, ngram_view
from signals.registry import Family, Signal, register
from signals.rounding import rounded
from signals.ut1 import load_ut1_map
from signals.wordlists import bad_words, stop_words

_LOREM = re.compile(r"lorem ipsum", re.IGNORECASE)
TOP_NGRAMS = (2, 3, 4)
DUPE_NGRAMS = (5, 6, 7, 8, 9, 10)
# Python 3.12+ sums floats with Neumaier's compensation; the oracle's entropy is such a sum.
COMPENSATED_SUM = sum([1.0, 1e100, 1.0, -1e100]) != 0.0

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
        n_words = np.diff(words.start)
        has_words = n_words > 0
        chars = words.chars
        n_tok = tokens.count
        has_tok = n_tok > 0
        sentences, symbols, curly = kernels.document_marks(raw.codes, raw.doc_start, ct.properties())
        out: dict[str, pa.Array] = {}
        out["rps_doc_word_count"] = pa.array(n_words, I32)
        out["rps_doc_mean_word_length"] = rounded(_div(chars, n_words), has_words)
        out["rps_doc_frac_unique_words"] = rounded(_div(words.distinct, n_words), has_words)
        entropy = kernels.entropy(words.first, words.counts, words.start, COMPENSATED_SUM)
        out["rps_doc_unigram_entropy"] = rounded(entropy, has_words)
        out["rps_doc_num_sentences"] = pa.array(sentences.astype(np.int32))
        out["rps_doc_symbol_to_word_ratio"] = rounded(_div(symbols, n_tok), has_tok)
        n_lines = raw.segs.line_counts
        ellipsis = kernels.ellipsis_lines(raw.codes, raw.segs.start, raw.segs.doc, raw.last_nonspace, raw.last_char,
                                          len(batch))
        out["rps_doc_frac_lines_end_with_ellipsis"] = rounded(_div(ellipsis, n_lines), n_lines > 0)
        out["rps_doc_frac_no_alph_words"] = rounded(1.0 - _div(tokens.with_ascii_letter, n_tok), has_tok)
        out["rps_doc_frac_all_caps_words"] = rounded(_div(tokens.all_caps, n_tok), has_tok)
        lengths = np.diff(raw.doc_start)
        out["rps_doc_curly_bracket"] = rounded(np.where(lengths > 0, _div(curly, lengths), 0.0))
        out["rps_doc_lorem_ipsum"] = rounded(_lorem(words))
        langs = languages(batch)
        out["rps_doc_stop_word_fraction"] = _stop_word_fraction(tokens, langs, has_words)
        out["rps_doc_ldnoobw_words"] = pa.array(_ldnoobw(words, langs), I32)
        out["rps_doc_ut1_blacklist"] = pa.array(self._ut1(batch), I32)
        prefix = offsets(words.length)
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


def _lorem(words: Words) -> np.ndarray:
    out = np.zeros(len(words.start) - 1, dtype=np.float64)
    # A match needs the five letters of "lorem" in a row, and the text is already lower-cased: under
    # re.IGNORECASE only "L", "O", "R", "E", "M" also match them, and lower() left none of those.
    for d in np.flatnonzero(words.containing(["lorem"])[:, 0]).tolist():
        norm = " ".join(words.processed(d).split())
        out[d] = len(_LOREM.findall(norm)) / len(norm)
    return out


def _stop_word_fraction(tokens: RawTokens, langs: list[str | None], has_words: np.ndarray) -> pa.Array:
    counts = np.zeros(len(langs), dtype=np.int64)
    listed = np.array([stop_words(x) is not None for x in langs], dtype=bool)
    for lang in sorted({x for x in langs if stop_words(x) is not None}):
        docs = np.array([x == lang for x in langs], dtype=bool)
        counts += tokens.count_in(stop_words(lang), docs)
    frac = np.where(has_words, _div(counts, tokens.count), 0.0)
    return rounded(frac, listed)


def _ldnoobw(words: Words, langs: list[str | None]) -> list[int | None]:
    counts = np.zeros(len(langs), dtype=np.int64)
    for lang in sorted({x for x in langs if bad_words(x) is not None}):
        docs = np.array([x == lang for x in langs], dtype=bool)
        parts, single, by_first, phrase_start, phrase_ids = _bad_index(lang, kernels.HASH_MASK)
        ids, _ = words.ids(parts, docs)
        counts += kernels.count_phrases(ids, words.start, docs, single, by_first, phrase_start, phrase_ids)
    return [None if bad_words(x) is None else int(c) for x, c in zip(langs, counts.tolist(), strict=True)]


@cache
def _bad_index(lang: str, mask: int) -> tuple[frozenset[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bad-words list as word sequences for kernels.count_phrases (an entry split on ' ' into n
    words matches n-grams): every word of every entry; then, with words numbered as in their
    Vocabulary, single-word entries (bool per word) and the multi-word entries grouped by first
    word (offsets per word, word offsets per entry, their words)."""
    entries = sorted(tuple(entry.split(" ")) for entry in bad_words(lang) or ())
    parts = frozenset(w for e in entries for w in e)
    table: Vocabulary = vocabulary(parts, mask)
    single = np.zeros(len(table.entries), dtype=bool)
    single[table.index([e[0] for e in entries if len(e) == 1])] = True
    multi = sorted(tuple(table.index(e).tolist()) for e in entries if len(e) > 1)
    firsts = np.array([m[0] for m in multi], dtype=np.int64)
    by_first = np.searchsorted(firsts, np.arange(len(table.entries) + 1)).astype(np.int64)
    phrase_start = offsets(np.array([len(m) for m in multi], dtype=np.int64))
    phrase_ids = np.array([v for m in multi for v in m], dtype=np.int32)
    return parts, single, by_first, phrase_start, phrase_ids


def _top_ngram(words: Words, grams: NgramClasses, n: int, chars: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """chars(most common n-gram) · count / chars, ties to the first inserted; 0 if it occurs once."""
    level = grams.level(n)
    count, first = kernels.top_ngrams(level.pos, level.cls, level.count, words.start)
    ok = count > 1
    top = first[ok]
    out = np.zeros(len(chars), dtype=np.float64)
    out[ok] = (prefix[top + n] - prefix[top]) * count[ok] / chars[ok]
    return out


def _dupe_ngrams(words: Words, grams: NgramClasses, n: int, chars: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """Chars of words covered by an n-gram occurring more than once / chars (0 if fewer than n words)."""
    level = grams.level(n)
    return _div(kernels.covered_chars(level.pos, level.count, n, words.start, prefix), chars)
