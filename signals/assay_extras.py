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

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from signals import wordhash
from signals.arrays import RawText, Words, raw_text_view, words_view
from signals.batch import TextBatch
from signals.listcols import list_column
from signals.registry import Family, Signal, register
from signals.rounding import rounded

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
        ok = raw.first_nonspace >= 0  # lines of text.split("\n"), stripped, non-empty
        lines = Spans(raw.first_nonspace[ok], raw.last_nonspace[ok] + 1, raw.segs.doc[ok])
        dup_lines, dup_line_chars = lines.duplicate_fractions(raw, batch.texts)
        paragraphs = paragraph_spans(raw)
        dup_paragraphs, dup_paragraph_chars = paragraphs.duplicate_fractions(raw, batch.texts)
        n_lines = np.bincount(lines.doc, minlength=n)
        short = np.bincount(lines.doc[(lines.end - lines.start) <= SHORT_LINE], minlength=n)
        n_words = np.diff(words.start)
        newlines = np.bincount(raw.segs.doc, minlength=n) - 1  # a document has newlines + 1 segments
        with np.errstate(divide="ignore", invalid="ignore"):
            short_frac = np.where(n_lines > 0, short / n_lines, 0.0)
            ratio = np.where(n_words > 0, newlines / n_words, 0.0)
        stop = np.bincount(words.doc[words.isin(frozenset(GOPHER_STOP_WORDS))], minlength=n)
        return {
            "assay_frac_dup_lines": rounded(dup_lines),
            "assay_frac_chars_dup_lines": rounded(dup_line_chars),
            "assay_frac_dup_paragraphs": rounded(dup_paragraphs),
            "assay_frac_chars_dup_paragraphs": rounded(dup_paragraph_chars),
            "assay_frac_short_lines": rounded(short_frac),
            "assay_newline_to_word_ratio": rounded(ratio, n_words > 0),
            "assay_gopher_stop_word_count": pa.array(stop.astype(np.int32)),
            "assay_lines_policy": _policy_lines(batch, raw, words),
        }


@dataclass(frozen=True)
class Spans:
    """Stripped, non-empty pieces of the raw texts (lines or paragraphs): [start, end) and document."""

    start: np.ndarray
    end: np.ndarray
    doc: np.ndarray

    def duplicate_fractions(self, raw: RawText, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per document: duplicate pieces / pieces, chars of duplicates / chars (0 without pieces)."""
        n_docs = len(texts)
        length = self.end - self.start
        hashes = raw.hasher(self.start, self.end)
        first = wordhash.first_occurrences(raw.codes, self.doc, self.start, length, hashes)
        if first is None:  # a hash collision: compare the pieces as strings
            first = self._first_by_text(raw, texts)
        dup = first != np.arange(len(first))
        items = np.bincount(self.doc, minlength=n_docs)
        chars = np.bincount(self.doc, weights=length, minlength=n_docs)
        dup_items = np.bincount(self.doc[dup], minlength=n_docs)
        dup_chars = np.bincount(self.doc[dup], weights=length[dup], minlength=n_docs)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(items > 0, dup_items / items, 0.0), np.where(chars > 0, dup_chars / chars, 0.0)

    def _first_by_text(self, raw: RawText, texts: list[str]) -> np.ndarray:
        first = np.empty(len(self.start), dtype=np.int64)
        seen: dict[tuple[int, str], int] = {}
        for i, (a, b, d) in enumerate(zip(self.start.tolist(), self.end.tolist(), self.doc.tolist(), strict=True)):
            base = int(raw.doc_start[d])
            first[i] = seen.setdefault((d, texts[d][a - base:b - base]), i)
        return first


def paragraph_spans(raw: RawText) -> Spans:
    """The pieces of `re.split(r"\\n\\n+", text)`, stripped, non-empty, built from the line segments.

    A run of two or more newlines is a run of segments that are exactly "\\n" (plus the newline
    ending the segment before them); a new piece starts after the segment whose newline opens
    such a run. Separators are whitespace, so a piece's stripped span runs from the first
    non-whitespace character of its segments to the last.
    """
    segs = raw.segs
    n_segs = len(segs.start)
    if n_segs == 0:
        empty = segs.start[:0]
        return Spans(empty, empty, empty)
    first_in_doc = np.ones(n_segs, dtype=bool)
    first_in_doc[1:] = segs.doc[1:] != segs.doc[:-1]
    just_newline = (segs.end - segs.start == 1) & (raw.char_at(segs.start) == 10)
    next_newline = np.zeros(n_segs, dtype=bool)
    next_newline[:-1] = just_newline[1:] & ~first_in_doc[1:]
    opens_run = next_newline & ~(just_newline & ~first_in_doc)
    new_piece = first_in_doc.copy()
    new_piece[1:] |= opens_run[:-1]
    starts = np.flatnonzero(new_piece)
    big = np.iinfo(np.int64).max
    first = np.minimum.reduceat(np.where(raw.first_nonspace >= 0, raw.first_nonspace, big), starts)
    last = np.maximum.reduceat(raw.last_nonspace, starts)
    ok = first != big
    return Spans(first[ok], last[ok] + 1, segs.doc[starts][ok])


def _policy_lines(batch: TextBatch, raw: RawText, words: Words) -> pa.Array:
    counts = raw.segs.line_counts
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.zeros(int(offsets[-1]), dtype=np.float32)
    for d, text in enumerate(batch.texts):
        # A phrase (ASCII letters and spaces) in text.lower() is also in lower(NFD(text minus ASCII
        # punctuation)), the normalized text kept by the words view, and every phrase holds "olic",
        # "cookie" or "terms of use": check there first.
        norm = words.processed[d]
        if "olic" not in norm and "cookie" not in norm and "terms of use" not in norm:
            continue
        low = text.lower()
        for phrase in POLICY_PHRASES:
            pos = low.find(phrase)
            while pos >= 0:
                values[offsets[d] + low.count("\n", 0, pos)] = 1.0
                pos = low.find(phrase, pos + 1)
    return list_column(counts, pa.array(values))
