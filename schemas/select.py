"""The select stage: its config, the schema of selected Parquet, and the funnel report (funnel.json)."""

from __future__ import annotations

import pyarrow as pa
from pydantic import BaseModel, Field

from schemas.config import StrictModel


class SelectConfig(StrictModel):
    """Annotated Parquet in, selected Parquet (one file per input shard) + funnel.json out."""

    inputs: tuple[str, ...]
    output: str
    filters: str = Field(description="filter file (YAML, schemas/filters.py)")
    dedup: str | None = Field(None, description="dedup stage output folder, joined on id")
    storage_options: dict[str, object] = Field(default_factory=dict)


def selected_schema(annotated: pa.Schema, dedup: pa.Schema | None = None, config_hash: str = "") -> pa.Schema:
    """Selected Parquet: the annotated columns (documents, then signals) followed by the dedup columns.

    With line filters, `text`, `assay_line_ends` and every line-level list column hold the kept lines
    only; document-level signals describe the text before line filtering.
    """
    fields = list(annotated)
    if dedup is not None:
        fields += [f for f in dedup if f.name != "id" and f.name not in annotated.names]
    metadata = {k: v for k, v in (annotated.metadata or {}).items() if not k.startswith(b"assay.")}
    metadata.update({b"assay.stage": b"select", b"assay.config_hash": config_hash.encode(),
                     b"assay.signals_describe": b"the text before line filters"})
    return pa.schema(fields, metadata=metadata)


class Count(BaseModel):
    documents: int = 0
    chars: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(documents=self.documents + other.documents, chars=self.chars + other.chars)


class RuleFunnel(BaseModel):
    """One document rule: what it removes on its own (from all input) and in sequence (after the rules above)."""

    name: str
    expression: str
    nulls: str
    removed_alone: Count = Count()
    removed_in_sequence: Count = Count()
    remaining: Count = Count()


class LineRuleFunnel(BaseModel):
    """One line filter, over the lines of the documents the document rules kept."""

    name: str
    expression: str
    lines_removed_alone: int = 0
    chars_removed_alone: int = 0
    lines_removed_in_sequence: int = 0
    chars_removed_in_sequence: int = 0


class Funnel(BaseModel):
    """What each rule removed, summed over shards. Characters are code points (ccnet_length when present)."""

    input: Count = Count()
    rules: list[RuleFunnel] = Field(default_factory=list)
    after_rules: Count = Count()
    lines_in: int = 0
    line_chars_in: int = 0
    line_filters: list[LineRuleFunnel] = Field(default_factory=list)
    emptied_by_line_filters: Count = Count()
    output: Count = Count()
    missing_from_dedup: int | None = Field(None, description="input documents without a row in the dedup output")

    def __add__(self, other: Funnel) -> Funnel:
        def add_rules(a: list, b: list) -> list:
            if not a:
                return b
            if [r.name for r in a] != [r.name for r in b]:
                raise ValueError("cannot add funnels of different rules")
            out = []
            for x, y in zip(a, b, strict=True):
                fields = {k: (getattr(x, k) + getattr(y, k)) for k in type(x).model_fields
                          if k not in ("name", "expression", "nulls")}
                out.append(x.model_copy(update=fields))
            return out

        missing = None if self.missing_from_dedup is None and other.missing_from_dedup is None else \
            (self.missing_from_dedup or 0) + (other.missing_from_dedup or 0)
        return Funnel(input=self.input + other.input, rules=add_rules(self.rules, other.rules),
                      after_rules=self.after_rules + other.after_rules, lines_in=self.lines_in + other.lines_in,
                      line_chars_in=self.line_chars_in + other.line_chars_in,
                      line_filters=add_rules(self.line_filters, other.line_filters),
                      emptied_by_line_filters=self.emptied_by_line_filters + other.emptied_by_line_filters,
                      output=self.output + other.output, missing_from_dedup=missing)
