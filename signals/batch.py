"""A batch of texts with lazily computed, shared views (computed once, used by every family)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class TextBatch:
    """Texts (and their URLs) plus a memo of derived views keyed by name."""

    def __init__(
        self,
        texts: Sequence[str],
        urls: Sequence[str | None] | None = None,
        language: str | None = None,
    ) -> None:
        self.texts = list(texts)
        self.urls = list(urls) if urls is not None else [None] * len(self.texts)
        if len(self.urls) != len(self.texts):
            raise ValueError("texts and urls differ in length")
        self.forced_language = language
        self._views: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def parts(self, max_chars: int) -> list[TextBatch]:
        """Consecutive sub-batches of whole documents, each with at most `max_chars` characters
        unless one document alone has more; the views are not carried over."""
        out: list[TextBatch] = []
        first, chars = 0, 0
        for i, text in enumerate(self.texts):
            if i > first and chars + len(text) > max_chars:
                out.append(self._slice(first, i))
                first, chars = i, 0
            chars += len(text)
        out.append(self._slice(first, len(self.texts)))
        return out

    def _slice(self, a: int, b: int) -> TextBatch:
        if a == 0 and b == len(self.texts):
            return self
        return TextBatch(self.texts[a:b], self.urls[a:b], self.forced_language)

    def view(self, name: str, compute: Callable[[TextBatch], Any]) -> Any:
        """The view `name`, computed by `compute(self)` the first time it is asked for."""
        if name not in self._views:
            self._views[name] = compute(self)
        return self._views[name]
