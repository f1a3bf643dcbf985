"""Dolma interop: export documents + attributes, import them (and foreign attribute sets), malformed input."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline.cli import main
from pipeline.interop.dolma_import import import_dolma_shard, locate
from tests.interop_data import annotate_sample, assert_same_annotated, read, read_jsonl_gz, write_jsonl_gz

TEXTS = ["First line.\nSecond line here.\n", "One line only", ""]


def test_dolma_round_trip_gives_back_identical_annotated_tables(tmp_path):
    originals = annotate_sample(tmp_path / "annotated", ("ccnet", "rps_doc", "rps_lines", "assay_extras"))
    assert main(["export", "--format", "dolma", str(tmp_path / "annotated"), "-o", str(tmp_path / "dolma"),
                 "--in-process"]) == 0
    assert main(["import", "--format", "dolma", str(tmp_path / "dolma"), "-o", str(tmp_path / "back"),
                 "--in-process"]) == 0
    for original in originals:
        assert_same_annotated(read(original), read(tmp_path / "back" / original.name))


def test_export_writes_the_dolma_layout(tmp_path):
    [original] = [p for p in annotate_sample(tmp_path / "annotated", ("ccnet", "rps_lines")) if "00001" in p.name]
    assert main(["export", "--format", "dolma", str(original), "-o", str(tmp_path / "dolma"), "--in-process",
                 "--attributes-name", "q", "--source", "cc-sample", "--added", "2026-12-07T00:00:00Z"]) == 0
    docs = read_jsonl_gz(tmp_path / "dolma" / "documents" / "cc-sample-00001.jsonl.gz")
    attrs = read_jsonl_gz(tmp_path / "dolma" / "attributes" / "q" / "cc-sample-00001.jsonl.gz")
    table = read(original).to_pylist()
    assert len(docs) == len(attrs) == len(table) == 144
    first, row = docs[0], table[0]
    assert list(first) == ["id", "text", "source", "added", "created", "metadata"]
    assert (first["id"], first["text"], first["source"], first["added"]) == (
        row["id"], row["text"], "cc-sample", "2026-12-07T00:00:00Z")
    assert first["metadata"]["path"] == row["source"] and first["metadata"]["offset"] == row["offset"]
    assert attrs[0]["id"] == row["id"]
    spans = attrs[0]["attributes"]
    n = len(row["text"])
    assert spans["q__ccnet_length"] == [[0, n, n]] and spans["q__ccnet_language"] == [[0, n, row["ccnet_language"]]]
    ends = row["assay_line_ends"]
    assert spans["q__rps_lines_num_words"] == [[s, e, v] for s, e, v in
                                               zip([0, *ends[:-1]], ends, row["rps_lines_num_words"], strict=True)]
    assert "q__assay_line_ends" not in spans and all(k.startswith("q__") for k in spans)


def dolma_tree(root, sets: dict[str, list[dict]]) -> str:
    """A Dolma dataset of one documents file and the given attribute sets (one record per document, or fewer
    when a test cuts a file short), from the documented layout."""
    docs = [{"id": f"d{i}", "text": t, "source": "web", "added": "2024-01-01T00:00:00.000Z",
             "created": "2019-04-18T12:00:00Z", "metadata": {"url": f"https://example.org/{i}"}}
            for i, t in enumerate(TEXTS)]
    write_jsonl_gz(root / "documents" / "part-0.jsonl.gz", docs)
    for name, attributes in sets.items():
        write_jsonl_gz(root / "attributes" / name / "part-0.jsonl.gz",
                       [{"id": d["id"], "attributes": a} for d, a in zip(docs, attributes, strict=False)])
    return str(root / "documents" / "part-0.jsonl.gz")


def _attributes() -> dict[str, list[dict]]:
    lengths = [len(t) for t in TEXTS]
    return {
        "exp": [{"exp__whitespace_tokenizer_v1__length": [[0, n, float(n // 4)]],
                 "exp__pii__email": [] if i else [[0, n, 0.5]]} for i, n in enumerate(lengths)],
        "assay": [{"assay__rps_lines_num_words": s, "assay__ccnet_language": [[0, n, "en"]]}
                  for s, n in zip([[[0, 12, 2], [12, 30, 3]], [[0, 13, 3]], []], lengths, strict=True)],
    }


def test_foreign_attribute_sets_import_as_extra_columns(tmp_path):
    documents = dolma_tree(tmp_path / "ds", _attributes())
    result = import_dolma_shard(locate(documents), str(tmp_path / "imp"))
    assert result["attribute_sets"] == ["assay", "exp"] and result["rows_written"] == 3
    table = read(tmp_path / "imp" / "part-0.parquet")
    assert table.column_names[:8] == ["id", "url", "source", "offset", "text", "warc_date", "warc_record_id",
                                      "content_type"]
    # assay's signals get assay's names and types, in assay's order; the other keys follow as float64
    assert table.column_names[8:] == ["ccnet_language", "rps_lines_num_words", "assay_line_ends",
                                      "exp__whitespace_tokenizer_v1__length", "exp__pii__email"]
    assert table.schema.field("rps_lines_num_words").type == pa.list_(pa.int32())
    assert table.schema.field("exp__pii__email").type == pa.float64()
    rows = table.to_pylist()
    assert [r["rps_lines_num_words"] for r in rows] == [[2, 3], [3], []]
    assert [r["assay_line_ends"] for r in rows] == [[12, 30], [13], []]
    assert [r["exp__whitespace_tokenizer_v1__length"] for r in rows] == [7.0, 3.0, 0.0]
    assert [r["exp__pii__email"] for r in rows] == [0.5, None, None]  # no span: unknown
    assert rows[1]["source"] == documents and rows[1]["offset"] == 1 and rows[1]["url"] == "https://example.org/1"
    assert rows[0]["warc_date"].isoformat() == "2019-04-18T12:00:00+00:00"
    only = import_dolma_shard(locate(documents, ["exp"]), str(tmp_path / "only"))
    assert only["attribute_sets"] == ["exp"]
    with pytest.raises(FileNotFoundError, match="attributes/nope: no such attribute set"):
        locate(documents, ["nope"])


def _set(name: str, line: int, value):
    def change(attrs):
        attrs[name][line - 1] = value(attrs[name][line - 1])
        return attrs
    return change


@pytest.mark.parametrize(("change", "message"), [
    (lambda a: {**a, "exp": a["exp"][:2]},
     r"documents/part-0.jsonl.gz: line 3: no matching line in .*attributes/exp/part-0.jsonl.gz, which has 2 lines"),
    (_set("assay", 1, lambda r: {**r, "assay__rps_lines_num_words": [[0, 12, 2], [12, 29, 3]]}),
     r"attributes/assay/part-0.jsonl.gz: line 1: attributes.assay__rps_lines_num_words: span 1 \[12, 29\] is not "
     r"line 2 of the text \[12, 30\]"),
    (_set("exp", 2, lambda r: {**r, "exp__whitespace_tokenizer_v1__length": [[0, 5, 1.0]]}),
     r"attributes/exp/part-0.jsonl.gz: line 2: attributes.exp__whitespace_tokenizer_v1__length: span \[0, 5\] does "
     r"not cover the text \[0, 13\]"),
    (_set("exp", 2, lambda r: {"exp__pii__email": []}),
     r"attributes/exp/part-0.jsonl.gz: line 2: missing field 'attributes.exp__whitespace_tokenizer_v1__length'"),
])
def test_malformed_attributes_are_errors_naming_file_line_and_field(tmp_path, change, message):
    documents = dolma_tree(tmp_path / "ds", change(_attributes()))
    with pytest.raises(ValueError, match=message):
        import_dolma_shard(locate(documents), str(tmp_path / "imp"))
    assert not list(tmp_path.glob("imp/*.parquet"))  # nothing half-written


def test_misaligned_ids_and_missing_document_fields_are_errors(tmp_path):
    attributes = _attributes()
    documents = dolma_tree(tmp_path / "ds", attributes)
    records = read_jsonl_gz(tmp_path / "ds" / "attributes" / "exp" / "part-0.jsonl.gz")
    records[0], records[1] = records[1], records[0]
    write_jsonl_gz(tmp_path / "ds" / "attributes" / "exp" / "part-0.jsonl.gz", records)
    with pytest.raises(ValueError, match=r"attributes/exp/part-0.jsonl.gz: line 1: id: 'd1' is not the id of the "
                                         r"document at the same line \('d0'\)"):
        import_dolma_shard(locate(documents), str(tmp_path / "imp"))
    docs = read_jsonl_gz(tmp_path / "ds" / "documents" / "part-0.jsonl.gz")
    del docs[2]["text"]
    write_jsonl_gz(tmp_path / "ds" / "documents" / "part-0.jsonl.gz", docs)
    assert main(["import", "--format", "dolma", documents, "-o", str(tmp_path / "imp"), "--in-process",
                 "--attributes", "assay"]) == 2
    with pytest.raises(ValueError, match=r"documents/part-0.jsonl.gz: line 3: missing field 'text'"):
        import_dolma_shard(locate(documents, ["assay"]), str(tmp_path / "imp"))
