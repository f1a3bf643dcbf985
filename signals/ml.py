"""ml family: fastText classifier scores and DSIR importance weights, one column per model.

The columns follow the configuration (`SignalConfig.classifiers`, `SignalConfig.dsir_targets`), in
name order: `rps_doc_ml_<name>_score` for each classifier (see signals.classifier) and
`rps_doc_<target>_importance` for each DSIR target (see signals.dsir). With no model configured
the family writes no columns.
"""

from __future__ import annotations

import re

import pyarrow as pa

from signals.batch import TextBatch
from signals.classifier import predict_scores
from signals.dsir import dsir_model
from signals.models import fasttext_model
from signals.registry import Family, Signal, register
from signals.views import raw_words_view

_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def classifier_column(name: str) -> str:
    return f"rps_doc_ml_{name}_score"


def importance_column(target: str) -> str:
    return f"rps_doc_{target}_importance"


def _check_names(names: list[str], what: str) -> list[str]:
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"{what} name {name!r}: use letters, digits and '_' only (it becomes a column name)")
    return sorted(names)


@register("ml")
class ML(Family):
    def signals(self) -> tuple[Signal, ...]:
        out = []
        for name in _check_names(list(self.config.classifiers), "classifier"):
            out.append(Signal(classifier_column(name), pa.float32(),
                              f"fastText classifier {name!r}: top-1 probability p on \" \".join(raw.splitlines())"
                              ".strip(); 1 - p if the label is __label__cc else p; None for empty text"))
        for target in _check_names(list(self.config.dsir_targets), "DSIR target"):
            out.append(Signal(importance_column(target), pa.float32(),
                              f"DSIR log importance weight toward {target!r}: hashed unigram+bigram counts of "
                              "raw_words (10,000 xxh3 buckets) · (log(p_target+1e-8) - log(p_source+1e-8)); "
                              "None for empty text"))
        return tuple(out)

    def notice(self) -> str | None:
        if self.config.classifiers or self.config.dsir_targets:
            return None
        return ("ml family writes no columns: no classifier (--classifier NAME=PATH) or DSIR target "
                "(--dsir-target NAME=PATH) given")

    def metadata(self) -> dict[str, str]:
        meta = {f"ml.classifier.{n}": p for n, p in sorted(self.config.classifiers.items())}
        meta.update({f"ml.dsir.{n}": p for n, p in sorted(self.config.dsir_targets.items())})
        return meta

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        out: dict[str, pa.Array] = {}
        for name, path in sorted(self.config.classifiers.items()):
            scores = predict_scores(fasttext_model(path), batch.texts)
            out[classifier_column(name)] = pa.array(scores, pa.float32())
        if self.config.dsir_targets:
            words = batch.view("raw_words", raw_words_view)
            for target, path in sorted(self.config.dsir_targets.items()):
                model = dsir_model(path)
                values = [model.importance(w) if t else None for t, w in zip(batch.texts, words, strict=True)]
                out[importance_column(target)] = pa.array(values, pa.float32())
        return out
