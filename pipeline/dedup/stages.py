"""The dedup stage's tasks. Each reads files and writes files; pipeline/dedup/run.py orders them.

map_file (per input file)  -> exact/<p>, bands/<p>   (keys hashed to P partitions)
exact_groups (per p)       -> exact_out/<file>      (members of groups of 2+ documents)
bucket_edges (per p)       -> forest/<p> or verify1/<file of anchor>
verify_attach (per file)   -> verify2/<file of member>  (anchor's shingle set or signature carried along)
verify_filter (per file)   -> forest/<file>         (pairs whose exact / estimated Jaccard >= threshold)
components                 -> fuzzy_out/<file>      (pipeline/dedup/run.py)
centers (with verification) -> fuzzy_center/<file>  (pipeline/dedup/centers.py)
assemble (per input file)  -> OUT/<stem>.parquet
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dedup.components import union_find
from pipeline.dedup.inputs import Plan, read_columns, read_rows, signatures_of
from pipeline.dedup.lsh import band_keys
from pipeline.dedup.shingles import pair_jaccard, shingle_sets, take_sets
from pipeline.dedup.shuffle import gather, hash_partition, partition_files, read_piece, scatter
from pipeline.storage import commit, filesystem, join, temporary_name
from schemas.dedup import DEDUP_SCHEMA
from signals.minhash import EXACT_COLUMN

KEYED = pa.schema([("key", pa.uint64()), ("doc", pa.int64())])
EDGES = pa.schema([("u", pa.int64()), ("v", pa.int64())])
MEMBERS = pa.schema([("doc", pa.int64()), ("cluster", pa.int64()), ("size", pa.int32())])
ALL_PAIRS_LIMIT = 16  # buckets up to this size give all member pairs to verification
VERIFY_BATCH_VALUES = 4_000_000  # carried shingle hashes / signature values per verify batch (~32 MB)


@dataclass(frozen=True)
class Job:
    plan: Plan
    work: str
    output: str
    partitions: int
    bands: int
    rows: int
    threshold: float
    verify: str  # "off", "exact" (shingle-set Jaccard) or "estimate" (signature agreement)
    clusters: str = "components"  # "centers" splits verified components (pipeline/dedup/centers.py)
    metadata: dict[str, str] = field(default_factory=dict)
    storage_options: dict[str, Any] = field(default_factory=dict)

    def dir(self, name: str) -> str:
        return join(self.work, name)

    @property
    def centers(self) -> bool:
        return self.clusters == "centers" and self.verify != "off"

    @property
    def fuzzy_members(self) -> str:
        """Where the final fuzzy cluster of each clustered document is written."""
        return self.dir("fuzzy_center" if self.centers else "fuzzy_out")


def _docs(job: Job, number: int) -> np.ndarray:
    f = job.plan.files[number]
    return np.arange(f.offset, f.offset + f.rows, dtype=np.int64)


def map_file(number: int, job: Job) -> dict:
    """Exact hashes and LSH band keys of one input file, scattered by key."""
    f = job.plan.files[number]
    so = job.storage_options
    table = read_columns(f.path, [EXACT_COLUMN, job.plan.column], so)
    docs = _docs(job, number)
    hashes = table.column(EXACT_COLUMN).to_numpy().astype(np.uint64)
    exact_bytes = scatter(pa.table({"key": hashes, "doc": docs}, schema=KEYED), hash_partition(hashes, job.partitions),
                          job.dir("exact"), f"{number:06d}", so)
    sig, valid = signatures_of(table, job.plan.column, int(job.plan.parameters["num_perm"]))
    keys = band_keys(sig[valid], job.bands, job.rows).reshape(-1)
    band_docs = np.repeat(docs[valid], job.bands)
    band_bytes = scatter(pa.table({"key": keys, "doc": band_docs}, schema=KEYED), hash_partition(keys, job.partitions),
                         job.dir("bands"), f"{number:06d}", so)
    return {"documents": f.rows, "signatures": int(valid.sum()), "exact_bytes": exact_bytes,
            "band_bytes": band_bytes}


def _groups(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by (key, doc): (docs, first doc of their key group, group size)."""
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    start = np.r_[True, keys[1:] != keys[:-1]]
    group = np.cumsum(start) - 1
    first = docs[start][group]
    size = np.bincount(group)[group]
    return docs, first, size


def exact_groups(partition: int, job: Job) -> dict:
    """Members of exact-hash groups of two or more documents, sent to their input file."""
    t = gather(job.dir("exact"), partition, KEYED, job.storage_options)
    docs, first, size = _groups(t.column("key").to_numpy(), t.column("doc").to_numpy())
    dup = size > 1
    members = pa.table({"doc": docs[dup], "cluster": first[dup], "size": size[dup].astype(np.int32)}, schema=MEMBERS)
    scatter(members, job.plan.file_of(docs[dup]), job.dir("exact_out"), f"{partition:05d}", job.storage_options)
    return {"rows": t.num_rows, "duplicates": int(dup.sum()) - len(np.unique(first[dup]))}


