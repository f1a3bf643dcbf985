"""Line filters: remove the lines of a document that fail per-line rules, and rebuild its text.

Lines are the spans ending at each offset of `assay_line_ends` (code points; each line keeps its
'\\n'). Every line-level list column is aligned with them, so the kept lines' items are gathered
from each, and `assay_line_ends` is recomputed: the output stays aligned. Document-level signals
keep describing the text before line filtering. A document left with no line is removed.
A line whose rule is unknown (a null item) is kept or removed by the rule's null policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from filters.compile import decide, line_truth
from filters.selection import Step

LINE_ENDS = "assay_line_ends"


@dataclass
class LineStepCounts:
    name: str
    lines_alone: int = 0
    chars_alone: int = 0
    lines_in_sequence: int = 0
    chars_in_sequence: int = 0


@dataclass
class LineFilterResult:
    frame: pl.DataFrame
    lines_in: int = 0
    chars_in: int = 0
    steps: list[LineStepCounts] = field(default_factory=list)
    documents_emptied: int = 0
    chars_emptied: int = 0


def filter_lines(df: pl.DataFrame, steps: list[Step], text: str = "text") -> LineFilterResult:
    """Apply per-line `steps` to the documents of `df` (which holds `text` and `assay_line_ends`)."""
    if not steps:
        return LineFilterResult(df)
    if LINE_ENDS not in df.columns:
        raise ValueError(f"line filters need the {LINE_ENDS!r} column in the annotated data")
    columns = sorted({c for s in steps for c in s.rule.columns()})
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"line filters need columns missing from the data: {', '.join(missing)}")
    rows = (df.lazy().with_row_index("_row").select("_row", LINE_ENDS, *[c for c in columns if c != LINE_ENDS])
            .filter(pl.col(LINE_ENDS).list.len() > 0))
    _check_aligned(rows, columns)
    lines = (rows.explode([LINE_ENDS, *[c for c in columns if c != LINE_ENDS]])
             .with_columns(pl.int_range(pl.len()).over("_row").alias("_i"),
                           (pl.col(LINE_ENDS) - pl.col(LINE_ENDS).shift(1, fill_value=0).over("_row"))
                           .cast(pl.Int64).alias("_len")))
    keeps = [decide(line_truth(s.rule), s.nulls).alias(f"_k{j}") for j, s in enumerate(steps)]
    lines = lines.with_columns(keeps).with_columns(
        pl.all_horizontal([f"_k{j}" for j in range(len(steps))]).alias("_keep")).collect()
    result = LineFilterResult(df, lines_in=lines.height, chars_in=int(lines["_len"].sum() or 0))
    result.steps = _counts(lines, steps)

    kept = pl.col("_keep")
    per_doc = (lines.group_by("_row", maintain_order=True)
               .agg(pl.col("_i").filter(kept).alias("_kept"), pl.len().alias("_n"),
                    pl.col("_len").sum().alias("_chars"),
                    pl.col("_len").filter(kept).cum_sum().cast(df.schema[LINE_ENDS].inner).alias("_ends"),
                    (pl.col(LINE_ENDS) - pl.col("_len")).filter(kept).alias("_starts"),
                    pl.col(LINE_ENDS).filter(kept).alias("_stops"))
               .filter(pl.col("_kept").list.len() < pl.col("_n")))
    emptied = per_doc.filter(pl.col("_kept").list.len() == 0)
    result.documents_emptied, result.chars_emptied = emptied.height, int(emptied["_chars"].sum() or 0)
    if per_doc.height == 0:
        return result
    result.frame = _rewrite(df, per_doc, text)
    return result


def _check_aligned(rows: pl.LazyFrame, columns: list[str]) -> None:
    others = [c for c in columns if c != LINE_ENDS]
    if not others:
        return
    bad = rows.select([(pl.col(c).list.len() != pl.col(LINE_ENDS).list.len()).sum().alias(c) for c in others]).collect()
    wrong = [c for c in others if bad[c][0]]
    if wrong:
        raise ValueError(f"line-level columns not aligned with {LINE_ENDS} (different number of items): "
                         + ", ".join(wrong))


def _counts(lines: pl.DataFrame, steps: list[Step]) -> list[LineStepCounts]:
    aggs = []
    for j in range(len(steps)):
        drop = ~pl.col(f"_k{j}")
        before = pl.all_horizontal([f"_k{i}" for i in range(j)]) if j else pl.lit(True)
        seq = before & drop
        aggs += [drop.sum().alias(f"la{j}"), pl.col("_len").filter(drop).sum().alias(f"ca{j}"),
                 seq.sum().alias(f"ls{j}"), pl.col("_len").filter(seq).sum().alias(f"cs{j}")]
    row = lines.select(aggs).row(0, named=True)
    return [LineStepCounts(s.name, int(row[f"la{j}"] or 0), int(row[f"ca{j}"] or 0), int(row[f"ls{j}"] or 0),
                           int(row[f"cs{j}"] or 0)) for j, s in enumerate(steps)]


def _rewrite(df: pl.DataFrame, per_doc: pl.DataFrame, text: str) -> pl.DataFrame:
    """New text, line ends and line-aligned list items for the documents that lost lines."""
    texts = df[text].gather(per_doc["_row"]).to_list()
    new_texts = ["".join(doc[a:b] for a, b in zip(starts, stops, strict=True))
                 for doc, starts, stops in zip(texts, per_doc["_starts"].to_list(), per_doc["_stops"].to_list(),
                                               strict=True)]
    update = per_doc.select("_row", "_kept", "_ends").with_columns(
        pl.Series("_text", new_texts, dtype=df.schema[text]))
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List) and c != LINE_ENDS]
    changed = pl.col("_kept").is_not_null()
    return (df.with_row_index("_row").join(update, on="_row", how="left", maintain_order="left")
            .with_columns(
                *[pl.when(changed).then(pl.col(c).list.gather(pl.col("_kept"))).otherwise(pl.col(c)).alias(c)
                  for c in lists],
                pl.when(changed).then(pl.col("_text")).otherwise(pl.col(text)).alias(text),
                pl.when(changed).then(pl.col("_ends")).otherwise(pl.col(LINE_ENDS)).alias(LINE_ENDS))
            .filter(~changed | (pl.col("_kept").list.len() > 0))  # a document with no line left goes
            .drop("_row", "_kept", "_text", "_ends"))
