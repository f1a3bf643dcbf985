"""Write the hostile-input corpus: one small shard per kind of broken or adversarial input.

Run `python tests/data/hostile/make.py [FOLDER]` (default: this folder). The output is deterministic
(fixed seeds, gzip mtime 0, fixed WARC dates and record ids), so a test regenerates it and compares.

Every shard mixes good documents (`GOOD` texts) with the hostile part, so a test can check that the
good documents of a damaged shard are kept. `KINDS` maps a kind's name to its file and to what
reading it must give; tests/test_hostile_inputs.py reads every kind with `LIMITS` and checks it.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

HERE = Path(__file__).resolve().parent

# The reader limits the corpus is read with (smaller than the defaults, so the files stay small).
LIMITS = {"max_record_bytes": 2_000_000, "max_doc_chars": 1_500_000,
          "max_decompression_ratio": 100.0, "decompression_check_bytes": 4_000_000}


def good(i: int) -> str:
    return (f"Document {i}: the council approved the new bridge over the river after a long debate.\n"
            f"Work starts in spring and should take about {i + 2} months, the mayor said.")


def line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


def good_lines(n: int, start: int = 0) -> bytes:
    return b"".join(line({"text": good(i)}) for i in range(start, start + n))


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


# -- WARC records written by hand, so every header (and every mistake) is under control ------------

def warc_record(rec_type: str, block: bytes, uri: str, n: int, headers: dict[str, str] | None = None,
                content_length: int | None = None, drop: tuple[str, ...] = ()) -> bytes:
    fields = {"WARC-Type": rec_type, "WARC-Target-URI": uri, "WARC-Date": "2024-05-01T12:00:00Z",
              "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
              "Content-Type": "application/http; msgtype=response" if rec_type == "response" else "text/plain",
              "Content-Length": str(len(block) if content_length is None else content_length)}
    fields.update(headers or {})
    for name in drop:
        fields.pop(name, None)
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def http_block(payload: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
            ).encode() + payload


def page(i: int) -> bytes:
    text = good(i).replace("\n", "</p><p>")
    return (f"<!DOCTYPE html><html><head><title>Page {i}</title></head>"
            f"<body><main><article><h1>News {i}</h1><p>{text}</p></article></main></body></html>").encode()


def response(i: int, payload: bytes | None = None, content_type: str = "text/html; charset=utf-8", **kw) -> bytes:
    block = http_block(page(i) if payload is None else payload, content_type)
    return warc_record("response", block, f"http://example.org/{i}", i, **kw)


def conversion(i: int, text: bytes | None = None) -> bytes:
    return warc_record("conversion", good(i).encode() if text is None else text, f"http://example.org/{i}", i)


def members(records: list[bytes]) -> bytes:
    """One gzip member per record, as CommonCrawl writes WARC files."""
    return b"".join(gz(r) for r in records)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


# -- the kinds ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A hostile shard and what reading it must give.

    status: "ok" (read to the end), "partial" (the stream breaks; the documents before it are kept and
    the error names the file and record), "error" (the shard cannot be read at all; the error names
    the file). `documents`: good documents kept; `skipped`: counted skips by reason; `message`: a
    piece of the error (or of a recorded problem) a user needs to see.
    """

    file: str
    build: Callable[[], bytes]
    documents: int
    skipped: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    message: str | None = None


