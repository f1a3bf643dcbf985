"""Top-1 label and probability of a fastText classifier (lid.176, quality classifiers) for a whole batch.

The same answer fastText's `predict(text, k=1)` gives, bit for bit, at a fraction of the cost:
- tokens are the runs of bytes between ' ' \\t \\n \\v \\f \\r \\0 (fastText's `readWord`, with the
  newlines that the spec replaces by spaces treated as spaces); a literal `</s>` token ends the
  line, as in `Dictionary::getLine`; labels add nothing (a dictionary entry's own type decides,
  else the default `__label__` prefix, as the prefix a model was trained with is not saved);
- a token's input rows are its word id (when in the dictionary) then its character n-gram buckets
  (`<token>`, minn..maxn characters, FNV-1a with fastText's sign-extended bytes, kept only if the
  quantized model kept the bucket); they are computed once per distinct token and cached;
- the hidden vector is the float32 sum of the rows in input order (EOS last) times float32(1/n),
  as `Model::computeHidden`; the prediction walks the Huffman tree depth-first with fastText's
  pruning and tie rule, in fastText's float32/float64 mix (`HierarchicalSoftmaxLoss::dfs`), and
  the probability is `expf` of the best path score; a softmax model's probabilities are
  SoftmaxLoss::computeOutput's, its score `std_log(p)` as in Loss::findKBest. `math.exp` and
  `math.log` compile to the same C library calls fastText makes.
Supervised models with hs or softmax loss, word n-grams 1 and a dense output matrix are
implemented; `supports` tells, and callers fall back to fastText itself for anything else.
"""

from __future__ import annotations

import math
import sys

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from signals.fasttext_format import EOS, LABEL_PREFIX, FastTextModel
from signals.kernels import fmix64

_FNV32_BASIS = np.uint64(2166136261)
_FNV32_PRIME = np.uint64(16777619)
_MASK32 = np.uint64(0xFFFFFFFF)
_MAX64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_S32 = np.uint64(32)
_FNV64_PRIME = np.uint64(0x100000001B3)
_SLOT_MIX = np.uint64(0x9E3779B97F4A7C15)
_BELOW_33 = np.uint64(0x2121212121212121)  # 33 in every byte: a word has a byte < 33 iff (w - this) & ~w & high bits
_HIGH_BITS = np.uint64(0x8080808080808080)
_SEPARATORS = np.uint64(sum(1 << c for c in (0, 9, 10, 11, 12, 13, 32)))  # bit c: readWord splits at byte c
_LITTLE_ENDIAN = sys.byteorder == "little"

# The token cache: an open-addressing table of int64 slots, (tag << 32) | record offset or -1, over
# an arena of uint64 words holding one record per distinct token: [hash, byte length << 32 | row
# count, the token's bytes (8 a word, in order, zero-padded), its row ids (two int32 a word)].
# Capacities start small, double when a batch filled them, never beyond the maximum.
_START_SLOTS, _MAX_SLOTS = 1 << 16, 1 << 21  # entries are at most half the slots
_START_WORDS, _MAX_WORDS = 1 << 18, 1 << 23
_HEADER = 2  # words before a record's bytes


