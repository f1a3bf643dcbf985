"""Arrow schemas of every file assay writes, and the schemas of its configs."""

from schemas.annotated import annotated_schema
from schemas.documents import DOCUMENT_SCHEMA, document_fields

__all__ = ["DOCUMENT_SCHEMA", "annotated_schema", "document_fields"]
