"""Numba kernels behind the batch text views (signals/arrays.py) and the rps_* / assay_* families.

Each kernel makes one pass over the code points, words, spans or n-gram candidates of a whole
batch. Runs of code points (words, tokens, lines, paragraphs) are identified exactly: a 64-bit
polynomial hash (see run_hashes) only chooses a slot in an open-addressing table,
and two runs are the same only if their code points are equal. `mask` is ANDed into every hash
before use: all ones in production, 0 in tests to force every run into one probe chain.

All kernels live in this one module because numba's cache does not notice edits to a jitted
function called from another module. No fastmath: float results follow IEEE order exactly.
Hot loops index arrays with `a[_u(i)]` (an unsigned index): numba then drops its negative-index
wraparound, which otherwise keeps LLVM from vectorising (and costs up to 4x on a scan).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from signals.chartables import (
    ASCII_ALPHA,
    CAPITAL_SIGMA,
    DELETE,
    FINAL_SIGMA,
    LOWER_OR_TITLE,
    MULTI,
    NUMERIC,
    RAW_SPACE,
    RAW_WORD,
    SIGMA_CASED,
    SIGMA_IGNORABLE,
    SMALL_SIGMA,
    SPACE,
    UPPER,
    WORD,
)

HASH_MASK = (1 << 64) - 1  # the `mask` callers pass; tests set it to 0
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_LENGTH_MIX = np.uint64(0xD6E8FEB86659FD93)
_FMIX = np.uint64(0xFF51AFD7ED558CCD)
_PAIR_MIX = np.uint64(0x9FB21C651E98DF25)
_S33 = np.uint64(33)
_RAW_KIND = RAW_WORD | RAW_SPACE  # WordPunct token classes (regex's \w, \s)
_NEWLINE, _HASH, _ELLIPSIS, _LBRACE, _RBRACE = 10, 35, 0x2026, 123, 125
_DOT, _BANG, _QUERY = 46, 33, 63
_ASCII_MARKS = np.zeros(128, np.bool_)  # . ! ? # { }: the ASCII characters document_marks looks at
_ASCII_MARKS[[_DOT, _BANG, _QUERY, _HASH, _LBRACE, _RBRACE]] = True
_FIRST_NONSTARTER = 0x300  # no code point below has a non-zero canonical combining class

Array = np.ndarray
_u = np.uint64  # array index without negative-index wraparound
jit = numba.njit(cache=True)
inline = numba.njit(cache=True, inline="always")


# ---- hashing and exact comparison ----------------------------------------------------------------

@inline
def _slot(h: np.uint64, size: int) -> int:
    """A slot in a table of `size` (a power of two) for hash h."""
    h ^= h >> _S33
    h *= _FMIX
    h ^= h >> _S33
    return np.int64(h & np.uint64(size - 1))


@inline
def _table_size(m: int) -> int:
    """The smallest power of two >= 2 m (at least 2): tables stay at most half full."""
    size = 2
    while size < 2 * m:
        size *= 2
    return size


@inline
def _minus_ones(n: int) -> Array:
    """An int64 array of n times -1."""
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = -1
    return out


@inline
def _clear(table: Array, size: int) -> None:
    for i in range(size):
        table[i] = -1


@inline
def _total(values: Array) -> int:
    out = 0
    for v in values:
        out += v
    return out


@inline
def _same_run(a: Array, a_pos: int, b: Array, b_pos: int, length: int) -> bool:
    for k in range(length):
        if a[_u(a_pos + k)] != b[_u(b_pos + k)]:
            return False
    return True


@jit
def run_hashes(codes: Array, start: Array, end: Array) -> Array:
    """Hash of codes[start[i]:end[i]] for each i: Σ code·BASE^(len-1-k) + len·LENGTH_MIX mod 2**64."""
    out = np.empty(len(start), np.uint64)
    for i in range(len(start)):
        a, b = start[_u(i)], end[_u(i)]
        h = np.uint64(0)
        for k in range(a, b):
            h = h * _BASE + np.uint64(codes[_u(k)])
        out[_u(i)] = h + np.uint64(b - a) * _LENGTH_MIX
    return out


@jit
def span_hashes(codes: Array, start: Array, end: Array) -> Array:
    """A hash of codes[start[i]:end[i]] for each i, for long runs (lines, paragraphs): four
    interleaved polynomial hashes, so the multiplications do not wait on each other. Only spans
    hashed by this function may be compared by hash."""
    out = np.empty(len(start), np.uint64)
    for i in range(len(start)):
        a, b = start[_u(i)], end[_u(i)]
        h0 = h1 = h2 = h3 = np.uint64(0)
        k = a
        while k + 4 <= b:
            h0 = h0 * _BASE + np.uint64(codes[_u(k)])
            h1 = h1 * _BASE + np.uint64(codes[_u(k + 1)])
            h2 = h2 * _BASE + np.uint64(codes[_u(k + 2)])
            h3 = h3 * _BASE + np.uint64(codes[_u(k + 3)])
            k += 4
        while k < b:
            h0 = h0 * _BASE + np.uint64(codes[_u(k)])
            k += 1
        out[_u(i)] = ((h0 * _BASE + h1) * _BASE + h2) * _BASE + h3 + np.uint64(b - a) * _LENGTH_MIX
    return out


@jit
def first_occurrences(codes: Array, pos: Array, length: Array, hashes: Array, group_start: Array,
                      mask: np.uint64) -> tuple[Array, Array, Array]:
    """Per run, the first run of its group with the same code points, and occurrence counts.

    Runs are codes[pos[i]:pos[i]+length[i]], groups (documents) the ranges of group_start.
    Returns (first, count, distinct): count[i] = occurrences of run i's text in its group where
    first[i] == i, else 0; distinct runs per group. One table per group, reused.
    """
    m = len(pos)
    first = np.empty(m, np.int64)
    count = np.zeros(m, np.int64)
    distinct = np.zeros(len(group_start) - 1, np.int64)
    largest = 0
    for g in range(len(group_start) - 1):
        largest = max(largest, group_start[g + 1] - group_start[g])
    table = _minus_ones(_table_size(largest))
    for g in range(len(group_start) - 1):
        a, b = group_start[g], group_start[g + 1]
        if a == b:
            continue
        size = _table_size(b - a)
        for i in range(a, b):
            ui = _u(i)
            h = hashes[ui] & mask
            s = _slot(h, size)
            while True:
                j = table[_u(s)]
                if j < 0:
                    table[_u(s)] = i
                    first[ui] = i
                    count[ui] = 1
                    distinct[g] += 1
                    break
                uj = _u(j)
                if (hashes[uj] & mask) == h and length[uj] == length[ui] and _same_run(
                        codes, pos[uj], codes, pos[ui], length[ui]):
                    first[ui] = j
                    count[uj] += 1
                    break
                s = (s + 1) & (size - 1)
        _clear(table, size)
    return first, count, distinct


@jit
def vocabulary_slots(lengths: Array, hashes: Array, mask: np.uint64) -> Array:
    """Open-addressing table (entry index or -1, at most 1/8 full) of distinct entries."""
    size = _table_size(4 * len(hashes))
    slots = _minus_ones(size)
    for e in range(len(hashes)):
        s = _slot(hashes[e] & mask, size)
        while slots[s] >= 0:
            s = (s + 1) & (size - 1)
        slots[s] = e
    return slots


@inline
def _length_bit(length: int) -> np.uint64:
    """The bit of a run length in a vocabulary's length mask (lengths from 63 share bit 63)."""
    return np.uint64(1) << np.uint64(min(length, 63))


