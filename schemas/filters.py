"""Schema of a filter file (`assay select --filters F.yaml`; the `select` stage of a job).

    nulls: keep                        # default decision for rules whose result is unknown (null)
    rules:                             # document rules, in funnel order; a document must pass all
      - recipe: c4                     # a named recipe (filters/recipes.py) ...
        overrides: {min_sentences: 3}  # ... with some thresholds changed (null disables a part)
      - name: long_enough              # a test of one signal: min/max (inclusive), gt/lt (strict),
        signal: rps_doc_word_count     #   in (one of), is_null; agg: mean|sum|min|max|len for a
        min: 50                        #   line-level (list) signal
      - name: few_short_lines          # the fraction of lines passing a per-line test
        frac_lines: {signal: rps_lines_num_words, lt: 3}
        max: 0.5
      - {name: no_filler, all: [...]}  # all / any / not combine rules
      - dedup: fuzzy                   # keep flag of the dedup stage: exact | fuzzy | all
    line_filters:                      # per-line rules: lines failing them are removed
      - recipe: c4_lines

Every rule may have `name` (shown in the funnel) and `nulls: keep|drop`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

NullPolicy = Literal["keep", "drop"]
Number = StrictInt | StrictFloat
Value = StrictBool | StrictInt | StrictFloat | StrictStr

# the key that says what kind of rule a mapping is, in the order they are looked for
RULE_KEYS = ("recipe", "signal", "frac_lines", "all", "any", "not", "dedup")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Named(_Spec):
    name: StrictStr | None = Field(None, min_length=1, description="shown in the funnel report")
    nulls: NullPolicy | None = Field(None, description="decide an unknown (null) result: keep or drop")


class _Bounds(_Spec):
    min: Number | None = Field(None, description="keep when value >= min")
    max: Number | None = Field(None, description="keep when value <= max")
    gt: Number | None = Field(None, description="keep when value > gt")
    lt: Number | None = Field(None, description="keep when value < lt")


class SignalRule(_Named, _Bounds):
    signal: StrictStr
    agg: Literal["mean", "sum", "min", "max", "len"] | None = Field(
        None, description="aggregate a line-level (list) signal over the document's lines")
    in_: list[Value] | None = Field(None, alias="in", min_length=1, description="keep when value is one of these")
    is_null: StrictBool | None = Field(None, description="true: keep when null; false: keep when not null")


class FracLinesRule(_Named, _Bounds):
    frac_lines: RuleSpec = Field(description="a per-line rule; its value is the fraction of lines passing it")


class AllRule(_Named):
    all: list[RuleSpec] = Field(min_length=1)


class AnyRule(_Named):
    any: list[RuleSpec] = Field(min_length=1)


class NotRule(_Named):
    not_: RuleSpec = Field(alias="not")


class RecipeRule(_Named):
    recipe: StrictStr
    overrides: dict[str, Any] = Field(default_factory=dict, description="recipe parameter -> value (null disables)")


class DedupRule(_Named):
    dedup: Literal["exact", "fuzzy", "all"]


def _rule_kind(value: Any) -> str | None:
    keys = value.keys() if isinstance(value, dict) else ()
    for key in RULE_KEYS:
        if key in keys:
            return f"{key} rule"
    return None


RuleSpec = Annotated[
    Annotated[RecipeRule, Tag("recipe rule")]
    | Annotated[SignalRule, Tag("signal rule")]
    | Annotated[FracLinesRule, Tag("frac_lines rule")]
    | Annotated[AllRule, Tag("all rule")]
    | Annotated[AnyRule, Tag("any rule")]
    | Annotated[NotRule, Tag("not rule")]
    | Annotated[DedupRule, Tag("dedup rule")],
    Discriminator(_rule_kind, custom_error_type="rule_kind",
                  custom_error_message="a rule is a mapping with one of the keys " + ", ".join(RULE_KEYS)),
]


class FilterFile(_Spec):
    """A whole filter file."""

    nulls: NullPolicy = Field("keep", description="default decision for an unknown (null) rule result")
    rules: list[RuleSpec] = Field(default_factory=list, description="document rules, in funnel order")
    line_filters: list[RuleSpec] = Field(default_factory=list, description="per-line rules")


for _model in (FracLinesRule, AllRule, AnyRule, NotRule, FilterFile):
    _model.model_rebuild()

# every key a filter file may use, for "did you mean" hints
KNOWN_KEYS = sorted({*FilterFile.model_fields, "in", "not", *(
    k for m in (SignalRule, FracLinesRule, AllRule, AnyRule, RecipeRule, DedupRule) for k in m.model_fields
    if not k.endswith("_"))})
