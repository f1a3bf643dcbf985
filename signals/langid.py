"""Language identification with fastText lid.176 (the ccnet_language signal).

Predictions come from signals/fasttext_predict.py, which computes fastText's own answer (label and
float32 probability, bit for bit) for the whole batch in one compiled pass; tests/test_fasttext_predict.py
checks it against fastText's `predict` on the shipped sample and on random Unicode.
"""

from __future__ import annotations

import numpy as np

from signals.batch import TextBatch
from signals.models import fasttext_top1, lid176_path

_PREFIX = "__label__"


def identify_texts(texts: list[str]) -> tuple[list[str | None], np.ndarray]:
    """Top-1 language and its probability for each text, newlines replaced by spaces."""
    if not texts:
        return [], np.zeros(0, dtype=np.float32)
    labels, scores = fasttext_top1(lid176_path())(texts)  # there newlines separate tokens like spaces
    langs = [lab[len(_PREFIX):] if lab is not None else None for lab in labels]
    return langs, scores


def identify(batch: TextBatch) -> tuple[list[str | None], np.ndarray]:
    """identify_texts over a batch (the shared `lid` view)."""
    return identify_texts(batch.texts)


def languages(batch: TextBatch) -> list[str | None]:
    """The language of language-dependent signals: the batch's forced one, else fastText's top label."""
    if batch.forced_language is not None:
        return [batch.forced_language] * len(batch)
    return batch.view("lid", identify)[0]
