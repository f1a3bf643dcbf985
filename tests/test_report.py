"""Plots, report sections and `assay report`: real values from the demo run and the shared summary contracts."""

from __future__ import annotations

import base64
import json
import os
import re

import numpy as np
import polars as pl
import pytest
from scipy.stats import spearmanr

from pipeline.cli import main
from pipeline.report import plots, sections
from pipeline.report.data import signal_family
from tests import chromium

TOKENS = {"documents": 30, "tokens": 987654, "sequences": 483, "seq_len": 2048, "pack": True,
          "padding_fraction": 0.0123, "truncated_documents": 2, "truncation_fraction": 0.0667,
          "tokenizer": "gpt2-test", "vocab_size": 50257, "dtype": "uint16", "config_hash": "abc123",
          "sources": {"web": {"documents": 20, "tokens": 654321}, "books": {"documents": 10, "tokens": 333333}}}
DSIR = {"k": 17, "seed": 5, "target": "wiki-target", "kl_reduction": 0.4321, "kl_selected": 0.1234,
        "kl_random": 0.5555, "distance_selected": 0.0777, "distance_random": 0.2468}
MIX = {"seed": 11, "total_tokens": 123456, "sources": [
    {"name": "web-mix", "requested_share": 0.7, "requested_tokens": 86419, "realised_tokens": 86001,
     "realised_share": 0.6966, "available_tokens": 90000, "documents": 41, "epochs": 0.9556, "epoch_cap": 4,
     "dropped_documents": 3},
    {"name": "books-mix", "requested_share": 0.3, "requested_tokens": 37037, "realised_tokens": 37455,
     "realised_share": 0.3034, "available_tokens": 12000, "documents": 9, "epochs": 3.1213, "epoch_cap": 4,
     "dropped_documents": 0}]}


def test_histogram_counts_are_the_data_counts():
    rng = np.random.default_rng(0)
    values = rng.normal(size=500)
    values[:7] = np.nan
    langs = np.array(["en"] * 300 + ["de"] * 150 + ["fr"] * 50)
    fig = plots.signal_histograms({"x": values}, langs, bins=20, max_groups=2)
    ax = fig.axes[0]
    ok = ~np.isnan(values)
    expected, edges = np.histogram(values[ok], bins=20)
    labels, stacks = plots.group_values(values, langs, max_groups=2)
    assert labels == ["en", "de", "other"] and [len(s) for s in stacks] == [ok[:300].sum(), 150, 50]
    steps = [a.get_data() for a in ax.patches]       # stacked: each group's tops, the last one the totals
    assert len(steps) == 3 and np.array_equal(steps[-1].edges, edges)
    assert np.array_equal(steps[-1].values, expected) and expected.sum() == 493
    assert np.array_equal(steps[0].values, np.histogram(values[:300][ok[:300]], bins=edges)[0])
    assert plots.png(fig).startswith(b"\x89PNG")


def test_cluster_sizes_language_counts_and_spearman():
    frame = pl.DataFrame({"fuzzy_cluster": [0, 0, 0, 3, 4, 4, 6], "cluster_size": [3, 3, 3, 1, 2, 2, 1]})
    assert sections.cluster_size_counts(frame) == {3: 1, 2: 1}
    langs = pl.LazyFrame({"ccnet_language": ["en", "de", "en", None, "de", "en"]})
    assert sections.language_counts(langs) == {"en": 3, "de": 2, "(none)": 1}
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    data = pl.DataFrame({"a": a, "b": a ** 3 + rng.normal(size=200) * 0.1, "c": rng.normal(size=200),
                         "const": np.ones(200)})
    names, matrix = sections.spearman(data)
    assert names == ["a", "b", "c"]
    assert np.allclose(matrix, spearmanr(data.select(names).to_numpy()).statistic)


def test_funnel_chart_bars_are_the_counts():
    fig = plots.funnel_chart(["r1", "r2"], [80, 50], [20, 35], 100)
    assert [p.get_width() for p in fig.axes[0].patches] == [100, 80, 50]


def test_signal_family():
    assert [signal_family(c) for c in ("ccnet_length", "rps_doc_word_count", "rps_lines_num_words",
                                       "assay_frac_dup_lines", "minhash_oph", "rps_doc_ml_wiki_score",
                                       "rps_doc_books_importance", "text")] == \
        ["ccnet", "rps_doc", "rps_lines", "assay_extras", "minhash", "ml", "ml", None]


