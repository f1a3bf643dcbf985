"""KenLM document perplexity as CCNet computes it (`ccnet_perplexity`).

For a document in language `lang` with a KenLM model for `lang`:

    perplexity = 10 ** (-Σ log10 P(line) / Σ (tokens(line) + 1))

Scope `document` (default, what CCNet's pipeline and so RedPajama-V2 compute): CCNet normalises the
whole document before tokenising, and its normalisation deletes control characters, '\\n'
included, so the document is scored as ONE line (words on either side of a line break are
joined). Scope `lines` (the formula as written in the spec): each line (split on '\\n') that is
non-empty after CCNet normalisation is scored on its own
(`signals.ccnet_text.normalize_line`: lowercase, accents stripped, digits → 0, unicode punctuation
→ ASCII, control characters removed). `log10 P(line)` is KenLM's score of the line with sentence
boundaries (`<s>` … `</s>`, hence the +1 per line), rounded to 1 decimal.

Tokens: with a SentencePiece model for `lang` (`SignalConfig.sentencepiece_models`, e.g. CCNet's
`<lang>.sp.model` paired with its `<lang>.arpa.bin`), the normalised line is encoded to pieces and
the pieces are the tokens, as CCNet does; this is what makes CCNet's published models and bucket
cutoffs meaningful. Without one, the tokens are the whitespace-separated words of the normalised
line (for KenLM models trained on such text). None when there is no model for the language or no
non-empty line.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping

from signals.batch import TextBatch
from signals.ccnet_text import normalize_line
from signals.langid import languages


@functools.cache
def kenlm_model(path: str):
    """Load a KenLM model (ARPA or binary) once per process."""
    import kenlm

    if not os.path.exists(path):
        raise FileNotFoundError(f"KenLM model not found: {path}")
    return kenlm.Model(path)


@functools.cache
def sentencepiece_model(path: str):
    """Load a SentencePiece model once per process."""
    import sentencepiece

    if not os.path.exists(path):
        raise FileNotFoundError(f"SentencePiece model not found: {path}")
    return sentencepiece.SentencePieceProcessor(model_file=path)


def tokenized_lines(text: str, sp=None) -> list[str]:
    """The document's non-empty normalised lines, as space-separated tokens."""
    out = []
    for line in text.split("\n"):
        norm = normalize_line(line)
        if not norm:
            continue
        if sp is not None:
            norm = " ".join(sp.encode(norm, out_type=str))
        out.append(norm)
    return out


def perplexity(text: str, model, sp=None, scope: str = "document") -> float | None:
    """CCNet perplexity of `text` under a KenLM `model` (None without any non-empty line).

    `scope`: "document" scores the normalised document as one line, as CCNet does; "lines" scores
    each non-empty normalised line.
    """
    if scope == "document":
        norm = normalize_line(text)
        lines = [" ".join(sp.encode(norm, out_type=str)) if sp is not None else norm] if norm else []
    elif scope == "lines":
        lines = tokenized_lines(text, sp)
    else:
        raise ValueError(f"perplexity scope must be 'document' or 'lines', not {scope!r}")
    log_score = 0.0
    length = 0
    for line in lines:
        log_score += model.score(line, bos=True, eos=True)
        length += len(line.split()) + 1
    if length == 0:
        return None
    return round(math.pow(10.0, -log_score / length), 1)


def batch_perplexity(
    batch: TextBatch,
    kenlm_models: Mapping[str, str],
    sentencepiece_models: Mapping[str, str] | None = None,
    scope: str = "document",
) -> list[float | None]:
    """Perplexity of every document under its language's model; None where there is no model."""
    sentencepiece_models = sentencepiece_models or {}
    out: list[float | None] = []
    for text, lang in zip(batch.texts, languages(batch), strict=True):
        path = kenlm_models.get(lang or "")
        if path is None:
            out.append(None)
            continue
        sp_path = sentencepiece_models.get(lang or "")
        sp = sentencepiece_model(sp_path) if sp_path else None
        out.append(perplexity(text, kenlm_model(path), sp, scope))
    return out
