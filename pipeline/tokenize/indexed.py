"""Megatron's indexed dataset layout (`MMIDIDX`): `PREFIX.bin` holds the tokens, `PREFIX.idx` the index.

`.idx`: magic `MMIDIDX\\x00\\x00`, version (uint64, 1), dtype code (uint8: megatron-core's DType, uint16=8,
int32=4), sequence count (uint64), document count (uint64), then int32 sequence lengths, int64 byte
pointers into `.bin`, int64 document indices (sequence index where each document starts, then the count).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable

import numpy as np

from pipeline.storage import temporary_name

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES = {np.dtype(np.uint8): 1, np.dtype(np.int8): 2, np.dtype(np.int16): 3, np.dtype(np.int32): 4,
               np.dtype(np.int64): 5, np.dtype(np.float64): 6, np.dtype(np.float32): 7, np.dtype(np.uint16): 8}
CODE_DTYPES = {code: dtype for dtype, code in DTYPE_CODES.items()}


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (vocabulary of at most 65,535), else int32."""
    return np.dtype(np.uint16) if vocab_size <= 65_535 else np.dtype(np.int32)


class IndexedWriter:
    """Append sequences to `PREFIX.bin` and write `PREFIX.idx` on `close` (both under temporary names,
    renamed into place only when complete)."""

    def __init__(self, prefix: str, dtype: np.dtype):
        self.prefix, self.dtype = prefix, np.dtype(dtype)
        self._tmp = temporary_name(prefix)
        self._bin = open(self._tmp + ".bin", "wb")
        self.lengths: list[np.ndarray] = []
        self.document_starts: list[int] = []
        self._count = 0

    def add(self, tokens: np.ndarray, lengths: np.ndarray | None = None, documents: bool = True) -> None:
        """Append sequences: `tokens` flat, split by `lengths` (one sequence when None). With `documents`
        each sequence is also a document (Megatron's `end_document` after each)."""
        tokens = np.asarray(tokens)
        lengths = np.asarray([len(tokens)] if lengths is None else lengths, dtype=np.int64)
        if int(lengths.sum()) != len(tokens):
            raise ValueError("sequence lengths do not add up to the tokens given")
        if len(tokens) and (tokens.min() < 0 or tokens.max() > np.iinfo(self.dtype).max):
            raise ValueError(f"token ids outside the range of {self.dtype}")
        self._bin.write(tokens.astype(self.dtype, copy=False).tobytes())
        if documents:
            self.document_starts.extend(range(self._count, self._count + len(lengths)))
        self.lengths.append(lengths.astype(np.int32))
        self._count += len(lengths)

    def close(self) -> None:
        self._bin.close()
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, np.int32)
        write_index(self._tmp + ".idx", lengths, np.array(self.document_starts + [len(lengths)], np.int64), self.dtype)
        os.replace(self._tmp + ".bin", self.prefix + ".bin")
        os.replace(self._tmp + ".idx", self.prefix + ".idx")

    def abort(self) -> None:
        self._bin.close()
        for ext in (".bin", ".idx"):
            if os.path.exists(self._tmp + ext):
                os.remove(self._tmp + ext)


def write_index(path: str, lengths: np.ndarray, document_indices: np.ndarray, dtype: np.dtype) -> None:
    lengths = np.asarray(lengths, dtype=np.int32)
    pointers = np.zeros(len(lengths), dtype=np.int64)
    if len(lengths) > 1:
        np.cumsum(lengths[:-1].astype(np.int64) * np.dtype(dtype).itemsize, out=pointers[1:])
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", VERSION))
        f.write(struct.pack("<B", DTYPE_CODES[np.dtype(dtype)]))
        f.write(struct.pack("<Q", len(lengths)))
        f.write(struct.pack("<Q", len(document_indices)))
        f.write(lengths.tobytes())
        f.write(pointers.tobytes())
        f.write(np.asarray(document_indices, dtype=np.int64).tobytes())


def write_indexed(prefix: str, sequences: Iterable[np.ndarray], dtype: np.dtype) -> None:
    """Every array one sequence and one document."""
    writer = IndexedWriter(prefix, dtype)
    try:
        for seq in sequences:
            writer.add(seq)
    except BaseException:
        writer.abort()
        raise
    writer.close()