def bucket_edges(partition: int, job: Job) -> dict:
    """Candidate pairs of one band partition.

    Without verification each bucket member is linked to the bucket's first document (a star has
    the components of the whole bucket). With verification a failed link to the first document
    would also cut a member from the other members it does resemble, so buckets of up to
    ALL_PAIRS_LIMIT documents give every pair of members; larger buckets give the star.
    """
    t = gather(job.dir("bands"), partition, KEYED, job.storage_options)
    keys, docs = t.column("key").to_numpy(), t.column("doc").to_numpy()
    limit = ALL_PAIRS_LIMIT if job.verify != "off" else 1
    u, v = _unique_pairs(*_bucket_pairs(keys, docs, limit))
    if job.verify != "off":
        edges = pa.table({"u": u, "v": v}, schema=EDGES)
        scatter(edges, job.plan.file_of(v), job.dir("verify1"), f"{partition:05d}", job.storage_options)
    else:
        _write_forest(u, v, f"p{partition:05d}", job)
    return {"band_rows": t.num_rows, "candidates": len(u)}


def _bucket_pairs(keys: np.ndarray, docs: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(u, v), u > v: all pairs inside buckets of at most `limit` documents, the star inside larger ones."""
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    start = np.r_[True, keys[1:] != keys[:-1]]
    group = np.cumsum(start) - 1
    first_row = np.flatnonzero(start)[group]
    position = np.arange(len(docs)) - first_row
    size = np.bincount(group)[group] if len(docs) else position
    # a member is linked to the `links` members before it: all of them in small buckets, the first in large ones
    links = np.where(size <= limit, position, np.minimum(position, 1))
    total = int(links.sum())
    member = np.repeat(np.arange(len(docs)), links)
    partner = np.repeat(first_row, links) + (np.arange(total) - np.repeat(np.cumsum(links) - links, links))
    u, v = docs[member], docs[partner]
    differ = u != v
    return u[differ], v[differ]


def _unique_pairs(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(u):
        return u, v
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    new = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    return u[new], v[new]


def _write_forest(u: np.ndarray, v: np.ndarray, name: str, job: Job) -> None:
    """Union-find over this partition's edges; keep one edge per node to its local root."""
    nodes, labels = union_find(u, v)
    linked = nodes != labels
    forest = pa.table({"u": nodes[linked], "v": labels[linked]}, schema=EDGES)
    scatter(forest, np.zeros(forest.num_rows, dtype=np.int64), job.dir("forest"), name, job.storage_options)


def _file_signatures(job: Job, number: int) -> np.ndarray:
    table = read_columns(job.plan.files[number].path, [job.plan.column], job.storage_options)
    return signatures_of(table, job.plan.column, int(job.plan.parameters["num_perm"]))[0]


def _file_shingles(job: Job, number: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of the sorted unique `rows` of one input file (only their text is read)."""
    texts = read_rows(job.plan.files[number].path, "text", rows, job.storage_options).to_pylist()
    p = job.plan.parameters
    return shingle_sets(texts, job.plan.scheme, int(p["ngram"]), int(p["seed"]))


def _batches(sizes: np.ndarray, limit: int) -> list[slice]:
    """Consecutive slices of rows whose `sizes` add up to about `limit` (at least one row each)."""
    ends = np.searchsorted(np.cumsum(sizes), np.arange(1, int(sizes.sum()) // limit + 1) * limit, side="left") + 1
    cuts = np.unique(np.concatenate(([0], np.minimum(ends, len(sizes)), [len(sizes)])))
    return [slice(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def verify_attach(number: int, job: Job) -> dict:
    """Attach the anchor's signature or shingle set (anchors in this file); send each pair to its member's file.

    Pairs go out in batches of about VERIFY_BATCH_VALUES carried values, so neither this task
    nor the one reading its batches holds more than a batch of carried data at a time.
    """
    t = gather(job.dir("verify1"), number, EDGES, job.storage_options)
    if not t.num_rows:
        return {"pairs": 0, "verify_bytes": 0}
    u, v = t.column("u").to_numpy(), t.column("v").to_numpy()
    rows = v - job.plan.files[number].offset
    if job.verify == "exact":
        needed = np.unique(rows)
        values, offsets = _file_shingles(job, number, needed)
        local = np.searchsorted(needed, rows)
        sizes = (offsets[local + 1] - offsets[local]).astype(np.int64)
    else:
        sig = _file_signatures(job, number)
        sizes = np.full(len(rows), sig.shape[1], dtype=np.int64)
    written = 0
    for batch, part in enumerate(_batches(sizes, VERIFY_BATCH_VALUES)):
        if job.verify == "exact":
            vals, offs = take_sets(values, offsets, local[part])
            carried = pa.LargeListArray.from_arrays(pa.array(offs), pa.array(vals, pa.uint64()))
        else:
            flat = sig[rows[part]]
            carried = pa.FixedSizeListArray.from_arrays(pa.array(flat.reshape(-1), pa.uint32()), flat.shape[1])
        out = pa.table({"u": u[part], "v": v[part], "carried": carried})
        written += scatter(out, job.plan.file_of(u[part]), job.dir("verify2"), f"{number:06d}-{batch:05d}",
                           job.storage_options)
    return {"pairs": t.num_rows, "verify_bytes": written}


def verify_filter(number: int, job: Job) -> dict:
    """Keep the pairs (members in this file) whose Jaccard reaches the threshold: exact or estimated."""
    so = job.storage_options
    pieces = partition_files(job.dir("verify2"), number, so)
    if not pieces:
        return {"pairs": 0, "verified": 0}
    offset = job.plan.files[number].offset
    members = np.unique(np.concatenate([read_piece(p, so, ["u"]).column("u").to_numpy() for p in pieces]))
    if job.verify == "exact":
        own = _file_shingles(job, number, members - offset)
    else:
        sig = _file_signatures(job, number)
    kept_u, kept_v, pairs = [], [], 0
    for piece in pieces:  # one scattered batch at a time
        t = read_piece(piece, so)
        u, v = t.column("u").to_numpy(), t.column("v").to_numpy()
        carried = t.column("carried").combine_chunks()
        if job.verify == "exact":
            theirs = (carried.flatten().to_numpy(), carried.offsets.to_numpy() - carried.offsets[0].as_py())
            similarity = pair_jaccard(take_sets(*own, np.searchsorted(members, u)), theirs)
        else:
            k = sig.shape[1]
            sig_v = carried.flatten().to_numpy().reshape(-1, k)
            similarity = (sig[u - offset] == sig_v).mean(axis=1)
        ok = similarity >= job.threshold
        kept_u.append(u[ok])
        kept_v.append(v[ok])
        pairs += t.num_rows
    u, v = np.concatenate(kept_u), np.concatenate(kept_v)
    _write_forest(u, v, f"f{number:06d}", job)
    if job.centers:
        verified = pa.table({"u": u, "v": v}, schema=EDGES)
        scatter(verified, np.full(len(u), number, dtype=np.int64), job.dir("verified"), f"{number:06d}",
                job.storage_options)
    return {"pairs": pairs, "verified": len(u)}


def assemble(number: int, job: Job) -> dict:
    """The output file of one input file: ids in input order with cluster ids and keep flags."""
    f = job.plan.files[number]
    so = job.storage_options
    ids = read_columns(f.path, ["id"], so).column("id")
    docs = _docs(job, number)
    exact = docs.copy()
    fuzzy = docs.copy()
    size = np.ones(len(docs), dtype=np.int32)
    e = gather(job.dir("exact_out"), number, MEMBERS, so)
    exact[e.column("doc").to_numpy() - f.offset] = e.column("cluster").to_numpy()
    z = gather(job.fuzzy_members, number, MEMBERS, so)
    rows = z.column("doc").to_numpy() - f.offset
    fuzzy[rows] = z.column("cluster").to_numpy()
    size[rows] = z.column("size").to_numpy()
    exact_keep, fuzzy_keep = _keepers(job, number, exact, fuzzy, docs)
    table = pa.table({"id": ids, "exact_cluster": exact, "exact_keep": exact_keep, "fuzzy_cluster": fuzzy,
                      "cluster_size": size, "fuzzy_keep": fuzzy_keep, "keep": exact_keep & fuzzy_keep},
                     schema=DEDUP_SCHEMA.with_metadata(job.metadata))
    final = join(job.output, f"{f.stem}.parquet")
    tmp = temporary_name(final)
    fs, path = filesystem(tmp, so)
    with fs.open(path, "wb") as sink:
        pq.write_table(table, sink, compression="zstd")
    commit(tmp, final, so)
    return {"rows_written": len(docs), "exact_removed": int((~exact_keep).sum()),
            "fuzzy_removed": int((~fuzzy_keep).sum()), "removed": int((~(exact_keep & fuzzy_keep)).sum())}


def _keepers(job: Job, number: int, exact: np.ndarray, fuzzy: np.ndarray, docs: np.ndarray) -> tuple:
    """Keep flags: the cluster's smallest index, unless a keep-by-signal stage chose other members."""
    exact_keep, fuzzy_keep = exact == docs, fuzzy == docs
    offset = job.plan.files[number].offset
    for kind, flags in (("exact", exact_keep), ("fuzzy", fuzzy_keep)):
        chosen = gather(job.dir(f"{kind}_chosen"), number, MEMBERS, job.storage_options)
        if chosen.num_rows:
            rows = chosen.column("doc").to_numpy() - offset
            flags[rows] = chosen.column("cluster").to_numpy() == chosen.column("doc").to_numpy()
    return exact_keep, fuzzy_keep
