"""The annotated columns an import writes: assay's own names, types, definitions and column order.

A signal assay declares gets its declared field, so imported files read exactly like annotated ones;
the columns come in assay's order (family registration order, then each family's own). A signal assay
does not declare is kept after them: `rps_doc_ml_<name>_score` and `rps_doc_<target>_importance[...]`
as float32 (the `ml` family's type), another line-level signal as list<float64>, anything else as
float64.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from pipeline.interop.spans import SpanError, document_value, line_values, where
from schemas.annotated import annotated_schema
from schemas.config import MinHashConfig, SignalConfig, config_hash
from schemas.interop import IMPORTED_FIELDS as IMPORTED
from signals.families import all_signals
from signals.minhash import METADATA_KEY, scheme_parameters

LINE_ENDS = "assay_line_ends"
_ML = re.compile(r"^rps_doc_(ml_\w+_score|\w+_importance(_length_correction)?)$")
IMPORT_VERSION = 1


@functools.lru_cache(maxsize=1)
def _declared() -> dict[str, tuple[int, str, pa.Field]]:
    config = SignalConfig(minhash=MinHashConfig(schemes=("oph", "rpv2")))
    return {s.name: (i, family, s.field()) for i, (family, s) in enumerate(all_signals(config))}


def is_declared(name: str) -> bool:
    """A column assay's signal families (or an import) declare."""
    return name in _declared() or name in IMPORTED


@functools.lru_cache(maxsize=4096)
def is_line_level(name: str) -> bool:
    known = _declared().get(name)
    if known is not None:
        return pa.types.is_list(known[2].type)
    return name.startswith("rps_lines_")


def signal_field(name: str) -> pa.Field:
    known = _declared().get(name)
    if known is not None:
        return known[2]
    if name in IMPORTED:
        return IMPORTED[name]
    if _ML.match(name):
        return pa.field(name, pa.float32(), metadata={"definition": "imported ml score"})
    value = pa.list_(pa.float64()) if is_line_level(name) else pa.float64()
    return pa.field(name, value, metadata={"definition": "imported signal (not computed by assay)"})


def ordered(names: Iterable[str]) -> list[str]:
    """Declared signals in assay's column order, then the others in the order given."""
    names = list(dict.fromkeys(names))
    declared = _declared()
    known = sorted((n for n in names if n in declared), key=lambda n: declared[n][0])
    return known + [n for n in names if n not in declared]


def families(names: Iterable[str]) -> list[str]:
    declared = _declared()
    return list(dict.fromkeys(declared[n][1] for n in ordered(names) if n in declared))


def imported_schema(names: Iterable[str], fmt: str, extra: dict[str, str] | None = None) -> pa.Schema:
    """The annotated schema of the given signal columns, with the footer assay's stages read."""
    names = ordered(names)
    fields = [signal_field(n) for n in names]
    metadata = {"assay.stage": "annotate",
                "assay.config_hash": config_hash({"import": fmt, "columns": names, "version": IMPORT_VERSION}),
                "assay.families": ",".join(families(names)), "assay.import": fmt, **(extra or {})}
    if "minhash_rpv2" in names:
        params = scheme_parameters(MinHashConfig(schemes=("rpv2",)), "rpv2")
        metadata[METADATA_KEY] = json.dumps({"schemes": {"rpv2": params},
                                             "exact_hash": "xxh64 seed 0 of normalize(text)"}, sort_keys=True)
    return annotated_schema(fields).with_metadata(metadata)


def column(values: list, field: pa.Field) -> pa.Array:
    """An Arrow array of Python values (ints given as floats are cast back, exactly or not at all)."""
    try:
        return pa.array(values, field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values).cast(field.type)


class Rows:
    """Python values collected per column of a schema, made into one Arrow table per batch."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.values: dict[str, list] = {n: [] for n in schema.names}

    def __len__(self) -> int:
        return len(self.values["id"])

    def add(self, **values: Any) -> None:
        for name, value in values.items():
            self.values[name].append(value)

    def table(self, path: str) -> pa.Table:
        arrays = []
        for field in self.schema:
            try:
                arrays.append(column(self.values[field.name], field))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise ValueError(f"{path}: {field.name}: values do not fit {field.type}: {exc}") from None
        return pa.Table.from_arrays(arrays, schema=self.schema)


def span_signals(found: Any, expected: dict[str, str], text: str, ends: list[int], path: str, line: int,
                 field: str) -> dict[str, Any]:
    """{column: value} of one record's span lists, `expected` mapping each key to its column; the keys must
    be those of the first record, and every span must lie on the text (spans.document_value / line_values)."""
    if not isinstance(found, dict):
        raise ValueError(f"{where(path, line, field)}: expected an object, got {type(found).__name__}")
    if found.keys() != expected.keys():
        missing = [k for k in expected if k not in found]
        what = (f"missing field '{field}.{missing[0]}'" if missing
                else f"unexpected field '{field}.{sorted(found.keys() - expected.keys())[0]}'")
        raise ValueError(f"{path}: line {line}: {what} (line 1 has {len(expected)} of them)")
    out = {}
    length = len(text)
    for key, name in expected.items():
        spans = found[key]
        try:
            if spans == [] and not is_declared(name):  # an undeclared attribute with no span: unknown
                out[name] = None
            elif is_line_level(name):
                out[name] = line_values(spans, ends, length)
            else:
                out[name] = document_value(spans, length)
        except SpanError as exc:
            raise SpanError(f"{where(path, line, f'{field}.{key}')}: {exc}") from None
    return out
