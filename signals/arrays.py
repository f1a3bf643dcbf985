"""Columnar views of a batch: code points, lines, WordPunct tokens and normalized words as arrays.

The spec defines every signal per document (signals/views.py). Here the same quantities are
computed once per batch by numba kernels (signals/kernels.py) over the concatenated code points of
all documents, using property tables taken from Python itself (signals/chartables.py), so they
equal the per-document definitions exactly. Offsets are global (into the concatenation); `*_start`
arrays have one entry per document plus a final end offset.

Lines: every document is cut at each '\\n' into `newlines + 1` segments; a segment is a line of
the spec unless it is the empty last segment of its document (text ending with '\\n', or empty).
The normalized text keeps the newlines (deleting punctuation, lower() and NFD never touch them),
so its segments line up one to one with the raw ones.

Words and tokens are identified exactly (code points compared; hashes only choose table slots):
`Runs.ids` looks runs up in a word list, `Words.first` gives each word's first occurrence.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from signals import chartables as ct
from signals import kernels
from signals.batch import TextBatch
from signals.views import _PUNCT_BYTES

_INDEX = np.int64
_NO_FIRST = np.zeros(0, np.int64)  # kernels.lookup without first occurrences: every run is looked up


def offsets(lengths: np.ndarray) -> np.ndarray:
    """Start offsets of consecutive runs of `lengths`, then the total (one more entry)."""
    out = np.zeros(len(lengths) + 1, dtype=_INDEX)
    np.cumsum(lengths, out=out[1:])
    return out


def _codes(texts: list[str]) -> np.ndarray:
    return ct.code_points("".join(texts))


def _lengths(texts: list[str]) -> np.ndarray:
    return np.fromiter(map(len, texts), dtype=_INDEX, count=len(texts))


@dataclass(frozen=True)
class Vocabulary:
    """A word list as arrays for kernels.lookup: entries (sorted) and their code points, hashes, slots."""

    entries: tuple[str, ...]
    codes: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    hashes: np.ndarray
    slots: np.ndarray
    length_mask: np.uint64  # kernels.length_mask

    def index(self, words: list[str] | tuple[str, ...]) -> np.ndarray:
        """Entry index of each of `words` (which must be entries)."""
        where = {e: i for i, e in enumerate(self.entries)}
        return np.array([where[w] for w in words], dtype=_INDEX)


@cache
def vocabulary(words: frozenset[str], mask: int) -> Vocabulary:
    """`words` prepared for kernels.lookup with hash mask `mask` (kept per word list and mask)."""
    entries = tuple(sorted(words))
    codes = _codes(list(entries))
    lengths = _lengths(list(entries))
    starts = offsets(lengths)[:-1]
    hashes = kernels.run_hashes(codes, starts, starts + lengths)
    slots = kernels.vocabulary_slots(lengths, hashes, np.uint64(mask))
    return Vocabulary(entries, codes, starts, lengths, hashes, slots, kernels.length_mask(lengths))


@dataclass(frozen=True)
class Runs:
    """Runs of code points (words or tokens) in document order: codes[pos[i]:pos[i]+length[i]]."""

    codes: np.ndarray
    start: np.ndarray  # per document + 1: run offsets
    pos: np.ndarray  # per run: offset into codes
    length: np.ndarray  # per run
    hash: np.ndarray  # per run: kernels.run_hashes

    def ids(self, words: frozenset[str], docs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per run, the index of the equal entry of `vocabulary(words)` (exact; -1 if none), only in
        the documents `docs` (bool per document, default all); and per document the runs found."""
        table = vocabulary(words, kernels.HASH_MASK)
        if docs is None:
            docs = np.ones(len(self.start) - 1, dtype=bool)
        return self._lookup(table, docs)

    def _lookup(self, table: Vocabulary, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return kernels.lookup(_NO_FIRST, self.codes, self.pos, self.length, self.hash, self.start, docs,
                              np.uint64(kernels.HASH_MASK), table.codes, table.offsets, table.lengths, table.hashes,
                              table.slots, table.length_mask)

    def isin(self, words: frozenset[str], docs: np.ndarray | None = None) -> np.ndarray:
        """Per run: whether it is in `words` (exact, case-sensitive); only in the documents `docs`."""
        return self.ids(words, docs)[0] >= 0

    def count_in(self, words: frozenset[str], docs: np.ndarray | None = None) -> np.ndarray:
        """Per document: its runs in `words` (0 outside `docs`)."""
        return self.ids(words, docs)[1]


@dataclass(frozen=True)
class Segments:
    """Texts cut at every '\\n' (the newline stays with the segment it ends)."""

    start: np.ndarray  # per segment: first code point
    end: np.ndarray  # per segment: one past the last code point
    doc: np.ndarray  # per segment: document index
    is_line: np.ndarray  # per segment: whether it is a line of the spec
    line_counts: np.ndarray  # per document: number of lines

    @cached_property
    def base(self) -> np.ndarray:
        """Per document + 1: its first segment."""
        return offsets(np.bincount(self.doc, minlength=len(self.line_counts)))

    @cached_property
    def lines(self) -> np.ndarray:
        """Segment indices of the lines, in document order."""
        return np.flatnonzero(self.is_line)


@dataclass(frozen=True)
class RawText:
    """Code points of the raw texts and their line segments."""

    codes: np.ndarray
    doc_start: np.ndarray
    segs: Segments
    first_nonspace: np.ndarray  # per segment (-1 if none)
    last_nonspace: np.ndarray  # per segment (-1 if none)
    first_char: np.ndarray  # per segment: the code point at first_nonspace (0 if none)
    last_char: np.ndarray  # per segment: the code point at last_nonspace (0 if none)
    upper: np.ndarray  # per segment: str.isupper code points


@dataclass(frozen=True)
class CodePoints:
    """The code points of all texts, concatenated, and each text's start offset (plus the end)."""

    codes: np.ndarray
    doc_start: np.ndarray


def code_points_view(batch: TextBatch) -> CodePoints:
    return CodePoints(_codes(batch.texts), offsets(_lengths(batch.texts)))


def raw_text_view(batch: TextBatch) -> RawText:
    points: CodePoints = batch.view("code_points", code_points_view)
    codes, doc_start = points.codes, points.doc_start
    n_segs = len(batch) + int(np.count_nonzero(codes == 10))
    start, end, doc, first, last, first_char, last_char, upper, is_line, line_counts = kernels.line_segments(
        codes, doc_start, ct.properties(), n_segs)
    return RawText(codes, doc_start, Segments(start, end, doc, is_line, line_counts), first, last, first_char,
                   last_char, upper)


@dataclass(frozen=True)
class RawTokens(Runs):
    """The WordPunct tokens `\\w+|[^\\w\\s]+` of each raw text, and counts over them."""

    count: np.ndarray  # per document: number of tokens
    with_ascii_letter: np.ndarray  # per document: tokens containing [a-zA-Z]
    all_caps: np.ndarray  # per document: tokens for which str.isupper() holds


def raw_tokens_view(batch: TextBatch) -> RawTokens:
    raw: RawText = batch.view("raw_text", raw_text_view)
    pos, length, hashes, count, ascii_letter, caps = kernels.wordpunct_tokens(raw.codes, raw.doc_start,
                                                                              ct.properties())
    return RawTokens(codes=raw.codes, start=offsets(count), pos=pos, length=length, hash=hashes, count=count,
                     with_ascii_letter=ascii_letter, all_caps=caps)


def lowered_nfd(text: str) -> str:
    """`normalize` without the whitespace collapse: punctuation deleted, lower(), NFD; newlines kept.

    The per-document definition; words_view computes it for a whole batch with kernels.lower_nfd.
    """
    text = text.encode("utf-8", "surrogatepass").translate(None, _PUNCT_BYTES)
    return unicodedata.normalize("NFD", text.decode("utf-8", "surrogatepass").lower())


@dataclass(frozen=True)
class Words(Runs):
    """Normalized words of every document (`normalize(raw).split()`) as arrays, no Python strings.

    `codes` holds `lowered_nfd(raw)` of every document; the normalized words are its
    whitespace-separated runs (collapsing whitespace does not change them). `first[i]` is the
    global index of the first occurrence of word i's string in its own document, so two positions
    of one document hold the same word iff their `first` agree; it is exact (code points compared).
    """

    char_start: np.ndarray  # per document + 1: offsets into codes
    chars: np.ndarray  # per document: total length of its words
    seg_words: np.ndarray  # per segment: words of the normalized segment
    seg_nonspace: np.ndarray  # per segment: non-whitespace code points of the normalized segment
    seg_numeric: np.ndarray  # per segment: str.isnumeric code points of the normalized segment

    @cached_property
    def _occurrences(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return kernels.first_occurrences(self.codes, self.pos, self.length, self.hash, self.start,
                                         np.uint64(kernels.HASH_MASK))

    def _lookup(self, table: Vocabulary, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Runs.ids looking up only each document's first occurrence of a word (most words repeat
        one earlier in their document; the families need `first` anyway)."""
        return kernels.lookup(self.first, self.codes, self.pos, self.length, self.hash, self.start, docs,
                              np.uint64(kernels.HASH_MASK), table.codes, table.offsets, table.lengths, table.hashes,
                              table.slots, table.length_mask)

    @property
    def first(self) -> np.ndarray:
        """Per word: the global index of the first equal word of its document."""
        return self._occurrences[0]

    @property
    def counts(self) -> np.ndarray:
        """Per word: occurrences of its string in its document where first[i] == i, else 0."""
        return self._occurrences[1]

    @property
    def distinct(self) -> np.ndarray:
        """Per document: its distinct words."""
        return self._occurrences[2]

    @cached_property
    def doc(self) -> np.ndarray:
        """Per word: its document."""
        return np.repeat(np.arange(len(self.start) - 1), np.diff(self.start))

    def seg_of(self, i: np.ndarray) -> np.ndarray:
        """Segment (line, aligned with RawText.segs) of each word in `i`."""
        return np.searchsorted(self._seg_start, i, side="right") - 1

    @cached_property
    def _seg_start(self) -> np.ndarray:
        return offsets(self.seg_words)

    def processed(self, d: int) -> str:
        """lowered_nfd of document d."""
        return ct.text_of(self.codes[self.char_start[d]:self.char_start[d + 1]])

    def text(self, i: int) -> str:
        """Word i as a string."""
        return ct.text_of(self.codes[self.pos[i]:self.pos[i] + self.length[i]])

    @cached_property
    def normalized_utf8(self) -> tuple[np.ndarray, np.ndarray]:
        """(UTF-8 bytes, per-document start offsets + end) of every document's `normalize(raw)`."""
        return kernels.joined_utf8(self.codes, self.pos, self.length, self.start)

    def containing(self, patterns: list[str]) -> np.ndarray:
        """Per document and pattern (each 2 characters or more): whether its lowered_nfd text holds it."""
        if any(len(p) < 2 for p in patterns):
            raise ValueError("patterns need 2 characters or more")
        found = kernels.docs_containing(self.codes, self.char_start, _codes(patterns), offsets(_lengths(patterns)))
        return found.reshape(len(self.start) - 1, len(patterns))


def words_view(batch: TextBatch) -> Words:
    raw: RawText = batch.view("raw_text", raw_text_view)
    t = ct.lower_nfd_tables()
    codes, char_start = kernels.lower_nfd(raw.codes, raw.doc_start, t.mapping, t.multi_start, t.multi_codes, t.ccc,
                                          t.sigma)
    (pos, length, hashes, doc_words, doc_chars, seg_words, seg_nonspace, seg_numeric,
     aligned) = kernels.normalized_words(codes, char_start, ct.properties(), raw.segs.base)
    if not aligned:  # pragma: no cover - normalization would have moved a newline
        raise AssertionError("normalized text does not keep the lines of the raw text")
    return Words(codes=codes, start=offsets(doc_words), pos=pos, length=length, hash=hashes, char_start=char_start,
                 chars=doc_chars, seg_words=seg_words, seg_nonspace=seg_nonspace, seg_numeric=seg_numeric)


__all__ = ["CodePoints", "RawText", "RawTokens", "Runs", "Segments", "Vocabulary", "Words", "code_points_view",
           "lowered_nfd", "raw_text_view", "raw_tokens_view", "vocabulary", "words_view"]
