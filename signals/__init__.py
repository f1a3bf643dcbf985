"""Quality-signal extractors. `annotate` runs them in-process, with the code the workers run."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from schemas.config import SignalConfig
from signals.batch import TextBatch
from signals.families import all_signals, build_families
from signals.registry import Family, Signal, compute_families, register


def annotate(
    texts: Sequence[str],
    families: Sequence[str] | None = None,
    language: str | None = None,
    urls: Sequence[str | None] | None = None,
    config: SignalConfig | None = None,
) -> pa.Table:
    """Signals for a batch of texts: one row per text, one column per signal.

    `families` narrows the families (default: all); `language` forces the language of
    language-dependent signals (else each document's detected `ccnet_language`).
    """
    config = config or SignalConfig()
    if language is not None:
        config = config.model_copy(update={"language": language})
    built = build_families(list(families) if families is not None else None, config)
    return compute_families(built, TextBatch(texts, urls, config.language))


__all__ = ["Family", "Signal", "TextBatch", "all_signals", "annotate", "build_families", "compute_families",
           "register"]
