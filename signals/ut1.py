"""The user-supplied UT1 domain -> category map behind rps_doc_ut1_blacklist.

Accepted forms (local path or any fsspec URL): a JSON object {domain: category id} (the form
RedPajama-V2 ships), or a TSV with one `domain<TAB>category` per line, where a category is an
integer id or a name. Names get ids 0, 1, ... in sorted order; the name -> id table is written to
the Parquet metadata as `rps_doc_ut1_categories`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class UT1Map:
    ids: dict[str, int]
    names: dict[str, int]  # category name -> id ({} when the map gives ids)

    def categories_json(self) -> str:
        return json.dumps(self.names, sort_keys=True)


@lru_cache(maxsize=4)
def load_ut1_map(path: str) -> UT1Map:
    import fsspec

    with fsspec.open(path, "rt", encoding="utf-8", compression="infer") as f:
        text = f.read()
    if text.lstrip().startswith("{"):
        return UT1Map({str(k).lower(): int(v) for k, v in json.loads(text).items()}, {})
    pairs: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            raise ValueError(f"{path}:{n}: expected 'domain<TAB>category', got {line!r}")
        pairs.append((parts[0].strip().lower(), parts[1].strip()))
    if all(c.lstrip("-").isdigit() for _, c in pairs):
        return UT1Map({d: int(c) for d, c in pairs}, {})
    names = {c: i for i, c in enumerate(sorted({c for _, c in pairs}))}
    return UT1Map({d: names[c] for d, c in pairs}, names)
