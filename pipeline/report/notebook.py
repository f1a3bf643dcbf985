"""Helpers the notebooks in notebooks/ import, so that each notebook stays short."""

from __future__ import annotations

import difflib
import html
import os
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from pipeline.report.data import RunOutputs


def output_dir() -> str:
    """The run to inspect: $ASSAY_OUTPUT, else demo-out at the repository root (what `make demo` writes)."""
    if os.environ.get("ASSAY_OUTPUT"):
        return os.environ["ASSAY_OUTPUT"]
    root = Path(__file__).resolve().parents[2]
    return str(root / "demo-out")


def load_run(path: str | None = None) -> RunOutputs:
    return RunOutputs.load(path or output_dir())


def side_by_side(left: list[str], right: list[str], titles: tuple[str, str] = ("kept", "dropped"),
                 width: int = 400) -> str:
    """HTML table: two columns of document excerpts (escaped)."""
    rows = "".join(
        f"<tr><td style='vertical-align:top'>{_excerpt(a, width)}</td>"
        f"<td style='vertical-align:top'>{_excerpt(b, width)}</td></tr>"
        for a, b in zip(left + [""] * (len(right) - len(left)), right + [""] * (len(left) - len(right)),
                        strict=True))
    return (f"<table><tr><th>{html.escape(titles[0])}</th><th>{html.escape(titles[1])}</th></tr>{rows}</table>")


def _excerpt(text: str, width: int) -> str:
    text = text or ""
    return html.escape(text[:width] + ("…" if len(text) > width else "")).replace("\n", "<br>")


def diff_words(a: str, b: str) -> tuple[str, str, float]:
    """Two texts as HTML with the words that differ highlighted (difflib), and their word-level similarity."""
    wa, wb = a.split(), b.split()
    matcher = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        x, y = html.escape(" ".join(wa[i1:i2])), html.escape(" ".join(wb[j1:j2]))
        if op == "equal":
            left.append(x)
            right.append(y)
        else:
            if x:
                left.append(f"<mark style='background:#fbb'>{x}</mark>")
            if y:
                right.append(f"<mark style='background:#bfb'>{y}</mark>")
    return " ".join(left), " ".join(right), matcher.ratio()


def rules_yaml(rules: list[dict], nulls: str = "keep") -> str:
    """A filter file (schemas/filters.py) from rule mappings."""
    return yaml.safe_dump({"nulls": nulls, "rules": rules}, sort_keys=False)


def compile_rules(text: str, frame: pl.LazyFrame):
    """Parse and validate a filter file's text against a frame's columns (filters.config), as `assay select` does."""
    from filters.catalog import Catalog
    from filters.config import parse_selection

    return parse_selection(text, Catalog.build(dict(frame.collect_schema())))


def funnel_table(selection, frame: pl.LazyFrame) -> pl.DataFrame:
    """The funnel of a selection over a frame: documents removed alone, in sequence, and remaining."""
    from filters.funnel import chars_expr, document_funnel

    funnel = document_funnel(frame, selection.steps(), chars_expr(frame.collect_schema().names()))
    return pl.DataFrame([{"rule": r.name, "removed_alone": r.removed_alone.documents,
                          "removed_in_sequence": r.removed_in_sequence.documents,
                          "remaining": r.remaining.documents} for r in funnel.rules],
                        schema={"rule": pl.String, "removed_alone": pl.Int64, "removed_in_sequence": pl.Int64,
                                "remaining": pl.Int64})


def dsir_selection(run: RunOutputs, k: int | None = None, seed: int = 0) -> pl.DataFrame:
    """DSIR on a run: target = the selected documents, source = every annotated one.

    Returns `id, weight, selected`: each annotated document's log importance weight and whether DSIR's
    resampling (k documents without replacement, probability ∝ exp(weight), by Gumbel top-k) picks it.
    All DSIR-specific calls are here, so this is the one place to change when the DSIR API changes.
    """
    from pipeline.dsir import fit_dsir
    from pipeline.dsir.keys import Candidates, gumbel_keys

    if not run.files.get("selected"):
        raise ValueError(f"{run.root}: DSIR needs a selected/ output as its target")
    model, _ = fit_dsir(run.files["selected"], run.files["annotated"])
    docs = run.scan("annotated").select("id", "text").collect()
    texts = [t or "" for t in docs["text"]]
    weights = model.batch_weights(texts).astype(float)
    weights[[not t for t in texts]] = np.nan
    if k is None:
        k = run.scan("selected").select(pl.len()).collect().item()
    ids = docs["id"].to_arrow()
    keys = np.nan_to_num(gumbel_keys(weights, ids, seed), nan=-np.inf)
    rows = np.arange(len(weights))
    top = Candidates(keys, np.asarray(docs["id"].to_list(), dtype=str), np.zeros(len(rows), np.int64), rows,
                     weights).top(k)
    selected = np.zeros(len(weights), dtype=bool)
    selected[top.row] = True
    return pl.DataFrame({"id": docs["id"], "weight": weights, "selected": selected})


def shift(frame: pl.DataFrame, by: str, flag: str = "selected") -> pl.DataFrame:
    """Share of each value of `by` among all rows and among the flagged rows, and the difference."""
    total, chosen = frame.height, max(int(frame[flag].sum()), 1)
    return (frame.group_by(by).agg(pl.len().alias("all"), pl.col(flag).sum().alias("chosen"))
            .with_columns((pl.col("all") / total).alias("share_all"), (pl.col("chosen") / chosen).alias("share_chosen"))
            .with_columns((pl.col("share_chosen") - pl.col("share_all")).alias("shift"))
            .sort(["shift", by], descending=[True, False]))