def supports(model: FastTextModel) -> str | None:
    """Why the batched predictor cannot run `model` (None when it can)."""
    if model.model != "supervised":
        return f"a {model.model} model has no labels to predict"
    if model.loss not in ("hs", "softmax"):
        return f"loss {model.loss} (only hierarchical softmax and softmax are implemented)"
    if model.word_ngrams != 1:
        return f"word n-grams {model.word_ngrams} (only 1 is implemented)"
    if model.quantized_output:
        return "a quantized output matrix"
    if len(model.labels) < 2:
        return "fewer than two labels"
    return None


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) children of the 2n-1 nodes of fastText's Huffman tree over label counts
    sorted by decreasing count (HierarchicalSoftmaxLoss::buildTree); leaves have -1."""
    n = len(counts)
    left = np.full(2 * n - 1, -1, dtype=np.int32)
    right = np.full(2 * n - 1, -1, dtype=np.int32)
    count = [int(c) for c in counts] + [10**15] * (n - 1)
    leaf, node = n - 1, n
    for i in range(n, 2 * n - 1):
        pick = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                pick[j], leaf = leaf, leaf - 1
            else:
                pick[j], node = node, node + 1
        left[i], right[i] = pick
        count[i] = count[pick[0]] + count[pick[1]]
    return left, right


@intrinsic
def _popcount(typingctx, x):
    """Set bits of a uint64 (LLVM's ctpop)."""
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return types.uint64(types.uint64), codegen


def kept_buckets(pruneidx_size: int, prune_map: np.ndarray, bucket: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A quantized model's pruned-bucket map in a form that stays in the CPU cache: a bit per bucket
    (kept or not), per 64-bit word the kept buckets before it, and per kept bucket (in bucket order)
    its row after the words. A lookup is then a bit test and a popcount instead of a read of
    `prune_map` (4 bytes per bucket: 8 MB for lid.176)."""
    kept = np.flatnonzero(prune_map >= 0) if pruneidx_size > 0 else np.zeros(0, dtype=np.int64)
    words = max(1, (bucket + 63) // 64)
    bits = np.zeros(words, dtype=np.uint64)
    np.bitwise_or.at(bits, kept >> 6, np.left_shift(np.uint64(1), (kept & 63).astype(np.uint64)))
    per_word = np.bincount(kept >> 6, minlength=words)
    rank = np.zeros(words, dtype=np.int64)
    np.cumsum(per_word[:-1], out=rank[1:])
    rows = prune_map[kept].astype(np.int32) if len(kept) else np.zeros(1, dtype=np.int32)
    return bits, rank, rows


@numba.njit(cache=True, inline="always")
def _kept_row(bucket_id, kept_bits, kept_rank, kept_rows):
    """The row after the words of a pruned model's bucket, or -1 if the bucket was pruned."""
    w = bucket_id >> 6
    word = kept_bits[w]
    bit = np.uint64(bucket_id & 63)
    if not (word >> bit) & np.uint64(1):
        return -1
    return kept_rows[kept_rank[w] + np.int64(_popcount(word & ((np.uint64(1) << bit) - np.uint64(1))))]


@numba.njit(cache=True, inline="always")
def _mod32(h, reciprocal, d):
    """h % d for h, d < 2**32 with reciprocal = 2**64 // d + 1 (Lemire's fastmod: two
    multiplications instead of a division)."""
    low = reciprocal * h
    return np.int64(((low >> _S32) * d + (((low & _MASK32) * d) >> _S32)) >> _S32)


@numba.njit(cache=True)
def _hash_step(h: np.uint64, byte: np.uint8) -> np.uint64:
    """One byte of Dictionary::hash: 32-bit FNV-1a over the bytes read as signed chars."""
    c = np.uint64(byte)
    if c >= 128:
        c |= np.uint64(0xFFFFFF00)
    return ((h ^ c) * _FNV32_PRIME) & _MASK32


@numba.njit(cache=True)
def _fasttext_hash(buf: np.ndarray, a: int, b: int) -> np.uint64:
    """Dictionary::hash of buf[a:b]."""
    h = _FNV32_BASIS
    for p in range(a, b):
        h = _hash_step(h, buf[p])
    return h


@numba.njit(cache=True)
def _same_bytes(buf: np.ndarray, a: int, arena: np.ndarray, start: int, length: int) -> bool:
    for k in range(length):
        if buf[a + k] != arena[start + k]:
            return False
    return True


@numba.njit(cache=True)
def _word_id(buf, a, b, word_slots, word_bytes, word_start):
    """Dictionary id of the token buf[a:b], or -1."""
    h = _fasttext_hash(buf, a, b)
    mask = len(word_slots) - 1
    slot = np.int64(((h * _SLOT_MIX) >> np.uint64(40)) & np.uint64(mask))
    while word_slots[slot] >= 0:
        w = word_slots[slot]
        length = word_start[w + 1] - word_start[w]
        if length == b - a and _same_bytes(buf, a, word_bytes, word_start[w], length):
            return w
        slot = (slot + 1) & mask
    return -1


@numba.njit(cache=True)
def _word_table(word_bytes, word_start, size):
    """Open-addressing table from a word's fastText hash to its dictionary id."""
    slots = np.full(size, -1, dtype=np.int32)
    for w in range(len(word_start) - 1):
        h = _fasttext_hash(word_bytes, word_start[w], word_start[w + 1])
        slot = np.int64(((h * _SLOT_MIX) >> np.uint64(40)) & np.uint64(size - 1))
        while slots[slot] >= 0:
            slot = (slot + 1) & (size - 1)
        slots[slot] = w
    return slots


@numba.njit(cache=True)
def _token_ids(buf, a, b, out, word_slots, word_bytes, word_start, eos_token, minn, maxn, bucket, nwords,
               pruneidx_size, kept_bits, kept_rank, kept_rows, label_prefix):
    """Input rows of the token buf[a:b] written to `out` (Dictionary::getLine + addSubwords); returns their number.

    The token's type is its dictionary entry's when it has one (a label adds nothing), else a label
    iff it starts with the default prefix: the prefix a model was trained with is not in its file.
    """
    length = b - a
    d = np.uint64(bucket)
    reciprocal = _MAX64 // max(d, np.uint64(1)) + np.uint64(1)  # bucket 0: no n-grams are hashed
    wid = _word_id(buf, a, b, word_slots, word_bytes, word_start)
    if wid >= nwords:
        return 0
    if wid < 0 and length >= len(label_prefix) and _same_bytes(buf, a, label_prefix, 0, len(label_prefix)):
        return 0
    is_eos = length == len(eos_token) and _same_bytes(buf, a, eos_token, 0, length)
    count = 0
    if wid >= 0:
        out[0] = wid
        count = 1
    if is_eos:  # EOS has no character n-grams, in the dictionary or not
        return count
    # Character n-grams of "<" + token + ">", one start per UTF-8 character.
    size = length + 2
    for i in range(size):
        ci = 60 if i == 0 else (62 if i == size - 1 else buf[a + i - 1])
        if (ci & 0xC0) == 0x80:
            continue
        h = _FNV32_BASIS
        j = i
        n = 1
        while j < size and n <= maxn:
            cj = 60 if j == 0 else (62 if j == size - 1 else buf[a + j - 1])
            h = _hash_step(h, np.uint8(cj))
            j += 1
            while j < size:
                cj = 62 if j == size - 1 else buf[a + j - 1]
                if (cj & 0xC0) != 0x80:
                    break
                h = _hash_step(h, np.uint8(cj))
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                bucket_id = _mod32(h, reciprocal, d)
                if pruneidx_size < 0:
                    out[count] = nwords + bucket_id
                    count += 1
                elif pruneidx_size > 0:
                    row = _kept_row(bucket_id, kept_bits, kept_rank, kept_rows)
                    if row >= 0:
                        out[count] = nwords + row
                        count += 1
            n += 1
    return count


@numba.njit(cache=True)
def _std_log(x):
    """fastText's std_log: log(x + 1e-5) in double, of a float argument, returned as float."""
    return np.float32(math.log(np.float64(np.float32(x)) + 1e-5))


@numba.njit(cache=True)
def _top1(hidden, output, left, right, n_labels, stack_node, stack_score):
    """HierarchicalSoftmaxLoss::dfs with k=1 and threshold 0: (best leaf, its path score)."""
    floor = _std_log(0.0)
    dim = len(hidden)
    stack_node[0] = 2 * n_labels - 2
    stack_score[0] = np.float32(0.0)
    top = 1
    best_node = -1
    best_score = np.float32(0.0)
    while top > 0:
        top -= 1
        node = stack_node[top]
        score = stack_score[top]
        if score < floor:
            continue
        if best_node >= 0 and score < best_score:
            continue
        if left[node] == -1 and right[node] == -1:
            best_node = node
            best_score = score
            continue
        row = node - n_labels
        f = np.float32(0.0)
        for j in range(dim):
            f = np.float32(f + np.float32(output[row, j] * hidden[j]))
        f = np.float32(1.0 / np.float64(np.float32(np.float32(1.0) + math.exp(np.float32(-f)))))
        # right is pushed first so that the left subtree is searched first, as in the recursion
        stack_node[top] = right[node]
        stack_score[top] = np.float32(score + _std_log(f))
        stack_node[top + 1] = left[node]
        stack_score[top + 1] = np.float32(score + _std_log(np.float32(1.0 - np.float64(f))))
        top += 2
    return best_node, best_score


@numba.njit(cache=True)
def _softmax_top1(hidden, output, n_labels):
    """SoftmaxLoss::computeOutput then Loss::findKBest with k=1 and threshold 0: (label, std_log(p))."""
    dim = len(hidden)
    logits = np.empty(n_labels, dtype=np.float32)
    for i in range(n_labels):
        f = np.float32(0.0)
        for j in range(dim):
            f = np.float32(f + np.float32(output[i, j] * hidden[j]))
        logits[i] = f
    top = logits[0]
    for i in range(n_labels):
        top = max(logits[i], top)
    z = np.float32(0.0)
    for i in range(n_labels):
        logits[i] = np.float32(math.exp(np.float64(np.float32(logits[i] - top))))  # C's double exp
        z = np.float32(z + logits[i])
    best = -1
    best_score = np.float32(0.0)
    for i in range(n_labels):
        p = np.float32(logits[i] / z)
        if p < 0.0:
            continue
        score = _std_log(p)
        if best >= 0 and score < best_score:
            continue
        best = i
        best_score = score
    return best, best_score


@intrinsic
def _add_row16(typingctx, hidden, rows, i):
    """hidden[:16] += rows[i, :16] as one 16-lane float32 vector addition (each lane the same
    float32 sum as a scalar addition). The compiler does not vectorise this loop itself: a store
    to `hidden` might alias the row's loads."""
    if hidden.layout != "C" or rows.layout != "C" or hidden.dtype != types.float32 or rows.dtype != types.float32:
        return None

    def codegen(context, builder, signature, args):
        hidden_arr = context.make_array(signature.args[0])(context, builder, args[0])
        rows_arr = context.make_array(signature.args[1])(context, builder, args[1])
        vec = ir.VectorType(ir.FloatType(), 16)
        row = builder.gep(rows_arr.data, [builder.mul(args[2], ir.Constant(args[2].type, 16))])
        row_ptr = builder.bitcast(row, vec.as_pointer())
        hidden_ptr = builder.bitcast(hidden_arr.data, vec.as_pointer())
        total = builder.fadd(builder.load(hidden_ptr, align=4), builder.load(row_ptr, align=4))
        builder.store(total, hidden_ptr, align=4)
        return context.get_dummy_value()
    return types.void(hidden, rows, types.intp), codegen



@intrinsic
def _load_u64(typingctx, buf, i):
    """The 8 bytes at buf[i:i+8] as one uint64 in the machine's byte order (an unaligned load)."""
    if buf.layout != "C" or buf.dtype != types.uint8:
        return None

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(arr.data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(ptr, align=1)
    return types.uint64(buf, types.intp), codegen


@numba.njit(cache=True, inline="always")
def _word_at(buf, i, n):
    """buf[i:i+n] (n <= 8) as a uint64, byte k in bits 8k..8k+7, higher bits zero."""
    if _LITTLE_ENDIAN and i + 8 <= len(buf):
        w = _load_u64(buf, np.intp(i))
        if n < 8:
            w &= (np.uint64(1) << np.uint64(8 * n)) - np.uint64(1)
        return w
    w = np.uint64(0)
    for k in range(n):
        w |= np.uint64(buf[i + k]) << np.uint64(8 * k)
    return w


@numba.njit(cache=True, inline="always")
def _is_separator(c):
    """Whether fastText's readWord ends a token at byte c (' ', \\t, \\n, \\v, \\f, \\r, \\0)."""
    return c <= 32 and ((_SEPARATORS >> np.uint64(c)) & np.uint64(1)) != 0


@numba.njit(cache=True, inline="always")
def _token_end(buf, p, end):
    """The first separator at or after p (or end): 8 bytes at a time while none is below 33."""
    while p + 8 <= end:
        w = _word_at(buf, p, 8)
        if (w - _BELOW_33) & ~w & _HIGH_BITS:
            break
        p += 8
    while p < end and not _is_separator(buf[p]):
        p += 1
    return p


@numba.njit(cache=True, inline="always")
def _token_hash(buf, a, b):
    """The cache's 64-bit hash of the token buf[a:b], 8 bytes a step."""
    h = np.uint64(b - a) * _SLOT_MIX
    for i in range(a, b, 8):
        h = (h ^ _word_at(buf, i, min(8, b - i))) * _FNV64_PRIME
        h ^= h >> np.uint64(32)
    return fmix64(h)


@numba.njit(cache=True, inline="always")
def _is_cached_token(buf, a, b, arena, record):
    """Whether the record at `record` holds the token buf[a:b]."""
    if (arena[record + 1] >> _S32) != np.uint64(b - a):
        return False
    for k in range((b - a + 7) // 8):
        i = a + 8 * k
        if arena[record + _HEADER + k] != _word_at(buf, i, min(8, b - i)):
            return False
    return True


@numba.njit(cache=True, inline="always")
def _record_words(length, count):
    """Arena words of the record of a token of `length` bytes with `count` row ids."""
    return _HEADER + (length + 7) // 8 + (count + 1) // 2


@numba.njit(cache=True, inline="always")
def _ids_at(record, length):
    """Where in the arena seen as int32 the row ids of the record of a token of `length` bytes start."""
    return 2 * (record + _HEADER + (length + 7) // 8)


@numba.njit(cache=True, inline="always")
def _tag(h):
    """The top 31 bits of a token's hash, kept in its slot beside the record's offset."""
    return np.int64(h >> np.uint64(33))


@numba.njit(cache=True, inline="always")
def _slot_value(h, record):
    """A slot's content: the hash's tag, then the record's offset."""
    return _tag(h) << np.int64(32) | np.int64(record)


@numba.njit(cache=True, inline="always")
def _add_rows(hidden, rows, ids, first, count):
    """hidden += rows[ids[first + k]] for k < count, in order, in float32 (lid.176's 16 columns at once)."""
    if rows.shape[1] == 16:
        for k in range(first, first + count):
            _add_row16(hidden, rows, np.intp(ids[k]))
    else:
        for k in range(first, first + count):
            i = ids[k]
            for j in range(rows.shape[1]):
                hidden[j] = np.float32(hidden[j] + rows[i, j])


@numba.njit(cache=True)
def _predict(buf, doc_start, rows, output, softmax, left, right, n_labels,
             word_slots, word_bytes, word_start, eos_id, minn, maxn, bucket, nwords, pruneidx_size,
             kept_bits, kept_rank, kept_rows, label_prefix, eos_token,
             slots, arena, arena_ids, state, out_label, out_prob, first, growable):
    """Predict the documents buf[doc_start[d]:doc_start[d+1]] from d = first; state = [entries,
    arena words used, full], full: bit 1 entries, 2 arena words ran out for a token of this call.
    `arena_ids` is `arena` seen as int32. When only `growable` ones ran out, stops there and
    returns that document (to be predicted again once the cache has grown); else returns the
    number of documents."""
    dim = rows.shape[1]
    hidden = np.zeros(dim, dtype=np.float32)
    scratch = np.empty(64, dtype=np.int32)
    stack_node = np.empty(2 * n_labels + 2, dtype=np.int32)
    stack_score = np.empty(2 * n_labels + 2, dtype=np.float32)
    mask = len(slots) - 1
    max_entries = len(slots) // 2
    low32 = np.int64(0xFFFFFFFF)
    for d in range(first, len(doc_start) - 1):
        hidden[:] = 0.0
        n_inputs = 0
        p = doc_start[d]
        end = doc_start[d + 1]
        ended = False
        while p < end:
            if _is_separator(buf[p]):
                p += 1
                continue
            a = p
            p = b = _token_end(buf, a, end)
            h = _token_hash(buf, a, b)
            tag = _tag(h)
            slot = np.int64(h & np.uint64(mask))
            record = -1
            while slots[slot] >= 0:
                if slots[slot] >> 32 == tag and _is_cached_token(buf, a, b, arena, slots[slot] & low32):
                    record = slots[slot] & low32
                    break
                slot = (slot + 1) & mask
            if record >= 0:
                count = np.int64(arena[record + 1] & _MASK32)
                _add_rows(hidden, rows, arena_ids, _ids_at(record, b - a), count)
            else:
                bound = 1 + (b - a + 2) * max(maxn, 1)
                if len(scratch) < bound:
                    scratch = np.empty(bound, dtype=np.int32)
                count = _token_ids(buf, a, b, scratch, word_slots, word_bytes, word_start, eos_token, minn, maxn,
                                   bucket, nwords, pruneidx_size, kept_bits, kept_rank, kept_rows, label_prefix)
                _add_rows(hidden, rows, scratch, 0, count)
                size = _record_words(b - a, count)
                full = (state[0] >= max_entries) | ((state[1] + size > len(arena)) << 1)
                if not full:
                    record = state[1]
                    arena[record] = h
                    arena[record + 1] = (np.uint64(b - a) << _S32) | np.uint64(count)
                    for k in range((b - a + 7) // 8):
                        i = a + 8 * k
                        arena[record + _HEADER + k] = _word_at(buf, i, min(8, b - i))
                    ids_at = _ids_at(record, b - a)
                    arena_ids[ids_at:ids_at + count] = scratch[:count]
                    slots[slot] = _slot_value(h, record)
                    state[0] += 1
                    state[1] += size
                else:
                    state[2] |= full
                    if not state[2] & ~growable:
                        return d
            n_inputs += count
            if b - a == len(eos_token) and _same_bytes(buf, a, eos_token, 0, len(eos_token)):
                ended = True  # getLine stops at EOS; the newline's own EOS is never read
                break
        if not ended and eos_id >= 0:  # the newline's EOS (an EOS outside the dictionary adds nothing)
            for j in range(dim):
                hidden[j] = np.float32(hidden[j] + rows[eos_id, j])
            n_inputs += 1
        if n_inputs == 0:  # FastText::predict returns no label for an empty input
            out_label[d] = -1
            out_prob[d] = np.float32(np.nan)
            continue
        scale = np.float32(1.0 / n_inputs)
        for j in range(dim):
            hidden[j] = np.float32(hidden[j] * scale)
        if softmax:
            node, score = _softmax_top1(hidden, output, n_labels)
        else:
            node, score = _top1(hidden, output, left, right, n_labels, stack_node, stack_score)
        out_label[d] = node
        out_prob[d] = math.exp(score)
    return len(doc_start) - 1


@numba.njit(cache=True)
def _cache_slots(arena, used, n_slots):
    """The token cache's slot table (n_slots, a power of two) for the records in arena[:used]."""
    slots = np.full(n_slots, -1, dtype=np.int64)
    mask = n_slots - 1
    record = 0
    while record < used:
        h = arena[record]
        slot = np.int64(h & np.uint64(mask))
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = _slot_value(h, record)
        meta = arena[record + 1]
        record += _record_words(np.int64(meta >> _S32), np.int64(meta & _MASK32))
    return slots


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out


class BatchPredictor:
    """Predicts the top label of many texts with one fastText model; keeps a cache of token rows."""

    def __init__(self, model: FastTextModel, cache_slots: int = _START_SLOTS, cache_words: int = _START_WORDS) -> None:
        """`cache_*`: starting capacities of the token cache (slots, a power of two; arena words)."""
        if cache_slots < 2 or cache_slots & (cache_slots - 1):
            raise ValueError(f"cache_slots must be a power of two, got {cache_slots}")
        reason = supports(model)
        if reason is not None:
            raise ValueError(f"batched fastText prediction does not support this model: {reason}")
        self.model = model
        self.labels = [label.decode("utf-8") for label in model.labels]
        self.left, self.right = huffman_tree(model.label_counts)
        self.rows = np.ascontiguousarray(model.input_rows, dtype=np.float32)
        self.output = np.ascontiguousarray(model.output, dtype=np.float32)
        entries = model.words + model.labels  # dictionary ids: words first, then labels
        self.word_start = np.zeros(len(entries) + 1, dtype=np.int64)
        np.cumsum([len(w) for w in entries], out=self.word_start[1:])
        self.word_bytes = np.frombuffer(b"".join(entries) or b"\0", dtype=np.uint8)
        self.word_slots = _word_table(self.word_bytes, self.word_start, 1 << max(4, (2 * len(entries)).bit_length()))
        self.eos_id = model.words.index(EOS) if EOS in model.words else -1
        self.kept = kept_buckets(model.pruneidx_size, model.prune_map, model.bucket)
        self.label_prefix = np.frombuffer(LABEL_PREFIX, dtype=np.uint8)
        self.eos_token = np.frombuffer(EOS, dtype=np.uint8)
        self._reset_cache(cache_slots, cache_words)

    def _reset_cache(self, n_slots: int, n_words: int) -> None:
        self.slots = np.full(n_slots, -1, dtype=np.int64)
        self.arena = np.zeros(n_words, dtype=np.uint64)  # offsets stay below 2**32 (see _MAX_WORDS)
        self.state = np.zeros(3, dtype=np.int64)

    def predict_encoded(self, buf: np.ndarray, doc_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(label index or -1, probability) per document of the UTF-8 buffer, documents at doc_start."""
        n = len(doc_start) - 1
        out_label = np.empty(n, dtype=np.int32)
        out_prob = np.empty(n, dtype=np.float32)
        first = 0
        while first < n:
            first = self._predict(buf, doc_start, out_label, out_prob, first)
        if self.state[2]:  # a capacity at its maximum ran out: start afresh
            self._reset_cache(len(self.slots), len(self.arena))
        return out_label, out_prob

    def _capacities(self) -> list[tuple[int, int, int]]:
        """(full bit, size, maximum) of the slots and the arena."""
        return [(1, len(self.slots), _MAX_SLOTS), (2, len(self.arena), _MAX_WORDS)]

    def _predict(self, buf: np.ndarray, doc_start: np.ndarray, out_label: np.ndarray, out_prob: np.ndarray,
                 first: int) -> int:
        """_predict from document `first`; grows the cache where it stopped for room."""
        growable = sum(bit for bit, size, top in self._capacities() if size < top)
        stop = _predict(buf, doc_start, self.rows, self.output, self.model.loss == "softmax", self.left, self.right,
                 len(self.labels),
                 self.word_slots, self.word_bytes, self.word_start, self.eos_id, self.model.minn,
                 self.model.maxn, self.model.bucket, self.model.nwords, self.model.pruneidx_size, *self.kept,
                 self.label_prefix, self.eos_token,
                 self.slots, self.arena, self.arena.view(np.int32), self.state, out_label, out_prob, first, growable)
        if stop < len(out_label):
            self._grow_cache(int(self.state[2]))
        return stop

    def _grow_cache(self, full: int) -> None:
        """Double what ran out (entries 1, arena words 2), keeping the cached tokens."""
        n_slots, n_words = (min(2 * size, top) if full & bit else size for bit, size, top in self._capacities())
        if n_slots > len(self.slots):
            self.slots = _cache_slots(self.arena, int(self.state[1]), n_slots)
        self.arena = _grown(self.arena, n_words)
        self.state[2] = 0

    def predict(self, texts: list[str]) -> tuple[list[str | None], np.ndarray]:
        """Top-1 label (prefix kept) and its probability for each text."""
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        doc_start = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=doc_start[1:])
        buf = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        label_idx, probs = self.predict_encoded(buf, doc_start)
        labels = self.labels
        return [labels[i] if i >= 0 else None for i in label_idx.tolist()], probs