@jit
def length_mask(lengths: Array) -> np.uint64:
    """The lengths of a vocabulary's entries as a 64-bit mask, to pass over runs of other lengths."""
    out = np.uint64(0)
    for e in range(len(lengths)):
        out |= _length_bit(lengths[e])
    return out


@inline
def _find(codes: Array, p: int, n: int, h: np.uint64, mask: np.uint64, v_codes: Array, v_offsets: Array,
          v_lengths: Array, v_hashes: Array, v_slots: Array) -> int:
    """The vocabulary entry equal to codes[p:p+n] (h: its hash ANDed with mask), or -1."""
    size = len(v_slots)
    s = _slot(h, size)
    while True:
        e = v_slots[_u(s)]
        if e < 0:
            return -1
        ue = _u(e)
        if (v_hashes[ue] & mask) == h and v_lengths[ue] == n and _same_run(v_codes, v_offsets[ue], codes, p, n):
            return e
        s = (s + 1) & (size - 1)


@jit
def lookup(first: Array, codes: Array, pos: Array, length: Array, hashes: Array, group_start: Array,
           group_on: Array, mask: np.uint64, v_codes: Array, v_offsets: Array, v_lengths: Array, v_hashes: Array,
           v_slots: Array, v_length_mask: np.uint64) -> tuple[Array, Array]:
    """Per run of the groups with group_on set: the index of the equal vocabulary entry, or -1;
    and per group the runs found. When `first` is given (not empty: per run, the first equal run
    of its group, first_occurrences), only first occurrences are looked up and every later run
    copies their answer."""
    ids = np.empty(len(pos), np.int32)
    for i in range(len(pos)):
        ids[i] = -1
    hits = np.zeros(len(group_start) - 1, np.int64)
    if len(v_lengths) == 0:
        return ids, hits
    known_first = len(first) > 0
    for g in range(len(group_start) - 1):
        if not group_on[g]:
            continue
        found = 0
        for i in range(group_start[g], group_start[g + 1]):
            ui = _u(i)
            if not v_length_mask & _length_bit(length[ui]):
                continue
            j = first[ui] if known_first else i
            if j == i:
                e = _find(codes, pos[ui], length[ui], hashes[ui] & mask, mask, v_codes, v_offsets, v_lengths,
                          v_hashes, v_slots)
            else:
                e = ids[_u(j)]
            ids[ui] = e
            found += e >= 0
        hits[g] = found
    return ids, hits


@jit
def count_phrases(ids: Array, word_start: Array, group_on: Array, single: Array, by_first: Array,
                  phrase_start: Array, phrase_ids: Array) -> Array:
    """Per group: positions whose word is a single-word entry, plus word sequences equal to a phrase.

    ids: vocabulary index per word (-1 none); single[v]: v is an entry by itself; the phrases
    starting with word v are by_first[v]:by_first[v+1], phrase p's words phrase_ids[phrase_start[p]:
    phrase_start[p+1]] (a phrase must fit in its group).
    """
    n_groups = len(word_start) - 1
    out = np.zeros(n_groups, np.int64)
    for g in range(n_groups):
        if not group_on[g]:
            continue
        end = word_start[g + 1]
        for i in range(word_start[g], end):
            v = ids[_u(i)]
            if v < 0:
                continue
            if single[v]:
                out[g] += 1
            for p in range(by_first[v], by_first[v + 1]):
                a, b = phrase_start[p], phrase_start[p + 1]
                if i + (b - a) > end:
                    continue
                ok = True
                for k in range(1, b - a):
                    if ids[i + k] != phrase_ids[a + k]:
                        ok = False
                        break
                if ok:
                    out[g] += 1
    return out


# ---- raw text -------------------------------------------------------------------------------------

@inline
def _code_at(codes: Array, i: int) -> int:
    """codes[i], or 0 for i = -1 (read while the segment is still in cache)."""
    return codes[_u(i)] if i >= 0 else 0


@jit
def line_segments(codes: Array, doc_start: Array, table: Array, n_segs: int) -> tuple[Array, ...]:
    """Cut every document at each '\\n' (kept by the segment it ends).

    Per segment: [start, end), document, first and last non-whitespace position (-1 if none) and
    their code points (0 if none), upper-case code points, whether it is a line of the spec (all
    but an empty last segment); per document: its number of lines.
    """
    n_docs = len(doc_start) - 1
    start = np.empty(n_segs, np.int64)
    end = np.empty(n_segs, np.int64)
    doc = np.empty(n_segs, np.int64)
    first = np.empty(n_segs, np.int64)
    last = np.empty(n_segs, np.int64)
    first_char = np.empty(n_segs, np.uint32)
    last_char = np.empty(n_segs, np.uint32)
    upper = np.empty(n_segs, np.int64)
    is_line = np.ones(n_segs, np.bool_)
    line_counts = np.empty(n_docs, np.int64)
    s = 0
    for d in range(n_docs):
        a, b = doc_start[d], doc_start[d + 1]
        seg_a, f, la, u, lines = a, -1, -1, 0, 0
        for i in range(a, b):
            c = codes[_u(i)]
            p = table[c]
            if not p & SPACE:
                if f < 0:
                    f = i
                la = i
            u += (p & UPPER) != 0
            if c == _NEWLINE:
                start[s], end[s], doc[s], first[s], last[s], upper[s] = seg_a, i + 1, d, f, la, u
                first_char[s], last_char[s] = _code_at(codes, f), _code_at(codes, la)
                s += 1
                seg_a, f, la, u = i + 1, -1, -1, 0
                lines += 1
        start[s], end[s], doc[s], first[s], last[s], upper[s] = seg_a, b, d, f, la, u
        first_char[s], last_char[s] = _code_at(codes, f), _code_at(codes, la)
        is_line[s] = b > seg_a
        line_counts[d] = lines + (b > seg_a)
        s += 1
    return start, end, doc, first, last, first_char, last_char, upper, is_line, line_counts


