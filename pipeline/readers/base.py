"""What every reader yields (Documents) and how it reports skips and stream errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

MAX_PROBLEM_EXAMPLES = 50


@dataclass(slots=True)
class Document:
    id: str
    text: str
    url: str | None
    offset: int
    warc_date: datetime | None = None
    warc_record_id: str | None = None
    content_type: str | None = None


@dataclass
class ReadStats:
    """Counts of what a reader saw: records, documents yielded, skips by reason, first problems."""

    path: str
    records: int = 0
    documents: int = 0
    skipped: Counter = field(default_factory=Counter)
    problems: list[dict] = field(default_factory=list)

    def skip(self, reason: str, record: int, offset: int | None = None, message: str | None = None) -> None:
        self.skipped[reason] += 1
        if message is not None and len(self.problems) < MAX_PROBLEM_EXAMPLES:
            self.problems.append({"record": record, "offset": offset, "reason": reason, "message": message})


class ShardReadError(Exception):
    """The shard's stream cannot be read past this point (corrupt or truncated compression, broken framing)."""

    def __init__(self, path: str, record: int, offset: int | None, cause: BaseException | str) -> None:
        where = f"record {record}" + (f" (byte offset {offset})" if offset is not None else "")
        detail = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        super().__init__(f"{path}: {where}: {detail}")
        self.path, self.record, self.offset = path, record, offset


def check_size(text: str, max_chars: int, min_chars: int, stats: ReadStats, record: int, offset: int) -> bool:
    """True when `text` is within bounds; otherwise count the skip."""
    if len(text) > max_chars:
        stats.skip("too_large", record, offset, f"{len(text)} characters > max_doc_chars={max_chars}")
        return False
    if len(text.strip()) < min_chars:
        stats.skip("empty", record, offset)
        return False
    return True
