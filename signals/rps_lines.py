"""rps_lines family: RedPajama-V2 per-line statistics as list columns aligned with the spec's lines.

A line is `([^\\n]*\\n|[^\\n]+$)` of the raw text (its '\\n' kept); `assay_line_ends` gives each
line's end offset so spans can be rebuilt. Computed for the batch at once (signals/arrays.py);
tests/oracle_signals.py is the per-document reference.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from signals import kernels
from signals.arrays import RawText, Words, raw_text_view, words_view
from signals.batch import TextBatch
from signals.listcols import list_column, list_column_null_if_empty
from signals.registry import Family, Signal, register
from signals.rounding import rounded

TERMINAL = np.array([ord(c) for c in ".!?\u201d"], dtype=np.uint32)
BULLETS = np.array([0x2022, 0x2023, 0x25B6, 0x25C0, 0x25E6, 0x25A0, 0x25A1, 0x25AA, 0x25AB, 0x2013], dtype=np.uint32)

JAVASCRIPT = frozenset({"javascript"})
F32, I32 = pa.float32(), pa.int32()
SIGNALS = (
    Signal("rps_lines_ending_with_terminal_punctution_mark", pa.list_(F32),
           "per line: 1.0 if line.rstrip() ends with . ! ? or ” else 0.0"),
    Signal("rps_lines_javascript_counts", pa.list_(F32), "per line: normalized-line words equal to 'javascript'"),
    Signal("rps_lines_num_words", pa.list_(I32), "per line: words of the normalized line"),
    Signal("rps_lines_uppercase_letter_fraction", pa.list_(F32),
           "per line: upper-case chars / len(line), the trailing newline counted"),
    Signal("rps_lines_numerical_chars_fraction", pa.list_(F32),
           "per line: isnumeric() chars / len(normalized line) (0 if empty)"),
    Signal("rps_lines_start_with_bulletpoint", pa.list_(F32),
           "per line: 1.0 if line.lstrip() starts with a bullet (U+2022 U+2023 U+25B6 U+25C0 U+25E6 U+25A0 "
           "U+25A1 U+25AA U+25AB U+2013) else 0.0; a 0-line document gets one null item"),
    Signal("assay_line_ends", pa.list_(I32), "per line: end offset (code points) of the line in the text"),
)


@register("rps_lines")
class RPSLines(Family):
    def signals(self) -> tuple[Signal, ...]:
        return SIGNALS

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        raw: RawText = batch.view("raw_text", raw_text_view)
        words: Words = batch.view("words", words_view)
        segs = raw.segs
        lines = segs.lines
        counts = segs.line_counts
        # a segment without non-whitespace has code point 0 there, which is in neither set
        terminal, bullet, num_words, upper_frac, numeric_frac, ends = kernels.line_columns(
            lines, segs.start, segs.end, segs.doc, raw.doc_start, raw.first_char, raw.last_char, raw.upper,
            words.seg_words, words.seg_nonspace, words.seg_numeric, TERMINAL, BULLETS)
        js_words = np.flatnonzero(words.isin(JAVASCRIPT))
        javascript = np.bincount(words.seg_of(js_words), minlength=len(segs.start))[lines]
        return {
            "rps_lines_ending_with_terminal_punctution_mark": list_column(counts, pa.array(terminal)),
            "rps_lines_javascript_counts": list_column(counts, pa.array(javascript.astype(np.float32))),
            "rps_lines_num_words": list_column(counts, pa.array(num_words)),
            "rps_lines_uppercase_letter_fraction": list_column(counts, rounded(upper_frac)),
            "rps_lines_numerical_chars_fraction": list_column(counts, rounded(numeric_frac)),
            "rps_lines_start_with_bulletpoint": list_column_null_if_empty(counts, bullet, F32),
            "assay_line_ends": list_column(counts, pa.array(ends)),
        }