@jit
def wordpunct_tokens(codes: Array, doc_start: Array, table: Array) -> tuple[Array, ...]:
    """The tokens \\w+|[^\\w\\s]+ of every document, with the `regex` engine's \\w and \\s (RAW_WORD,
    RAW_SPACE: RedPajama-V2's raw words, see signals/views.py): per token offset, length and hash;
    per document tokens, tokens holding [a-zA-Z], and tokens for which str.isupper() holds (an
    upper-case and no lower- or titlecase code point). A token is a maximal run of one kind: \\w,
    or neither \\w nor whitespace. A first pass counts them, so the outputs are allocated at their size."""
    n_docs = len(doc_start) - 1
    count = np.zeros(n_docs, np.int64)
    for d in range(n_docs):
        prev, starts = RAW_SPACE, 0
        for i in range(doc_start[d], doc_start[d + 1]):
            kind = table[codes[_u(i)]] & _RAW_KIND
            starts += (kind != prev) & (kind != RAW_SPACE)
            prev = kind
        count[d] = starts
    m = _total(count)
    pos = np.empty(m, np.int64)
    length = np.empty(m, np.int64)
    hashes = np.empty(m, np.uint64)
    with_ascii = np.zeros(n_docs, np.int64)
    all_caps = np.zeros(n_docs, np.int64)
    k = 0
    for d in range(n_docs):
        i, b = doc_start[d], doc_start[d + 1]
        n_ascii, n_caps = 0, 0
        while i < b:
            kind = table[codes[_u(i)]] & _RAW_KIND
            if kind == RAW_SPACE:
                i += 1
                continue
            j, flags, h = i, 0, np.uint64(0)
            while j < b:
                c = codes[_u(j)]
                p = table[c]
                if p & _RAW_KIND != kind:
                    break
                flags |= p
                h = h * _BASE + np.uint64(c)
                j += 1
            uk = _u(k)
            pos[uk], length[uk], hashes[uk] = i, j - i, h + np.uint64(j - i) * _LENGTH_MIX
            k += 1
            n_ascii += (flags & ASCII_ALPHA) != 0
            n_caps += ((flags & UPPER) != 0) & ((flags & LOWER_OR_TITLE) == 0)
            i = j
        with_ascii[d], all_caps[d] = n_ascii, n_caps
    return pos, length, hashes, count, with_ascii, all_caps


@jit
def document_marks(codes: Array, doc_start: Array, table: Array) -> tuple[Array, Array, Array]:
    """Per document: len(re.findall(r"\\b[^.!?]+[.!?]*", text)), count('#') + count('...') +
    count('…'), and count('{') + count('}').

    A match starts at the first word boundary of a maximal run of characters other than . ! ?
    and swallows the run and the . ! ? after it; a run holds a boundary iff it holds a \\w
    character, so matches are the runs holding one. count('...') is non-overlapping: every third
    dot of a run of dots completes one.
    """
    n_docs = len(doc_start) - 1
    sentences = np.zeros(n_docs, np.int64)
    symbols = np.zeros(n_docs, np.int64)
    curly = np.zeros(n_docs, np.int64)
    for d in range(n_docs):
        has_word, runs, marks, braces, dots, last_dot = 0, 0, 0, 0, 0, -2
        for i in range(doc_start[d], doc_start[d + 1]):
            c = codes[_u(i)]
            has_word |= table[c] & WORD
            if (c < 128 and _ASCII_MARKS[c]) or c == _ELLIPSIS:
                if c == _DOT or c == _BANG or c == _QUERY:
                    runs += has_word
                    has_word = 0
                if c == _DOT:
                    dots = dots + 1 if last_dot == i - 1 else 1
                    last_dot = i
                    if dots == 3:
                        marks += 1
                        dots = 0
                elif c == _HASH or c == _ELLIPSIS:
                    marks += 1
                elif c == _LBRACE or c == _RBRACE:
                    braces += 1
        sentences[d] = runs + has_word
        symbols[d] = marks
        curly[d] = braces
    return sentences, symbols, curly


@jit
def ellipsis_lines(codes: Array, seg_start: Array, seg_doc: Array, last: Array, last_char: Array,
                   n_docs: int) -> Array:
    """Per document: the segments whose rstrip() ends with '...' or '…' (last, last_char: each
    segment's last non-whitespace position and code point; an empty segment, the only kind that
    is not a line, has none)."""
    out = np.zeros(n_docs, np.int64)
    for s in range(len(seg_start)):
        c = last_char[_u(s)]
        if c == _ELLIPSIS:
            out[seg_doc[_u(s)]] += 1
        elif c == _DOT:
            e = last[_u(s)]
            if e - 2 >= seg_start[_u(s)] and codes[_u(e - 1)] == _DOT and codes[_u(e - 2)] == _DOT:
                out[seg_doc[_u(s)]] += 1
    return out


@jit
def line_columns(lines: Array, seg_start: Array, seg_end: Array, seg_doc: Array, doc_start: Array,
                 first_char: Array, last_char: Array, upper: Array, seg_words: Array, seg_nonspace: Array,
                 seg_numeric: Array, terminal: Array, bullets: Array) -> tuple[Array, ...]:
    """rps_lines' per-line values for the segments `lines`: last non-whitespace code point in
    `terminal`, first one in `bullets` (1.0 or 0.0), words of the normalized line, upper-case code
    points / length and isnumeric code points / normalized length (0.0 where the length is 0), and
    the line's end offset in its document. seg_*: per segment, from the normalized words."""
    m = len(lines)
    ends_terminal = np.zeros(m, np.float32)
    starts_bullet = np.zeros(m, np.float32)
    num_words = np.empty(m, np.int32)
    upper_frac = np.zeros(m, np.float64)
    numeric_frac = np.zeros(m, np.float64)
    ends = np.empty(m, np.int32)
    for k in range(m):
        s = lines[_u(k)]
        ends_terminal[_u(k)] = _is_one_of(last_char[s], terminal)
        starts_bullet[_u(k)] = _is_one_of(first_char[s], bullets)
        words = seg_words[s]
        num_words[_u(k)] = words
        length = seg_end[s] - seg_start[s]
        if length > 0:
            upper_frac[_u(k)] = np.float64(upper[s]) / np.float64(length)
        norm_length = seg_nonspace[s] + max(words - 1, 0)
        if norm_length > 0:
            numeric_frac[_u(k)] = np.float64(seg_numeric[s]) / np.float64(norm_length)
        ends[_u(k)] = seg_end[s] - doc_start[seg_doc[s]]
    return ends_terminal, starts_bullet, num_words, upper_frac, numeric_frac, ends


