"""The MMIDIDX indexed dataset: bytes checked by a reader written from the layout, the memory-mapped
readers of pipeline.tokens, and megatron-core's IndexedDataset where it installs."""

from __future__ import annotations

import pickle
import struct

import numpy as np
import pytest

from pipeline.tokenize.indexed import IndexedWriter, token_dtype, write_indexed
from pipeline.tokens import IndexedTokens


def read_layout(prefix: str) -> dict:
    """Megatron's `.idx` layout, read field by field with struct (independent of assay's reader)."""
    with open(prefix + ".idx", "rb") as f:
        blob = f.read()
    assert blob[:9] == b"MMIDIDX\x00\x00"
    (version,) = struct.unpack_from("<Q", blob, 9)
    (code,) = struct.unpack_from("<B", blob, 17)
    count, docs = struct.unpack_from("<QQ", blob, 18)
    at = 34
    lengths = struct.unpack_from(f"<{count}i", blob, at)
    at += 4 * count
    pointers = struct.unpack_from(f"<{count}q", blob, at)
    at += 8 * count
    doc_indices = struct.unpack_from(f"<{docs}q", blob, at)
    at += 8 * docs
    assert at == len(blob), "nothing after the document indices"
    size = {8: 2, 4: 4}[code]
    with open(prefix + ".bin", "rb") as f:
        data = f.read()
    fmt = {8: "H", 4: "i"}[code]
    seqs = [list(struct.unpack_from(f"<{n}{fmt}", data, p)) for n, p in zip(lengths, pointers, strict=True)]
    assert sum(lengths) * size == len(data)
    return {"version": version, "code": code, "lengths": list(lengths), "pointers": list(pointers),
            "document_indices": list(doc_indices), "sequences": seqs}


def test_idx_bytes_follow_the_layout(tmp_path):
    seqs = [np.array([5, 6, 7]), np.array([65_534]), np.array([1, 2, 3, 4, 0])]
    write_indexed(str(tmp_path / "d"), seqs, token_dtype(65_535))
    got = read_layout(str(tmp_path / "d"))
    assert got["version"] == 1 and got["code"] == 8  # uint16
    assert got["lengths"] == [3, 1, 5]
    assert got["pointers"] == [0, 6, 8]
    assert got["document_indices"] == [0, 1, 2, 3]
    assert got["sequences"] == [s.tolist() for s in seqs]


def test_int32_when_the_vocabulary_does_not_fit_uint16(tmp_path):
    assert token_dtype(65_536) == np.int32
    w = IndexedWriter(str(tmp_path / "d"), token_dtype(100_000))
    w.add(np.array([99_999, 3, 70_000, 1]), np.array([2, 2]), documents=False)
    w.add(np.array([8]))
    w.close()
    got = read_layout(str(tmp_path / "d"))
    assert got["code"] == 4 and got["pointers"] == [0, 8, 16]
    assert got["sequences"] == [[99_999, 3], [70_000, 1], [8]]
    assert got["document_indices"] == [2, 3]  # only the last add marked its sequence as a document
    with pytest.raises(ValueError, match="outside the range"):
        IndexedWriter(str(tmp_path / "e"), np.uint16).add(np.array([70_000]))


def test_reader_gives_views_without_copy_and_pickles(tmp_path):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 8192, size=n) for n in (10, 1, 300, 7)]
    write_indexed(str(tmp_path / "d"), seqs, np.uint16)
    ds = IndexedTokens(str(tmp_path / "d"))
    assert len(ds) == 4 and ds.dtype == np.uint16
    for i, s in enumerate(seqs):
        assert ds[i].tolist() == s.tolist()
        assert not ds[i].flags.owndata and not ds[i].flags.writeable  # a view of the read-only map
    assert ds[-1].tolist() == seqs[-1].tolist()
    with pytest.raises(IndexError):
        ds[4]
    again = pickle.loads(pickle.dumps(ds))
    assert len(pickle.dumps(ds)) < 200 and again[2].tolist() == seqs[2].tolist()


def test_megatron_core_opens_it(tmp_path):
    indexed_dataset = pytest.importorskip(
        "megatron.core.datasets.indexed_dataset",
        reason="megatron-core (with CPU torch) is not installed in this environment")
    seqs = [np.array([5, 6, 7]), np.array([8190]), np.array([1, 2, 3, 4, 0])]
    write_indexed(str(tmp_path / "d"), seqs, np.uint16)
    ds = indexed_dataset.IndexedDataset(str(tmp_path / "d"))
    assert len(ds) == 3
    assert [ds[i].tolist() for i in range(3)] == [s.tolist() for s in seqs]
    assert ds.get(2, offset=1, length=2).tolist() == [2, 3]
    assert ds.document_indices.tolist() == [0, 1, 2, 3]
    assert ds.index.dtype == np.uint16
