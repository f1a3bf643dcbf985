"""Read a fastText model file (.bin or quantized .ftz, format version 12) into NumPy arrays.

The layout is fastText's own `FastText::saveModel`: magic and version, the arguments, the
dictionary (entries, then the pruned-bucket map of a quantized model), the input matrix (dense,
or product-quantized with optional norms) and the output matrix. Rows of a quantized input matrix
are decoded exactly as fastText adds them to the hidden vector: `norm * centroid` in float32.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

MAGIC = 793712314
VERSION = 12
LOSS_NAMES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MODEL_NAMES = {1: "cbow", 2: "sg", 3: "supervised"}
KSUB = 256  # centroids per sub-quantizer
EOS = b"</s>"
LABEL_PREFIX = b"__label__"  # fastText's default; the prefix itself is not stored in the file


class FastTextFormatError(ValueError):
    """The file is not a fastText model this reader understands."""


@dataclass(frozen=True)
class FastTextModel:
    dim: int
    bucket: int
    minn: int
    maxn: int
    word_ngrams: int
    loss: str
    model: str
    words: list[bytes]  # dictionary entries of type word, in id order
    word_counts: np.ndarray
    labels: list[bytes]  # entries of type label, in label-id order
    label_counts: np.ndarray
    pruneidx_size: int  # -1: buckets not pruned; 0: no bucket kept; > 0: `prune_map` applies
    prune_map: np.ndarray  # int32 per bucket: its row after nwords, or -1 (empty unless pruned)
    input_rows: np.ndarray  # float32 [rows, dim], as added to the hidden vector
    output: np.ndarray  # float32 [outputs, dim]
    quantized: bool
    quantized_output: bool  # its dot products then follow ProductQuantizer::mulcode, not a dense dot

    @property
    def nwords(self) -> int:
        return len(self.words)


class _Reader:
    def __init__(self, data: bytes, path: str) -> None:
        self.data, self.path, self.pos = data, path, 0

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise FastTextFormatError(f"{self.path}: truncated at byte {self.pos}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if count < 0 or self.pos + size > len(self.data):
            raise FastTextFormatError(f"{self.path}: truncated at byte {self.pos}")
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += size
        return out

    def cstring(self) -> bytes:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise FastTextFormatError(f"{self.path}: truncated dictionary at byte {self.pos}")
        out = self.data[self.pos:end]
        self.pos = end + 1
        return out


def _product_quantizer(r: _Reader) -> tuple[int, int, int, int, np.ndarray]:
    dim, nsubq, dsub, lastdsub = r.unpack("<4i")
    return dim, nsubq, dsub, lastdsub, r.array("<f4", dim * KSUB)


def _decode_codes(codes: np.ndarray, pq: tuple[int, int, int, int, np.ndarray], rows: int) -> np.ndarray:
    """Centroid values of every row, laid out as ProductQuantizer::get_centroids reads them."""
    dim, nsubq, dsub, lastdsub, centroids = pq
    codes = codes.reshape(rows, nsubq)
    out = np.empty((rows, dim), dtype=np.float32)
    for m in range(nsubq):
        width = lastdsub if m == nsubq - 1 else dsub
        base = m * KSUB * dsub
        table = centroids[base:base + KSUB * width].reshape(KSUB, width)
        out[:, m * dsub:m * dsub + width] = table[codes[:, m]]
    return out


def _matrix(r: _Reader, quantized: bool) -> np.ndarray:
    if not quantized:
        m, n = r.unpack("<2q")
        return r.array("<f4", m * n).reshape(m, n).astype(np.float32)
    (qnorm,) = r.unpack("<?")
    m, n = r.unpack("<2q")
    (codesize,) = r.unpack("<i")
    codes = r.array("u1", codesize)
    pq = _product_quantizer(r)
    values = _decode_codes(codes, pq, m)
    if qnorm:
        norm_codes = r.array("u1", m)
        norm_pq = _product_quantizer(r)
        norms = norm_pq[4][norm_codes].astype(np.float32)
        values = (norms[:, None] * values).astype(np.float32)  # float32 product, as addcode's alpha * c
    return values


def read_model(path: str) -> FastTextModel:
    """Parse the fastText model at `path` (local file)."""
    with open(path, "rb") as f:
        r = _Reader(f.read(), path)
    magic, version = r.unpack("<2i")
    if magic != MAGIC:
        raise FastTextFormatError(f"{path}: not a fastText model (magic {magic})")
    if version != VERSION:
        raise FastTextFormatError(f"{path}: fastText format version {version}, this reader knows {VERSION}")
    dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, _lr_rate = r.unpack("<12i")
    r.unpack("<d")
    size, nwords, nlabels = r.unpack("<3i")
    _ntokens, pruneidx_size = r.unpack("<2q")
    words: list[bytes] = []
    labels: list[bytes] = []
    word_counts: list[int] = []
    label_counts: list[int] = []
    for index in range(size):
        entry = r.cstring()
        count, kind = r.unpack("<qb")
        if (kind == 1) != (index >= nwords):  # fastText sorts words before labels: ids are positions
            raise FastTextFormatError(f"{path}: dictionary entry {index} is out of order")
        (labels if kind == 1 else words).append(entry)
        (label_counts if kind == 1 else word_counts).append(count)
    if len(words) != nwords or len(labels) != nlabels:
        raise FastTextFormatError(f"{path}: dictionary holds {len(words)} words and {len(labels)} labels, "
                                  f"header says {nwords} and {nlabels}")
    prune_map = np.zeros(0, dtype=np.int32)
    if pruneidx_size > 0:
        pairs = r.array("<i4", 2 * pruneidx_size).reshape(-1, 2)
        prune_map = np.full(bucket, -1, dtype=np.int32)
        prune_map[pairs[:, 0]] = pairs[:, 1]
    (quant_input,) = r.unpack("<?")
    input_rows = _matrix(r, quant_input)
    (quant_output,) = r.unpack("<?")
    output = _matrix(r, quant_output)
    if r.pos != len(r.data):
        raise FastTextFormatError(f"{path}: {len(r.data) - r.pos} bytes left after the output matrix")
    return FastTextModel(
        dim=dim, bucket=bucket, minn=minn, maxn=maxn, word_ngrams=word_ngrams,
        loss=LOSS_NAMES.get(loss, str(loss)), model=MODEL_NAMES.get(model, str(model)),
        words=words, word_counts=np.array(word_counts, dtype=np.int64),
        labels=labels, label_counts=np.array(label_counts, dtype=np.int64),
        pruneidx_size=int(pruneidx_size), prune_map=prune_map, input_rows=input_rows, output=output,
        quantized=bool(quant_input), quantized_output=bool(quant_output),
    )
