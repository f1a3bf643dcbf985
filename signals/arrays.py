"""Columnar views of a batch: code points, lines, WordPunct tokens and normalized words as arrays.

The spec defines every signal per document (signals/views.py). Here the same quantities are
computed once per batch with NumPy over the concatenated code points of all documents, using
property tables taken from Python itself (signals/chartables.py), so they equal the per-document
definitions exactly. Offsets are global (into the concatenation); `*_start` arrays have one entry
per document plus a final end offset.

Lines: every document is cut at each '\\n' into `newlines + 1` segments; a segment is a line of
the spec unless it is the empty last segment of its document (text ending with '\\n', or empty).
The normalized text keeps the newlines (deleting punctuation, lower() and NFD never touch them),
so its segments line up one to one with the raw ones.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from signals import chartables as ct
from signals import wordhash
from signals.batch import TextBatch
from signals.views import _PUNCT_BYTES

_INDEX = np.int64


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=_INDEX)
    np.cumsum(lengths, out=out[1:])
    return out


def _codes(texts: list[str]) -> np.ndarray:
    return np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True)
class Segments:
    """Texts cut at every '\\n' (the newline stays with the segment it ends)."""

    seg_id: np.ndarray  # per code point: its segment
    start: np.ndarray  # per segment: first code point
    end: np.ndarray  # per segment: one past the last code point
    doc: np.ndarray  # per segment: document index
    is_line: np.ndarray  # per segment: whether it is a line of the spec
    line_counts: np.ndarray  # per document: number of lines

    @property
    def lines(self) -> np.ndarray:
        """Segment indices of the lines, in document order."""
        return np.flatnonzero(self.is_line)


def index_dtype(n: int) -> type[np.signedinteger]:
    """int32 while it can index n items (half the memory traffic of int64), else int64."""
    return np.int32 if n < 2**31 - 1 else np.int64


def segment_ids(codes: np.ndarray, doc_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(segment of each code point, newlines before each document start and at the end)."""
    n_docs = len(doc_start) - 1
    dtype = index_dtype(len(codes) + n_docs)
    nl_cum = np.zeros(len(codes) + 1, dtype=dtype)
    np.cumsum(codes == 10, out=nl_cum[1:])
    seg_id = np.repeat(np.arange(n_docs, dtype=dtype), np.diff(doc_start))
    seg_id += nl_cum[:-1]
    return seg_id, nl_cum[doc_start].astype(_INDEX)


def segments(codes: np.ndarray, doc_start: np.ndarray) -> Segments:
    n_docs = len(doc_start) - 1
    seg_id, nl_at = segment_ids(codes, doc_start)
    nl_per_doc = np.diff(nl_at)
    base = np.arange(n_docs, dtype=_INDEX) + nl_at[:-1]
    n_segs = n_docs + int(nl_at[-1]) if n_docs else 0
    nl_pos = np.flatnonzero(codes == 10)
    start = np.empty(n_segs, dtype=_INDEX)
    end = np.empty(n_segs, dtype=_INDEX)
    start[base] = doc_start[:-1]
    start[seg_id[nl_pos] + 1] = nl_pos + 1
    end[seg_id[nl_pos]] = nl_pos + 1
    last = base + nl_per_doc
    end[last] = doc_start[1:]
    is_line = np.ones(n_segs, dtype=bool)
    tail = end[last] > start[last]
    is_line[last] = tail
    doc = np.repeat(np.arange(n_docs, dtype=_INDEX), nl_per_doc + 1)
    return Segments(seg_id, start, end, doc, is_line, nl_per_doc + tail)


