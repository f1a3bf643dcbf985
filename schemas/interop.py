"""Arrow schemas of the interop formats: RedPajama-V2's MinHash Parquet (its duplicates Parquet is one
string column, `doc_id`), and the columns only an import writes into annotated Parquet."""

import pyarrow as pa

# bands x rows per LSH threshold for 128 permutations (datasketch's optimal rule, equal weights)
RPV2_BANDS = {"1.0": (1, 128), "0.9": (5, 25), "0.8": (9, 13), "0.7": (14, 9)}

RPV2_MINHASH_SCHEMA = pa.schema([
    pa.field("shard_id", pa.string()),
    pa.field("id", pa.string()),
    pa.field("id_int", pa.uint64()),
    *(pa.field(f"signature_sim{t}", pa.list_(pa.binary()),
               metadata={"doc": f"{b} bands of {r} big-endian uint32 MinHash values"}) for t, (b, r) in RPV2_BANDS.items()),
])

IMPORTED_FIELDS = {f.name: f for f in [
    pa.field("rpv2_is_duplicate", pa.bool_(), metadata={
        "definition": "listed in the RedPajama-V2 duplicates file: an exact duplicate of an earlier document"}),
]}
