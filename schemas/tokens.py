"""The tokenize stage: its config and the Arrow schemas of its intermediates and provenance file."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import Field

from schemas.config import StrictModel

PackMethod = Literal["bestfit", "concat"]


class TokenizeConfig(StrictModel):
    """Documents (Parquet with a text column) in; an indexed dataset and packed sequences out."""

    inputs: tuple[str, ...]
    output: str
    tokenizer: str = Field(description="a Hugging Face tokenizers JSON file (tokenizer.json)")
    seq_len: int = Field(2048, ge=8, le=1 << 20, description="tokens per packed sequence")
    pack: PackMethod = Field("bestfit", description="bestfit: best-fit-decreasing packing (Ding et al. 2024); "
                                                    "concat: documents concatenated and cut every seq_len tokens")
    shuffle_seed: int | None = Field(1234, ge=0, description="seed of the global shuffle of packed sequences; "
                                                             "None keeps the packing order")
    bos: bool = Field(False, description="prepend the BOS token to every document")
    eos: bool = Field(True, description="append the EOS token to every document")
    eos_token: str | None = Field(None, description="EOS token (default: <|endoftext|>, </s>, <eos> ... "
                                                    "whichever the tokenizer has)")
    bos_token: str | None = Field(None, description="BOS token (default: <s>, <bos>, <|begin_of_text|> ..., else EOS)")
    text_field: str = "text"
    batch_rows: int = Field(4096, ge=1, description="documents per encode task (within one Parquet row group)")
    storage_options: dict[str, object] = Field(default_factory=dict)


def encoded_schema(with_source: bool, digest: str = "") -> pa.Schema:
    """One encode task's output: the documents of one batch of one input file, in input order."""
    fields = [
        pa.field("id", pa.string(), nullable=False, metadata={"doc": "document id (input `id`, else <file>/<row>)"}),
        pa.field("tokens", pa.large_list(pa.int32()), nullable=False,
                 metadata={"doc": "token ids with assay's BOS/EOS (encoded with add_special_tokens=False)"}),
    ]
    if with_source:
        fields.insert(1, pa.field("source", pa.string(), metadata={"doc": "the input's source column"}))
    return pa.schema(fields, metadata={b"assay.stage": b"tokenize.encode", b"assay.digest": digest.encode()})


def provenance_schema(with_source: bool, config_hash: str = "") -> pa.Schema:
    """provenance.parquet: one row per piece of a document placed in a packed sequence."""
    fields = [
        pa.field("sequence", pa.int64(), nullable=False, metadata={"doc": "index of the packed sequence (shuffled)"}),
        pa.field("document", pa.int64(), nullable=False, metadata={"doc": "index in documents.bin/.idx"}),
        pa.field("document_id", pa.string(), nullable=False),
        pa.field("token_start", pa.int32(), nullable=False, metadata={"doc": "first token of the piece in the document"}),
        pa.field("token_end", pa.int32(), nullable=False, metadata={"doc": "one past its last token"}),
        pa.field("offset", pa.int32(), nullable=False, metadata={"doc": "where the piece starts in the sequence"}),
    ]
    if with_source:
        fields.insert(3, pa.field("source", pa.string()))
    return pa.schema(fields, metadata={b"assay.stage": b"tokenize", b"assay.config_hash": config_hash.encode()})
