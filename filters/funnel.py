"""The funnel: documents and characters each rule removes, alone and in sequence, and its table."""

from __future__ import annotations

import polars as pl

from filters.compile import decide, document_truth
from filters.lines import LineFilterResult
from filters.selection import Step
from schemas.select import Count, Funnel, LineRuleFunnel, RuleFunnel


def chars_expr(columns: list[str]) -> pl.Expr:
    """Characters of a document: `ccnet_length` when annotated, else the text's length (reads the text)."""
    return pl.col("ccnet_length").cast(pl.Int64) if "ccnet_length" in columns else pl.col("text").str.len_chars()


def funnel_frame(frame: pl.LazyFrame, steps: list[Step], chars: pl.Expr, dedup_flag: str | None = None
                 ) -> pl.LazyFrame:
    """One row of counts for every step, as a lazy query (only the columns the steps and `chars` name are read)."""
    keeps = [decide(document_truth(s.rule), s.nulls).alias(f"_k{j}") for j, s in enumerate(steps)]
    extra = [pl.col(dedup_flag).is_null().alias("_missing")] if dedup_flag else []
    verdicts = frame.select(chars.alias("_c"), *keeps, *extra)
    aggs = [pl.len().alias("n"), pl.col("_c").sum().alias("c")]
    for j in range(len(steps)):
        drop = ~pl.col(f"_k{j}")
        seq = (pl.all_horizontal([f"_k{i}" for i in range(j)]) & drop) if j else drop
        rest = pl.all_horizontal([f"_k{i}" for i in range(j + 1)])
        aggs += [drop.sum().alias(f"da{j}"), pl.col("_c").filter(drop).sum().alias(f"ca{j}"),
                 seq.sum().alias(f"ds{j}"), pl.col("_c").filter(seq).sum().alias(f"cs{j}"),
                 rest.sum().alias(f"dr{j}"), pl.col("_c").filter(rest).sum().alias(f"cr{j}")]
    if extra:
        aggs.append(pl.col("_missing").sum().alias("missing"))
    return verdicts.select(aggs)


def document_funnel(frame: pl.LazyFrame, steps: list[Step], chars: pl.Expr,
                    dedup_flag: str | None = None) -> Funnel:
    """Counts of every step over `frame`: removed alone, in sequence, remaining (documents and chars)."""
    row = funnel_frame(frame, steps, chars, dedup_flag).collect().row(0, named=True)

    def n(key: str) -> int:
        return int(row[key] or 0)

    funnel = Funnel(input=Count(documents=n("n"), chars=n("c")),
                    missing_from_dedup=n("missing") if dedup_flag else None)
    for j, s in enumerate(steps):
        funnel.rules.append(RuleFunnel(
            name=s.name, expression=s.rule.describe(), nulls=s.nulls,
            removed_alone=Count(documents=n(f"da{j}"), chars=n(f"ca{j}")),
            removed_in_sequence=Count(documents=n(f"ds{j}"), chars=n(f"cs{j}")),
            remaining=Count(documents=n(f"dr{j}"), chars=n(f"cr{j}"))))
    funnel.after_rules = funnel.rules[-1].remaining if steps else funnel.input
    return funnel


def add_line_counts(funnel: Funnel, steps: list[Step], result: LineFilterResult) -> None:
    funnel.lines_in, funnel.line_chars_in = result.lines_in, result.chars_in
    funnel.line_filters = [
        LineRuleFunnel(name=c.name, expression=s.rule.describe(), lines_removed_alone=c.lines_alone,
                       chars_removed_alone=c.chars_alone, lines_removed_in_sequence=c.lines_in_sequence,
                       chars_removed_in_sequence=c.chars_in_sequence)
        for s, c in zip(steps, result.steps, strict=True)]
    funnel.emptied_by_line_filters = Count(documents=result.documents_emptied, chars=result.chars_emptied)


def format_funnel(funnel: Funnel) -> str:
    """The funnel as a text table: removed alone / in sequence / remaining, documents and characters."""
    total_d, total_c = max(funnel.input.documents, 1), max(funnel.input.chars, 1)

    def cell(count: Count) -> str:
        return f"{count.documents:>10,} {100 * count.documents / total_d:5.1f}% {_human(count.chars):>8} " \
               f"{100 * count.chars / total_c:5.1f}%"

    width = max([len(r.name) for r in funnel.rules] + [len(r.name) for r in funnel.line_filters] + [24])
    head = f"{'rule':<{width}}  {'removed alone (docs, chars)':>32}  {'removed in sequence':>32}  {'remaining':>32}"
    out = [head, "-" * len(head), f"{'input':<{width}}  {'':>32}  {'':>32}  {cell(funnel.input)}"]
    for r in funnel.rules:
        out.append(f"{r.name:<{width}}  {cell(r.removed_alone)}  {cell(r.removed_in_sequence)}  {cell(r.remaining)}")
    if funnel.line_filters:
        lines = max(funnel.lines_in, 1)
        out.append(f"line filters over {funnel.lines_in:,} lines ({_human(funnel.line_chars_in)} chars) "
                   "of the kept documents: lines removed alone / in sequence")
        for r in funnel.line_filters:
            out.append(f"{r.name:<{width}}  {r.lines_removed_alone:>10,} {100 * r.lines_removed_alone / lines:5.1f}% "
                       f"{_human(r.chars_removed_alone):>8} chars  {r.lines_removed_in_sequence:>10,} "
                       f"{100 * r.lines_removed_in_sequence / lines:5.1f}% {_human(r.chars_removed_in_sequence):>8} chars")
        out.append(f"{'no line left':<{width}}  {'':>32}  {cell(funnel.emptied_by_line_filters)}")
    out.append(f"{'output':<{width}}  {'':>32}  {'':>32}  {cell(funnel.output)}")
    if funnel.missing_from_dedup:
        out.append(f"note: {funnel.missing_from_dedup:,} input documents have no row in the dedup output "
                   "(their keep flag is null: decided by the rule's null policy)")
    return "\n".join(out)


def _human(n: int) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)
