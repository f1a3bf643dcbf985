"""`assay run` with a select stage over really annotated text: the selection matches a plain-Python
evaluation of the same thresholds on the annotated signal values."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import yaml

from pipeline.cli import main
from tests.shardgen import write_jsonl

GOOD = ("The library opened a new reading room on Monday, and the staff said that it would stay open late "
        "for students. People came to see the books that have been given by the town. ")
TEXTS = [
    GOOD * 3 + "\nThis second line is a full sentence too.\nEnable JavaScript to see the map of the area.\n"
    "menu home contact\nRead the privacy policy of the site.\nOk.\n",
    GOOD * 3,
    "Too short a page.",
    ("Buy now! " * 60).strip(),
    "Ünïcödé réservé, très bien écrit et plein de mots français ici.\n" * 2 + GOOD * 2,
]
FILTERS = {"rules": [{"recipe": "rpv2_gopher_rules"},
                     {"name": "enough_lines_with_punct", "signal": "rps_lines_ending_with_terminal_punctution_mark",
                      "agg": "mean", "min": 0.2}],
           "line_filters": [{"recipe": "c4_lines"}]}


def expected(row: dict) -> tuple[bool, str]:
    """The rpv2 gopher rules, the punctuation rule and the c4 line filter, in plain Python."""
    bullets = row["rps_lines_start_with_bulletpoint"]
    punct = row["rps_lines_ending_with_terminal_punctution_mark"]
    keep = (50 <= row["rps_doc_word_count"] <= 100_000
            and 3 <= row["rps_doc_mean_word_length"] <= 10
            and row["rps_doc_symbol_to_word_ratio"] <= 0.1
            and sum(bullets) / len(bullets) <= 0.9
            and row["rps_doc_frac_chars_top_2gram"] <= 0.2
            and sum(punct) / len(punct) >= 0.2)
    ends, text, kept = row["assay_line_ends"], row["text"], []
    for i, end in enumerate(ends):
        if (punct[i] == 1.0 and row["rps_lines_javascript_counts"][i] <= 0 and row["rps_lines_num_words"][i] >= 3
                and row["assay_lines_policy"][i] == 0.0):
            kept.append(text[(ends[i - 1] if i else 0):end])
    return keep and bool(kept), "".join(kept)


def test_job_annotates_then_selects(tmp_path) -> None:
    write_jsonl(str(tmp_path / "docs.jsonl"), [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS)])
    (tmp_path / "f.yaml").write_text(yaml.safe_dump(FILTERS))
    job = {"output": str(tmp_path / "out"), "cluster": {"workers": 1},
           "annotate": {"inputs": [str(tmp_path / "docs.jsonl")], "signals": ["ccnet", "rps_doc", "rps_lines",
                                                                              "assay_extras"]},
           "select": {"filters": str(tmp_path / "f.yaml")}}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job))
    assert main(["run", str(tmp_path / "job.yaml")]) == 0

    annotated = pq.read_table(tmp_path / "out" / "annotated" / "docs.parquet").to_pylist()
    for row in annotated:
        assert row["assay_line_ends"][-1] == len(row["text"])  # code-point offsets
    want = {row["id"]: text for row in annotated for keep, text in [expected(row)] if keep}
    assert 0 < len(want) < len(annotated)
    selected = pq.read_table(tmp_path / "out" / "selected" / "docs.parquet").to_pylist()
    assert {row["id"]: row["text"] for row in selected} == want
    assert "Enable JavaScript" not in want["d0"] and "privacy policy" not in want["d0"] and "Ok." not in want["d0"]
    funnel = json.loads((tmp_path / "out" / "selected" / "funnel.json").read_text())
    assert funnel["output"]["documents"] == len(want)
    assert funnel["input"]["documents"] == len(TEXTS)


def test_job_dedup_then_select_joins_the_keep_flags(tmp_path) -> None:
    texts = [GOOD * 3, GOOD * 3, "Another page. " + GOOD * 2, GOOD * 3 + "One more sentence at the end."]
    write_jsonl(str(tmp_path / "docs.jsonl"), [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)])
    (tmp_path / "f.yaml").write_text("rules:\n  - dedup: all\n")
    job = {"output": str(tmp_path / "out"), "cluster": {"workers": 1},
           "annotate": {"inputs": [str(tmp_path / "docs.jsonl")], "signals": ["ccnet", "minhash"]},
           "dedup": {"threshold": 0.8}, "select": {"filters": str(tmp_path / "f.yaml")}}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job))
    assert main(["run", str(tmp_path / "job.yaml")]) == 0
    flags = pq.read_table(tmp_path / "out" / "dedup" / "docs.parquet").to_pylist()
    want = [f["id"] for f in flags if f["keep"]]
    assert "d1" not in want and "d0" in want and len(want) < len(texts)
    selected = pq.read_table(tmp_path / "out" / "selected" / "docs.parquet")
    assert selected["id"].to_pylist() == want
    assert selected.schema.field("fuzzy_keep").type == "bool"
    funnel = json.loads((tmp_path / "out" / "selected" / "funnel.json").read_text())
    assert funnel["missing_from_dedup"] == 0 and funnel["rules"][0]["removed_alone"]["documents"] == len(texts) - len(want)
