"""The Arrow schema of a document, as every reader emits it."""

import pyarrow as pa

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False,
                 metadata={"doc": "stable id: '<shard id>/<record index>' unless the source provides one"}),
        pa.field("url", pa.string(), metadata={"doc": "target URI of the record, if known"}),
        pa.field("source", pa.string(), nullable=False, metadata={"doc": "path of the input shard"}),
        pa.field("offset", pa.int64(), nullable=False,
                 metadata={"doc": "WARC/WET: byte offset of the record in the shard file; "
                                  "JSONL: byte offset of the line in the decompressed stream; "
                                  "Parquet: row index"}),
        pa.field("text", pa.large_string(), nullable=False, metadata={"doc": "document text (main content)"}),
        pa.field("warc_date", pa.timestamp("s", tz="UTC"), metadata={"doc": "WARC-Date, if present"}),
        pa.field("warc_record_id", pa.string(), metadata={"doc": "WARC-Record-ID, if present"}),
        pa.field("content_type", pa.string(),
                 metadata={"doc": "MIME type of the payload (HTTP Content-Type for WARC responses)"}),
    ]
)


def document_fields() -> list[str]:
    return DOCUMENT_SCHEMA.names
