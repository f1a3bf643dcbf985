"""Writes the notebooks of this folder (outputs stripped): `python notebooks/make_notebooks.py`."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = """import sys
from pathlib import Path
ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
sys.path.insert(0, str(ROOT))
import numpy as np
import polars as pl
from IPython.display import HTML, Image, display
from pipeline.report import notebook as nb, plots, sections
run = nb.load_run()   # $ASSAY_OUTPUT, default demo-out (make demo)
print("run:", run.root)"""

NOTEBOOKS = {
    "01_explore_signals.ipynb": [
        "# Explore signals\nDistributions of every signal family, by language; correlations between signals; "
        "the documents at the extremes of a signal. Set `ASSAY_OUTPUT` to a job's output folder.",
        SETUP,
        """families = run.scalar_signals()
docs = run.scan("annotated")
print(docs.select(pl.len()).collect().item(), "documents;", {f: len(c) for f, c in families.items()})
run.documents([]).group_by("language").len().sort("len", descending=True)""",
        "## Distributions by family, stacked by language",
        """for family, columns in families.items():
    frame = run.documents(columns)
    data = {c: frame[c].cast(pl.Float64).to_numpy() for c in columns}
    display(Image(plots.png(plots.signal_histograms(data, frame["language"].to_numpy(), title=family))))""",
        "## Correlation between signals (Spearman)",
        """columns = [c for cols in families.values() for c in cols]
names, matrix = sections.spearman(run.documents(columns).select(columns))
display(Image(plots.png(plots.correlation_heatmap(names, matrix))))
pairs = sorted(((abs(matrix[i, j]), names[i], names[j]) for i in range(len(names)) for j in range(i)), reverse=True)
print("most correlated:", [(a, b, round(r, 3)) for r, a, b in pairs[:5]])""",
        "## Documents at the extremes of a signal",
        """SIGNAL = "rps_doc_frac_unique_words"
ranked = docs.select("id", SIGNAL, "text").drop_nulls(SIGNAL).sort(SIGNAL).collect()
low, high = ranked.head(3), ranked.tail(3).reverse()
display(HTML(nb.side_by_side(low["text"].to_list(), high["text"].to_list(),
                             (f"lowest {SIGNAL}", f"highest {SIGNAL}"))))
print(SIGNAL, "lowest:", low[SIGNAL].to_list(), "highest:", high[SIGNAL].to_list())""",
    ],
    "02_design_filters.ipynb": [
        "# Design filters\nChange thresholds and watch the funnel, see what each rule keeps and drops, "
        "and export the rules as a filter file for `assay select --filters`.",
        SETUP,
        """docs = run.scan("annotated")
if run.scan("dedup") is not None:
    docs = docs.join(run.scan("dedup"), on="id", how="left")
# Edit these thresholds and rerun the cells below: selection is a query, no signal is recomputed.
RULES = [
    {"name": "long_enough", "signal": "rps_doc_word_count", "min": 50, "max": 100000},
    {"name": "mean_word_length", "signal": "rps_doc_mean_word_length", "min": 3, "max": 10},
    {"name": "enough_stop_words", "signal": "assay_gopher_stop_word_count", "min": 2},
    {"name": "few_dup_lines", "signal": "assay_frac_dup_lines", "max": 0.3},
    {"recipe": "c4", "overrides": {"min_sentences": 3}},
]
if "fuzzy_keep" in docs.collect_schema().names():
    RULES.append({"dedup": "fuzzy"})
selection = nb.compile_rules(nb.rules_yaml(RULES), docs)
funnel = nb.funnel_table(selection, docs)
total = docs.select(pl.len()).collect().item()
display(Image(plots.png(plots.funnel_chart(funnel["rule"].to_list(), funnel["remaining"].to_list(),
                                           funnel["removed_alone"].to_list(), total))))
funnel""",
        "## A threshold swept: documents kept",
        """from filters import Selection, col