def first_last_nonspace(props: np.ndarray, seg_id: np.ndarray, n_segs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per segment, the position of its first and last non-whitespace code point (-1 if none)."""
    pos = np.flatnonzero((props & ct.SPACE) == 0)
    seg = seg_id[pos]
    first = np.full(n_segs, -1, dtype=_INDEX)
    last = np.full(n_segs, -1, dtype=_INDEX)
    if len(pos):
        change = seg[1:] != seg[:-1]
        is_first = np.concatenate([[True], change])
        is_last = np.concatenate([change, [True]])
        first[seg[is_first]] = pos[is_first]
        last[seg[is_last]] = pos[is_last]
    return first, last


@dataclass(frozen=True)
class RawText:
    """Code points of the raw texts and their line segments."""

    codes: np.ndarray
    props: np.ndarray
    doc_start: np.ndarray
    segs: Segments
    first_nonspace: np.ndarray  # per segment
    last_nonspace: np.ndarray  # per segment

    @cached_property
    def hasher(self) -> wordhash.RunHasher:
        return wordhash.RunHasher(self.codes)

    def char_at(self, pos: np.ndarray) -> np.ndarray:
        """Code points at `pos` (0 where there is no such character: pos -1 or past the end)."""
        n = len(self.codes)
        if n == 0:
            return np.zeros(len(pos), dtype=np.uint32)
        return np.where((pos >= 0) & (pos < n), self.codes[np.clip(pos, 0, n - 1)], 0)


def raw_text_view(batch: TextBatch) -> RawText:
    codes = _codes(batch.texts)
    props = ct.properties()[codes]
    doc_start = _offsets(np.fromiter(map(len, batch.texts), dtype=_INDEX, count=len(batch.texts)))
    segs = segments(codes, doc_start)
    first, last = first_last_nonspace(props, segs.seg_id, len(segs.start))
    return RawText(codes, props, doc_start, segs, first, last)


@dataclass(frozen=True)
class RawTokens:
    """The WordPunct tokens `\\w+|[^\\w\\s]+` of each raw text, and counts over them."""

    raw: RawText
    pos: np.ndarray  # per token: offset into codes
    length: np.ndarray  # per token
    doc: np.ndarray  # per token
    count: np.ndarray  # per document: number of tokens
    with_ascii_letter: np.ndarray  # per document: tokens containing [a-zA-Z]
    all_caps: np.ndarray  # per document: tokens for which str.isupper() holds

    texts: list[str]

    def text(self, i: int) -> str:
        d = int(self.doc[i])
        a = int(self.pos[i] - self.raw.doc_start[d])
        return self.texts[d][a:a + int(self.length[i])]

    @cached_property
    def hash(self) -> np.ndarray:
        return self.raw.hasher(self.pos, self.pos + self.length)

    def isin(self, vocabulary: frozenset[str], where: np.ndarray | None = None) -> np.ndarray:
        """Per token: whether it is in `vocabulary` (exact, case-sensitive); only tokens `where`."""
        return wordhash.runs_isin(self.raw.codes, self.pos, self.length, self.hash, vocabulary, self.text, where)


def raw_tokens_view(batch: TextBatch) -> RawTokens:
    raw: RawText = batch.view("raw_text", raw_text_view)
    props, doc_start = raw.props, raw.doc_start
    n_docs = len(batch)
    # props & (WORD | SPACE): 1 word, 2 space, 0 other; a token starts where a non-space kind begins.
    kind = props & (ct.WORD | ct.SPACE)
    prev = np.empty_like(kind)
    nxt = np.empty_like(kind)
    if len(kind):
        inner = doc_start[:-1][doc_start[:-1] < len(kind)]
        prev[0] = ct.SPACE
        prev[1:] = kind[:-1]
        prev[inner] = ct.SPACE
        nxt[-1] = ct.SPACE
        nxt[:-1] = kind[1:]
        nxt[inner[inner > 0] - 1] = ct.SPACE
    token = kind != ct.SPACE
    start = np.flatnonzero(token & (kind != prev))
    end = np.flatnonzero(token & (kind != nxt)) + 1
    # OR of the flags from a token's start to the next token's start covers the token plus
    # whitespace, which carries none of the flags looked at.
    flags = np.bitwise_or.reduceat(props, start) if len(start) else props[:0]
    doc = np.searchsorted(doc_start, start, side="right") - 1
    caps = ((flags & ct.UPPER) != 0) & ((flags & ct.LOWER_OR_TITLE) == 0)
    return RawTokens(
        raw=raw, pos=start, length=end - start, doc=doc,
        count=np.bincount(doc, minlength=n_docs),
        with_ascii_letter=np.bincount(doc[(flags & ct.ASCII_ALPHA) != 0], minlength=n_docs),
        all_caps=np.bincount(doc[caps], minlength=n_docs),
        texts=batch.texts,
    )


def lowered_nfd(text: str) -> str:
    """`normalize` without the whitespace collapse: punctuation deleted, lower(), NFD; newlines kept."""
    text = text.encode("utf-8", "surrogatepass").translate(None, _PUNCT_BYTES)
    return unicodedata.normalize("NFD", text.decode("utf-8", "surrogatepass").lower())


@dataclass(frozen=True)
class Words:
    """Normalized words of every document (`normalize(raw).split()`) as arrays, no Python strings.

    The normalized words are the whitespace-separated runs of `lowered_nfd(raw)` (collapsing
    whitespace does not change them). `first[i]` is the global index of the first occurrence of
    word i's string in its own document, so two positions of one document hold the same word iff
    their `first` agree; it is exact (hash proposals checked code point by code point).
    """

    processed: list[str]  # per document: lowered_nfd(raw)
    codes: np.ndarray  # code points of the processed texts, concatenated
    char_start: np.ndarray  # per document + 1: offsets into codes
    start: np.ndarray  # per document + 1: global word offsets
    doc: np.ndarray  # per word: document index
    pos: np.ndarray  # per word: offset into codes
    length: np.ndarray  # per word: len(word)
    hash: np.ndarray  # per word: wordhash.run_hashes
    seg: np.ndarray  # per word: segment (line) index, aligned with RawText.segs
    seg_nonspace: np.ndarray  # per segment: non-whitespace code points of the normalized segment
    seg_numeric: np.ndarray  # per segment: str.isnumeric code points of the normalized segment

    @cached_property
    def first(self) -> np.ndarray:
        """Per word: the global index of the first equal word of its document."""
        first = wordhash.first_occurrences(self.codes, self.doc, self.pos, self.length, self.hash)
        if first is None:  # a hash collision: fall back to exact dictionaries
            first = _first_by_dict(self.processed, self.start)
        return first

    def text(self, i: int) -> str:
        """Word i as a string."""
        d = int(self.doc[i])
        a = int(self.pos[i] - self.char_start[d])
        return self.processed[d][a:a + int(self.length[i])]

    def isin(self, vocabulary: frozenset[str], where: np.ndarray | None = None) -> np.ndarray:
        """Per word: whether it is in `vocabulary` (exact); only words `where` (default: all)."""
        return wordhash.runs_isin(self.codes, self.pos, self.length, self.hash, vocabulary, self.text, where)


def words_view(batch: TextBatch) -> Words:
    raw: RawText = batch.view("raw_text", raw_text_view)
    processed = [lowered_nfd(t) for t in batch.texts]
    n_docs = len(batch)
    codes = _codes(processed)
    props = ct.properties()[codes]
    char_start = _offsets(np.fromiter(map(len, processed), dtype=_INDEX, count=n_docs))
    seg_id, _ = segment_ids(codes, char_start)
    n_segs = len(raw.segs.start)
    if len(seg_id) and seg_id[-1] >= n_segs:  # pragma: no cover - normalization would have moved a newline
        raise AssertionError("normalized text does not keep the lines of the raw text")
    space = (props & ct.SPACE) != 0
    inner = char_start[:-1][char_start[:-1] < len(space)]
    prev_space = np.empty_like(space)
    prev_space[1:] = space[:-1]
    next_space = np.empty_like(space)
    next_space[:-1] = space[1:]
    if len(space):
        prev_space[inner] = True
        next_space[-1] = True
        next_space[inner[inner > 0] - 1] = True
    pos = np.flatnonzero(~space & prev_space)
    end = np.flatnonzero(~space & next_space) + 1
    doc = np.searchsorted(char_start, pos, side="right") - 1
    start = _offsets(np.bincount(doc, minlength=n_docs))
    length = end - pos
    hashes = wordhash.run_hashes(codes, pos, end)
    numeric = (props & ct.NUMERIC) != 0
    return Words(
        processed=processed, codes=codes, char_start=char_start, start=start, doc=doc, pos=pos, length=length,
        hash=hashes, seg=seg_id[pos],
        seg_nonspace=np.bincount(seg_id[~space], minlength=n_segs),
        seg_numeric=np.bincount(seg_id[numeric], minlength=n_segs),
    )


def _first_by_dict(processed: list[str], start: np.ndarray) -> np.ndarray:
    first = np.empty(int(start[-1]), dtype=_INDEX)
    for d, text in enumerate(processed):
        words = text.split()
        a = int(start[d])
        table: dict[str, int] = {}
        first[a:a + len(words)] = np.fromiter(map(table.setdefault, words, range(a, a + len(words))),
                                              dtype=_INDEX, count=len(words))
    return first


__all__ = ["RawText", "RawTokens", "Segments", "Words", "first_last_nonspace", "lowered_nfd",
           "raw_text_view", "raw_tokens_view", "segments", "words_view"]
