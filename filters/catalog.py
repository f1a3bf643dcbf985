"""Which columns a rule may name, and what kind of value each holds.

Known columns: every signal of the registry, the dedup stage's keep flags, and the columns of the
annotated tables being selected from (so a table's own extra columns are accepted too).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Kind = Literal["number", "string", "bool", "list", "other"]

DEDUP_COLUMNS: dict[str, pa.DataType] = {
    "exact_cluster": pa.string(), "exact_keep": pa.bool_(), "fuzzy_cluster": pa.string(),
    "cluster_size": pa.int64(), "fuzzy_keep": pa.bool_(), "keep": pa.bool_(),
}


def kind_of(dtype: object) -> Kind:
    """The kind of an Arrow (or polars) type."""
    if not isinstance(dtype, pa.DataType):
        return _polars_kind(dtype)
    if pa.types.is_boolean(dtype):
        return "bool"
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return "string"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_list_view(dtype):
        return "list"
    return "other"


def _polars_kind(dtype: object) -> Kind:
    import polars as pl

    if dtype == pl.Boolean:
        return "bool"
    if isinstance(dtype, pl.DataType) and dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical):
        return "string"
    if isinstance(dtype, pl.List):
        return "list"
    return "other"


@functools.lru_cache(maxsize=1)
def registry_types() -> dict[str, pa.DataType]:
    """name → Arrow type of every signal the registered families can write."""
    from signals.families import all_signals

    return {s.name: s.type for _, s in all_signals()}


@dataclass(frozen=True)
class Catalog:
    """Column name → kind, with nearest-name suggestions for unknown names."""

    kinds: Mapping[str, Kind]

    @classmethod
    def build(cls, *schemas: pa.Schema | Mapping[str, object] | None, registry: bool = True) -> Catalog:
        """Registry signals and dedup flags, plus the columns of the given table schemas (Arrow or polars)."""
        types: dict[str, object] = dict(registry_types()) if registry else {}
        types.update(DEDUP_COLUMNS)
        for schema in schemas:
            if schema is None:
                continue
            pairs: Iterable = zip(schema.names, schema.types, strict=True) if isinstance(schema, pa.Schema) \
                else schema.items()
            types.update(dict(pairs))
        return cls({name: kind_of(t) for name, t in types.items()})

    def __contains__(self, name: str) -> bool:
        return name in self.kinds

    def kind(self, name: str) -> Kind:
        return self.kinds[name]

    def suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, list(self.kinds), n=1, cutoff=0.6)
        return close[0] if close else None

    def unknown_message(self, name: str) -> str:
        hint = self.suggest(name)
        return f"unknown signal {name!r}" + (f" (did you mean {hint!r}?)" if hint else
                                              " (see `assay signals` for the list)")
