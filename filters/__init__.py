"""Selection as queries over signal columns: rules composed in Python or written in YAML.

    from filters import col, recipes, Selection
    rule = col("rps_doc_word_count").between(50, 100_000) & ~col("rps_doc_lorem_ipsum").gt(0)
    selection = Selection.of(rule.named("long_enough"), recipes.gopher_quality(),
                             line_filters=[recipes.c4_lines()])
    kept = selection.apply(pl.scan_parquet("annotated/*.parquet")).collect()

Both forms compile to the same rule tree (filters.rules) and to one polars expression.
"""

from filters import recipes
from filters.catalog import Catalog
from filters.rules import Rule, all_of, any_of, col, dedup
from filters.selection import FilterError, Selection, Step


def load_filters(path: str, *schemas, registry: bool = True) -> Selection:
    """A YAML filter file, validated (file:line errors) against the registry and the given table schemas."""
    from filters.config import load_selection

    return load_selection(path, Catalog.build(*schemas, registry=registry))


__all__ = ["Catalog", "FilterError", "Rule", "Selection", "Step", "all_of", "any_of", "col", "dedup",
           "load_filters", "recipes"]