@inline
def _is_one_of(c: int, members: Array) -> bool:
    for x in members:
        if c == x:
            return True
    return False


@jit
def paragraph_spans(seg_start: Array, seg_end: Array, seg_doc: Array, first: Array, last: Array,
                    codes: Array) -> tuple[Array, Array, Array]:
    """The pieces of re.split(r"\\n\\n+", text), stripped, non-empty: [start, end) and document.

    Segments come in document order. A segment whose '\\n' is followed by a segment that is just
    "\\n" opens a separator, unless it is itself just "\\n" inside the document (then the run
    began earlier); the next piece starts after it. A piece's stripped span runs from the first
    non-whitespace code point of its segments to the last.
    """
    n = len(seg_start)
    start = np.empty(n, np.int64)
    end = np.empty(n, np.int64)
    doc = np.empty(n, np.int64)
    k, f, la = 0, -1, -1
    for s in range(n):
        new_doc = s == 0 or seg_doc[s] != seg_doc[s - 1]
        if new_doc or _opens_separator(seg_start, seg_end, seg_doc, codes, s - 1):
            if f >= 0:
                start[k], end[k], doc[k] = f, la + 1, seg_doc[s - 1]
                k += 1
            f, la = -1, -1
        if first[s] >= 0:
            if f < 0:
                f = first[s]
            la = last[s]
    if f >= 0:
        start[k], end[k], doc[k] = f, la + 1, seg_doc[n - 1]
        k += 1
    return start[:k], end[:k], doc[:k]


@inline
def _opens_separator(seg_start: Array, seg_end: Array, seg_doc: Array, codes: Array, s: int) -> bool:
    """Whether segment s (followed by s + 1 of the same document) opens a run of 2+ newlines."""
    if seg_doc[s + 1] != seg_doc[s] or not _just_newline(seg_start, seg_end, codes, s + 1):
        return False
    return s == 0 or seg_doc[s - 1] != seg_doc[s] or not _just_newline(seg_start, seg_end, codes, s)


@inline
def _just_newline(seg_start: Array, seg_end: Array, codes: Array, s: int) -> bool:
    return seg_end[s] - seg_start[s] == 1 and codes[seg_start[s]] == _NEWLINE


@jit
def duplicate_counts(first: Array, length: Array, group_start: Array) -> tuple[Array, Array, Array, Array]:
    """Per group: items, chars, items equal to an earlier one, and their chars."""
    n_groups = len(group_start) - 1
    items = np.zeros(n_groups, np.int64)
    chars = np.zeros(n_groups, np.int64)
    dups = np.zeros(n_groups, np.int64)
    dup_chars = np.zeros(n_groups, np.int64)
    for g in range(n_groups):
        for i in range(group_start[g], group_start[g + 1]):
            items[g] += 1
            chars[g] += length[i]
            if first[i] != i:
                dups[g] += 1
                dup_chars[g] += length[i]
    return items, chars, dups, dup_chars


# ---- normalized words -----------------------------------------------------------------------------

@jit
def lower_nfd(codes: Array, doc_start: Array, mapping: Array, multi_start: Array, multi_codes: Array, ccc: Array,
              sigma: Array) -> tuple[Array, Array]:
    """Every document with ASCII punctuation deleted, then str.lower(), then NFD (arrays.lowered_nfd),
    as code points, and the new document offsets. Tables: chartables.lower_nfd_tables.

    Each kept character becomes NFD(c.lower()) (capital sigma: final or not by its context), and
    each emitted non-starter is moved back past the non-starters of higher combining class before
    it, as CPython's NFD does (a stable sort of each run of non-starters by class). A first pass
    sizes the output.
    """
    n_docs = len(doc_start) - 1
    out_start = np.zeros(n_docs + 1, np.int64)
    total = 0
    for d in range(n_docs):
        for i in range(doc_start[d], doc_start[d + 1]):
            m = mapping[codes[_u(i)]]
            if m < MULTI:
                total += 1
            elif m != DELETE:
                j = np.int64(m) - MULTI
                total += multi_start[j + 1] - multi_start[j]
        out_start[d + 1] = total
    out = np.empty(total, np.uint32)
    k = 0
    for d in range(n_docs):
        a, b, base = doc_start[d], doc_start[d + 1], out_start[d]
        for i in range(a, b):
            c = codes[_u(i)]
            m = mapping[c]
            if m < MULTI:
                if c == CAPITAL_SIGMA:
                    m = _lower_sigma(codes, a, b, i, mapping, sigma)
                out[_u(k)] = m
                if m >= _FIRST_NONSTARTER and ccc[m]:
                    _reorder(out, k, base, ccc)
                k += 1
            elif m != DELETE:
                j = np.int64(m) - MULTI
                for t in range(multi_start[j], multi_start[j + 1]):
                    x = multi_codes[t]
                    out[_u(k)] = x
                    if x >= _FIRST_NONSTARTER and ccc[x]:
                        _reorder(out, k, base, ccc)
                    k += 1
    return out, out_start


@jit
def _reorder(out: Array, k: int, base: int, ccc: Array) -> None:
    """Move the non-starter out[k] back past the non-starters of higher combining class before it
    (not before base)."""
    x = out[k]
    cc = ccc[x]
    j = k
    while j > base:
        before = ccc[out[j - 1]]
        if before == 0 or before <= cc:
            break
        out[j] = out[j - 1]
        out[j - 1] = x
        j -= 1


@jit
def _lower_sigma(codes: Array, a: int, b: int, i: int, mapping: Array, sigma: Array) -> int:
    """lower() of the capital sigma at i of the document codes[a:b]: final sigma when a cased
    character comes before it and none after, skipping case-ignorable ones and those `mapping`
    deletes (ASCII punctuation for lower_nfd; oph_bin_minima's table deletes none)."""
    final = False
    j = i - 1
    while j >= a:
        c = codes[j]
        if mapping[c] != DELETE and sigma[c] != SIGMA_IGNORABLE:
            final = sigma[c] == SIGMA_CASED
            break
        j -= 1
    if final:
        j = i + 1
        while j < b:
            c = codes[j]
            if mapping[c] != DELETE and sigma[c] != SIGMA_IGNORABLE:
                final = sigma[c] != SIGMA_CASED
                break
            j += 1
    return FINAL_SIGMA if final else SMALL_SIGMA


