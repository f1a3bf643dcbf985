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

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from signals.fasttext_format import EOS, LABEL_PREFIX, FastTextModel

_FNV32_BASIS = np.uint64(2166136261)
_FNV32_PRIME = np.uint64(16777619)
_MASK32 = np.uint64(0xFFFFFFFF)
_MAX64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_S32 = np.uint64(32)
_FNV64_BASIS = np.uint64(0xCBF29CE484222325)
_FNV64_PRIME = np.uint64(0x100000001B3)
_SLOT_MIX = np.uint64(0x9E3779B97F4A7C15)

# Token cache capacities: start small, double when a batch filled them, never beyond the maximum.
_START_SLOTS, _MAX_SLOTS = 1 << 16, 1 << 21  # entries are at most half the slots
_START_BYTES, _MAX_BYTES = 1 << 20, 1 << 25
_START_IDS, _MAX_IDS = 1 << 18, 1 << 23


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


@numba.njit(cache=True, inline="always")
def _add_rows(hidden, rows, ids, count):
    """hidden += rows[ids[k]] for k < count, in order, in float32 (lid.176's 16 columns at once)."""
    if rows.shape[1] == 16:
        for k in range(count):
            _add_row16(hidden, rows, np.intp(ids[k]))
    else:
        for k in range(count):
            i = ids[k]
            for j in range(rows.shape[1]):
                hidden[j] = np.float32(hidden[j] + rows[i, j])


@numba.njit(cache=True)
def _predict(buf, doc_start, rows, output, softmax, left, right, n_labels,
             word_slots, word_bytes, word_start, eos_id, minn, maxn, bucket, nwords, pruneidx_size,
             kept_bits, kept_rank, kept_rows, label_prefix, eos_token,
             slots, e_hash, e_bstart, e_blen, e_istart, e_ilen, arena_bytes, arena_ids, state,
             out_label, out_prob, first, growable):
    """Predict the documents buf[doc_start[d]:doc_start[d+1]] from d = first; state = [entries,
    bytes, ids, full], full: bit 1 entries, 2 token bytes, 4 row ids ran out for a token of this
    call. When only `growable` ones ran out, stops there and returns that document (to be
    predicted again once the cache has grown); else returns the number of documents."""
    dim = rows.shape[1]
    hidden = np.zeros(dim, dtype=np.float32)
    scratch = np.empty(64, dtype=np.int32)
    stack_node = np.empty(2 * n_labels + 2, dtype=np.int32)
    stack_score = np.empty(2 * n_labels + 2, dtype=np.float32)
    mask = len(slots) - 1
    max_entries = len(slots) // 2
    for d in range(first, len(doc_start) - 1):
        hidden[:] = 0.0
        n_inputs = 0
        p = doc_start[d]
        end = doc_start[d + 1]
        ended = False
        while p < end:
            c = buf[p]
            if c == 32 or (9 <= c <= 13) or c == 0:
                p += 1
                continue
            a = p
            while p < end:
                c = buf[p]
                if c == 32 or (9 <= c <= 13) or c == 0:
                    break
                p += 1
            b = p
            # look the token up in the cache
            h = _FNV64_BASIS
            for q in range(a, b):
                h = (h ^ np.uint64(buf[q])) * _FNV64_PRIME
            slot = np.int64((h * _SLOT_MIX) >> np.uint64(32)) & mask
            found = -1
            while slots[slot] >= 0:
                e = slots[slot]
                if e_hash[e] == h and e_blen[e] == b - a and _same_bytes(buf, a, arena_bytes, e_bstart[e], b - a):
                    found = e
                    break
                slot = (slot + 1) & mask
            if found >= 0:
                ids = arena_ids[e_istart[found]:e_istart[found] + e_ilen[found]]
                count = e_ilen[found]
            else:
                bound = 1 + (b - a + 2) * max(maxn, 1)
                if len(scratch) < bound:
                    scratch = np.empty(bound, dtype=np.int32)
                count = _token_ids(buf, a, b, scratch, word_slots, word_bytes, word_start, eos_token, minn, maxn,
                                   bucket, nwords, pruneidx_size, kept_bits, kept_rank, kept_rows, label_prefix)
                ids = scratch[:count]
                full = ((state[0] >= max_entries) | ((state[1] + (b - a) > len(arena_bytes)) << 1)
                        | ((state[2] + count > len(arena_ids)) << 2))
                if not full:
                    e = state[0]
                    e_hash[e] = h
                    e_bstart[e] = state[1]
                    e_blen[e] = b - a
                    e_istart[e] = state[2]
                    e_ilen[e] = count
                    arena_bytes[state[1]:state[1] + (b - a)] = buf[a:b]
                    arena_ids[state[2]:state[2] + count] = ids
                    slots[slot] = e
                    state[0] += 1
                    state[1] += b - a
                    state[2] += count
                else:
                    state[3] |= full
                    if not state[3] & ~growable:
                        return d
            _add_rows(hidden, rows, ids, count)
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
def _cache_slots(e_hash, n_entries, n_slots):
    """The token cache's slot table (n_slots, a power of two) for its first n_entries entries."""
    slots = np.full(n_slots, -1, dtype=np.int32)
    mask = n_slots - 1
    for e in range(n_entries):
        slot = np.int64((e_hash[e] * _SLOT_MIX) >> np.uint64(32)) & mask
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = e
    return slots


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out