def _report(out, tmp_path, name="report.html") -> str:
    target = tmp_path / name
    assert main(["report", str(out), "-o", str(target)]) == 0
    return target.read_text(encoding="utf-8")


def _self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)=["'](?!data:)""", page), "external resource"
    assert "<script" not in page


@pytest.fixture(scope="module")
def demo_report(demo_out, tmp_path_factory) -> str:
    return _report(demo_out, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def full_report(demo_out, tmp_path_factory):
    """A run with tokens/, dsir/ and mix/ summaries beside the demo stages, and its report file."""
    folder = tmp_path_factory.mktemp("full")
    _report(_with_summaries(demo_out, folder), folder)
    return folder / "report.html"


def test_report_on_demo_output(demo_out, demo_report):
    page = demo_report
    _self_contained(page)
    funnel = json.loads((demo_out / "selected" / "funnel.json").read_text())
    for title in ("Inputs and counts", "Signal distributions", "Signal correlations", "Filter funnel",
                  "Duplicate clusters", "Language mix"):
        assert f"<h2>{title}</h2>" in page
    for rule in funnel["rules"]:
        assert f"<td>{rule['name']}</td>" in page
    assert f'<td class="n">{funnel["output"]["documents"]}</td>' in page
    assert '<td class="n">263</td>' in page          # documents annotated
    tokens = json.loads((demo_out / "tokens" / "summary.json").read_text())   # the demo ends with tokenize
    assert "<h2>Token counts</h2>" in page
    assert f'>{tokens["tokens"]}</td>' in page and f'>{tokens["sequences"]}</td>' in page
    # ccnet, rps_doc, assay_extras histograms (rps_lines are lists), correlations, funnel, clusters, languages,
    # tokens per source
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 8 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "<li>Mixture: no mix/mix_summary.json</li>" in page


def _with_summaries(demo_out, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for stage in ("annotated", "dedup", "selected"):
        os.symlink(demo_out / stage, run / stage)
    for folder, name, data in (("tokens", "summary.json", TOKENS), ("dsir", "summary.json", DSIR),
                               ("mix", "mix_summary.json", MIX)):
        (run / folder).mkdir()
        (run / folder / name).write_text(json.dumps(data))
    return run


def test_tokens_dsir_and_mix_sections(full_report):
    page = full_report.read_text(encoding="utf-8")
    for title in ("Token counts", "DSIR selection", "Mixture"):
        assert f"<h2>{title}</h2>" in page
    assert "Not shown" not in page
    for number in ("987654", "654321", "333333", "483", "0.0123", "gpt2-test", "50257"):
        assert f">{number}</td>" in page
    for number in ("wiki-target", "17", "0.4321", "0.1234", "0.5555", "0.0777", "0.2468"):
        assert f">{number}</td>" in page
    for number in ("web-mix", "books-mix", "0.6966", "0.3034", "86001", "37455", "3.1213"):
        assert f">{number}</td>" in page
    assert "total tokens 123456" in page


def test_report_errors_name_the_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html")]) == 2
    assert "output folder not found" in capsys.readouterr().err
    (tmp_path / "dsir").mkdir()
    (tmp_path / "dsir" / "summary.json").write_text("{broken")
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2
    assert "summary.json: not valid JSON" in capsys.readouterr().err


@pytest.mark.slow
def test_report_renders_in_chromium(full_report, tmp_path):
    reason = chromium.available()
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    page_file = full_report
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA">'
                   '<script>console.error("boom")</script></body></html>')
    page = chromium.Page()
    try:
        page.load(page_file.as_uri())
        widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        title = page.evaluate("document.title")
        assert page.errors == []
        # the same checks catch a broken image and a console error
        page.load(bad.as_uri())
        assert page.evaluate("Array.from(document.images).map(i => i.naturalWidth)") == [0]
        assert any("boom" in e for e in page.errors)
    finally:
        page.close()
    assert title.startswith("assay report")
    assert len(widths) == page_file.read_text().count("<img ") == 9
    assert all(w > 0 for w in widths), widths