@jit
def docs_containing(codes: Array, doc_start: Array, patterns: Array, pattern_start: Array) -> Array:
    """Per document and pattern (patterns[pattern_start[p]:pattern_start[p + 1]], 2 code points or
    more): whether the document holds the pattern. Positions whose two code points do not start
    any pattern are passed over by a 4096-bit filter on a hash of the pair."""
    n_docs, n_pat = len(doc_start) - 1, len(pattern_start) - 1
    found = np.zeros(n_docs * n_pat, np.bool_)  # [d * n_pat + p]
    pairs = np.zeros(4096, np.bool_)
    for p in range(n_pat):
        pairs[_pair_bucket(patterns[pattern_start[p]], patterns[pattern_start[p] + 1])] = True
    for d in range(n_docs):
        a, b = doc_start[d], doc_start[d + 1]
        for i in range(a, b - 1):
            if not pairs[_pair_bucket(codes[_u(i)], codes[_u(i + 1)])]:
                continue
            for p in range(n_pat):
                n = pattern_start[p + 1] - pattern_start[p]
                if not found[d * n_pat + p] and i + n <= b and _same_run(codes, i, patterns, pattern_start[p], n):
                    found[d * n_pat + p] = True
    return found


@inline
def _pair_bucket(c0: int, c1: int) -> np.uint64:
    return _u((np.uint64(c0) * np.uint64(31) + np.uint64(c1)) & np.uint64(4095))


@jit
def normalized_words(codes: Array, char_start: Array, table: Array, seg_base: Array) -> tuple:
    """The whitespace-separated words of every normalized document.

    Per word: offset, length and hash; per document: words and their total length; per segment
    (doc d's k-th '\\n'-cut piece is segment seg_base[d] + k; seg_base has one more entry than
    documents): words, non-whitespace and str.isnumeric code points. The last value is False (the
    rest then unusable) if a document has another number of pieces than its seg_base range: the
    normalized text did not keep the raw text's lines. A first pass counts the words.
    """
    n_docs = len(char_start) - 1
    n_segs = seg_base[n_docs]
    doc_words = np.zeros(n_docs, np.int64)
    for d in range(n_docs):
        prev_space, starts = True, 0
        for i in range(char_start[d], char_start[d + 1]):
            space = (table[codes[_u(i)]] & SPACE) != 0
            starts += prev_space & ~space
            prev_space = space
        doc_words[d] = starts
    m = _total(doc_words)
    pos = np.empty(m, np.int64)
    length = np.empty(m, np.int64)
    hashes = np.empty(m, np.uint64)
    doc_chars = np.zeros(n_docs, np.int64)
    seg_words = np.zeros(n_segs, np.int64)
    seg_nonspace = np.zeros(n_segs, np.int64)
    seg_numeric = np.zeros(n_segs, np.int64)
    k = 0
    for d in range(n_docs):
        s, s_end = seg_base[d], seg_base[d + 1]
        i, b = char_start[d], char_start[d + 1]
        words, nonspace, numeric = 0, 0, 0
        while i < b:
            c = codes[_u(i)]
            if table[c] & SPACE:
                if c == _NEWLINE:
                    if s >= s_end - 1:
                        return pos, length, hashes, doc_words, doc_chars, seg_words, seg_nonspace, seg_numeric, \
                            False
                    seg_words[s], seg_nonspace[s], seg_numeric[s] = words, nonspace, numeric
                    doc_chars[d] += nonspace
                    words, nonspace, numeric = 0, 0, 0
                    s += 1
                i += 1
                continue
            j, h = i, np.uint64(0)
            while j < b:
                c = codes[_u(j)]
                p = table[c]
                if p & SPACE:
                    break
                numeric += (p & NUMERIC) != 0
                h = h * _BASE + np.uint64(c)
                j += 1
            uk = _u(k)
            pos[uk], length[uk], hashes[uk] = i, j - i, h + np.uint64(j - i) * _LENGTH_MIX
            k += 1
            words += 1
            nonspace += j - i
            i = j
        if s != s_end - 1:
            return pos, length, hashes, doc_words, doc_chars, seg_words, seg_nonspace, seg_numeric, False
        seg_words[s], seg_nonspace[s], seg_numeric[s] = words, nonspace, numeric
        doc_chars[d] += nonspace
    return pos, length, hashes, doc_words, doc_chars, seg_words, seg_nonspace, seg_numeric, True


@jit
def entropy(first: Array, count: Array, word_start: Array, compensated: bool) -> Array:
    """Per document, sum(-c / N * math.log(c / N)) over its word counts in first-occurrence order,
    added as Python's sum() adds floats: left to right, or (compensated, Python 3.12+) with
    Neumaier's compensation. 0.0 for a document without words."""
    n_docs = len(word_start) - 1
    out = np.zeros(n_docs)
    for d in range(n_docs):
        a, b = word_start[d], word_start[d + 1]
        total = np.float64(b - a)
        hi, lo = 0.0, 0.0
        for i in range(a, b):
            if first[_u(i)] != i:
                continue
            c = np.float64(count[_u(i)])
            x = -c / total * math.log(c / total)
            t = hi + x
            if compensated:
                if abs(hi) >= abs(x):
                    lo += (hi - t) + x
                else:
                    lo += (x - t) + hi
            hi = t
        if compensated and lo != 0.0 and math.isfinite(lo):
            hi += lo
        out[d] = hi
    return out


# ---- word n-grams ---------------------------------------------------------------------------------

@jit
def bigram_level(word_first: Array, word_count: Array, word_start: Array) -> tuple[Array, Array, Array]:
    """Level 2 of the repeated-n-gram classes (see refine_ngrams) straight from the words: candidates
    are the positions whose word and next word (same document) both repeat."""
    m = len(word_first)
    cand = np.empty(m, np.int64)
    key_a = np.empty(m, np.int64)
    key_b = np.empty(m, np.int64)
    cand_doc = np.empty(m, np.int64)
    k = 0
    for d in range(len(word_start) - 1):
        for p in range(word_start[d], word_start[d + 1] - 1):
            a, b = word_first[_u(p)], word_first[_u(p + 1)]
            if word_count[_u(a)] > 1 and word_count[_u(b)] > 1:
                uk = _u(k)
                cand[uk], key_a[uk], key_b[uk], cand_doc[uk] = p, a, b, d
                k += 1
    return _classify(cand, key_a, key_b, cand_doc, k)


