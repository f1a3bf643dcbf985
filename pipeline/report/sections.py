"""The sections of a run report, one function each; a section whose input is missing becomes a note."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pipeline.report import plots
from pipeline.report.data import RunOutputs

HISTOGRAMS_PER_FAMILY = 24


@dataclass
class Section:
    """A titled list of items: ("p", text), ("table", header, rows) or ("img", png_bytes, alt)."""

    title: str
    items: list[tuple] = field(default_factory=list)
    missing: str | None = None  # why the section is omitted

    def text(self, text: str) -> Section:
        self.items.append(("p", text))
        return self

    def table(self, header: list[str], rows: list[list[object]]) -> Section:
        self.items.append(("table", header, rows))
        return self

    def image(self, png: bytes, alt: str) -> Section:
        self.items.append(("img", png, alt))
        return self


def _omitted(title: str, why: str) -> Section:
    return Section(title, missing=why)


def inputs_and_counts(run: RunOutputs) -> Section:
    section = Section("Inputs and counts")
    rows = []
    for stage in ("annotated", "dedup", "selected"):
        manifest = run.manifest(stage)
        if manifest:
            totals = manifest.get("totals", {})
            rows.append([stage, totals.get("shards", 0), totals.get("records", 0), totals.get("rows_written", 0),
                         totals.get("skipped", 0), manifest.get("config_hash", "")])
    if not rows:
        return _omitted(section.title, "no stage manifests (_manifest.json) found")
    section.table(["stage", "shards", "records in", "documents written", "records skipped", "config hash"], rows)
    annotate = run.manifest("annotated") or {}
    if annotate.get("inputs"):
        section.table(["annotate inputs"], [[p] for p in annotate["inputs"]])
    reasons = {k.split(":", 1)[1]: v for k, v in annotate.get("totals", {}).items() if k.startswith("skipped:")}
    if reasons:
        section.table(["skip reason", "records"], sorted(reasons.items(), key=lambda kv: -kv[1]))
    return section


def signal_distributions(run: RunOutputs) -> Section:
    families = run.scalar_signals()
    if not families:
        return _omitted("Signal distributions", "no annotated output")
    section = Section("Signal distributions")
    section.text("Histograms of each family's scalar signals, stacked by language (ccnet_language).")
    for family, columns in families.items():
        shown = columns[:HISTOGRAMS_PER_FAMILY]
        frame = run.documents(shown)
        groups = frame["language"].to_numpy() if "language" in frame.columns else None
        data = {c: frame[c].cast(pl.Float64).to_numpy() for c in shown}
        more = f" (first {len(shown)} of {len(columns)})" if len(columns) > len(shown) else ""
        section.image(plots.png(plots.signal_histograms(data, groups, title=family + more)), f"{family} signals")
    return section


def correlations(run: RunOutputs) -> Section:
    columns = [c for cols in run.scalar_signals().values() for c in cols]
    if len(columns) < 2:
        return _omitted("Signal correlations", "fewer than two scalar signals")
    names, matrix = spearman(run.documents(columns).select(columns))
    return Section("Signal correlations").image(plots.png(plots.correlation_heatmap(names, matrix)),
                                                "correlation heatmap")


def spearman(frame: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    """Spearman correlation of the columns that vary (pairwise over rows where both are present)."""
    names = [c for c in frame.columns if frame[c].drop_nulls().n_unique() > 1]
    ranks = frame.select([pl.col(c).cast(pl.Float64).fill_nan(None).rank() for c in names])
    matrix = ranks.select([pl.corr(a, b, method="pearson").alias(f"{i}_{j}")
                           for i, a in enumerate(names) for j, b in enumerate(names)]).row(0)
    return names, np.nan_to_num(np.array(matrix, dtype=float).reshape(len(names), len(names)))


def filter_funnel(run: RunOutputs) -> Section:
    funnel = run.funnel
    if not funnel:
        return _omitted("Filter funnel", "no selected/funnel.json")
    section = Section("Filter funnel")
    rules = funnel.get("rules", [])
    total = funnel["input"]["documents"]
    if funnel.get("filters"):
        section.text(f"Filters: {funnel['filters']}")
    section.image(plots.png(plots.funnel_chart(
        [r["name"] for r in rules], [r["remaining"]["documents"] for r in rules],
        [r["removed_alone"]["documents"] for r in rules], total)), "filter funnel")
    rows = [["input", "", "", "", total]]
    rows += [[r["name"], r["expression"], r["removed_alone"]["documents"], r["removed_in_sequence"]["documents"],
              r["remaining"]["documents"]] for r in rules]
    if funnel.get("emptied_by_line_filters"):
        rows.append(["emptied by line filters", "", "", funnel["emptied_by_line_filters"]["documents"], ""])
    rows.append(["output", "", "", "", funnel["output"]["documents"]])
    section.table(["rule", "expression", "removed alone", "removed in sequence", "remaining"], rows)
    if funnel.get("line_filters"):
        section.table(["line filter", "lines removed alone", "lines removed in sequence"],
                      [[r["name"], r["lines_removed_alone"], r["lines_removed_in_sequence"]]
                       for r in funnel["line_filters"]])
    return section


def cluster_size_counts(frame: pl.DataFrame) -> dict[int, int]:
    """{cluster size: clusters of that size} from dedup rows (`fuzzy_cluster`, `cluster_size`), sizes > 1."""
    clusters = frame.filter(pl.col("cluster_size") > 1).unique("fuzzy_cluster")
    counts = clusters.group_by("cluster_size").len()
    return {int(s): int(n) for s, n in counts.iter_rows()}


def dedup_clusters(run: RunOutputs) -> Section:
    scan = run.scan("dedup")
    if scan is None:
        return _omitted("Duplicate clusters", "no dedup output")
    frame = scan.select("fuzzy_cluster", "cluster_size", "exact_keep", "fuzzy_keep", "keep").collect()
    sizes = cluster_size_counts(frame)
    section = Section("Duplicate clusters")
    section.table(["documents", "exact duplicates removed", "near duplicates removed", "removed",
                   "clusters (size > 1)"],
                  [[frame.height, int((~frame["exact_keep"]).sum()), int((~frame["fuzzy_keep"]).sum()),
                    int((~frame["keep"]).sum()), sum(sizes.values())]])
    if sizes:
        section.image(plots.png(plots.cluster_sizes(sizes)), "cluster size distribution")
    else:
        section.text("No near-duplicate clusters.")
    stats = run.dedup_stats or {}
    keys = [k for k in ("bands", "rows", "candidate_pairs", "verified_pairs", "center_clusters") if k in stats]
    if keys:
        section.table(keys, [[stats[k] for k in keys]])
    return section


def language_counts(scan: pl.LazyFrame) -> dict[str, int]:
    counts = scan.select(pl.col("ccnet_language").fill_null("(none)")).collect()["ccnet_language"].value_counts()
    return {str(lang): int(n) for lang, n in counts.sort(["count", "ccnet_language"], descending=[True, False])
            .iter_rows()}


def language_mix(run: RunOutputs) -> Section:
    if "ccnet_language" not in run.annotated_schema:
        return _omitted("Language mix", "no ccnet_language in the annotated output")
    before = language_counts(run.scan("annotated"))
    selected = run.scan("selected")
    after = language_counts(selected) if selected is not None else None
    langs = list(before)
    section = Section("Language mix")
    section.image(plots.png(plots.language_mix(langs, [before[g] for g in langs],
                                               [after.get(g, 0) for g in langs] if after else None)), "language mix")
    section.table(["language", "annotated", "selected"],
                  [[g, before[g], after.get(g, 0) if after is not None else "-"] for g in langs])
    return section


def token_counts(run: RunOutputs) -> Section:
    summary = run.summary("tokens")
    if not summary:
        return _omitted("Token counts", "no tokens/summary.json")
    section = Section("Token counts")
    keys = ["documents", "tokens", "sequences", "seq_len", "pack", "padding_fraction", "truncated_documents",
            "truncation_fraction", "tokenizer", "vocab_size", "dtype"]
    section.table(keys, [[summary.get(k, "") for k in keys]])
    sources = summary.get("sources") or {}
    if sources:
        names = sorted(sources, key=lambda s: -sources[s]["tokens"])
        section.image(plots.png(plots.token_counts(names, [sources[s]["tokens"] for s in names])), "tokens per source")
        section.table(["source", "documents", "tokens"],
                      [[s, sources[s]["documents"], sources[s]["tokens"]] for s in names])
    return section


def dsir(run: RunOutputs) -> Section:
    summary = run.summary("dsir")
    importance = [c for c in run.annotated_schema if c.startswith("rps_doc_") and c.endswith("_importance")]
    if not summary and not importance:
        return _omitted("DSIR selection", "no dsir/summary.json and no importance columns")
    section = Section("DSIR selection")
    if summary:
        keys = ["target", "k", "seed", "kl_selected", "kl_random", "kl_reduction", "distance_selected",
                "distance_random"]
        section.table(keys, [[summary.get(k, "") for k in keys]])
    for column in importance:
        weights = run.scan("annotated").select(pl.col(column).cast(pl.Float64)).collect()[column].to_numpy()
        section.image(plots.png(plots.weight_distribution(weights)), f"{column} distribution")
        section.text(f"{column}: distribution of the log importance weight over the annotated documents.")
    return section


def mixture(run: RunOutputs) -> Section:
    summary = run.summary("mix")
    if not summary:
        return _omitted("Mixture", "no mix/mix_summary.json")
    sources = summary.get("sources", [])
    section = Section("Mixture")
    section.text(f"seed {summary.get('seed')}, total tokens {summary.get('total_tokens')}")
    section.image(plots.png(plots.mixture([s["name"] for s in sources], [s["requested_share"] for s in sources],
                                          [s["realised_share"] for s in sources])), "mixture shares")
    keys = ["name", "requested_share", "realised_share", "requested_tokens", "realised_tokens", "available_tokens",
            "documents", "epochs", "epoch_cap", "dropped_documents"]
    section.table(keys, [[s.get(k, "") for k in keys] for s in sources])
    return section


SECTIONS: tuple[Callable[[RunOutputs], Section], ...] = (
    inputs_and_counts, signal_distributions, correlations, filter_funnel, dedup_clusters, language_mix,
    token_counts, dsir, mixture)


def build(run: RunOutputs) -> list[Section]:
    """Every section, in report order."""
    return [make(run) for make in SECTIONS]
