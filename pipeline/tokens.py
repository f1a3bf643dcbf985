"""Memory-mapped readers of the tokenize stage's outputs, for training loops (numpy only, no torch).

    from pipeline.tokens import IndexedTokens, PackedSequences
    docs = IndexedTokens("out/tokens/documents")       # docs[i]: tokens of document i
    packed = PackedSequences("out/tokens")             # packed[i]: (tokens[seq_len], cu_seqlens)

Items are read-only views of the memory-mapped files (no copy). Both pickle by path, so a PyTorch
`DataLoader` with worker processes reopens the maps in each worker; convert with
`torch.from_numpy(x.astype(np.int64))` (torch has no uint16 arithmetic).
"""

from __future__ import annotations

import os
import struct

import numpy as np

from pipeline.tokenize.indexed import CODE_DTYPES, MAGIC, VERSION


class IndexedTokens:
    """`PREFIX.bin` + `PREFIX.idx` (Megatron's MMIDIDX layout): `len`, `[i]` → the tokens of sequence i."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._open()

    def _open(self) -> None:
        idx = np.memmap(self.prefix + ".idx", dtype=np.uint8, mode="r")
        if bytes(idx[:9]) != MAGIC:
            raise ValueError(f"{self.prefix}.idx: not an MMIDIDX index (magic {bytes(idx[:9])!r})")
        version, code, count, docs = struct.unpack("<QBQQ", bytes(idx[9:34]))
        if version != VERSION or code not in CODE_DTYPES:
            raise ValueError(f"{self.prefix}.idx: version {version}, dtype code {code} not supported")
        self.dtype = CODE_DTYPES[code]
        at = 34
        self.lengths = idx[at:at + 4 * count].view(np.int32)
        at += 4 * count
        self.pointers = idx[at:at + 8 * count].view(np.int64)
        at += 8 * count
        self.document_indices = idx[at:at + 8 * docs].view(np.int64)
        size = os.path.getsize(self.prefix + ".bin")
        self._bin = np.memmap(self.prefix + ".bin", dtype=self.dtype, mode="r") if size else np.zeros(0, self.dtype)

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, i: int) -> np.ndarray:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        start = int(self.pointers[i]) // self.dtype.itemsize
        return self._bin[start:start + int(self.lengths[i])]

    def __getstate__(self) -> dict:
        return {"prefix": self.prefix}

    def __setstate__(self, state: dict) -> None:
        self.prefix = state["prefix"]
        self._open()


class PackedSequences:
    """The packed sequences of a tokenize output folder: `[i]` → (tokens of length seq_len, cu_seqlens),
    cu_seqlens being int32 boundaries of its documents' pieces [0, ..., used]; padding follows `used`."""

    def __init__(self, folder: str):
        self.folder = folder
        self._open()

    def _open(self) -> None:
        self.tokens = IndexedTokens(os.path.join(self.folder, "packed"))
        self._cu = np.load(os.path.join(self.folder, "cu_seqlens.npy"), mmap_mode="r")
        self._cu_index = np.load(os.path.join(self.folder, "cu_seqlens_index.npy"), mmap_mode="r")

    @property
    def seq_len(self) -> int:
        return int(self.tokens.lengths[0]) if len(self.tokens) else 0

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        tokens = self.tokens[i]
        i %= len(self)
        return tokens, self._cu[int(self._cu_index[i]):int(self._cu_index[i + 1])]

    def __getstate__(self) -> dict:
        return {"folder": self.folder}

    def __setstate__(self, state: dict) -> None:
        self.folder = state["folder"]
        self._open()
