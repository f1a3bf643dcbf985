"""ccnet family: length, lines, fastText language ID, KenLM perplexity and its bucket."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from signals.batch import TextBatch
from signals.langid import identify, languages
from signals.registry import Family, Signal, register

# Per-language perplexity cutoffs (head/middle, middle/tail) used by CCNet's bucketing.
DEFAULT_BUCKET_CUTOFFS: dict[str, tuple[float, float]] = {
    "en": (340.0, 520.0),
    "de": (370.0, 590.0),
    "fr": (180.0, 330.0),
    "es": (180.0, 290.0),
    "it": (220.0, 360.0),
}


def count_lines(text: str) -> int:
    """Lines as `([^\\n]*\\n|[^\\n]+$)` splits them: each '\\n' ends one, plus an unterminated tail."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


@register("ccnet")
class CCNet(Family):
    def signals(self) -> tuple[Signal, ...]:
        return (
            Signal("ccnet_length", pa.int32(), "len(raw) in code points"),
            Signal("ccnet_nlines", pa.int32(), "number of lines (each keeps its '\\n'; empty lines count)"),
            Signal("ccnet_language", pa.string(),
                   "top-1 label of fastText lid.176 on raw with newlines replaced by spaces"),
            Signal("ccnet_language_score", pa.float32(), "probability of ccnet_language"),
            Signal("ccnet_perplexity", pa.float32(),
                   "KenLM perplexity of the CCNet-normalised document, scored as one line as CCNet does "
                   "(perplexity_scope=lines: per non-empty line); None without a model"),
            Signal("ccnet_bucket", pa.int8(),
                   "0 head / 1 middle / 2 tail by per-language perplexity cutoffs; None without perplexity"),
        )

    def notice(self) -> str | None:
        if self.config.kenlm_models:
            return None
        return "ccnet_perplexity and ccnet_bucket are null: no KenLM model given (kenlm_models: {lang: path})"

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        langs, scores = batch.view("lid", identify)
        perplexity = self._perplexity(batch)
        return {
            "ccnet_length": pa.array([len(t) for t in batch.texts], pa.int32()),
            "ccnet_nlines": pa.array([count_lines(t) for t in batch.texts], pa.int32()),
            "ccnet_language": pa.array(langs, pa.string()),
            "ccnet_language_score": pa.array(np.round(scores.astype(np.float64), 8), pa.float32()),
            "ccnet_perplexity": pa.array(perplexity, pa.float32()),
            "ccnet_bucket": pa.array(self._buckets(batch, perplexity), pa.int8()),
        }

    def _perplexity(self, batch: TextBatch) -> list[float | None]:
        if not self.config.kenlm_models:
            return [None] * len(batch)
        from signals.perplexity import batch_perplexity

        return batch_perplexity(batch, self.config.kenlm_models, self.config.sentencepiece_models,
                                self.config.perplexity_scope)

    @staticmethod
    def _buckets(batch: TextBatch, perplexity: list[float | None]) -> list[int | None]:
        langs = languages(batch)
        out: list[int | None] = []
        for lang, ppl in zip(langs, perplexity, strict=True):
            cutoffs = DEFAULT_BUCKET_CUTOFFS.get(lang or "")
            if ppl is None or cutoffs is None:
                out.append(None)
            else:
                out.append(0 if ppl < cutoffs[0] else 1 if ppl < cutoffs[1] else 2)
        return out