for min_words in (20, 50, 100, 200):
    n = Selection.of(col("rps_doc_word_count").ge(min_words)).apply(docs).select(pl.len()).collect().item()
    print(f"min_words={min_words:>4}: kept {n:>4} of {total}")""",
        "## Kept and dropped by each rule, side by side",
        """for step in selection.steps():
    kept_ids = Selection.of(step.rule).apply(docs).select("id")
    kept = docs.join(kept_ids, on="id", how="semi").select("text").head(2).collect()["text"].to_list()
    dropped = docs.join(kept_ids, on="id", how="anti").select("text").head(2).collect()["text"].to_list()
    if dropped:
        display(HTML(f"<h4>{step.name}</h4>" + nb.side_by_side(kept, dropped, width=240)))""",
        "## Export the rules to YAML and check the file compiles as `assay select` reads it",
        """import tempfile
from filters.config import load_selection
from filters.catalog import Catalog
path = Path(tempfile.mkdtemp()) / "my_filters.yaml"
path.write_text(nb.rules_yaml(RULES))
print(path.read_text())
reloaded = load_selection(str(path), Catalog.build(dict(docs.collect_schema())))
same = (reloaded.apply(docs).select("id").collect().sort("id")
        .equals(selection.apply(docs).select("id").collect().sort("id")))
print("the exported file selects the same documents:", same)
assert same""",
    ],
    "03_dedup_clusters.ipynb": [
        "# Duplicate clusters\nThe cluster-size distribution and the members of a cluster side by side, "
        "their differences highlighted.",
        SETUP,
        """dedup = run.scan("dedup").collect()
sizes = sections.cluster_size_counts(dedup)
print("clusters by size:", sizes, "| documents removed:", int((~dedup["keep"]).sum()))
display(Image(plots.png(plots.cluster_sizes(sizes))))""",
        "## Members of the largest clusters",
        """members = (run.scan("annotated").select("id", "text").join(run.scan("dedup"), on="id")
           .filter(pl.col("cluster_size") > 1).collect())
clusters = members.select("fuzzy_cluster", "cluster_size").unique().sort(["cluster_size", "fuzzy_cluster"],
                                                                         descending=[True, False])
for cluster in clusters["fuzzy_cluster"].head(3):
    group = members.filter(pl.col("fuzzy_cluster") == cluster).sort("fuzzy_keep", descending=True)
    kept, other = group.row(0, named=True), group.row(1, named=True)
    left, right, ratio = nb.diff_words(kept["text"], other["text"])
    display(HTML(f"<h4>cluster {cluster}: {kept['id']} (kept) vs {other['id']}, word similarity {ratio:.3f}</h4>"
                 f"<table><tr><td style='vertical-align:top;width:50%'>{left}</td>"
                 f"<td style='vertical-align:top'>{right}</td></tr></table>"))
    print(cluster, kept["id"], other["id"], round(ratio, 3))""",
    ],
    "04_dsir.ipynb": [
        "# DSIR importance weights\nA DSIR model fitted with the selected documents as target and every "
        "annotated document as source; the distribution of importance weights, and what resampling by them "
        "shifts, by language, domain and signal. The DSIR calls are in `nb.dsir_selection`.",
        SETUP,
        """weights = nb.dsir_selection(run, seed=0)
columns = [c for c in ("rps_doc_word_count", "rps_doc_stop_word_fraction", "rps_doc_frac_unique_words",
                       "ccnet_language_score") if c in run.annotated_schema]
frame = run.documents(["id", *columns]).join(weights, on="id")
print(frame.height, "documents,", int(frame["selected"].sum()), "resampled")
display(Image(plots.png(plots.weight_distribution(frame["weight"].to_numpy(), frame["selected"].to_numpy()))))""",
        "## What the selection shifts: language and domain",
        """display(nb.shift(frame, "language"))
nb.shift(frame, "domain").head(10)""",
        "## ... and signals: mean over all documents vs the resampled ones",
        """pl.DataFrame({"signal": columns,
              "all": [frame[c].cast(pl.Float64).mean() for c in columns],
              "resampled": [frame.filter(pl.col("selected"))[c].cast(pl.Float64).mean() for c in columns]})""",
    ],
}


def build(folder: Path) -> None:
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=[new_markdown_cell(c) if i == 0 or c.startswith("##") else new_code_cell(c)
                                       for i, c in enumerate(cells)])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / name)


if __name__ == "__main__":
    build(Path(__file__).resolve().parent)
