"""Exact repeated word n-grams per document, for every n up to 10, by refining (n-1)-grams.

An n-gram's class is the global index of its first occurrence in its document (so two positions
hold the same n-gram iff their classes agree; no hashing, no collisions). An n-gram at i can only
repeat if the (n-1)-grams at i and at i+1 both repeat, so level n looks up just those candidates
(kernels.refine_ngrams), which thin out fast on natural text; every other n-gram occurs once.
Per level this keeps the candidate positions, their classes and their counts (occurrences in the
document).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signals import kernels
from signals.arrays import Words
from signals.batch import TextBatch


@dataclass(frozen=True)
class Level:
    """The n-grams of one n that may repeat: positions (sorted), classes, counts in the document."""

    pos: np.ndarray
    cls: np.ndarray
    count: np.ndarray

    def repeated(self) -> np.ndarray:
        """Positions whose n-gram occurs more than once in the document."""
        return self.pos[self.count > 1]


class NgramClasses:
    """Lazily refined n-gram levels over a batch's normalized words."""

    def __init__(self, words: Words) -> None:
        self.words = words
        size = len(words.first)
        self.size = size
        self.unigram_counts = words.counts  # indexed by class (first occurrence)
        self._levels: dict[int, Level] = {}

    def level(self, n: int) -> Level:
        if n not in self._levels:
            self._levels[n] = self._refine(n)
        return self._levels[n]

    def _refine(self, n: int) -> Level:
        words = self.words
        if n == 1:
            return Level(np.arange(self.size), words.first, words.counts[words.first])
        if n == 2:
            return Level(*kernels.bigram_level(words.first, words.counts, words.start))
        prev = self.level(n - 1)
        return Level(*kernels.refine_ngrams(prev.pos, prev.cls, prev.count, words.first, words.start, n))


def ngram_view(batch: TextBatch) -> NgramClasses:
    from signals.arrays import words_view

    return NgramClasses(batch.view("words", words_view))
