"""RedPajama-V2 interop: import release shards as annotated Parquet, round trips, malformed input."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import signals
from pipeline.cli import main
from pipeline.dedup.run import run_dedup
from pipeline.interop.rpv2_import import import_shard, locate
from pipeline.interop.rpv2_minhash import bands
from schemas.config import SignalConfig
from schemas.dedup import DedupConfig
from tests.interop_data import annotate_sample, assert_same_annotated, read, write_jsonl_gz
from tests.test_minhash import datasketch_rpv2

REFERENCE = ("The quick brown fox jumps over the lazy dog. THE END...\n• bullet line\n"
             "JavaScript is required; enable javascript!\nlorem ipsum dolor {x}")
LINES = [(0, 56), (56, 70), (70, 113), (113, 134)]
# the spec's values for REFERENCE, computed with the RedPajama-V2 code (shared/spec/signals.md)
DOC_VALUES = {
    "rps_doc_curly_bracket": 0.01492537, "rps_doc_lorem_ipsum": 0.00793651, "rps_doc_stop_word_fraction": 0.13793103,
    "rps_doc_frac_all_caps_words": 0.06896552, "rps_doc_frac_lines_end_with_ellipsis": 0.25,
    "rps_doc_frac_no_alph_words": 0.24137931, "rps_doc_frac_unique_words": 0.86956522,
    "rps_doc_mean_word_length": 4.52173913, "rps_doc_num_sentences": 4, "rps_doc_symbol_to_word_ratio": 0.03448276,
    "rps_doc_unigram_entropy": 2.93192329, "rps_doc_word_count": 23, "ccnet_length": 134.0, "ccnet_nlines": 4.0,
}
LINE_VALUES = {
    "rps_lines_ending_with_terminal_punctution_mark": [1.0, 0.0, 1.0, 0.0],
    "rps_lines_javascript_counts": [0.0, 0.0, 2.0, 0.0], "rps_lines_num_words": [11, 3, 5, 4],
    "rps_lines_start_with_bulletpoint": [0.0, 1.0, 0.0, 0.0],
    "rps_lines_uppercase_letter_fraction": [0.125, 0.0, 0.04651163, 0.0],
}
OTHER = ("Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: "
         "once or twice she had peeped into the book her sister was reading.\nBut it had no pictures in it.")
TAG = "2023-06/0000/en_head"


def _signals_of(text: str, values: dict, lines: dict) -> dict:
    n = len(text)
    ends = [m.end() for m in re.finditer(r"[^\n]*\n|[^\n]+$", text)]  # the spec's lines
    spans = list(zip([0, *ends[:-1]], ends, strict=True))
    assert text != REFERENCE or spans == LINES
    return {**{k: [[0, n, v]] for k, v in values.items()},
            **{k: [[s, e, v] for (s, e), v in zip(spans, vs, strict=True)] for k, vs in lines.items()},
            "ccnet_original_length": [[0, n, float(n + 40)]], "rps_doc_ml_palm_score": [[0, n, 0.25]]}


def release_tree(root, texts: list[str], signal_values: list[tuple[dict, dict]], duplicates: list[int]) -> str:
    """An RPv2 release tree of one shard, written from the documented structure."""
    ids = [f"{TAG}.json.gz/{i}" for i in range(len(texts))]
    urls = [f"https://example.org/{i}" for i in range(len(texts))]
    docs = [{"raw_content": t, "url": u, "nlines": t.count("\n") + 1, "original_nlines": t.count("\n") + 1,
             "source_domain": "example.org", "length": len(t), "original_length": len(t), "language": "en",
             "language_score": 0.9, "perplexity": 300.0, "bucket": "head", "digest": "sha1:X",
             "cc_segment": "crawl-data/CC-MAIN-2023-06/segments/1/wet/x.warc.wet.gz",
             "date_download": "2023-01-26T22:21:08Z"} for t, u in zip(texts, urls, strict=True)]
    sigs = [{"id": i, "id_int": n, "metadata": {"cc_segment": "crawl-data/x", "cc_net_source": f"{TAG}.json.gz",
                                                "url": u, "source_domain": "example.org", "language": "en",
                                                "snapshot_id": "2023-06"},
             "quality_signals": _signals_of(t, *vals)}
            for n, (i, u, t, vals) in enumerate(zip(ids, urls, texts, signal_values, strict=True))]
    write_jsonl_gz(root / "documents" / f"{TAG}.json.gz", docs)
    write_jsonl_gz(root / "quality_signals" / f"{TAG}.signals.json.gz", sigs)
    sig_rows = [bands(None if (s := datasketch_rpv2(t)) is None else s.tolist()) for t in texts]
    minhash = pa.table({"shard_id": [TAG] * len(texts), "id": ids, "id_int": list(range(len(texts))),
                        **{k: [r[k] for r in sig_rows] for k in sig_rows[0]}})
    (root / "minhash" / "2023-06" / "0000").mkdir(parents=True)
    pq.write_table(minhash, root / "minhash" / f"{TAG}.minhash.parquet")
    (root / "duplicates" / "2023-06" / "0000").mkdir(parents=True)
    pq.write_table(pa.table({"doc_id": [ids[i] for i in duplicates]}), root / "duplicates" / f"{TAG}.duplicates.parquet")
    return str(root / "documents" / f"{TAG}.json.gz")


@pytest.fixture
def release(tmp_path):
    texts = [REFERENCE, OTHER, REFERENCE]
    other = signals.annotate([OTHER], families=["rps_doc", "rps_lines"], language="en").to_pylist()[0]
    other_values = ({k: other[k] for k in DOC_VALUES if k.startswith("rps_doc_")} | {"ccnet_length": float(len(OTHER)),
                    "ccnet_nlines": 2.0}, {k: other[k] for k in LINE_VALUES})
    return release_tree(tmp_path / "rpv2", texts, [(DOC_VALUES, LINE_VALUES), other_values, (DOC_VALUES, LINE_VALUES)],
                        duplicates=[2])


def test_release_shard_imports_with_assay_columns_and_equals_assay_own_signals(release, tmp_path):
    assert main(["import", "--format", "rpv2", str(tmp_path / "rpv2"), "-o", str(tmp_path / "imp"), "--in-process"]) == 0
    table = read(tmp_path / "imp" / "2023-06_0000_en_head.parquet")
    row = table.to_pylist()[0]
    assert row["id"] == f"{TAG}.json.gz/0" and row["source"] == f"{TAG}.json.gz" and row["offset"] == 0
    assert row["text"] == REFERENCE and row["ccnet_language"] == "en"
    assert row["warc_date"].isoformat() == "2023-01-26T22:21:08+00:00"
    assert row["assay_line_ends"] == [e for _, e in LINES]
    assert table.column("rpv2_is_duplicate").to_pylist() == [False, False, True]
    # columns RedPajama-V2 has and assay does not compute come after assay's, typed by their kind
    assert table.schema.field("ccnet_original_length").type == pa.float64()
    assert table.schema.field("rps_doc_ml_palm_score").type == pa.float32()
    # assay's own signals on the same texts, where both exist: same columns, types and values
    own = signals.annotate([REFERENCE, OTHER, REFERENCE], families=["ccnet", "rps_doc", "rps_lines"], language="en")
    common = [n for n in own.column_names if n in DOC_VALUES or n in LINE_VALUES or n == "assay_line_ends"]
    assert len(common) == len(DOC_VALUES) + len(LINE_VALUES) + 1
    for name in common:
        assert table.schema.field(name).type == own.schema.field(name).type, name
        assert table.column(name).equals(own.column(name)), name
    mh = signals.annotate([REFERENCE, OTHER, REFERENCE], families=["minhash"],
                          config=SignalConfig.model_validate({"minhash": {"schemes": ["rpv2"]}}))
    assert table.column("minhash_rpv2").to_pylist()[1] is not None
    assert table.column("minhash_rpv2").equals(mh.column("minhash_rpv2"))
    assert table.column("minhash_exact_hash").equals(mh.column("minhash_exact_hash"))
    ordered = [f.name for f in table.schema][8:]
    assert ordered.index("ccnet_length") < ordered.index("minhash_rpv2") < ordered.index("rps_doc_word_count") \
        < ordered.index("rps_lines_num_words") < ordered.index("ccnet_original_length")


def test_select_dedup_and_tokenize_run_unchanged_on_imported_data(release, tmp_path):
    import_shard(locate(release), str(tmp_path / "imp"))
    filters = tmp_path / "f.yaml"
    filters.write_text(yaml.safe_dump({"rules": [
        {"name": "not_duplicate", "signal": "rpv2_is_duplicate", "in": [False]},
        {"name": "long_enough", "signal": "rps_doc_word_count", "min": 30}]}))
    assert main(["select", str(tmp_path / "imp"), "--filters", str(filters), "-o", str(tmp_path / "sel"),
                 "--in-process"]) == 0
    kept = read(tmp_path / "sel" / "2023-06_0000_en_head.parquet")
    assert kept.column("id").to_pylist() == [f"{TAG}.json.gz/1"]
    run_dedup(DedupConfig(inputs=(str(tmp_path / "imp"),), output=str(tmp_path / "dedup")), None, quiet=True)
    dedup = read(tmp_path / "dedup" / "2023-06_0000_en_head.parquet").to_pylist()
    assert [r["exact_keep"] for r in dedup] == [True, True, False]  # document 2 repeats document 0
    assert dedup[2]["exact_cluster"] == 0
    tokenizer = Path(__file__).parent.parent / "jobs" / "tokenizer" / "tokenizer.json"
    assert main(["tokenize", str(tmp_path / "sel"), "--tokenizer", str(tokenizer), "--seq-len", "64", "-o",
                 str(tmp_path / "tokens"), "--workers", "1"]) == 0
    summary = json.loads((tmp_path / "tokens" / "summary.json").read_text())
    assert summary["documents"] == 1 and summary["sources"] == {f"{TAG}.json.gz": {"documents": 1,
                                                                                 "tokens": summary["tokens"]}}
    assert read(tmp_path / "tokens" / "provenance.parquet").column("document_id").unique().to_pylist() == [f"{TAG}.json.gz/1"]


def test_rpv2_round_trip_gives_back_identical_annotated_tables(tmp_path):
    families = ("ccnet", "minhash", "rps_doc", "rps_lines", "assay_extras")
    originals = annotate_sample(tmp_path / "annotated", families)
    assert main(["export", "--format", "rpv2", "--all-signals", str(tmp_path / "annotated"), "-o",
                 str(tmp_path / "rpv2"), "--in-process"]) == 0
    assert main(["import", "--format", "rpv2", str(tmp_path / "rpv2"), "-o", str(tmp_path / "back"),
                 "--in-process"]) == 0
    for original in originals:
        back = read(tmp_path / "back" / original.name)
        assert_same_annotated(read(original), back)
        meta = back.schema.metadata
        assert meta[b"assay.minhash"] == pq.read_schema(original).metadata[b"assay.minhash"]
        assert meta[b"assay.stage"] == b"annotate" and meta[b"assay.import"] == b"rpv2"


def _break(path, line: int, change) -> None:
    """Rewrite one 1-based line of a gzip JSON-lines file (change returns the new record, or None to drop it)."""
    import gzip
    import json

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(x) for x in fh]
    new = change(records[line - 1])
    records[line - 1:line] = [] if new is None else [new]
    write_jsonl_gz(path, records)


def _signal(name: str, value):
    def change(record):
        record["quality_signals"][name] = value
        return record
    return change


def _without(*path):
    def change(record):
        target = record
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return record
    return change


@pytest.mark.parametrize(("which", "line", "change", "message"), [
    ("signals", 3, lambda r: None, r"en_head.json.gz: line 3: no matching line in .*en_head.signals.json.gz, which has 2"),
    ("signals", 2, _signal("rps_doc_word_count", [[0, 10, 20]]),
     r"en_head.signals.json.gz: line 2: quality_signals.rps_doc_word_count: span \[0, 10\] does not cover the text"),
    ("signals", 1, _signal("rps_lines_num_words", [[0, 56, 11], [56, 113, 3], [113, 134, 4]]),
     r"signals.json.gz: line 1: quality_signals.rps_lines_num_words: 3 spans for the 4 lines of the text"),
    ("signals", 1, _signal("rps_lines_num_words", [[0, 56, 11], [56, 70, 3], [70, 112, 5], [112, 134, 4]]),
     r"line 1: quality_signals.rps_lines_num_words: span 2 \[70, 112\] is not line 3 of the text \[70, 113\]"),
    ("signals", 2, _without("quality_signals", "rps_doc_curly_bracket"),
     r"signals.json.gz: line 2: missing field 'quality_signals.rps_doc_curly_bracket'"),
    ("signals", 3, _without("id"), r"signals.json.gz: line 3: missing field 'id'"),
    ("documents", 2, _without("raw_content"), r"documents/2023-06/0000/en_head.json.gz: line 2: missing field 'raw_content'"),
    ("signals", 2, lambda r: {**r, "metadata": {**r["metadata"], "url": "https://example.org/0"}},
     r"line 2: metadata.url: 'https://example.org/0' is not the documents file's url"),
])
def test_malformed_input_is_an_error_naming_file_line_and_field(release, tmp_path, which, line, change, message):
    path = release if which == "documents" else release.replace("/documents/", "/quality_signals/").replace(
        ".json.gz", ".signals.json.gz")
    _break(path, line, change)
    with pytest.raises(ValueError, match=message):
        import_shard(locate(release), str(tmp_path / "imp"))
    assert not (tmp_path / "imp").exists() or not list((tmp_path / "imp").iterdir())  # nothing half-written
    assert main(["import", "--format", "rpv2", release, "-o", str(tmp_path / "imp"), "--in-process"]) == 2


def test_minhash_and_duplicates_that_do_not_match_the_documents_are_errors(release, tmp_path):
    root = tmp_path / "rpv2"
    path = root / "minhash" / f"{TAG}.minhash.parquet"
    table = pq.read_table(path)
    short = table.set_column(3, "signature_sim1.0", pa.array([[b"\x00" * 8]] * 3, pa.list_(pa.binary())))
    pq.write_table(short, path)
    with pytest.raises(ValueError, match=r"minhash.parquet: line 1: signature_sim1.0: .*one band of 128"):
        import_shard(locate(release), str(tmp_path / "imp"))
    pq.write_table(table.slice(0, 2), path)
    with pytest.raises(ValueError, match=r"minhash.parquet: no row for document '2023-06/0000/en_head.json.gz/2'"):
        import_shard(locate(release), str(tmp_path / "imp"))
    path.unlink()
    pq.write_table(pa.table({"doc_id": ["2023-06/0001/en_head.json.gz/0"]}),
                   root / "duplicates" / f"{TAG}.duplicates.parquet")
    with pytest.raises(ValueError, match=r"duplicates.parquet: 1 ids are not documents of"):
        import_shard(locate(release), str(tmp_path / "imp"))
    assert not list((tmp_path / "imp").glob("*.parquet"))


def test_truncated_and_invalid_utf8_files_are_errors_naming_the_file_and_line(release, tmp_path):
    signals_file = release.replace("/documents/", "/quality_signals/").replace(".json.gz", ".signals.json.gz")
    whole = open(signals_file, "rb").read()
    open(signals_file, "wb").write(whole[:len(whole) // 2])  # cut mid-stream
    with pytest.raises(ValueError, match=r"en_head.signals.json.gz: (after line \d|at the start): unreadable gzip stream: .*ended before"):
        import_shard(locate(release), str(tmp_path / "imp"))
    open(signals_file, "wb").write(whole)
    with gzip.open(release, "rb") as fh:
        lines = fh.read().split(b"\n")
    assert b'"raw_content": "' in lines[1]
    lines[1] = lines[1].replace(b'"raw_content": "', b'"raw_content": "\xff', 1)
    open(release, "wb").write(gzip.compress(b"\n".join(lines)))
    with pytest.raises(ValueError, match=r"en_head.json.gz: line 2: invalid UTF-8"):
        import_shard(locate(release), str(tmp_path / "imp"))
    assert not (tmp_path / "imp").exists() or not list((tmp_path / "imp").iterdir())


def test_json_lines_reader_keeps_the_shard_readers_limits(tmp_path):
    from pipeline.interop.files import gzip_json_lines
    from schemas.config import ReaderConfig

    limits = ReaderConfig(max_record_bytes=4096, decompression_check_bytes=1 << 16)
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(b'{"a": 1}\n' + b" " * (1 << 22) + b"\n"))  # 4 MiB of spaces, ~4 KB compressed
    with pytest.raises(ValueError, match=r"bomb.json.gz: at the start: unreadable gzip stream: decompression ratio over 100"):
        list(gzip_json_lines(str(bomb), limits=limits))
    long_line = tmp_path / "long.json.gz"
    long_line.write_bytes(gzip.compress(b'{"a": 1}\n{"b": "' + bytes(range(65, 91)) * 400 + b'"}\n'))
    with pytest.raises(ValueError, match=r"long.json.gz: line 2: 10,410 bytes, over max_record_bytes \(4,096\)"):
        list(gzip_json_lines(str(long_line), limits=limits))
    two_members = tmp_path / "members.json.gz"
    two_members.write_bytes(gzip.compress(b'{"a": 1}\n') + gzip.compress(b'{"a": 2}\n'))
    assert list(gzip_json_lines(str(two_members))) == [(1, {"a": 1}), (2, {"a": 2})]


def test_import_on_dask_workers_writes_what_the_in_process_import_writes(release, tmp_path):
    assert main(["import", "--format", "rpv2", release, "-o", str(tmp_path / "here"), "--in-process"]) == 0
    assert main(["import", "--format", "rpv2", release, "-o", str(tmp_path / "dask"), "--workers", "2"]) == 0
    here, dask = (sorted((tmp_path / d).glob("*.parquet")) for d in ("here", "dask"))
    assert [p.name for p in dask] == [p.name for p in here] == ["2023-06_0000_en_head.parquet"]
    assert read(dask[0]).equals(read(here[0])) and read(here[0]).num_rows == 3
