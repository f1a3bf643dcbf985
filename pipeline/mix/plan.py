"""Plan a mixture: which documents each source contributes, and how many times, for the requested tokens.

Pure arithmetic over per-document token counts. A source asked for `r` tokens out of `a` available
takes floor(r / a) whole passes (epochs) over its documents, then a partial pass over its documents
in a seeded order, stopping before the document that would overshoot. So the realised tokens fall
short of the request by less than one document, and no document repeats more than the passes taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

from schemas.mix import MixConfig


class MixError(ValueError):
    """A mixture that cannot be made as asked (an epoch cap too low, an empty source)."""


@dataclass(frozen=True)
class SourcePlan:
    name: str
    counts: np.ndarray          # tokens per document, in source order
    requested_tokens: int
    full_epochs: int
    partial: np.ndarray         # source-order indices of the documents of the partial pass

    @property
    def available_tokens(self) -> int:
        return int(self.counts.sum())

    @property
    def realised_tokens(self) -> int:
        return self.full_epochs * self.available_tokens + int(self.counts[self.partial].sum())

    @property
    def epochs(self) -> float:
        return self.realised_tokens / self.available_tokens if self.available_tokens else 0.0

    @property
    def documents(self) -> int:
        return self.full_epochs * len(self.counts) + len(self.partial)

    @property
    def dropped_documents(self) -> int:
        """Documents of the source the mixture never uses."""
        return 0 if self.full_epochs else len(self.counts) - len(self.partial)


def requested_tokens(config: MixConfig) -> dict[str, int]:
    """Tokens asked of each source: its budget, or its weight's share of what the budgets leave."""
    budgets = {n: s.tokens for n, s in config.sources.items() if s.tokens is not None}
    weights = {n: s.weight for n, s in config.sources.items() if s.weight is not None}
    out = dict(budgets)
    if weights:
        rest = (config.total_tokens or 0) - sum(budgets.values())
        total_weight = sum(weights.values())
        out.update({n: int(round(rest * w / total_weight)) for n, w in weights.items()})
    return {n: out[n] for n in config.sources}


def seeded_order(ids: list[str], seed: int, salt: str) -> np.ndarray:
    """A permutation of range(len(ids)) from a seeded hash of each id (the same whatever the partitioning)."""
    keys = np.fromiter((xxhash.xxh64_intdigest(i.encode(), seed=seed) ^ xxhash.xxh64_intdigest(salt.encode()) for i in ids),
                       dtype=np.uint64, count=len(ids))
    return np.lexsort((np.arange(len(ids)), keys))


def plan_source(name: str, ids: list[str], counts: np.ndarray, requested: int, epoch_cap: float | None,
                seed: int) -> SourcePlan:
    available = int(counts.sum())
    if available == 0:
        raise MixError(f"mix source {name!r}: no tokens (no documents, or only empty ones)")
    needed = requested / available
    if epoch_cap is not None and needed > epoch_cap:
        raise MixError(f"mix source {name!r}: {requested:,} tokens requested but it has {available:,}, so it needs "
                       f"{needed:.2f} epochs, above its epoch_cap of {epoch_cap:g} "
                       f"(at most {int(epoch_cap * available):,} tokens); raise the cap or lower its share")
    full = requested // available
    remainder = requested - full * available
    order = seeded_order(ids, seed, name)
    cumulative = np.cumsum(counts[order])
    take = int(np.searchsorted(cumulative, remainder, side="right"))  # prefix whose sum stays <= remainder
    return SourcePlan(name=name, counts=counts, requested_tokens=requested, full_epochs=int(full),
                      partial=np.sort(order[:take]))


def plan_mixture(config: MixConfig, counts: dict[str, tuple[list[str], np.ndarray]]) -> list[SourcePlan]:
    """Every source's plan; raises MixError (naming the source) before anything is written."""
    asked = requested_tokens(config)
    return [plan_source(n, *counts[n], asked[n], config.sources[n].epoch_cap, config.seed) for n in config.sources]
