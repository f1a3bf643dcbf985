"""A run's outputs for inspection: annotated/, dedup/, selected/ (+ funnel) and the tokens/dsir/mix summaries."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

import polars as pl

STAGES = ("annotated", "dedup", "selected", "dsir", "mix", "tokens")
SUMMARIES = {"tokens": "tokens/summary.json", "dsir": "dsir/summary.json", "mix": "mix/mix_summary.json"}
_FAMILY_PREFIXES = (("rps_doc_ml_", "ml"), ("rps_doc_", "rps_doc"), ("rps_lines_", "rps_lines"),
                    ("ccnet_", "ccnet"), ("minhash_", "minhash"), ("assay_", "assay_extras"))


def signal_family(column: str) -> str | None:
    """The signal family a column belongs to (None for document columns)."""
    if column.endswith("_importance") and column.startswith("rps_doc_"):
        return "ml"
    return next((family for prefix, family in _FAMILY_PREFIXES if column.startswith(prefix)), None)


def _parquet(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".parquet"))


def read_json(path: str) -> Any:
    """A JSON file, or None when it is absent; a clear error naming the file when it is not JSON."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


@dataclass
class RunOutputs:
    """The outputs of one `assay run` job under `root` (local folder); a missing stage is None/empty."""

    root: str
    files: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: str) -> RunOutputs:
        if "://" in root:
            raise ValueError(f"{root}: reports read a local output folder")
        if not os.path.isdir(root):
            raise FileNotFoundError(f"output folder not found: {root}")
        run = cls(root, {s: _parquet(os.path.join(root, s)) for s in ("annotated", "dedup", "selected", "mix")})
        if not any(run.files.values()) and not any(run.summary(s) for s in SUMMARIES):
            raise ValueError(f"{root}: no stage outputs (annotated/, dedup/, selected/, tokens/, dsir/, mix/)")
        return run

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def scan(self, stage: str) -> pl.LazyFrame | None:
        """A lazy scan of a stage's Parquet files, or None when the stage has none."""
        files = self.files.get(stage) or []
        return pl.scan_parquet(files) if files else None

    def manifest(self, stage: str) -> dict | None:
        return read_json(self.path(stage, "_manifest.json"))

    def summary(self, name: str) -> dict | None:
        """tokens, dsir or mix summary (the shared contracts), None when absent."""
        return read_json(self.path(SUMMARIES[name]))

    @cached_property
    def funnel(self) -> dict | None:
        return read_json(self.path("selected", "funnel.json"))

    @cached_property
    def dedup_stats(self) -> dict | None:
        return read_json(self.path("dedup", "_dedup_stats.json"))

    @cached_property
    def annotated_schema(self) -> dict[str, pl.DataType]:
        scan = self.scan("annotated")
        return dict(scan.collect_schema()) if scan is not None else {}

    def scalar_signals(self) -> dict[str, list[str]]:
        """Numeric scalar signal columns of the annotated output, by family (list columns and hashes left out)."""
        out: dict[str, list[str]] = {}
        for name, dtype in self.annotated_schema.items():
            family = signal_family(name)
            if family and family != "minhash" and dtype.is_numeric():
                out.setdefault(family, []).append(name)
        return out

    def documents(self, columns: list[str]) -> pl.DataFrame:
        """Columns of the annotated documents, plus `language` and `domain` (URL host) when available."""
        scan = self.scan("annotated")
        if scan is None:
            raise ValueError(f"{self.root}: no annotated output")
        schema = self.annotated_schema
        extra = []
        if "ccnet_language" in schema:
            extra.append(pl.col("ccnet_language").fill_null("(none)").alias("language"))
        if "url" in schema:
            extra.append(pl.col("url").map_elements(url_host, return_dtype=pl.String).alias("domain"))
        return scan.select(*[pl.col(c) for c in columns], *extra).collect()


def url_host(url: str | None) -> str:
    """The host of a URL ('(none)' when missing or unparsable)."""
    if not url:
        return "(none)"
    try:
        return urlparse(url).hostname or "(none)"
    except ValueError:
        return "(none)"
