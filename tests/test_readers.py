"""Each reader and compression on real files written by the test."""

from __future__ import annotations

import gzip

import pytest
import zstandard
from warcio.archiveiterator import ArchiveIterator

from pipeline.readers import ReadStats, ShardReadError, detect_format, read_documents, split_name
from schemas.config import ReaderConfig
from tests.shardgen import html_page, jsonl_bytes, write_jsonl, write_parquet, write_warc, write_wet

ARTICLE = [
    "The river rose slowly through the night, and by morning the lower fields were under water.",
    "Farmers moved their animals to the hills while the village prepared sandbags along the banks.",
]
FRENCH = ["La rivière monta lentement pendant la nuit, et au matin les champs étaient inondés.",
          "Les paysans conduisirent leurs bêtes vers les collines près du château."]


def read_all(path, **config):
    stats = ReadStats(path=str(path))
    docs = list(read_documents(str(path), "shard", ReaderConfig(**config), stats))
    return docs, stats


@pytest.mark.parametrize(("name", "expected"), [
    ("CC-MAIN-1.warc.gz", ("CC-MAIN-1", "warc", "gzip")),
    ("x.warc.wet.gz", ("x", "wet", "gzip")),
    ("x.jsonl.zst", ("x", "jsonl", "zstd")),
    ("s3://b/p/x.jsonl", ("x", "jsonl", None)),
    ("x.parquet", ("x", "parquet", None)),
    ("x.txt.gz", ("x.txt", None, "gzip")),
])
def test_split_name_detects_format_and_compression(name, expected):
    assert split_name(name) == expected


def test_unknown_format_asks_for_override():
    with pytest.raises(ValueError, match="--format"):
        detect_format("data/x.txt")
    assert detect_format("data/x.txt", "jsonl") == "jsonl"


@pytest.mark.parametrize("gzip_records", [True, False])
def test_warc_extracts_main_text_and_counts_skips(tmp_path, gzip_records):
    path = tmp_path / ("a.warc.gz" if gzip_records else "a.warc")
    pages = [
        ("http://example.org/flood", html_page("Flood", ARTICLE).encode("utf-8"), "text/html; charset=utf-8"),
        ("http://example.org/report.pdf", b"%PDF-1.4 binary", "application/pdf"),
        ("http://example.org/empty", b"<html><body></body></html>", "text/html"),
        # Declared latin-1, bytes in latin-1: the header's charset must be honoured.
        ("http://example.fr/crue", html_page("Crue", FRENCH, "fr").encode("latin-1").replace(b"utf-8", b"latin-1"),
         "text/html; charset=ISO-8859-1"),
    ]
    write_warc(str(path), pages, gzip_records=gzip_records, with_request=True)
    docs, stats = read_all(path)
    assert [d.url for d in docs] == ["http://example.org/flood", "http://example.fr/crue"]
    assert ARTICLE[0] in docs[0].text and ARTICLE[1] in docs[0].text
    assert "Contact" not in docs[0].text and "tracking" not in docs[0].text
    assert FRENCH[1] in docs[1].text  # 'è', 'â' decoded from latin-1
    assert docs[0].id == "shard/2" and docs[0].content_type == "text/html"
    assert docs[0].warc_record_id.startswith("<urn:uuid:") and docs[0].warc_date.year == 2024
    assert stats.records == 7 and stats.documents == 2
    assert stats.skipped == {"not_response:warcinfo": 1, "not_response:request": 2, "non_html": 1, "empty": 1}


def test_warc_unknown_charset_is_detected_instead(tmp_path):
    path = tmp_path / "a.warc.gz"
    pages = [("http://example.org/a", html_page("A", ARTICLE).encode("utf-8"), "text/html; charset=utf8mb4"),
             ("http://example.fr/b", html_page("B", FRENCH, "fr").encode("utf-8"), "text/html; charset=no-such-codec")]
    write_warc(str(path), pages)
    docs, stats = read_all(path)
    assert [d.url for d in docs] == ["http://example.org/a", "http://example.fr/b"]
    assert ARTICLE[1] in docs[0].text and FRENCH[1] in docs[1].text  # 'è', 'â' decoded as UTF-8
    assert stats.documents == 2 and stats.skipped == {"not_response:warcinfo": 1}