class BatchPredictor:
    """Predicts the top label of many texts with one fastText model; keeps a cache of token rows."""

    def __init__(self, model: FastTextModel, cache_slots: int = _START_SLOTS, cache_bytes: int = _START_BYTES,
                 cache_ids: int = _START_IDS) -> None:
        """`cache_*`: starting capacities of the token cache (slots, a power of two; token bytes; row ids)."""
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
        self._reset_cache(cache_slots, cache_bytes, cache_ids)

    def _reset_cache(self, n_slots: int, n_bytes: int, n_ids: int) -> None:
        self.slots = np.full(n_slots, -1, dtype=np.int32)
        entries = n_slots // 2
        self.e_hash = np.zeros(entries, dtype=np.uint64)
        self.e_bstart = np.zeros(entries, dtype=np.int32)  # arenas stay below 2**31 (see _MAX_*)
        self.e_blen = np.zeros(entries, dtype=np.int32)
        self.e_istart = np.zeros(entries, dtype=np.int32)
        self.e_ilen = np.zeros(entries, dtype=np.int32)
        self.arena_bytes = np.zeros(n_bytes, dtype=np.uint8)
        self.arena_ids = np.zeros(n_ids, dtype=np.int32)
        self.state = np.zeros(4, dtype=np.int64)

    def predict_encoded(self, buf: np.ndarray, doc_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(label index or -1, probability) per document of the UTF-8 buffer, documents at doc_start."""
        n = len(doc_start) - 1
        out_label = np.empty(n, dtype=np.int32)
        out_prob = np.empty(n, dtype=np.float32)
        first = 0
        while first < n:
            first = self._predict(buf, doc_start, out_label, out_prob, first)
        if self.state[3]:  # a capacity at its maximum ran out: start afresh
            self._reset_cache(len(self.slots), len(self.arena_bytes), len(self.arena_ids))
        return out_label, out_prob

    def _predict(self, buf: np.ndarray, doc_start: np.ndarray, out_label: np.ndarray, out_prob: np.ndarray,
                 first: int) -> int:
        """_predict from document `first`; grows the cache where it stopped for room."""
        capacities = [(1, len(self.slots), _MAX_SLOTS), (2, len(self.arena_bytes), _MAX_BYTES),
                      (4, len(self.arena_ids), _MAX_IDS)]
        growable = sum(bit for bit, size, top in capacities if size < top)
        stop = _predict(buf, doc_start, self.rows, self.output, self.model.loss == "softmax", self.left, self.right,
                 len(self.labels),
                 self.word_slots, self.word_bytes, self.word_start, self.eos_id, self.model.minn,
                 self.model.maxn, self.model.bucket, self.model.nwords, self.model.pruneidx_size, *self.kept,
                 self.label_prefix, self.eos_token,
                 self.slots, self.e_hash, self.e_bstart, self.e_blen, self.e_istart, self.e_ilen,
                 self.arena_bytes, self.arena_ids, self.state, out_label, out_prob, first, growable)
        if stop < len(out_label):
            self._grow_cache(int(self.state[3]))
        return stop

    def _grow_cache(self, full: int) -> None:
        """Double what ran out (entries 1, token bytes 2, row ids 4), keeping the cached tokens."""
        sizes = [(1, len(self.slots), _MAX_SLOTS), (2, len(self.arena_bytes), _MAX_BYTES),
                 (4, len(self.arena_ids), _MAX_IDS)]
        n_slots, n_bytes, n_ids = (min(2 * size, top) if full & bit else size for bit, size, top in sizes)
        if n_slots > len(self.slots):
            entries = n_slots // 2
            self.e_hash, self.e_bstart, self.e_blen, self.e_istart, self.e_ilen = (
                _grown(a, entries) for a in (self.e_hash, self.e_bstart, self.e_blen, self.e_istart, self.e_ilen))
            self.slots = _cache_slots(self.e_hash, int(self.state[0]), n_slots)
        self.arena_bytes = _grown(self.arena_bytes, n_bytes)
        self.arena_ids = _grown(self.arena_ids, n_ids)
        self.state[3] = 0

    def predict(self, texts: list[str]) -> tuple[list[str | None], np.ndarray]:
        """Top-1 label (prefix kept) and its probability for each text."""
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        doc_start = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=doc_start[1:])
        buf = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        label_idx, probs = self.predict_encoded(buf, doc_start)
        labels = self.labels
        return [labels[i] if i >= 0 else None for i in label_idx.tolist()], probs
