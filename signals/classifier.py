"""fastText quality classifiers the RedPajama-V2 way: training data, training, and scores.

Input text of a document: `" ".join(raw.splitlines()).strip()`. The negative class (the raw crawl)
is labelled `__label__cc`; the positive class gets another label (default `__label__hq`). Classes
are balanced 50/50 by downsampling the larger side with a seeded RNG, and fastText is trained with
its default supervised hyperparameters. Score of a document: the top-1 prediction's probability
`p`, as `1 - p` when the label is `__label__cc`, else `p` (the probability of "not crawl").
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Iterable, Sequence

from signals.models import Top1

CC_LABEL = "__label__cc"


def classifier_text(raw: str) -> str:
    """The single line a classifier sees: lines joined by spaces, outer whitespace stripped."""
    return " ".join(raw.splitlines()).strip()


def sample(texts: Iterable[str], limit: int | None, rng: random.Random) -> list[str]:
    """Non-empty classifier texts; a uniform reservoir sample of `limit` of them when given."""
    kept: list[str] = []
    seen = 0
    for raw in texts:
        text = classifier_text(raw)
        if not text:
            continue
        seen += 1
        if limit is None or len(kept) < limit:
            kept.append(text)
        else:
            j = rng.randrange(seen)
            if j < limit:
                kept[j] = text
    return kept


def balanced_training_lines(
    positive: Sequence[str], negative: Sequence[str], label: str, seed: int
) -> list[str]:
    """`__label__X text` lines, 50/50 by downsampling the larger class, shuffled; all seeded."""
    if not positive or not negative:
        raise ValueError(f"need documents of both classes (positive: {len(positive)}, negative: {len(negative)})")
    rng = random.Random(seed)
    n = min(len(positive), len(negative))
    pos = rng.sample(list(positive), n) if len(positive) > n else list(positive)
    neg = rng.sample(list(negative), n) if len(negative) > n else list(negative)
    lines = [f"{label} {t}" for t in pos] + [f"{CC_LABEL} {t}" for t in neg]
    rng.shuffle(lines)
    return lines


def train(lines: Sequence[str], output: str, seed: int = 0, threads: int | None = None, **hyper) -> dict:
    """Train a fastText supervised model on labelled lines and save it to `output` (a local path)."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.txt")
        with open(path, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line + "\n")
        options = {"input": path, "seed": seed, "verbose": 0, **hyper}
        if threads is not None:
            options["thread"] = threads
        try:
            model = fasttext.train_supervised(**options)
        except RuntimeError as exc:
            if "NaN" not in str(exc):
                raise
            raise ValueError("fastText training diverged (NaN); this happens on very small or very repetitive "
                             "corpora: give it more (and more varied) documents") from exc
    model.save_model(output)
    return {"examples": len(lines), "labels": list(model.get_labels()), "words": len(model.get_words())}


def predict_scores(top1: Top1, texts: Sequence[str]) -> list[float | None]:
    """Quality score per raw text, from a model's top-1 predictions (signals.models.fasttext_top1).

    None for an empty text only: a whitespace-only text is scored on "" (as RedPajama-V2 does).
    """
    prepared = [classifier_text(t) for t in texts]
    todo = [i for i, t in enumerate(texts) if t]
    out: list[float | None] = [None] * len(texts)
    if not todo:
        return out
    labels, probs = top1([prepared[i] for i in todo])
    for i, label, prob in zip(todo, labels, probs.tolist(), strict=True):
        out[i] = round(1.0 - prob if label == CC_LABEL else prob, 8)
    return out
