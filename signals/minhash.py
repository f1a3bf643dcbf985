"""minhash family: MinHash signatures over word n-grams, and the exact-duplicate hash.

Columns: `minhash_<scheme>` (fixed_size_list<uint32, num_perm>, null below n words) for each
configured scheme (`oph`, the fast default; `rpv2`, bit-compatible with RedPajama-V2), and
`minhash_exact_hash`, the xxh64 of the normalized text that exact deduplication groups by.
The parameters go into the Parquet metadata under `assay.minhash`, so the dedup stage can refuse
to compare signatures made differently.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from signals import kernels, minhash_oph, minhash_rpv2
from signals.arrays import code_points_view, words_view
from signals.batch import TextBatch
from signals.registry import Family, Signal, register

METADATA_KEY = "assay.minhash"
EXACT_COLUMN = "minhash_exact_hash"
SCHEME_VERSIONS = {"oph": 1, "rpv2": 1}
_DEFINITIONS = {
    "oph": "one-permutation MinHash with optimal densification over word {n}-grams of the lowercased, "
           "punctuation-free text; {k} uint32 bins, seed {seed}; null below {n} words",
    "rpv2": "MinHash of RedPajama-V2 / datasketch legacy: {n}-gram shingles of normalized words, "
            "sha1_hash32, {k} permutations from RandomState({seed}); null below {n} words",
}


def signature_column(scheme: str) -> str:
    return f"minhash_{scheme}"


def scheme_parameters(config_minhash: object, scheme: str) -> dict[str, int | str]:
    """What fixes every bit of a scheme's signatures (recorded in, and compared across, files)."""
    return {"scheme": scheme, "version": SCHEME_VERSIONS[scheme], "ngram": config_minhash.ngram_of(scheme),
            "num_perm": config_minhash.num_perm, "seed": config_minhash.seed}


def exact_hashes(batch: TextBatch) -> np.ndarray:
    """xxh64 (seed 0) of each document's `normalize(raw)` as UTF-8, encoded from the words view."""
    words = batch.view("words", words_view)
    return kernels.joined_xxh64(words.codes, words.pos, words.length, words.start, np.uint64(0))


def normalized_utf8(batch: TextBatch) -> list[bytes]:
    """`normalize(raw)` of every document as UTF-8 (lone surrogates kept, as "surrogatepass" encodes them)."""
    buf, start = batch.view("words", words_view).normalized_utf8
    data = buf.tobytes()
    bounds = start.tolist()
    return [data[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def signature_array(sig: np.ndarray, valid: np.ndarray) -> pa.FixedSizeListArray:
    """uint32[docs, k] + validity -> fixed_size_list<uint32, k> with nulls where not valid."""
    values = pa.array(sig.reshape(-1), type=pa.uint32())
    return pa.FixedSizeListArray.from_arrays(values, sig.shape[1], mask=pa.array(~valid))


@register("minhash")
class MinHash(Family):
    def signals(self) -> tuple[Signal, ...]:
        mh = self.config.minhash
        out = []
        for scheme in mh.schemes:
            definition = _DEFINITIONS[scheme].format(n=mh.ngram_of(scheme), k=mh.num_perm, seed=mh.seed)
            out.append(Signal(signature_column(scheme), pa.list_(pa.uint32(), mh.num_perm), definition))
        out.append(Signal(EXACT_COLUMN, pa.uint64(), "xxh64 (seed 0) of the UTF-8 of the normalized text"))
        return tuple(out)

    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        mh = self.config.minhash
        out: dict[str, pa.Array] = {}
        for scheme in mh.schemes:
            n = mh.ngram_of(scheme)
            if scheme == "rpv2":
                normalized = batch.view("normalized_utf8", normalized_utf8)
                sig, valid = minhash_rpv2.signatures(normalized, n, mh.num_perm, mh.seed)
            else:
                points = batch.view("code_points", code_points_view)
                sig, valid = minhash_oph.code_point_signatures(points.codes, points.doc_start, n, mh.num_perm, mh.seed)
            out[signature_column(scheme)] = signature_array(sig, valid)
        out[EXACT_COLUMN] = pa.array(exact_hashes(batch), pa.uint64())
        return out

    def metadata(self) -> dict[str, str]:
        mh = self.config.minhash
        value = {"schemes": {s: scheme_parameters(mh, s) for s in mh.schemes},
                 "exact_hash": "xxh64 seed 0 of normalize(text)"}
        return {METADATA_KEY: json.dumps(value, sort_keys=True)}
