"""Keep rule `max:<signal>`: in each cluster keep the member with the highest signal value.

Ties and nulls go to the smallest document index. Two shuffles: members (with their value) go to
the partition of their cluster, where the winner is chosen; the winner goes back to each member's
input file as `<kind>_chosen/<file>` rows (doc, cluster = the winner's index).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.dedup.inputs import read_columns
from pipeline.dedup.shuffle import gather, scatter
from pipeline.dedup.stages import MEMBERS, Job

RANKED = pa.schema([("doc", pa.int64()), ("cluster", pa.int64()), ("value", pa.float64())])


def send_values(number: int, job: Job, signal: str) -> dict:
    f = job.plan.files[number]
    values = read_columns(f.path, [signal], job.storage_options).column(signal)
    values = values.cast(pa.float64(), safe=False).fill_null(-np.inf).to_numpy()  # integers past 2**53 round
    for kind in ("exact", "fuzzy"):
        m = gather(job.fuzzy_members if kind == "fuzzy" else job.dir("exact_out"), number, MEMBERS,
                   job.storage_options)
        docs, clusters = m.column("doc").to_numpy(), m.column("cluster").to_numpy()
        v = np.nan_to_num(values[docs - f.offset], nan=-np.inf)
        table = pa.table({"doc": docs, "cluster": clusters, "value": v}, schema=RANKED)
        scatter(table, clusters % job.partitions, job.dir(f"{kind}_ranked"), f"{number:06d}", job.storage_options)
    return {}


def choose(partition: int, job: Job, kind: str) -> dict:
    t = gather(job.dir(f"{kind}_ranked"), partition, RANKED, job.storage_options)
    if not t.num_rows:
        return {}
    docs, clusters, values = (t.column(c).to_numpy() for c in ("doc", "cluster", "value"))
    order = np.lexsort((docs, -values, clusters))  # per cluster: highest value first, then smallest doc
    docs, clusters = docs[order], clusters[order]
    start = np.r_[True, clusters[1:] != clusters[:-1]]
    winner = docs[start][np.cumsum(start) - 1]
    table = pa.table({"doc": docs, "cluster": winner, "size": np.zeros(len(docs), np.int32)}, schema=MEMBERS)
    scatter(table, job.plan.file_of(docs), job.dir(f"{kind}_chosen"), f"{partition:05d}", job.storage_options)
    return {}
