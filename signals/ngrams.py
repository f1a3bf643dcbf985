"""Exact repeated word n-grams per document, for every n up to 10, by refining (n-1)-grams.

An n-gram's class is the global index of its first occurrence in its document (so two positions
hold the same n-gram iff their classes agree; no hashing, no collisions). An n-gram at i can only
repeat if the (n-1)-grams at i and at i+1 both repeat, so level n sorts just those candidates,
which thin out fast on natural text; every other n-gram occurs once. Per level this keeps the
candidate positions, their classes and their counts (occurrences in the document).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signals.arrays import Words
from signals.batch import TextBatch
from signals.wordhash import first_equal


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
        self.remaining = words.start[words.doc + 1] - np.arange(size)  # words left in the doc from i
        counts = np.bincount(words.first, minlength=size)
        self.unigram_counts = counts  # indexed by class (first occurrence)
        self._levels: dict[int, Level] = {1: Level(np.arange(size), words.first, counts[words.first])}

    def level(self, n: int) -> Level:
        if n not in self._levels:
            self._levels[n] = self._refine(n)
        return self._levels[n]

    def _refine(self, n: int) -> Level:
        prev = self.level(n - 1)
        repeats = np.flatnonzero(prev.count > 1)  # indices into prev.pos
        rep = prev.pos[repeats]
        # i is a candidate if the (n-1)-grams at i and i+1 both repeat and the n-gram fits the doc.
        marked = np.zeros(self.size + 1, dtype=bool)
        marked[rep] = True
        keep = np.flatnonzero(marked[rep + 1] & (self.remaining[rep] >= n))
        cand = rep[keep]
        if len(cand) == 0:
            return Level(cand, cand, cand)
        prev_cls = prev.cls[repeats[keep]]
        key = prev_cls * self.size + self.words.first[cand + n - 1]
        first = first_equal(key)
        return Level(cand, cand[first], np.bincount(first, minlength=len(cand))[first])


def ngram_view(batch: TextBatch) -> NgramClasses:
    from signals.arrays import words_view

    return NgramClasses(batch.view("words", words_view))
