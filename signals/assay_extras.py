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

from signals import kernels
from signals.arrays import RawText, Words, offsets, raw_text_view, words_view
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
        segs = raw.segs
        ok = raw.first_nonspace >= 0  # lines of text.split("\n"), stripped, non-empty
        lines = Spans(raw.first_nonspace[ok], raw.last_nonspace[ok] + 1, segs.doc[ok])
        dup_lines, dup_line_chars = lines.duplicate_fractions(raw, n)
        paragraphs = Spans(*kernels.paragraph_spans(segs.start, segs.end, segs.doc, raw.first_nonspace,
                                                    raw.last_nonspace, raw.codes))
        dup_paragraphs, dup_paragraph_chars = paragraphs.duplicate_fractions(raw, n)
        n_lines = np.bincount(lines.doc, minlength=n)
        short = np.bincount(lines.doc[(lines.end - lines.start) <= SHORT_LINE], minlength=n)
        n_words = np.diff(words.start)
        newlines = np.diff(segs.base) - 1  # a document has newlines + 1 segments
        with np.errstate(divide="ignore", invalid="ignore"):
            short_frac = np.where(n_lines > 0, short / n_lines, 0.0)
            ratio = np.where(n_words > 0, newlines / n_words, 0.0)
        stop = words.count_in(frozenset(GOPHER_STOP_WORDS))
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
    """Stripped, non-empty pieces of the raw texts (lines or paragraphs): [start, end) and document.

    Paragraphs are the pieces of `re.split(r"\\n\\n+", text)`, stripped, non-empty, built from the
    line segments by kernels.paragraph_spans.
    """

    start: np.ndarray
    end: np.ndarray
    doc: np.ndarray

    def duplicate_fractions(self, raw: RawText, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
        """Per document: duplicate pieces / pieces, chars of duplicates / chars (0 without pieces)."""
        length = self.end - self.start
        hashes = kernels.span_hashes(raw.codes, self.start, self.end)
        group = offsets(np.bincount(self.doc, minlength=n_docs))
        first, _, _ = kernels.first_occurrences(raw.codes, self.start, length, hashes, group,
                                             np.uint64(kernels.HASH_MASK))
        items, chars, dup_items, dup_chars = kernels.duplicate_counts(first, length, group)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(items > 0, dup_items / items, 0.0), np.where(chars > 0, dup_chars / chars, 0.0)


def _policy_lines(batch: TextBatch, raw: RawText, words: Words) -> pa.Array:
    counts = raw.segs.line_counts
    first_line = offsets(counts)
    values = np.zeros(int(first_line[-1]), dtype=np.float32)
    # A phrase (ASCII letters and spaces) in text.lower() is also in NFD(lower(text minus ASCII
    # punctuation)), the normalized text kept by the words view: check there first (few documents
    # hold one, so few are lowercased and searched here).
    for d in np.flatnonzero(words.containing(list(POLICY_PHRASES)).any(axis=1)).tolist():
        low = batch.texts[d].lower()
        found: list[int] = []
        for phrase in POLICY_PHRASES:
            pos = low.find(phrase)
            while pos >= 0:
                found.append(pos)
                pos = low.find(phrase, pos + 1)
        if found:
            # lower() keeps every "\n", so a match's line is the number of newlines of `low` before it
            newlines = np.flatnonzero(np.frombuffer(low.encode("utf-32-le", "surrogatepass"), np.uint32) == 10)
            values[first_line[d] + np.searchsorted(newlines, np.array(found), side="left")] = 1.0
    return list_column(counts, pa.array(values))
