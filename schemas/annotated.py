"""The Arrow schema of annotated Parquet: document columns, then one typed column per signal."""

from collections.abc import Iterable

import pyarrow as pa

from schemas.documents import DOCUMENT_SCHEMA


def annotated_schema(signal_fields: Iterable[pa.Field]) -> pa.Schema:
    """Document columns followed by the given signal columns, in order."""
    fields = list(DOCUMENT_SCHEMA)
    seen = set(DOCUMENT_SCHEMA.names)
    for field in signal_fields:
        if field.name in seen:
            raise ValueError(f"signal column {field.name!r} is declared twice")
        seen.add(field.name)
        fields.append(field)
    return pa.schema(fields)
