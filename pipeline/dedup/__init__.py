"""Exact and MinHash-LSH deduplication of annotated Parquet (the `dedup` stage)."""

from pipeline.dedup.run import run_dedup

__all__ = ["run_dedup"]
