"""Packing documents into fixed-length sequences: best-fit decreasing, or plain concatenation.

A packing is a list of pieces (sequence, document, token start, token end, offset in the sequence),
sorted by sequence then offset; a sequence's pieces are contiguous from offset 0 and padding follows.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packing:
    seq_len: int
    num_sequences: int
    sequence: np.ndarray  # int64, per piece
    document: np.ndarray
    start: np.ndarray
    end: np.ndarray
    offset: np.ndarray

    @property
    def used(self) -> np.ndarray:
        """Non-padding tokens per sequence."""
        return np.bincount(self.sequence, weights=self.end - self.start, minlength=self.num_sequences).astype(np.int64)

    def truncated_documents(self, num_documents: int) -> int:
        """Documents split over more than one sequence."""
        return int((np.bincount(self.document, minlength=num_documents) > 1).sum())

    def padding_tokens(self) -> int:
        return int(self.num_sequences * self.seq_len - (self.end - self.start).sum())

    def cu_seqlens(self) -> tuple[np.ndarray, np.ndarray]:
        """Per sequence the boundaries of its pieces, [0, ..., used] (int32), flat, and where each
        sequence's run starts in the flat array (int64, num_sequences + 1)."""
        n = self.num_sequences
        counts = np.bincount(self.sequence, minlength=n)
        index = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts + 1, out=index[1:])
        flat = np.empty(index[-1], dtype=np.int32)
        flat[np.arange(len(self.sequence)) + self.sequence] = self.offset
        flat[index[1:] - 1] = self.used
        return flat, index

    def reordered(self, order: np.ndarray) -> Packing:
        """The sequences in `order` (output position i holds sequence order[i])."""
        rank = np.empty(self.num_sequences, dtype=np.int64)
        rank[order] = np.arange(self.num_sequences)
        seq = rank[self.sequence]
        by = np.lexsort((self.offset, seq))
        return Packing(self.seq_len, self.num_sequences, seq[by], self.document[by], self.start[by], self.end[by],
                       self.offset[by])


def concat(lengths: np.ndarray, seq_len: int) -> Packing:
    """The documents back to back, cut every `seq_len` tokens (the last sequence padded)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    first, last = starts // seq_len, (ends - 1) // seq_len
    per_doc = last - first + 1
    doc = np.repeat(np.arange(len(lengths)), per_doc)
    k = np.arange(len(doc)) - np.repeat(np.cumsum(per_doc) - per_doc, per_doc)
    seq = first[doc] + k
    g_start = np.maximum(starts[doc], seq * seq_len)
    g_end = np.minimum(ends[doc], (seq + 1) * seq_len)
    total = int(ends[-1]) if len(ends) else 0
    return Packing(seq_len, -(-total // seq_len), seq, doc, g_start - starts[doc], g_end - starts[doc],
                   g_start - seq * seq_len)


def bestfit(lengths: np.ndarray, seq_len: int) -> Packing:
    """Best-fit decreasing (Ding et al. 2024, "Fewer Truncations Improve Language Modeling"): a document
    longer than `seq_len` is first cut into `seq_len` chunks, each a sequence of its own; the rest of it
    and every shorter document are placed, longest first (ties in document order), into the open
    sequence with the least room that fits (the oldest of equals), else a new one."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if (lengths < 1).any():
        raise ValueError("documents must have at least one token")
    full = lengths // seq_len
    doc_f = np.repeat(np.arange(len(lengths)), full)
    k = np.arange(len(doc_f)) - np.repeat(np.cumsum(full) - full, full)
    rest = lengths - full * seq_len
    docs = np.flatnonzero(rest)
    order = docs[np.argsort(-rest[docs], kind="stable")]
    # Open sequences by their room: a heap of sequence numbers per room (ties go to the oldest sequence),
    # and which rooms have one.
    rooms: list[list[int]] = [[] for _ in range(seq_len + 1)]
    open_room = np.zeros(seq_len + 1, dtype=bool)
    fill: list[int] = []  # tokens placed so far in each best-fit sequence
    piece_seq = np.empty(len(order), dtype=np.int64)
    piece_off = np.empty(len(order), dtype=np.int64)
    for i, d in enumerate(order.tolist()):
        need = int(rest[d])
        room = need + int(np.argmax(open_room[need:]))
        if open_room[room]:
            s = heapq.heappop(rooms[room])
            if not rooms[room]:
                open_room[room] = False
        else:
            s, room = len(fill), seq_len
            fill.append(0)
        piece_seq[i], piece_off[i] = s, fill[s]
        fill[s] += need
        left = room - need
        if left:
            heapq.heappush(rooms[left], s)
            open_room[left] = True
    nf = len(doc_f)
    seq = np.concatenate([np.arange(nf), piece_seq + nf])
    doc = np.concatenate([doc_f, order])
    start = np.concatenate([k * seq_len, full[order] * seq_len])
    end = np.concatenate([(k + 1) * seq_len, lengths[order]])
    off = np.concatenate([np.zeros(nf, np.int64), piece_off])
    by = np.lexsort((off, seq))
    return Packing(seq_len, nf + len(fill), seq[by], doc[by], start[by], end[by], off[by])


def pack(lengths: np.ndarray, seq_len: int, method: str) -> Packing:
    if method == "bestfit":
        return bestfit(lengths, seq_len)
    if method == "concat":
        return concat(lengths, seq_len)
    raise ValueError(f"unknown packing {method!r} (bestfit or concat)")


def gather(packing: Packing, tokens: np.ndarray, doc_starts: np.ndarray, pad_id: int, first: int, stop: int,
           dtype: np.dtype) -> np.ndarray:
    """Sequences [first, stop) of the packing as a (stop - first, seq_len) array: the pieces' tokens from
    the flat document `tokens` (document d starts at doc_starts[d]), padding after them."""
    out = np.full((stop - first) * packing.seq_len, pad_id, dtype=dtype)
    lo, hi = np.searchsorted(packing.sequence, [first, stop])
    n = packing.end[lo:hi] - packing.start[lo:hi]
    if len(n):
        src = doc_starts[packing.document[lo:hi]] + packing.start[lo:hi]
        dst = (packing.sequence[lo:hi] - first) * packing.seq_len + packing.offset[lo:hi]
        step = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        out[np.repeat(dst, n) + step] = tokens[np.repeat(src, n) + step]
    return out.reshape(stop - first, packing.seq_len)