def _truncated_gzip() -> bytes:
    data = gz(good_lines(400))
    return data[: len(data) // 2]


def _truncated_gzip_docs() -> int:
    """Complete lines in what the cut stream still decompresses to."""
    data = _truncated_gzip()
    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    return out.count(b"\n")


def _bad_zstd_frame() -> bytes:
    frame = zst(good_lines(5))
    return frame + b"\x28\xb5\x2f\xfd" + bytes(random.Random(1).randrange(256) for _ in range(300))


def _zstd_bomb() -> bytes:
    """Five documents, then a frame of 200 MB of zeros (a 1:30000 ratio)."""
    return zst(good_lines(5)) + zstandard.ZstdCompressor(level=19).compress(bytes(200_000_000))


def _gzip_bomb() -> bytes:
    """Five documents, then 20 MB of zeros (gzip peaks near 1:1000)."""
    return gz(good_lines(5)) + gzip.compress(bytes(20_000_000), compresslevel=9, mtime=0)


def _wrong_content_length() -> bytes:
    """Record 2 claims 40 more bytes than it has: the next record starts inside its block."""
    records = [response(i) for i in range(5)]
    records[2] = response(2, content_length=len(http_block(page(2))) + 40)
    return b"".join(records)


def _short_content_length() -> bytes:
    """Record 1 claims fewer bytes than it has (uncompressed WARC): its tail is read as the next record."""
    records = [response(i) for i in range(4)]
    records[1] = response(1, content_length=len(http_block(page(1))) - 60)
    return b"".join(records)


def _missing_headers() -> bytes:
    """A record without WARC-Type, one without Content-Type and URI, between good ones (gzip members)."""
    return members([response(0), response(1, drop=("WARC-Type",)), response(2),
                    response(3, drop=("WARC-Target-URI", "Content-Type")), response(4)])


def _truncated_warc() -> bytes:
    data = members([response(i) for i in range(6)])
    cut = len(members([response(i) for i in range(4)])) + 50
    return data[:cut]


def _binary_payloads() -> bytes:
    rng = random.Random(2)
    blob = bytes(rng.randrange(256) for _ in range(3000))
    png = b"\x89PNG\r\n\x1a\n" + blob
    return members([response(0), response(1, payload=png, content_type="image/png"),
                    response(2, payload=blob, content_type="text/html"), response(3),
                    response(4, payload=b"<html><body>" + blob + b"</body></html>"), response(5)])


def _wet_invalid_utf8() -> bytes:
    return members([conversion(0), conversion(1, "caf\xe9 cr\xe8me".encode("latin-1")), conversion(2)])


def _warc_mixed_charsets() -> bytes:
    """Declared charsets that are right, unknown, or wrong: all decode (detected or replaced), none is lost."""
    text = "Grüße aus Köln: das Café öffnet um neun Uhr."
    html = f"<html><body><main><p>{text}</p></main></body></html>"
    return members([response(0, payload=html.encode("cp1252"), content_type="text/html; charset=windows-1252"),
                    response(1, payload=html.encode("utf-8"), content_type="text/html; charset=utf8mb4"),
                    response(2, payload=html.encode("latin-1"), content_type="text/html; charset=utf-8"),
                    response(3, payload="<html><body><p>東京の天気は晴れです。</p></body></html>".encode("shift_jis"),
                             content_type="text/html; charset=shift_jis")])


def _invalid_utf8_lines() -> bytes:
    return good_lines(2) + b'{"text": "caf\xe9 \xff\xfe broken"}\n' + good_lines(2, 2)


def _mixed_encodings() -> bytes:
    latin1 = line({"text": "Grüße aus Köln"}).decode("utf-8").encode("latin-1")
    cp1252 = '{"text": "\u201cquoted\u201d \u2013 dash"}\n'.encode("cp1252")
    return good_lines(2) + latin1 + good_lines(1, 2) + cp1252 + line({"text": "Grüße aus Köln, richtig kodiert"})


def _nul_bytes() -> bytes:
    """A raw NUL inside a JSON string (invalid JSON) and an escaped one (valid: the text keeps it)."""
    return good_lines(2) + b'{"text": "raw\x00nul"}\n' + line({"text": "escaped \u0000 nul is data"}) + good_lines(1, 2)


def _lone_surrogate() -> bytes:
    """An escaped lone surrogate: valid JSON, but not a Unicode string that UTF-8 (or Arrow) can hold."""
    return good_lines(2) + b'{"text": "half a pair: \\ud83d here"}\n' + good_lines(2, 2)


def _utf8_bom() -> bytes:
    return b"\xef\xbb\xbf" + good_lines(4)


def _utf16_bom() -> bytes:
    return good_lines(3).decode("utf-8").encode("utf-16")


def _long_line() -> bytes:
    """A single 1 MB line (one document of a million characters, no newline in it)."""
    words = random.Random(3).choices(["river", "bridge", "council", "spring", "mayor", "debate"], k=160_000)
    return good_lines(1) + line({"text": " ".join(words)[:1_000_000]}) + good_lines(1, 1)


def _huge_record() -> bytes:
    """One 3 MB line, over max_record_bytes (2 MB): skipped while being read, never held whole."""
    return zst(good_lines(2) + line({"text": "abc " * 750_000}) + good_lines(2, 2))


def _huge_document() -> bytes:
    """A 1.8 M-character text in a 1.9 MB record: within max_record_bytes, over max_doc_chars."""
    return zst(good_lines(1) + line({"text": "xyz " * 450_000}) + good_lines(1, 1))


def _empty_lines() -> bytes:
    return b"\n" + good_lines(1) + b"\r\n   \n\t\n" + good_lines(1, 1) + b"\n\n"


def _wrong_types() -> bytes:
    bad = [{"text": 42}, {"text": ["a", "list"]}, {"text": None}, {"text": {"nested": "x"}}, {"text": True}]
    return good_lines(2) + b"".join(line(o) for o in bad) + good_lines(2, 2)


def _deep_nesting() -> bytes:
    deep = b'{"text": "deep", "meta": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"
    return good_lines(2) + deep + good_lines(2, 2)


def _missing_text() -> bytes:
    return good_lines(1) + line({"body": "wrong field"}) + line({"id": 7}) + good_lines(1, 1)


def _non_json() -> bytes:
    junk = b"plain text line\n" + b"a,b,c\n" + b"<html><body>x</body></html>\n" + b"[1, 2, 3]\n" + b'"a string"\n'
    return good_lines(2) + junk + b'{"text": "unterminated\n' + good_lines(2, 2)


def _parquet_wrong_type() -> bytes:
    return parquet_bytes(pa.table({"text": pa.array([1, 2, 3], pa.int64())}))


def _parquet_no_text() -> bytes:
    return parquet_bytes(pa.table({"body": [good(0), good(1)]}))


def _parquet_nulls() -> bytes:
    return parquet_bytes(pa.table({"text": [good(0), None, good(1), "", good(2)]}))


def _truncated_parquet() -> bytes:
    data = parquet_bytes(pa.table({"text": [good(i) for i in range(50)]}))
    return data[: len(data) - 100]


def _not_gzip() -> bytes:
    return good_lines(3)


KINDS: dict[str, Kind] = {
    "truncated_gzip": Kind("truncated-gzip.jsonl.gz", _truncated_gzip, _truncated_gzip_docs(), status="partial",
                           message="record"),
    "concatenated_gzip": Kind("concatenated.jsonl.gz", lambda: gz(good_lines(3)) + gz(good_lines(4, 3)), 7),
    "not_gzip": Kind("not-gzip.jsonl.gz", _not_gzip, 0, status="partial", message="Not a gzipped file"),
    "gzip_header_only": Kind("header-only.jsonl.gz", lambda: gz(b"")[:10], 0, status="partial",
                             message="record 0"),
    "bad_zstd_frame": Kind("bad-frame.jsonl.zst", _bad_zstd_frame, 5, status="partial", message="Zstd"),
    "zstd_bomb": Kind("bomb-zstd.jsonl.zst", _zstd_bomb, 5, {"decompression_ratio": 1}, status="partial",
                      message="decompression ratio"),
    "gzip_bomb": Kind("bomb-gzip.jsonl.gz", _gzip_bomb, 5, {"decompression_ratio": 1}, status="partial",
                      message="decompression ratio"),
    "warc_long_content_length": Kind("long-length.warc", _wrong_content_length, 2, {"bad_content_length": 1}, status="partial",
                                     message="record 3"),
    "warc_short_content_length": Kind("short-length.warc", _short_content_length, 3, {"bad_content_length": 1},
                                      message="Content-Length"),
    "warc_missing_headers": Kind("missing-headers.warc.gz", _missing_headers, 2, {"not_response:None": 1},
                                 status="partial", message="record 3"),
    "warc_truncated": Kind("truncated-warc.warc.gz", _truncated_warc, 4, status="partial", message="record 4"),
    "warc_binary_payloads": Kind("binary.warc.gz", _binary_payloads, 3, {"non_html": 1, "binary_payload": 2}),
    "warc_mixed_charsets": Kind("charsets.warc.gz", _warc_mixed_charsets, 4),
    "wet_invalid_utf8": Kind("invalid.warc.wet.gz", _wet_invalid_utf8, 2, {"invalid_utf8": 1}),
    "invalid_utf8": Kind("invalid-utf8.jsonl", _invalid_utf8_lines, 4, {"invalid_utf8": 1}, message="line 3"),
    "mixed_encodings": Kind("mixed-encodings.jsonl", _mixed_encodings, 4, {"invalid_utf8": 2}),
    "nul_bytes": Kind("nul.jsonl", _nul_bytes, 4, {"invalid_json": 1}, message="line 3"),
    "lone_surrogate": Kind("surrogate.jsonl", _lone_surrogate, 4, {"invalid_unicode": 1}, message="line 3"),
    "utf8_bom": Kind("bom-utf8.jsonl", _utf8_bom, 4),
    "utf16_bom": Kind("bom-utf16.jsonl", _utf16_bom, 0, status="partial", message="UTF-16"),
    "long_line": Kind("long-line.jsonl.zst", lambda: zst(_long_line()), 3),
    "huge_record": Kind("huge-record.jsonl.zst", _huge_record, 4, {"too_large": 1}, message="max_record_bytes"),
    "huge_document": Kind("huge-document.jsonl.zst", _huge_document, 2, {"too_large": 1}, message="max_doc_chars"),
    "empty_lines": Kind("empty-lines.jsonl", _empty_lines, 2, {"blank_line": 6}),
    "wrong_types": Kind("wrong-types.jsonl", _wrong_types, 4, {"bad_text_type": 5}, message="int"),
    "deep_nesting": Kind("deep.jsonl.zst", lambda: zst(_deep_nesting()), 4, {"invalid_json": 1}, message="nested"),
    "missing_text": Kind("missing-text.jsonl", _missing_text, 2, {"missing_text": 2}),
    "non_json": Kind("non-json.jsonl", _non_json, 4, {"invalid_json": 6}),
    "parquet_wrong_type": Kind("wrong-type.parquet", _parquet_wrong_type, 0, status="error", message="int64"),
    "parquet_no_text": Kind("no-text.parquet", _parquet_no_text, 0, status="error", message="no column 'text'"),
    "parquet_nulls": Kind("nulls.parquet", _parquet_nulls, 3, {"missing_text": 1, "empty": 1}),
    "parquet_truncated": Kind("truncated-parquet.parquet", _truncated_parquet, 0, status="partial", message="Parquet"),
    "empty_file": Kind("empty.jsonl", lambda: b"", 0, {"empty_file": 1}),
    "empty_gzip": Kind("empty-gzip.jsonl.gz", lambda: gz(b""), 0, {"empty_file": 1}),
}


def write(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS.values():
        path = folder / kind.file
        path.write_bytes(kind.build())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{p.stat().st_size:>9,d}  {p.name}")
