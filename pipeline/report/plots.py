"""Small matplotlib plots shared by the notebooks and `assay report` (Agg backend; figures or PNG bytes)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

COLOR = "#3b6ea5"
OTHER = "#d9822b"


def png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _grid(n: int, cols: int = 3, size: tuple[float, float] = (4.0, 2.8)) -> tuple[Figure, np.ndarray]:
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, axes


def signal_histograms(columns: Mapping[str, np.ndarray], groups: np.ndarray | None = None, bins: int = 30,
                      max_groups: int = 5, title: str | None = None) -> Figure:
    """One histogram per signal; with `groups` (e.g. languages) the top groups stacked, the rest as 'other'."""
    fig, axes = _grid(len(columns))
    for ax, (name, values) in zip(axes.flat, columns.items(), strict=False):
        values = np.asarray(values, dtype=float)
        ok = ~np.isnan(values)
        edges = np.histogram_bin_edges(values[ok], bins=bins) if ok.any() else np.linspace(0, 1, bins + 1)
        labels, stacks = group_values(values, groups, max_groups) if groups is not None else ([None], [values[ok]])
        bottom = np.zeros(len(edges) - 1)
        for i, (label, stack) in enumerate(zip(labels, stacks, strict=True)):   # one filled step patch per group
            top = bottom + np.histogram(stack, bins=edges)[0]
            ax.stairs(top, edges, baseline=bottom, fill=True, label=label, color=f"C{i}" if label else COLOR)
            bottom = top
        ax.set_title(name if ok.any() else f"{name} (all null)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.locator_params(nbins=4)
    if groups is not None and len(columns):
        axes.flat[0].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.subplots_adjust(hspace=0.55, wspace=0.25, top=1 - 0.9 / fig.get_figheight())   # tight_layout measures every tick label: slow on big grids
    return fig


def group_values(values: np.ndarray, groups: np.ndarray, max_groups: int = 5) -> tuple[list[str], list[np.ndarray]]:
    """Non-null values split by group: the `max_groups` largest groups, then 'other'."""
    values, groups = np.asarray(values, dtype=float), np.asarray(groups, dtype=object)
    ok = ~np.isnan(values)
    names, counts = np.unique(groups[ok].astype(str), return_counts=True)
    top = [str(n) for n in names[np.argsort(-counts, kind="stable")][:max_groups]]
    labels, stacks = [], []
    for name in top:
        labels.append(name)
        stacks.append(values[ok & (groups.astype(str) == name)])
    rest = ok & ~np.isin(groups.astype(str), top)
    if rest.any():
        labels.append("other")
        stacks.append(values[rest])
    return labels, stacks


def correlation_heatmap(names: Sequence[str], matrix: np.ndarray) -> Figure:
    """Correlation matrix of signals (values in [-1, 1]) with its names on both axes."""
    n = len(names)
    fig, ax = plt.subplots(figsize=(2 + 0.35 * n, 1.5 + 0.35 * n))
    image = ax.imshow(matrix, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(n), names, rotation=90, fontsize=7)
    ax.set_yticks(range(n), names, fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.7)
    ax.set_title("Spearman correlation")
    fig.tight_layout()
    return fig


def funnel_chart(rules: Sequence[str], remaining: Sequence[int], removed_alone: Sequence[int], total: int) -> Figure:
    """Documents remaining after each rule (bars) and removed by the rule alone (dots)."""
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.3 * (len(rules) + 1)))
    labels = ["input", *rules]
    y = np.arange(len(labels))
    ax.barh(y, [total, *remaining], color=COLOR, label="remaining after the rule")
    ax.plot([np.nan, *removed_alone], y, "o", color=OTHER, label="removed by the rule alone")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("documents")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def bar_chart(labels: Sequence[str], values: Sequence[float], xlabel: str, title: str = "",
              second: Sequence[float] | None = None, names: tuple[str, str] = ("", "")) -> Figure:
    """Horizontal bars, optionally a second series beside the first (e.g. before/after, requested/realised)."""
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.3 * len(labels)))
    y = np.arange(len(labels))
    height = 0.4 if second is not None else 0.8
    ax.barh(y - (height / 2 if second is not None else 0), values, height, color=COLOR, label=names[0] or None)
    if second is not None:
        ax.barh(y + height / 2, second, height, color=OTHER, label=names[1] or None)
        ax.legend(fontsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def cluster_sizes(sizes: Mapping[int, int]) -> Figure:
    """Number of duplicate clusters of each size (log scale when sizes spread)."""
    fig, ax = plt.subplots(figsize=(6, 3))
    keys = sorted(sizes)
    ax.bar([str(k) for k in keys], [sizes[k] for k in keys], color=COLOR)
    ax.set_xlabel("cluster size (documents)")
    ax.set_ylabel("clusters")
    if keys and max(sizes.values()) > 50 * max(min(sizes.values()), 1):
        ax.set_yscale("log")
    fig.tight_layout()
    return fig


def language_mix(languages: Sequence[str], before: Sequence[int], after: Sequence[int] | None = None) -> Figure:
    """Documents per language, annotated and (if given) selected."""
    return bar_chart(languages, before, "documents", "Language mix", after, ("annotated", "selected"))


def token_counts(sources: Sequence[str], tokens: Sequence[int]) -> Figure:
    """Tokens per source of the tokenize stage."""
    return bar_chart(sources, tokens, "tokens", "Tokens per source")


def weight_distribution(weights: np.ndarray, selected: np.ndarray | None = None, bins: int = 40) -> Figure:
    """Histogram of DSIR log importance weights; with `selected`, the selected documents' weights on top."""
    weights = np.asarray(weights, dtype=float)
    weights = weights[~np.isnan(weights)] if selected is None else weights
    fig, ax = plt.subplots(figsize=(6, 3))
    edges = np.histogram_bin_edges(weights[~np.isnan(weights)], bins=bins)
    ax.hist(weights[~np.isnan(weights)], bins=edges, color=COLOR, label="all documents")
    if selected is not None:
        chosen = weights[np.asarray(selected, dtype=bool) & ~np.isnan(weights)]
        ax.hist(chosen, bins=edges, color=OTHER, alpha=0.8, label="selected")
        ax.legend(fontsize=7)
    ax.set_xlabel("log importance weight")
    ax.set_ylabel("documents")
    fig.tight_layout()
    return fig


def mixture(names: Sequence[str], requested: Sequence[float], realised: Sequence[float]) -> Figure:
    """Requested against realised token share of each mixture source."""
    return bar_chart(names, requested, "share of tokens", "Mixture: requested vs realised", realised,
                     ("requested", "realised"))
