"""Language identification with fastText lid.176 (the ccnet_language signal)."""

from __future__ import annotations

import numpy as np

from signals.batch import TextBatch
from signals.models import fasttext_model, lid176_path

_PREFIX = "__label__"


def identify(batch: TextBatch) -> tuple[list[str], np.ndarray]:
    """Top-1 language and its probability for each text, newlines replaced by spaces."""
    if not batch.texts:
        return [], np.zeros(0, dtype=np.float32)
    model = fasttext_model(lid176_path())
    inputs = [t.replace("\n", " ") for t in batch.texts]
    labels, probs = model.predict(inputs, k=1)
    langs = [lab[0][len(_PREFIX):] if lab else None for lab in labels]
    scores = np.array([p[0] if len(p) else np.nan for p in probs], dtype=np.float32)
    return langs, scores
