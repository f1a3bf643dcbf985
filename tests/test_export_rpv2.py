"""`assay export --format rpv2`: RedPajama-V2's quality-signal JSONL layout from annotated Parquet."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import signals
from pipeline.cli import main
from pipeline.export_rpv2 import ExportOptions, export_shard
from schemas.documents import DOCUMENT_SCHEMA

REFERENCE = ("The quick brown fox jumps over the lazy dog. THE END...\n• bullet line\n"
             "JavaScript is required; enable javascript!\nlorem ipsum dolor {x}")
CC_SOURCE = ("s3://commoncrawl/crawl-data/CC-MAIN-2023-06/segments/1674764494826.88/wet/"
             "CC-MAIN-20230126210844-20230127000844-00000.warc.wet.gz")


def documents(texts: list[str], urls: list[str | None], source: str) -> pa.Table:
    n = len(texts)
    return pa.Table.from_arrays([
        pa.array([f"shard/{i}" for i in range(n)], pa.string()),
        pa.array(urls, pa.string()),
        pa.array([source] * n, pa.string()),
        pa.array(range(n), pa.int64()),
        pa.array(texts, pa.large_string()),
        pa.array([None] * n, pa.timestamp("s", tz="UTC")),
        pa.array([None] * n, pa.string()),
        pa.array([None] * n, pa.string()),
    ], schema=DOCUMENT_SCHEMA)


def read_export(path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def line_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"([^\n]*\n|[^\n]+$)", text)]


def test_real_annotated_shard_exports_the_rpv2_layout(tmp_path):
    texts = [REFERENCE, "", "Zweite Zeile\n\nnoch eine Zeile mit Wörtern."]
    urls = ["https://www.example.org/a?b=1", None, "http://de.example.com/x"]
    sig = signals.annotate(texts, families=["ccnet", "rps_doc", "rps_lines"], language="en", urls=urls)
    table = documents(texts, urls, CC_SOURCE)
    for name in sig.column_names:
        table = table.append_column(sig.schema.field(name), sig.column(name))
    shard = tmp_path / "annotated" / "cc-00000.parquet"
    shard.parent.mkdir()
    pq.write_table(table, shard)
    (shard.parent / "_manifest.json").write_text("{}")  # ignored: not a shard

    out = tmp_path / "rpv2"
    assert main(["export", "--format", "rpv2", str(shard.parent), "-o", str(out), "--in-process"]) == 0
    records = read_export(out / "cc-00000.signals.json.gz")
    assert len(records) == 3
    ref = records[0]
    assert list(ref) == ["id", "id_int", "metadata", "quality_signals"]
    assert ref["id"] == "shard/0"
    assert ref["id_int"] == int.from_bytes(hashlib.sha1(b"shard/0").digest()[:8], "little")
    assert ref["metadata"] == {
        "cc_segment": CC_SOURCE[len("s3://commoncrawl/"):], "cc_net_source": CC_SOURCE,
        "url": "https://www.example.org/a?b=1", "source_domain": "www.example.org", "language": "en",
        "snapshot_id": "2023-06",
    }
    qs = ref["quality_signals"]
    n = len(REFERENCE)
    # document level: one span over the whole text, the spec's reference values
    assert qs["rps_doc_word_count"] == [[0, n, 23]]
    assert qs["rps_doc_curly_bracket"] == [[0, n, 0.01492537]]
    assert qs["rps_doc_frac_unique_words"] == [[0, n, pytest.approx(0.86956522, abs=1e-7)]]  # float32 column
    assert qs["ccnet_length"] == [[0, n, float(n)]] and isinstance(qs["ccnet_length"][0][2], float)
    assert qs["ccnet_perplexity"] == [[0, n, None]]
    assert "ccnet_language" not in qs and "assay_line_ends" not in qs
    assert not any(k.startswith("assay_") for k in qs)
    # line level: one span per line, each line keeping its '\n'
    spans = line_spans(REFERENCE)
    assert spans == [(0, 56), (56, 70), (70, 113), (113, 134)]
    assert qs["rps_lines_num_words"] == [[s, e, v] for (s, e), v in zip(spans, [11, 3, 5, 4], strict=True)]
    assert qs["rps_lines_start_with_bulletpoint"] == [[s, e, v] for (s, e), v in
                                                      zip(spans, [0.0, 1.0, 0.0, 0.0], strict=True)]
    assert qs["rps_lines_uppercase_letter_fraction"] == [
        [s, e, v] for (s, e), v in zip(spans, [0.125, 0.0, 0.04651163, 0.0], strict=True)]
    # every exported signal equals its column
    row = table.slice(0, 1).to_pylist()[0]
    for name, value in qs.items():
        if name.startswith("rps_lines_"):
            assert [v for _, _, v in value] == pytest.approx(row[name], rel=1e-6), name
        else:
            assert value[0][2] == (pytest.approx(row[name], rel=1e-6) if row[name] is not None else None), name

    empty = records[1]["quality_signals"]
    assert empty["rps_lines_start_with_bulletpoint"] == [[0, 0, None]]
    assert empty["rps_lines_num_words"] == []
    assert empty["rps_doc_word_count"] == [[0, 0, 0]]
    assert records[1]["metadata"]["url"] is None and records[1]["metadata"]["source_domain"] is None

    third = records[2]["quality_signals"]
    assert [(s, e) for s, e, _ in third["rps_lines_num_words"]] == line_spans(texts[2])
    assert [v for _, _, v in third["rps_lines_num_words"]] == [2, 0, 5]


def test_hand_built_line_columns_and_options(tmp_path):
    texts = ["ab\ncd", "x"]
    table = documents(texts, [None, None], "/data/shard-7.jsonl.gz")
    table = table.append_column(pa.field("rps_doc_word_count", pa.int32()), pa.array([2, 1], pa.int32()))
    table = table.append_column(pa.field("rps_lines_javascript_counts", pa.list_(pa.float32())),
                                pa.array([[1.0, 0.5], [0.25]], pa.list_(pa.float32())))
    table = table.append_column(pa.field("assay_frac_short_lines", pa.float32()), pa.array([0.1, None], pa.float32()))
    table = table.append_column(pa.field("assay_line_ends", pa.list_(pa.int32())),
                                pa.array([[3, 5], [1]], pa.list_(pa.int32())))
    path = tmp_path / "hand.parquet"
    pq.write_table(table, path)
    options = ExportOptions(all_signals=True, language="de", snapshot_id="2024-10")
    result = export_shard(str(path), str(tmp_path / "out"), options)
    assert result["rows_written"] == 2
    first, second = read_export(tmp_path / "out" / "hand.signals.json.gz")
    assert first["quality_signals"] == {
        "rps_doc_word_count": [[0, 5, 2]],
        "rps_lines_javascript_counts": [[0, 3, 1.0], [3, 5, 0.5]],
        "assay_frac_short_lines": [[0, 5, 0.1]],
    }
    assert second["quality_signals"]["assay_frac_short_lines"] == [[0, 1, None]]
    assert first["metadata"]["language"] == "de" and first["metadata"]["snapshot_id"] == "2024-10"
    assert first["metadata"]["cc_segment"] == first["metadata"]["cc_net_source"] == "/data/shard-7.jsonl.gz"
    # the output is deterministic (gzip without a timestamp)
    before = (tmp_path / "out" / "hand.signals.json.gz").read_bytes()
    export_shard(str(path), str(tmp_path / "out"), options)
    assert (tmp_path / "out" / "hand.signals.json.gz").read_bytes() == before


def test_misaligned_line_values_are_an_error(tmp_path):
    table = documents(["ab\ncd"], [None], "s")
    table = table.append_column(pa.field("rps_lines_num_words", pa.list_(pa.int32())), pa.array([[1]], pa.list_(pa.int32())))
    table = table.append_column(pa.field("assay_line_ends", pa.list_(pa.int32())), pa.array([[3, 5]], pa.list_(pa.int32())))
    pq.write_table(table, tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="1 values for 2 lines"):
        export_shard(str(tmp_path / "bad.parquet"), str(tmp_path / "out"), ExportOptions())
    assert not list((tmp_path / "out").glob("*"))  # no partial output


def test_line_signals_without_line_ends_are_refused(tmp_path):
    table = documents(["ab"], [None], "s")
    table = table.append_column(pa.field("rps_lines_num_words", pa.list_(pa.int32())), pa.array([[1]], pa.list_(pa.int32())))
    pq.write_table(table, tmp_path / "x.parquet")
    assert main(["export", str(tmp_path / "x.parquet"), "-o", str(tmp_path / "out"), "--in-process"]) == 2
