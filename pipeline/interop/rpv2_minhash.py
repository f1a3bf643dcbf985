"""RedPajama-V2 MinHash Parquet ↔ assay's `minhash_rpv2` signatures.

RedPajama-V2 computes the datasketch-legacy signature (13-gram shingles of normalized words, 128
permutations, seed 42: assay's `rpv2` scheme) and stores it per LSH threshold as bands: for
`signature_sim<t>`, a list of b byte strings, band j being values `[j*r, (j+1)*r)` as big-endian
uint32. `signature_sim1.0` is one band of all 128 values, so it gives the whole signature; the other
thresholds' bands are slices of it. Rows: `shard_id, id, id_int, signature_sim{1.0,0.9,0.8,0.7}`;
a document of fewer than 13 words has null bands.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from schemas.interop import RPV2_BANDS as BANDS
from schemas.interop import RPV2_MINHASH_SCHEMA

FULL = "signature_sim1.0"
NUM_PERM = 128


def column_name(threshold: str) -> str:
    return f"signature_sim{threshold}"


def minhash_schema() -> pa.Schema:
    return RPV2_MINHASH_SCHEMA


def bands(signature: list[int] | None) -> dict[str, list[bytes] | None]:
    """The banded form of one signature (None for a null one)."""
    if signature is None:
        return {column_name(t): None for t in BANDS}
    values = np.asarray(signature, dtype=">u4")
    return {column_name(t): [values[j * r:(j + 1) * r].tobytes() for j in range(b)] for t, (b, r) in BANDS.items()}


def signature(full: list[bytes] | None, at: str) -> list[int] | None:
    """The 128 values of a `signature_sim1.0` cell, checked to be one band of 128 uint32."""
    if full is None:
        return None
    if len(full) != 1 or len(full[0]) != 4 * NUM_PERM:
        raise ValueError(f"{at}: {FULL} must be one band of {NUM_PERM} uint32 values, "
                         f"got {len(full)} bands of {[len(b) for b in full]} bytes")
    return np.frombuffer(full[0], dtype=">u4").astype(np.uint32).tolist()
