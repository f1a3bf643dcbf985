"""Packing (best-fit decreasing against a plain reference, concatenation), cu_seqlens, the shuffle."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.tokenize.pack import bestfit, concat, gather
from pipeline.tokenize.shuffle import permutation


def reference_bestfit(lengths: list[int], seq_len: int) -> list[list[tuple[int, int, int]]]:
    """Ding et al.'s best-fit decreasing written plainly: bins as lists of (doc, start, end)."""
    bins: list[list[tuple[int, int, int]]] = []
    for d, n in enumerate(lengths):
        bins.extend([(d, k * seq_len, (k + 1) * seq_len)] for k in range(n // seq_len))
    rest = sorted(((n % seq_len, d) for d, n in enumerate(lengths) if n % seq_len), key=lambda x: -x[0])
    fit: list[list[tuple[int, int, int]]] = []
    for need, d in rest:
        rooms = [(seq_len - sum(e - s for _, s, e in b), i) for i, b in enumerate(fit)]
        ok = [(room, i) for room, i in rooms if room >= need]
        piece = (d, lengths[d] - need, lengths[d])
        if ok:
            fit[min(ok)[1]].append(piece)  # least room; ties: the oldest bin
        else:
            fit.append([piece])
    return bins + fit


def as_bins(p) -> list[list[tuple[int, int, int]]]:
    bins: list[list[tuple[int, int, int]]] = [[] for _ in range(p.num_sequences)]
    for s, d, a, b in zip(p.sequence, p.document, p.start, p.end, strict=True):
        bins[s].append((int(d), int(a), int(b)))
    return bins


def check_cover(p, lengths) -> None:
    """Every document's tokens are placed exactly once; pieces of a sequence are contiguous from 0."""
    covered = {d: [] for d in range(len(lengths))}
    for s in range(p.num_sequences):
        mask = p.sequence == s
        offs, n = p.offset[mask], (p.end - p.start)[mask]
        assert offs[0] == 0 and (offs[1:] == np.cumsum(n)[:-1]).all() and n.sum() <= p.seq_len
    for d, a, b in zip(p.document, p.start, p.end, strict=True):
        covered[int(d)].append((int(a), int(b)))
    for d, spans in covered.items():
        spans.sort()
        assert spans[0][0] == 0 and spans[-1][1] == lengths[d]
        assert all(x[1] == y[0] for x, y in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("seed", range(6))
def test_bestfit_matches_the_reference_and_covers_every_token(seed):
    rng = np.random.default_rng(seed)
    seq_len = int(rng.choice([16, 64, 100]))
    lengths = rng.integers(1, 3 * seq_len, size=int(rng.integers(1, 120))).tolist()
    p = bestfit(np.array(lengths), seq_len)
    assert as_bins(p) == reference_bestfit(lengths, seq_len)
    check_cover(p, lengths)
    # only documents longer than a sequence are cut
    assert p.truncated_documents(len(lengths)) == sum(n > seq_len for n in lengths)


@pytest.mark.parametrize("seed", range(4))
def test_concat_cuts_every_seq_len_tokens(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 90, size=50)
    p = concat(lengths, 32)
    check_cover(p, lengths.tolist())
    assert p.num_sequences == -(-lengths.sum() // 32)
    assert (p.used[:-1] == 32).all() and p.padding_tokens() == p.num_sequences * 32 - lengths.sum()
    flat = np.arange(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    got = gather(p, flat, starts, -1, 0, p.num_sequences, np.int64).ravel()
    assert (got[: lengths.sum()] == flat).all() and (got[lengths.sum():] == -1).all()


def test_bestfit_truncates_fewer_documents_and_pads_little():
    rng = np.random.default_rng(1)
    lengths = np.minimum(rng.lognormal(5, 1.2, size=3000).astype(np.int64) + 1, 5000)
    b, c = bestfit(lengths, 512), concat(lengths, 512)
    longer = int((lengths > 512).sum())  # cut by any packing
    assert b.truncated_documents(len(lengths)) == longer < c.truncated_documents(len(lengths)) / 2
    assert b.padding_tokens() / (b.num_sequences * 512) < 0.02


def test_cu_seqlens_and_gather_follow_the_pieces():
    lengths = np.array([5, 3, 9, 2])
    p = bestfit(lengths, 8)  # doc 2 → a full chunk + 1; rest by size: 5, 3 | 2, 1
    assert as_bins(p) == [[(2, 0, 8)], [(0, 0, 5), (1, 0, 3)], [(3, 0, 2), (2, 8, 9)]]
    flat, index = p.cu_seqlens()
    assert index.tolist() == [0, 2, 5, 8]
    assert flat.tolist() == [0, 8, 0, 5, 8, 0, 2, 3] and flat.dtype == np.int32
    tokens = np.arange(100, 119)
    starts = np.array([0, 5, 8, 17])
    got = gather(p, tokens, starts, 0, 0, 3, np.int64)
    assert got[2].tolist() == [117, 118, 116, 0, 0, 0, 0, 0]
    shuffled = p.reordered(np.array([2, 0, 1]))
    assert as_bins(shuffled) == [as_bins(p)[i] for i in (2, 0, 1)]


def test_shuffle_is_a_fixed_permutation_of_the_seed():
    a = permutation(1000, 7)
    assert sorted(a.tolist()) == list(range(1000))
    assert (a == permutation(1000, 7)).all() and not (a == permutation(1000, 8)).all()
    assert permutation(10, 1234).tolist() == PERM_10_1234


PERM_10_1234 = [1, 8, 6, 5, 2, 4, 0, 9, 3, 7]  # the splitmix64 order: fixed across numpy versions
