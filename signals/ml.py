"""ml family: fastText classifier scores and DSIR importance weights, one column per model.

The columns follow the configuration (`SignalConfig.classifiers`, `SignalConfig.dsir_targets`), in
name order: `rps_doc_ml_<name>_score` for each classifier (see signals.classifier) and
`rps_doc_<target>_importance` for each DSIR target (see signals.dsir). With no model configured
the family writes no columns.

A model path containing `{lang}` is a per-language model, as RedPajama-V2 has one classifier and
one DSIR model per language: each document is scored by the file for its language (the forced
language, else `ccnet_language`), and gets None when that file does not exist.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from signals.batch import TextBatch
from signals.classifier import predict_scores
from signals.dsir import DSIRModel, batch_features, dsir_model
from signals.langid import languages
from signals.models import fasttext_top1
from signals.registry import Family, Signal, register

_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def classifier_column(name: str) -> str:
    return f"rps_doc_ml_{name}_score"


def importance_column(target: str) -> str:
    return f"rps_doc_{target}_importance"


def length_corrected_column(target: str) -> str:
    return f"rps_doc_{target}_importance_length_correction"


LANG_PLACEHOLDER = "{lang}"


def models_per_document(path: str, batch: TextBatch, load: Callable[[str], Any]) -> list[Any]:
    """The model scoring each document: one for all, or per language when `path` has `{lang}`."""
    if LANG_PLACEHOLDER not in path:
        return [load(path)] * len(batch)
    langs = languages(batch)
    by_lang = {}
    for lang in set(langs):
        candidate = path.replace(LANG_PLACEHOLDER, lang or "")
        by_lang[lang] = load(candidate) if lang and os.path.exists(candidate) else None
    return [by_lang[lang] for lang in langs]


def check_names(names: list[str], what: str) -> list[str]:
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"{what} name {name!r}: use letters, digits and '_' only (it becomes a column name)")
    return sorted(names)


def importance_arrays(batch: TextBatch, models: list[DSIRModel | None]) -> tuple[pa.Array, pa.Array]:
    """Importance weights of the batch's documents, each under its model, and the same per word."""
    weights: list[float | None] = [None] * len(batch)
    per_word: list[float | None] = [None] * len(batch)
    for model in {id(m): m for m in models if m is not None}.values():
        features = batch_features(batch, model.buckets, model.seed)
        values = model.weights(features)
        for i, m in enumerate(models):
            if m is model and batch.texts[i]:
                weights[i] = float(values[i])
                words = int(features.words[i])
                per_word[i] = float(values[i]) / words if words else None
    return pa.array(weights, pa.float32()), pa.array(per_word, pa.float32())


@register("ml")
class ML(Family):
    def signals(self) -> tuple[Signal, ...]:
        out = []
        for name in check_names(list(self.config.classifiers), "classifier"):
            out.append(Signal(classifier_column(name), pa.float32(),
                              f"fastText classifier {name!r}: top-1 probability p on \" \".join(raw.splitlines())"
                              ".strip(); 1 - p if the label is __label__cc else p; None for empty text"))
        for target in check_names(list(self.config.dsir_targets), "DSIR target"):
            out.append(Signal(importance_column(target), pa.float32(),
                              f"DSIR log importance weight toward {target!r}: hashed unigram+bigram counts of "
                              "raw_words (10,000 xxh64 buckets) · (log(p_target+1e-8) - log(p_raw+1e-8)); "
                              "None for empty text"))
            if self.config.dsir_length_correction:
                out.append(Signal(length_corrected_column(target), pa.float32(),
                                  f"DSIR log importance weight toward {target!r} divided by the document's word "
                                  "count (raw_words); None for empty text or a text without words"))
        return tuple(out)

    def notice(self) -> str | None:
        if self.config.classifiers or self.config.dsir_targets:
            return None
        return ("ml family writes no columns: no classifier (--classifier NAME=PATH) or DSIR target "
                "(--dsir-target NAME=PATH) given")

    def metadata(self) -> dict[str, str]:
        meta = {f"ml.classifier.{n}": p for n, p in sorted(self.config.classifiers.items())}
        for name, path in sorted(self.config.dsir_targets.items()):
            meta[f"ml.dsir.{name}"] = path
            if LANG_PLACEHOLDER not in path:
                meta[f"ml.dsir.{name}.sha256"] = dsir_model(path).digest
        return meta

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        out: dict[str, pa.Array] = {}
        for name, path in sorted(self.config.classifiers.items()):
            models = models_per_document(path, batch, fasttext_top1)
            scores: list[float | None] = [None] * len(batch)
            for model in {id(m): m for m in models if m is not None}.values():
                rows = [i for i, m in enumerate(models) if m is model]
                for i, score in zip(rows, predict_scores(model, [batch.texts[i] for i in rows]), strict=True):
                    scores[i] = score
            out[classifier_column(name)] = pa.array(scores, pa.float32())
        for target, path in sorted(self.config.dsir_targets.items()):
            weights, per_word = importance_arrays(batch, models_per_document(path, batch, dsir_model))
            out[importance_column(target)] = weights
            if self.config.dsir_length_correction:
                out[length_corrected_column(target)] = per_word
        return out

    @staticmethod
    def templates() -> tuple[Signal, ...]:
        """The column patterns this family writes once models are configured (for `assay signals`)."""
        return (
            Signal(classifier_column("<name>"), pa.float32(),
                   "per --classifier NAME=PATH: fastText score, 1 - p if top label is __label__cc else p"),
            Signal(importance_column("<target>"), pa.float32(),
                   "per --dsir-target NAME=PATH: DSIR log importance weight toward the target corpus"),
        )