@jit
def refine_ngrams(prev_pos: Array, prev_cls: Array, prev_count: Array, word_first: Array, word_start: Array,
                  n: int) -> tuple[Array, Array, Array]:
    """Level n of the repeated-n-gram classes from level n - 1 (see signals/ngrams.py).

    Candidates: positions i whose (n-1)-grams at i and i + 1 both repeat (both listed with
    count > 1; prev_pos is sorted, so i + 1 would come next) and whose n-gram fits its document.
    An n-gram is the pair (class of the (n-1)-gram at i, class of word i + n - 1).
    Returns (positions, classes, counts in the document).
    """
    m = len(prev_pos)
    cand = np.empty(m, np.int64)
    key_a = np.empty(m, np.int64)
    key_b = np.empty(m, np.int64)
    cand_doc = np.empty(m, np.int64)
    k, d = 0, 0
    for e in range(m - 1):
        ue = _u(e)
        p = prev_pos[ue]
        if prev_count[ue] > 1 and prev_count[ue + 1] > 1 and prev_pos[ue + 1] == p + 1:
            while word_start[d + 1] <= p:
                d += 1
            if p + n <= word_start[d + 1]:
                uk = _u(k)
                cand[uk], key_a[uk], key_b[uk], cand_doc[uk] = p, prev_cls[ue], word_first[_u(p + n - 1)], d
                k += 1
    return _classify(cand, key_a, key_b, cand_doc, k)


@inline
def _classify(cand: Array, key_a: Array, key_b: Array, cand_doc: Array, k: int) -> tuple[Array, Array, Array]:
    """Classes and counts of the first k candidates, keyed by (key_a, key_b): a class is the first
    candidate position with the same pair, looked up in one table per document."""
    cls = np.empty(k, np.int64)
    count = np.zeros(k, np.int64)
    table = _minus_ones(_table_size(k))
    a = 0
    while a < k:
        b = a + 1
        while b < k and cand_doc[b] == cand_doc[a]:
            b += 1
        size = _table_size(b - a)
        for c in range(a, b):
            uc = _u(c)
            s = _slot(np.uint64(key_a[uc]) * _PAIR_MIX ^ np.uint64(key_b[uc]), size)
            while True:
                j = table[_u(s)]
                if j < 0:
                    table[_u(s)] = c
                    cls[uc] = c
                    break
                if key_a[_u(j)] == key_a[uc] and key_b[_u(j)] == key_b[uc]:
                    cls[uc] = j
                    break
                s = (s + 1) & (size - 1)
            count[_u(cls[uc])] += 1
        _clear(table, size)
        a = b
    out_cls = np.empty(k, np.int64)
    out_count = np.empty(k, np.int64)
    for c in range(k):
        j = _u(cls[_u(c)])
        out_cls[_u(c)] = cand[j]
        out_count[_u(c)] = count[j]
    return cand[:k], out_cls, out_count


@jit
def top_ngrams(pos: Array, cls: Array, count: Array, word_start: Array) -> tuple[Array, Array]:
    """Per document, the largest count of a repeated n-gram and the class (first position) of the
    earliest such n-gram (Counter.most_common(1): first inserted wins ties); 0, -1 if none."""
    n_docs = len(word_start) - 1
    best_count = np.zeros(n_docs, np.int64)
    best_cls = _minus_ones(n_docs)
    d = 0
    for e in range(len(pos)):
        c = count[_u(e)]
        if c < 2:
            continue
        while word_start[d + 1] <= pos[e]:
            d += 1
        if c > best_count[d] or (c == best_count[d] and cls[e] < best_cls[d]):
            best_count[d] = c
            best_cls[d] = cls[e]
    return best_count, best_cls


@jit
def covered_chars(pos: Array, count: Array, n: int, word_start: Array, prefix: Array) -> Array:
    """Per document, the length of the words covered by an n-gram occurring more than once
    (prefix: cumulative word lengths; spans [i, i + n) of sorted positions merged; a span never
    leaves its document)."""
    out = np.zeros(len(word_start) - 1, np.int64)
    a, b, d = -1, -1, 0
    for e in range(len(pos)):
        if count[_u(e)] < 2:
            continue
        p = pos[e]
        if p < b:
            b = p + n
            continue
        if a >= 0:
            out[d] += prefix[b] - prefix[a]
        a, b = p, p + n
        while word_start[d + 1] <= a:
            d += 1
    if a >= 0:
        out[d] += prefix[b] - prefix[a]
    return out


@jit
def joined_utf8(codes: Array, pos: Array, length: Array, word_start: Array) -> tuple[Array, Array]:
    """Per document, its words joined by single spaces, as UTF-8 (lone surrogates as 3 bytes, like
    Python's "surrogatepass"): the bytes of every document and each document's start offset."""
    n_docs = len(word_start) - 1
    size = 0
    for w in range(len(pos)):
        size += 1
        for i in range(pos[_u(w)], pos[_u(w)] + length[_u(w)]):
            c = codes[_u(i)]
            size += 1 if c < 0x80 else (2 if c < 0x800 else (3 if c < 0x10000 else 4))
    out = np.empty(size, np.uint8)
    doc_start = np.zeros(n_docs + 1, np.int64)
    k = 0
    for d in range(n_docs):
        doc_start[d] = k
        for w in range(word_start[d], word_start[d + 1]):
            if w > word_start[d]:
                out[_u(k)] = 32
                k += 1
            for i in range(pos[_u(w)], pos[_u(w)] + length[_u(w)]):
                c = codes[_u(i)]
                if c < 0x80:
                    out[_u(k)] = c
                    k += 1
                elif c < 0x800:
                    out[_u(k)] = 0xC0 | (c >> 6)
                    out[_u(k + 1)] = 0x80 | (c & 0x3F)
                    k += 2
                elif c < 0x10000:
                    out[_u(k)] = 0xE0 | (c >> 12)
                    out[_u(k + 1)] = 0x80 | ((c >> 6) & 0x3F)
                    out[_u(k + 2)] = 0x80 | (c & 0x3F)
                    k += 3
                else:
                    out[_u(k)] = 0xF0 | (c >> 18)
                    out[_u(k + 1)] = 0x80 | ((c >> 12) & 0x3F)
                    out[_u(k + 2)] = 0x80 | ((c >> 6) & 0x3F)
                    out[_u(k + 3)] = 0x80 | (c & 0x3F)
                    k += 4
    doc_start[n_docs] = k
    return out[:k], doc_start


# ---- rounding -------------------------------------------------------------------------------------

