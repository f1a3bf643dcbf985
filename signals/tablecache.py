"""Arrays derived from the running Python (character tables), kept on disk between processes.

Building the per-code-point tables takes about a second and 150 MB of transient memory in every
worker process; they depend only on the Python build (its `str` methods, `re` and Unicode
database) and on the code that builds them. So they are stored once as `.npz` under
`$ASSAY_CACHE_DIR` (default `$XDG_CACHE_HOME/assay`, i.e. `~/.cache/assay`), named by a key of
the Python version, the Unicode database version and the builder module's source. An unreadable
or unwritable cache is never an error: the tables are then built in memory.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    explicit = os.environ.get("ASSAY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assay"


def _key(source_file: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{unicodedata.unidata_version}\0".encode())
    digest.update(Path(source_file).read_bytes())
    return digest.hexdigest()[:20]


def cached_arrays(name: str, source_file: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """`build()`'s arrays, read from the cache when this Python and `source_file` made them before."""
    path = cache_dir() / f"{name}-{_key(source_file)}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {k: stored[k] for k in stored.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # absent, truncated or from an older layout: rebuild
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, path)  # atomic: concurrent workers never read a half-written file
    except OSError:
        pass
    return arrays
