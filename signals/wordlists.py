"""Shipped word lists: stop words (stopwords-json, MIT) and LDNOOBW bad words (CC-BY-4.0).

Loaded from package data (signals/data/, see the READMEs there), once per process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def _read(folder: str, lang: str) -> list[str] | None:
    if not lang.replace("_", "").replace("-", "").isalnum():
        return None
    path = resources.files("signals").joinpath("data", folder, f"{lang}.txt")
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").split("\n")


@cache
def stop_words(lang: str | None) -> frozenset[str] | None:
    """The stop-word list of `lang` (case-sensitive entries), or None when there is none."""
    if not lang:
        return None
    lines = _read("stopwords", lang)
    return None if lines is None else frozenset(w.strip() for w in lines if w.strip())


@cache
def bad_words(lang: str | None) -> frozenset[str] | None:
    """The LDNOOBW list of `lang`, entries stripped but otherwise as published, or None."""
    if not lang:
        return None
    lines = _read("ldnoobw", lang)
    return None if lines is None else frozenset(w.strip() for w in lines if w.strip())