@jit
def round_scaled(values: Array, scale: float) -> tuple[Array, Array]:
    """Per value v: rint(v * scale) / scale (np.round's way), and whether v * scale is not finite
    or lies within a few ulps of a half-way point, where that may differ from Python's round()
    (signals/rounding.py)."""
    out = np.empty(len(values), np.float64)
    unsure = np.empty(len(values), np.bool_)
    for i in range(len(values)):
        y = values[_u(i)] * scale
        out[_u(i)] = np.rint(y) / scale
        unsure[_u(i)] = not np.isfinite(y) or _near_half(y)
    return out, unsure


@inline
def _near_half(y: float) -> bool:
    """|frac(y) - 0.5| <= 8 ulp(|y|) + 1e-9 for a finite y. np.spacing is slow here, so a cheaper
    bound that it implies is tested first: 8 spacing(a) <= 8 a 2**-52 + 8 * 2**-1074 < 4e-15 a + 1e-9."""
    a = np.abs(y)
    d = np.abs(np.abs(y - np.floor(y)) - 0.5)
    return d <= a * 4e-15 + 2e-9 and d <= 8 * np.spacing(a) + 1e-9


# ---- MinHash, scheme oph (signals/minhash_oph.py) ---------------------------------------------------

_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)
OPH_SKIP, OPH_SPACE = 0x100, 0x200  # oph_bin_minima's ascii_bytes: punctuation, whitespace


@inline
def fmix64(x: np.uint64) -> np.uint64:
    """MurmurHash3's 64-bit finalizer."""
    x ^= x >> _S33
    x *= _FMIX
    x ^= x >> _S33
    x *= _FMIX2
    x ^= x >> _S33
    return x


@jit
def oph_bin_minima(codes: Array, doc_start: Array, mapping: Array, multi_start: Array, multi_codes: Array,
                   sigma: Array, ascii_bytes: Array, keys: Array, q: Array, sig: Array, filled: Array,
                   valid: Array) -> None:
    """minhash_oph's word hashes, shingle hashes and each bin's minimum, in one pass over the code
    points of every document read as the UTF-8 bytes of its str.lower() (tables: chartables.lower_tables
    and LowerNFD.sigma). Words are the runs of bytes that are not ASCII whitespace; ASCII
    punctuation is skipped as if deleted, and a word left empty is no word. ascii_bytes[c] for an
    ASCII c: its lowercase byte, OPH_SKIP for punctuation, OPH_SPACE for whitespace (minhash_oph.ASCII_BYTES);
    lower() maps no other character to those (chartables.lower_tables checks).
    keys: the byte base p, word key, length key and shingle key of minhash_oph._constants."""
    p = keys[0]
    window = np.zeros(len(q), np.uint64)
    for d in range(len(doc_start) - 1):
        a, b = doc_start[d], doc_start[d + 1]
        words, i = 0, a
        while i < b:
            c = codes[_u(i)]
            if c < 0x80 and ascii_bytes[c] == OPH_SPACE:
                i += 1
                continue
            h, power, length = np.uint64(0), np.uint64(1), 0
            while i < b:
                c = codes[_u(i)]
                if c < 0x80:
                    v = ascii_bytes[c]
                    if v == OPH_SPACE:
                        break
                    if v != OPH_SKIP:
                        h += np.uint64(v) * power
                        power *= p
                        length += 1
                else:
                    m = mapping[c]
                    if m < MULTI:
                        x = _lower_sigma(codes, a, b, i, mapping, sigma) if c == CAPITAL_SIGMA else m
                        h, power, length = _oph_utf8(h, power, length, x, p)
                    else:
                        j = np.int64(m) - MULTI
                        for t in range(multi_start[j], multi_start[j + 1]):
                            h, power, length = _oph_utf8(h, power, length, multi_codes[t], p)
                i += 1
            words = _oph_word(h, length, words, d, window, keys, q, sig, filled)
        valid[d] = words >= len(q)


@inline
def _oph_utf8(h: np.uint64, power: np.uint64, length: int, x: int, p: np.uint64) -> tuple:
    """Add the UTF-8 bytes of code point x (a lone surrogate as 3) to a word's hash sum(byte * p**k);
    returns the new hash, next power and length."""
    if x < 0x80:
        return h + np.uint64(x) * power, power * p, length + 1
    if x < 0x800:
        n, lead = 2, 0xC0 | (x >> 6)
    elif x < 0x10000:
        n, lead = 3, 0xE0 | (x >> 12)
    else:
        n, lead = 4, 0xF0 | (x >> 18)
    h += np.uint64(lead) * power
    power *= p
    for k in range(n - 2, -1, -1):
        h += np.uint64(0x80 | ((x >> (6 * k)) & 0x3F)) * power
        power *= p
    return h, power, length + n


@inline
def _oph_word(h: np.uint64, length: int, words: int, d: int, window: Array, keys: Array, q: Array, sig: Array,
              filled: Array) -> int:
    """End a word (none if it has no byte): its hash enters the window of the last n words, and
    from the n-th word of document d on, the shingle's hash updates its bin. Returns the words so far."""
    if length == 0:
        return words
    n = len(q)
    for t in range(n - 1):
        window[t] = window[t + 1]
    window[n - 1] = fmix64((h ^ keys[1]) + np.uint64(length) * keys[2])
    words += 1
    if words < n:
        return words
    s = np.uint64(0)
    for t in range(n):
        s += window[t] * q[t]
    s = fmix64(s ^ keys[3])
    b = np.int64(((s >> np.uint64(32)) * np.uint64(sig.shape[1])) >> np.uint64(32))
    v = np.uint32(s & np.uint64(0xFFFFFFFF))
    if v < sig[d, b]:
        sig[d, b] = v
    filled[d, b] = True
    return words


# ---- DSIR hashed n-grams -------------------------------------------------------------------------

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)


@inline
def _rotl(x: np.uint64, r: int) -> np.uint64:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@inline
def _read64(buf: Array, i: int) -> np.uint64:
    v = np.uint64(0)
    for k in range(7, -1, -1):
        v = (v << np.uint64(8)) | np.uint64(buf[_u(i + k)])
    return v


@inline
def _xxh64_round(acc: np.uint64, lane: np.uint64) -> np.uint64:
    return _rotl(acc + lane * _P2, 31) * _P1


@inline
def _xxh64_merge(acc: np.uint64, v: np.uint64) -> np.uint64:
    return (acc ^ _xxh64_round(np.uint64(0), v)) * _P1 + _P4


