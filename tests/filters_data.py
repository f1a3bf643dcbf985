"""Hand-made annotated tables for the filter and select tests (signal values set directly)."""

from __future__ import annotations

import pyarrow as pa

from schemas.annotated import annotated_schema

DOC_SIGNALS: dict[str, tuple[pa.DataType, object]] = {
    "ccnet_language": (pa.string(), "en"),
    "rps_doc_word_count": (pa.int32(), 200),
    "rps_doc_mean_word_length": (pa.float32(), 4.5),
    "rps_doc_symbol_to_word_ratio": (pa.float32(), 0.0),
    "rps_doc_frac_lines_end_with_ellipsis": (pa.float32(), 0.0),
    "rps_doc_frac_no_alph_words": (pa.float32(), 0.05),
    "assay_gopher_stop_word_count": (pa.int32(), 20),
    "rps_doc_num_sentences": (pa.int32(), 10),
    "rps_doc_curly_bracket": (pa.float32(), 0.0),
    "rps_doc_lorem_ipsum": (pa.float32(), 0.0),
    "rps_doc_ldnoobw_words": (pa.int32(), 0),
    "assay_frac_dup_lines": (pa.float32(), 0.0),
    "assay_frac_dup_paragraphs": (pa.float32(), 0.0),
    "assay_frac_chars_dup_lines": (pa.float32(), 0.0),
    "assay_frac_chars_dup_paragraphs": (pa.float32(), 0.0),
    **{f"rps_doc_frac_chars_top_{n}gram": (pa.float32(), 0.05) for n in (2, 3, 4)},
    **{f"rps_doc_frac_chars_dupe_{n}grams": (pa.float32(), 0.0) for n in range(5, 11)},
    "assay_frac_short_lines": (pa.float32(), 0.1),
    "assay_newline_to_word_ratio": (pa.float32(), 0.05),
}
LINE_SIGNALS: dict[str, tuple[pa.DataType, object]] = {
    "rps_lines_ending_with_terminal_punctution_mark": (pa.float32(), 1.0),
    "rps_lines_javascript_counts": (pa.float32(), 0.0),
    "rps_lines_num_words": (pa.int32(), 5),
    "rps_lines_uppercase_letter_fraction": (pa.float32(), 0.02),
    "rps_lines_numerical_chars_fraction": (pa.float32(), 0.0),
    "rps_lines_start_with_bulletpoint": (pa.float32(), 0.0),
    "assay_lines_policy": (pa.float32(), 0.0),
}
LINE_TEXT = "The cat sat on the mat today.\n"


def document(doc_id: str, lines: list[str] | None = None, **signals: object) -> dict:
    """One row: good values everywhere (every recipe keeps it) except the given signals."""
    lines = [LINE_TEXT] * 3 if lines is None else lines
    text = "".join(lines)
    ends, total = [], 0
    for line in lines:
        total += len(line)
        ends.append(total)
    row: dict = {"id": doc_id, "url": f"https://example.com/{doc_id}", "source": "hand-made", "offset": 0,
                 "text": text, "warc_date": None, "warc_record_id": None, "content_type": "text/plain",
                 "ccnet_length": len(text), "ccnet_nlines": len(lines), "assay_line_ends": ends}
    row.update({name: default for name, (_, default) in DOC_SIGNALS.items()})
    row.update({name: [default] * len(lines) for name, (_, default) in LINE_SIGNALS.items()})
    unknown = set(signals) - set(row)
    if unknown:
        raise KeyError(f"no such test column: {unknown}")
    row.update(signals)
    return row


def schema() -> pa.Schema:
    fields = [pa.field("ccnet_length", pa.int32()), pa.field("ccnet_nlines", pa.int32())]
    fields += [pa.field(n, t) for n, (t, _) in DOC_SIGNALS.items()]
    fields += [pa.field(n, pa.list_(t)) for n, (t, _) in LINE_SIGNALS.items()]
    fields.append(pa.field("assay_line_ends", pa.list_(pa.int32())))
    return annotated_schema(fields)


def table(rows: list[dict]) -> pa.Table:
    s = schema()
    return pa.Table.from_pylist([{name: row.get(name) for name in s.names} for row in rows], schema=s)
