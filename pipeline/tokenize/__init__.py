"""Tokenize and pack: documents → token ids (HF tokenizers, on Dask) → indexed dataset + packed sequences."""
