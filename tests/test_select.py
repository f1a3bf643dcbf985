"""`assay select`: selected shards, funnel.json against a brute-force count, dedup join, resume, CLI."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filters_data import document, table

from filters import FilterError
from pipeline.cli import main
from pipeline.select import run_select
from schemas.config import ClusterConfig
from schemas.select import SelectConfig

FILTERS = """\
rules:
  - recipe: gopher_quality
  - {name: english, signal: ccnet_language, in: [en]}
  - dedup: fuzzy
line_filters:
  - recipe: c4_lines
"""
MIXED_LINES = ["A fine first line here.\n", "menu home contact\n", "Été très chaud, n'est-ce pas?\n"]


def shards() -> dict[str, list[dict]]:
    return {
        "a": [document("a/0"), document("a/1", rps_doc_word_count=10), document("a/2", ccnet_language="de"),
              document("a/3", lines=MIXED_LINES, rps_lines_ending_with_terminal_punctution_mark=[1.0, 0.0, 1.0])],
        "b": [document("b/0"), document("b/1", rps_doc_word_count=20, ccnet_language="fr"),
              document("b/2", lines=["no end mark\n"], rps_lines_ending_with_terminal_punctution_mark=[0.0]),
              document("b/3", rps_doc_mean_word_length=None)],
    }


FUZZY_KEEP = {"a/0": True, "a/1": True, "a/2": True, "a/3": True, "b/0": False, "b/1": True, "b/2": True}


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "annotated").mkdir()
    for name, rows in shards().items():
        pq.write_table(table(rows), tmp_path / "annotated" / f"{name}.parquet")
    (tmp_path / "dedup").mkdir()
    ids = list(FUZZY_KEEP)  # b/3 has no dedup row: its flag is null
    pq.write_table(pa.table({"id": ids, "exact_cluster": ids, "exact_keep": [True] * len(ids),
                             "fuzzy_cluster": ids, "cluster_size": [1] * len(ids),
                             "fuzzy_keep": [FUZZY_KEEP[i] for i in ids], "keep": [FUZZY_KEEP[i] for i in ids]}),
                   tmp_path / "dedup" / "dedup.parquet")
    (tmp_path / "f.yaml").write_text(FILTERS)
    return tmp_path


def config(root, **kw) -> SelectConfig:
    return SelectConfig(inputs=(str(root / "annotated"),), output=str(root / "selected"), filters=str(root / "f.yaml"),
                        dedup=str(root / "dedup"), **kw)


def test_select_writes_selected_shards_and_the_funnel(corpus) -> None:
    manifest, funnel = run_select(config(corpus), None, quiet=True)
    out = {name: pq.read_table(corpus / "selected" / f"{name}.parquet") for name in ("a", "b")}
    assert out["a"]["id"].to_pylist() == ["a/0", "a/3"]
    # b/0 is a fuzzy duplicate, b/1 too short and French, b/2 loses its only line; b/3: null mean word
    # length and no dedup row, both unknown, kept by the default policy
    assert out["b"]["id"].to_pylist() == ["b/3"]
    a3 = out["a"].to_pylist()[1]
    assert a3["text"] == MIXED_LINES[0] + MIXED_LINES[2]
    assert a3["assay_line_ends"] == [len(MIXED_LINES[0]), len(MIXED_LINES[0]) + len(MIXED_LINES[2])]
    assert a3["rps_lines_ending_with_terminal_punctution_mark"] == [1.0, 1.0]
    assert out["a"].schema.field("fuzzy_keep").type == pa.bool_()
    assert out["a"].schema.metadata[b"assay.stage"] == b"select"

    rows = [r for rs in shards().values() for r in rs]
    chars = {r["id"]: r["ccnet_length"] for r in rows}
    assert funnel.input.documents == 8 and funnel.input.chars == sum(chars.values())
    steps = {r.name: r for r in funnel.rules}
    assert steps["gopher_quality/word_count"].removed_alone.documents == 2
    assert steps["english"].removed_alone.documents == 2          # a/2 (de), b/1 (fr)
    assert steps["english"].removed_in_sequence.documents == 1    # b/1 went at word_count
    assert steps["english"].removed_in_sequence.chars == chars["a/2"]
    assert steps["dedup:fuzzy"].removed_in_sequence.documents == 1
    assert funnel.after_rules.documents == 4
    assert funnel.missing_from_dedup == 1
    terminal = {r.name: r for r in funnel.line_filters}["c4_lines/terminal_punctuation"]
    assert terminal.lines_removed_alone == 2
    assert terminal.chars_removed_alone == len(MIXED_LINES[1]) + len("no end mark\n")
    assert funnel.emptied_by_line_filters.documents == 1
    assert funnel.output.documents == 3
    assert funnel.output.chars == sum(len(t) for o in out.values() for t in o["text"].to_pylist())
    saved = json.loads((corpus / "selected" / "funnel.json").read_text())
    assert saved["rules"][0]["name"] == "gopher_quality/word_count" and saved["output"]["documents"] == 3
    assert manifest.totals["rows_written"] == 3 and manifest.totals["shards_ok"] == 2


def test_rerun_skips_done_shards_and_a_changed_threshold_reselects(corpus, capsys) -> None:
    run_select(config(corpus), None, quiet=True)
    before = (corpus / "selected" / "a.parquet").stat().st_mtime_ns
    _, funnel = run_select(config(corpus), None)
    assert "2 of 2 shards already selected" in capsys.readouterr().err
    assert (corpus / "selected" / "a.parquet").stat().st_mtime_ns == before
    assert funnel.output.documents == 3
    (corpus / "f.yaml").write_text(FILTERS.replace("recipe: gopher_quality",
                                                   "recipe: gopher_quality\n    overrides: {min_words: 5}"))
    _, funnel = run_select(config(corpus), None, quiet=True)
    assert pq.read_table(corpus / "selected" / "a.parquet")["id"].to_pylist() == ["a/0", "a/1", "a/3"]


def test_a_rerun_removes_the_temporary_a_killed_run_left(corpus) -> None:
    (corpus / "selected").mkdir(parents=True)
    stale = corpus / "selected" / ".a.parquet.tmp-0123456789ab"  # what a SIGKILL during a write leaves
    stale.write_bytes(b"PAR1 half a file")
    run_select(config(corpus), None, quiet=True)
    assert not stale.exists()
    assert pq.read_table(corpus / "selected" / "a.parquet").num_rows > 0


def test_problems_are_reported_before_any_data_is_read(corpus) -> None:
    with pytest.raises(FilterError, match="pass --dedup DIR"):
        run_select(config(corpus).model_copy(update={"dedup": None}), None, quiet=True)
    (corpus / "f.yaml").write_text("rules:\n  - {signal: rps_doc_word_cont, min: 3}\n")
    with pytest.raises(FilterError, match=r"f.yaml:2: .*did you mean 'rps_doc_word_count'"):
        run_select(config(corpus), None, quiet=True)
    assert not (corpus / "selected").exists()


def test_cli_prints_the_funnel_table(corpus, capsys) -> None:
    code = main(["select", str(corpus / "annotated"), "--filters", str(corpus / "f.yaml"), "--dedup",
                 str(corpus / "dedup"), "-o", str(corpus / "out"), "--in-process"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "removed alone" in printed and "gopher_quality/word_count" in printed and "c4_lines/policy" in printed
    assert main(["select", str(corpus / "annotated"), "--filters", str(corpus / "missing.yaml"), "-o",
                 str(corpus / "out2"), "--in-process"]) == 2


def test_select_on_a_dask_cluster_matches_in_process(corpus) -> None:
    _, local = run_select(config(corpus), None, quiet=True)
    _, dask = run_select(config(corpus).model_copy(update={"output": str(corpus / "dask")}),
                         ClusterConfig(workers=1), quiet=True)
    assert dask == local
    assert pq.read_table(corpus / "dask" / "a.parquet").equals(pq.read_table(corpus / "selected" / "a.parquet"))


def test_duplicate_ids_in_the_dedup_output_fail_the_shard(corpus) -> None:
    pq.write_table(pa.table({"id": ["a/0"], "exact_cluster": ["a/0"], "exact_keep": [True], "fuzzy_cluster": ["a/0"],
                             "cluster_size": [1], "fuzzy_keep": [True], "keep": [True]}), corpus / "dedup" / "more.parquet")
    manifest, _ = run_select(config(corpus), None, quiet=True)
    status = {r.shard: (r.status, r.error) for r in manifest.shards}
    assert status["b"] == ("ok", None)
    assert status["a"][0] == "error" and "several rows for some ids" in status["a"][1]
    assert not (corpus / "selected" / "a.parquet").exists()


def test_per_shard_dedup_files_are_used_when_they_cover_the_shard(corpus) -> None:
    """The dedup stage writes dedup/<shard>.parquet; a file that misses ids falls back to all files."""
    rows = pq.read_table(corpus / "dedup" / "dedup.parquet").to_pylist()
    (corpus / "dedup" / "dedup.parquet").unlink()
    schema = pa.schema([(k, type(v) is bool and pa.bool_() or (pa.int64() if isinstance(v, int) else pa.string()))
                        for k, v in rows[0].items()])
    pq.write_table(pa.Table.from_pylist([r for r in rows if r["id"].startswith("a/")], schema), corpus / "dedup" / "a.parquet")
    # b.parquet lacks b/2, whose row sits in extra.parquet: b must read every dedup file
    pq.write_table(pa.Table.from_pylist([r for r in rows if r["id"] in ("b/0", "b/1")], schema), corpus / "dedup" / "b.parquet")
    pq.write_table(pa.Table.from_pylist([r for r in rows if r["id"] == "b/2"], schema), corpus / "dedup" / "extra.parquet")
    _, funnel = run_select(config(corpus), None, quiet=True)
    assert funnel.missing_from_dedup == 1  # b/3 only, as with one dedup file
    assert {r.name: r for r in funnel.rules}["dedup:fuzzy"].removed_alone.documents == 1
    assert pq.read_table(corpus / "selected" / "b.parquet")["id"].to_pylist() == ["b/3"]