@jit
def xxh64(buf: Array, start: int, length: int, seed: np.uint64) -> np.uint64:
    """XXH64 of buf[start:start+length] (uint8) with `seed`: the same value as xxhash.xxh64_intdigest."""
    i, end = start, start + length
    if length >= 32:
        v1, v2, v3, v4 = seed + _P1 + _P2, seed + _P2, seed, seed - _P1
        while i + 32 <= end:
            v1 = _xxh64_round(v1, _read64(buf, i))
            v2 = _xxh64_round(v2, _read64(buf, i + 8))
            v3 = _xxh64_round(v3, _read64(buf, i + 16))
            v4 = _xxh64_round(v4, _read64(buf, i + 24))
            i += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _xxh64_merge(_xxh64_merge(_xxh64_merge(_xxh64_merge(h, v1), v2), v3), v4)
    else:
        h = seed + _P5
    h += np.uint64(length)
    while i + 8 <= end:
        h = _rotl(h ^ _xxh64_round(np.uint64(0), _read64(buf, i)), 27) * _P1 + _P4
        i += 8
    if i + 4 <= end:
        lane = np.uint64(0)
        for k in range(3, -1, -1):
            lane = (lane << np.uint64(8)) | np.uint64(buf[_u(i + k)])
        h = _rotl(h ^ (lane * _P1), 23) * _P2 + _P3
        i += 4
    while i < end:
        h = _rotl(h ^ (np.uint64(buf[_u(i)]) * _P5), 11) * _P1
        i += 1
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


@inline
def _put_utf8(out: Array, k: int, c: int) -> int:
    """Write code point c as UTF-8 (lone surrogates as 3 bytes) at out[k:]; returns the next offset."""
    if c < 0x80:
        out[_u(k)] = c
        return k + 1
    if c < 0x800:
        out[_u(k)] = 0xC0 | (c >> 6)
        out[_u(k + 1)] = 0x80 | (c & 0x3F)
        return k + 2
    if c < 0x10000:
        out[_u(k)] = 0xE0 | (c >> 12)
        out[_u(k + 1)] = 0x80 | ((c >> 6) & 0x3F)
        out[_u(k + 2)] = 0x80 | (c & 0x3F)
        return k + 3
    out[_u(k)] = 0xF0 | (c >> 18)
    out[_u(k + 1)] = 0x80 | ((c >> 12) & 0x3F)
    out[_u(k + 2)] = 0x80 | ((c >> 6) & 0x3F)
    out[_u(k + 3)] = 0x80 | (c & 0x3F)
    return k + 4


@jit
def joined_xxh64(codes: Array, pos: Array, length: Array, word_start: Array, seed: np.uint64) -> Array:
    """Per document, XXH64 (seeded) of joined_utf8's bytes for it (its words joined by single
    spaces, as UTF-8), each document encoded in turn into one reused buffer."""
    n_docs = len(word_start) - 1
    longest = 0
    for d in range(n_docs):
        size = 0
        for w in range(word_start[d], word_start[d + 1]):
            size += 4 * length[_u(w)] + 1
        longest = max(longest, size)
    buf = np.empty(longest, np.uint8)
    out = np.empty(n_docs, np.uint64)
    for d in range(n_docs):
        k = 0
        for w in range(word_start[d], word_start[d + 1]):
            if w > word_start[d]:
                buf[_u(k)] = 32
                k += 1
            for i in range(pos[_u(w)], pos[_u(w)] + length[_u(w)]):
                k = _put_utf8(buf, k, codes[_u(i)])
        out[d] = xxh64(buf, 0, k, seed)
    return out


@jit
def dsir_grams(codes: Array, pos: Array, length: Array, token_start: Array, buckets: int,
               seed: np.uint64) -> tuple[Array, Array]:
    """DSIR features of every document: per n-gram its bucket, XXH64(UTF-8, seed) mod `buckets`, of
    each token (the unigrams, in order) then of each adjacent pair joined by one space (the
    bigrams); and per document + 1 the offsets of its n-grams (2n - 1 for n tokens, 0 for none)."""
    n_docs = len(token_start) - 1
    n_tokens = len(pos)
    tok_bytes = np.zeros(n_tokens + 1, np.int64)
    size = 0
    for t in range(n_tokens):
        tok_bytes[_u(t)] = size
        for i in range(pos[_u(t)], pos[_u(t)] + length[_u(t)]):
            c = codes[_u(i)]
            size += 1 if c < 0x80 else (2 if c < 0x800 else (3 if c < 0x10000 else 4))
    tok_bytes[n_tokens] = size
    utf8 = np.empty(size, np.uint8)
    longest = 0
    for t in range(n_tokens):
        k = tok_bytes[_u(t)]
        for i in range(pos[_u(t)], pos[_u(t)] + length[_u(t)]):
            k = _put_utf8(utf8, k, codes[_u(i)])
    gram_start = np.zeros(n_docs + 1, np.int64)
    for d in range(n_docs):
        n = token_start[d + 1] - token_start[d]
        gram_start[d + 1] = gram_start[d] + (2 * n - 1 if n > 0 else 0)
        for t in range(token_start[d], token_start[d + 1] - 1):
            longest = max(longest, tok_bytes[_u(t + 2)] - tok_bytes[_u(t)] + 1)
    out = np.empty(gram_start[n_docs], np.int64)
    pair = np.empty(longest, np.uint8)
    m = np.uint64(buckets)
    for d in range(n_docs):
        a, b = token_start[d], token_start[d + 1]
        g = gram_start[d]
        for t in range(a, b):
            s = tok_bytes[_u(t)]
            out[_u(g)] = np.int64(xxh64(utf8, s, tok_bytes[_u(t + 1)] - s, seed) % m)
            g += 1
        for t in range(a, b - 1):
            s, mid, e = tok_bytes[_u(t)], tok_bytes[_u(t + 1)], tok_bytes[_u(t + 2)]
            n1 = mid - s
            for k in range(n1):
                pair[_u(k)] = utf8[_u(s + k)]
            pair[_u(n1)] = 32
            for k in range(e - mid):
                pair[_u(n1 + 1 + k)] = utf8[_u(mid + k)]
            out[_u(g)] = np.int64(xxh64(pair, 0, e - s + 1, seed) % m)
            g += 1
    return out, gram_start


@jit
def xxh64_strings(data: Array, offsets: Array, seed: np.uint64) -> Array:
    """XXH64 (seeded) of every string of an Arrow string array: bytes data[offsets[i]:offsets[i+1]]."""
    n = len(offsets) - 1
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = xxh64(data, offsets[i], offsets[i + 1] - offsets[i], seed)
    return out