def test_warc_offsets_locate_their_records(tmp_path):
    path = tmp_path / "a.warc.gz"
    pages = [(f"http://example.org/{i}", html_page(f"P{i}", [f"{ARTICLE[0]} {i}"]).encode(), "text/html")
             for i in range(5)]
    write_warc(str(path), pages)
    docs, _ = read_all(path)
    with open(path, "rb") as f:
        for doc in docs:
            f.seek(doc.offset)
            record = next(iter(ArchiveIterator(f)))
            assert record.rec_headers.get_header("WARC-Target-URI") == doc.url


def test_wet_reads_conversion_records(tmp_path):
    path = tmp_path / "a.warc.wet.gz"
    write_wet(str(path), [("http://a.org/1", "\n".join(ARTICLE)), ("http://a.org/2", "Zweiter Text über Flüsse.")])
    docs, stats = read_all(path)
    assert [d.text for d in docs] == ["\n".join(ARTICLE), "Zweiter Text über Flüsse."]
    assert stats.documents == 2 and docs[1].id == "shard/1"


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_jsonl_all_compressions(tmp_path, suffix):
    records = [{"id": f"doc-{i}", "text": f"{ARTICLE[i % 2]} ({i})", "url": f"http://x.org/{i}"} for i in range(25)]
    path = tmp_path / f"a{suffix}"
    write_jsonl(str(path), records)
    docs, stats = read_all(path)
    assert [d.id for d in docs] == [r["id"] for r in records]
    assert [d.text for d in docs] == [r["text"] for r in records]
    raw = jsonl_bytes(records)
    assert all(raw[d.offset:].startswith(b'{"id": "' + d.id.encode()) for d in docs)
    assert stats.records == 25 and not stats.skipped


def test_jsonl_zstd_multiple_frames_and_custom_fields(tmp_path):
    frames = [zstandard.ZstdCompressor().compress(jsonl_bytes([{"body": f"part {i} text"}])) for i in range(3)]
    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(b"".join(frames))
    docs, _ = read_all(path, text_field="body", id_field=None)
    assert [d.text for d in docs] == ["part 0 text", "part 1 text", "part 2 text"]
    assert [d.id for d in docs] == ["shard/0", "shard/1", "shard/2"]


def test_parquet_reader(tmp_path):
    path = tmp_path / "a.parquet"
    write_parquet(str(path), [{"text": t, "url": f"u{i}"} for i, t in enumerate(ARTICLE + [None])])
    docs, stats = read_all(path)
    assert [d.text for d in docs] == ARTICLE and docs[1].id == "shard/1" and docs[1].url == "u1"
    assert stats.skipped == {"missing_text": 1}


def test_jsonl_bad_records_are_counted_skips(tmp_path):
    good = jsonl_bytes([{"text": "fine"}])
    data = good + b'{"text": "caf\xe9"}\n' + b"{not json\n" + b"\n" + b'{"txt": "x"}\n' + b"[1, 2]\n" + good
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    docs, stats = read_all(path)
    assert [d.text for d in docs] == ["fine", "fine"] and [d.id for d in docs] == ["shard/0", "shard/6"]
    assert stats.skipped == {"invalid_utf8": 1, "invalid_json": 2, "blank_line": 1, "missing_text": 1}
    assert {p["record"] for p in stats.problems} == {1, 2, 4, 5}


def test_truncated_gzip_names_file_and_record(tmp_path):
    data = gzip.compress(jsonl_bytes([{"text": f"document {i} " * 50} for i in range(200)]))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    stats = ReadStats(path=str(path))
    docs = []
    with pytest.raises(ShardReadError) as info:
        for doc in read_documents(str(path), "cut", ReaderConfig(), stats):
            docs.append(doc)
    assert str(path) in str(info.value) and f"record {len(docs)}" in str(info.value)
    assert 0 < len(docs) < 200


def test_huge_document_is_skipped_not_loaded_as_text(tmp_path):
    path = tmp_path / "big.jsonl"
    write_jsonl(str(path), [{"text": "x" * 50_000_000}, {"text": "small one"}])
    docs, stats = read_all(path)
    assert [d.text for d in docs] == ["small one"]
    assert stats.skipped == {"too_large": 1}
