"""assay_extras family: document signals the Gopher, C4 and FineWeb recipes need beyond rps_*.

- Gopher repetition (Rae et al. 2021, table A1): fraction of duplicate lines / paragraphs and of the
  characters in them. Lines: `text.split("\\n")`, stripped, empty ones dropped; paragraphs:
  `re.split(r"\\n\\n+", text)`, stripped, empty ones dropped. An item is a duplicate when an identical
  item occurred earlier in the document; 0 when there are no items.
- FineWeb: fraction of short lines (stripped length <= 30) among non-empty lines, newlines per word.
- Gopher's stop-word rule (at least 2 of the, be, to, of, and, that, have, with): their count.
- C4's policy-line rule, per line of the spec's `lines` (aligned with rps_lines_* and assay_line_ends).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from signals.arrays import RawText, Words, raw_text_view, words_view
from signals.batch import TextBatch
from signals.listcols import list_column
from signals.registry import Family, Signal, register
from signals.rounding import rounded

_PARAGRAPH = re.compile(r"\n\n+")
GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
SHORT_LINE = 30

F32 = pa.float32()
SIGNALS = (
    Signal("assay_frac_dup_lines", F32,
           "non-empty stripped lines equal to an earlier line / non-empty lines (Gopher; 0 if none)"),
    Signal("assay_frac_chars_dup_lines", F32,
           "chars of duplicate lines / chars of non-empty stripped lines (Gopher; 0 if none)"),
    Signal("assay_frac_dup_paragraphs", F32,
           "paragraphs (split on \\n\\n+, stripped, non-empty) equal to an earlier one / paragraphs (Gopher; 0 if none)"),
    Signal("assay_frac_chars_dup_paragraphs", F32,
           "chars of duplicate paragraphs / chars of all paragraphs (Gopher; 0 if none)"),
    Signal("assay_frac_short_lines", F32,
           f"non-empty lines with len(line.strip()) <= {SHORT_LINE} / non-empty lines (FineWeb; 0 if none)"),
    Signal("assay_newline_to_word_ratio", F32, "count of '\\n' / normalized words (FineWeb; None if 0 words)"),
    Signal("assay_gopher_stop_word_count", pa.int32(),
           "normalized words in Gopher's list: the be to of and that have with"),
    Signal("assay_lines_policy", pa.list_(F32),
           "per line: 1.0 if the lower-cased line contains a C4 policy phrase (terms of use, privacy policy, "
           "cookie policy, uses cookies, use of cookies, use cookies) else 0.0"),
)


def duplicate_fractions(items: list[str]) -> tuple[float, float]:
    """(duplicate items / items, chars of duplicate items / chars of items); 0, 0 without items."""
    if not items:
        return 0.0, 0.0
    seen: dict[str, int] = {}
    firsts = list(map(seen.setdefault, items, range(len(items))))
    dups = [x for i, (x, f) in enumerate(zip(items, firsts, strict=True)) if f != i]
    return len(dups) / len(items), sum(map(len, dups)) / sum(map(len, items))


@register("assay_extras")
class AssayExtras(Family):
    def signals(self) -> tuple[Signal, ...]:
        return SIGNALS

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        raw: RawText = batch.view("raw_text", raw_text_view)
        words: Words = batch.view("words", words_view)
        n = len(batch)
        cols = np.zeros((5, n), dtype=np.float64)
        for d, text in enumerate(batch.texts):
            lines = [x for x in map(str.strip, text.split("\n")) if x]
            paragraphs = [x for x in map(str.strip, _PARAGRAPH.split(text)) if x]
            cols[0, d], cols[1, d] = duplicate_fractions(lines)
            cols[2, d], cols[3, d] = duplicate_fractions(paragraphs)
            if lines:
                cols[4, d] = sum(len(x) <= SHORT_LINE for x in lines) / len(lines)
        n_words = np.diff(words.start)
        newlines = np.array([t.count("\n") for t in batch.texts], dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(n_words > 0, newlines / n_words, 0.0)
        stop = np.bincount(words.doc[words.isin(frozenset(GOPHER_STOP_WORDS))], minlength=n)
        return {
            "assay_frac_dup_lines": rounded(cols[0]),
            "assay_frac_chars_dup_lines": rounded(cols[1]),
            "assay_frac_dup_paragraphs": rounded(cols[2]),
            "assay_frac_chars_dup_paragraphs": rounded(cols[3]),
            "assay_frac_short_lines": rounded(cols[4]),
            "assay_newline_to_word_ratio": rounded(ratio, n_words > 0),
            "assay_gopher_stop_word_count": pa.array(stop.astype(np.int32)),
            "assay_lines_policy": _policy_lines(batch, raw, words),
        }


def _policy_lines(batch: TextBatch, raw: RawText, words: Words) -> pa.Array:
    counts = raw.segs.line_counts
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.zeros(int(offsets[-1]), dtype=np.float32)
    for d, text in enumerate(batch.texts):
        # A phrase (ASCII letters and spaces) in text.lower() is also in lower(NFD(text minus ASCII
        # punctuation)), the normalized text kept by the words view: check there first.
        if not any(p in words.processed[d] for p in POLICY_PHRASES):
            continue
        low = text.lower()
        for phrase in POLICY_PHRASES:
            pos = low.find(phrase)
            while pos >= 0:
                values[offsets[d] + low.count("\n", 0, pos)] = 1.0
                pos = low.find(phrase, pos + 1)
    return list_column(counts, pa.array(values))
