"""Exact word n-gram classes per document, for all n up to 10, by refining (n-1)-gram classes.

`classes[n][i]` names the n-gram starting at word i by the global index of its first occurrence
in the same document (-1 where fewer than n words remain in the document). Two positions hold the
same n-gram iff their class ids agree; no hashing, so no collisions. Only positions whose
(n-1)-grams at i and i+1 both repeat can start a repeated n-gram, so each refinement step sorts
just those candidates, which thin out fast on natural text.
"""

from __future__ import annotations

import numpy as np

from signals.arrays import Words
from signals.batch import TextBatch


class NgramClasses:
    """Lazily refined n-gram classes and their per-document counts over a batch's normalized words."""

    def __init__(self, words: Words) -> None:
        self.words = words
        n = len(words.first)
        self.size = n
        self.remaining = words.start[words.doc + 1] - np.arange(n)  # words left in the doc from i
        self._classes: dict[int, np.ndarray] = {1: words.first}
        self._counts: dict[int, np.ndarray] = {1: np.bincount(words.first, minlength=n)}

    def classes(self, n: int) -> np.ndarray:
        if n not in self._classes:
            self._refine(n)
        return self._classes[n]

    def counts(self, n: int) -> np.ndarray:
        """counts(n)[c]: occurrences in its document of the n-gram of class c (0 for non-class ids)."""
        if n not in self._counts:
            self._refine(n)
        return self._counts[n]

    def occurrences(self, n: int) -> np.ndarray:
        """Per position: how often its n-gram occurs in the document (0 where no n-gram starts)."""
        cls = self.classes(n)
        out = np.zeros(self.size, dtype=np.int64)
        valid = cls >= 0
        out[valid] = self.counts(n)[cls[valid]]
        return out

    def _refine(self, n: int) -> None:
        prev_cls = self.classes(n - 1)
        prev_cnt = self.counts(n - 1)
        size = self.size
        cls = np.where(self.remaining >= n, np.arange(size), -1)
        valid = cls >= 0
        repeated = np.zeros(size, dtype=bool)
        repeated[valid] = prev_cnt[prev_cls[valid]] > 1
        # The (n-1)-gram at i+1 exists wherever the n-gram at i does.
        cand = np.flatnonzero(valid[:-1] & repeated[:-1] & (prev_cnt[prev_cls[1:]] > 1)) if size else cls[:0]
        if len(cand):
            key = prev_cls[cand] * size + self.words.first[cand + n - 1]
            _, first_idx, inverse = np.unique(key, return_index=True, return_inverse=True)
            cls[cand] = cand[first_idx][inverse.reshape(-1)]
        self._classes[n] = cls
        self._counts[n] = np.bincount(cls[valid], minlength=size)


def ngram_view(batch: TextBatch) -> NgramClasses:
    from signals.arrays import words_view

    return NgramClasses(batch.view("words", words_view))
