"""Resuming the dedup stage after a failure or a kill: completion markers per task wave.

`<output>/_work/_job.json` holds the fingerprint of the work (inputs, config, partitions, LSH
bands); when a rerun's fingerprint differs, `_work` is wiped and the stage starts over. Every
finished task leaves `_work/_done/<wave>/<item>.json` with its report; a rerun returns that
report instead of running the task. Tasks write their shuffle files under names fixed by their
wave and item, so a task that died part-way is just run again and overwrites its own files.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.storage import filesystem, join, makedirs, read_bytes, write_bytes_atomic

Runner = Callable[..., list[dict]]


def input_identity(path: str, rows: int, storage_options: dict[str, Any]) -> dict[str, Any]:
    """What tells a rewritten input file from the one a run saw: rows, size and modification stamp."""
    fs, stripped = filesystem(path, storage_options)
    info = fs.info(stripped)
    stamp = info.get("ETag") or info.get("mtime") or info.get("LastModified") or ""
    return {"path": path, "rows": rows, "size": int(info.get("size") or 0), "stamp": str(stamp)}


def remove_tree(path: str, storage_options: dict[str, Any]) -> None:
    fs, stripped = filesystem(path, storage_options)
    if fs.exists(stripped):
        fs.rm(stripped, recursive=True)


def prepare_work(work: str, fingerprint: dict[str, Any], storage_options: dict[str, Any]) -> bool:
    """Keep `work` when it was made for the same fingerprint (returns True), else start it afresh."""
    marker = join(work, "_job.json")
    previous = read_bytes(marker, storage_options)
    if previous is not None and json.loads(previous) == fingerprint:
        return True
    remove_tree(work, storage_options)
    makedirs(work, storage_options)
    write_bytes_atomic(marker, json.dumps(fingerprint, sort_keys=True).encode(), storage_options)
    return False


def _item_name(item: Any) -> str:
    if isinstance(item, int):
        return f"{item:06d}"
    return posixpath.basename(str(item).replace("\\", "/")).removesuffix(".parquet")


def wave_name(fn: Callable[..., dict], args: Sequence[Any]) -> str:
    """`<task>[-<plain argument>...]`: e.g. `large_step-3`, `choose-fuzzy`."""
    extra = [str(a) for a in args if isinstance(a, int | str)]
    return "-".join([fn.__name__, *extra])


def _marked(item: Any, spec: tuple[Callable[..., dict], str, dict[str, Any]], *args: Any) -> dict:
    """Run one task, then record its report as the task's completion marker."""
    fn, folder, storage_options = spec
    report = fn(item, *args)
    write_bytes_atomic(join(folder, f"{_item_name(item)}.json"), json.dumps(report).encode(), storage_options)
    return report


def _markers(folder: str, storage_options: dict[str, Any]) -> dict[str, dict]:
    fs, stripped = filesystem(folder, storage_options)
    fs.invalidate_cache(stripped)
    if not fs.exists(stripped):
        return {}
    out = {}
    for path in fs.ls(stripped, detail=False):
        name = posixpath.basename(path)
        if name.endswith(".json") and not name.startswith("."):
            with fs.open(path, "rb") as f:
                out[name.removesuffix(".json")] = json.loads(f.read())
    return out


class Checkpointed:
    """A runner that skips the tasks whose completion marker exists and marks the tasks it runs."""

    def __init__(self, run: Runner, work: str, storage_options: dict[str, Any]) -> None:
        self.inner, self.work, self.storage_options = run, work, storage_options
        self.ran = self.resumed = 0

    def __call__(self, fn: Callable[..., dict], items: Sequence[Any], *args: Any, desc: str = "tasks") -> list[dict]:
        folder = join(self.work, "_done", wave_name(fn, args))
        done = _markers(folder, self.storage_options)
        names = [_item_name(i) for i in items]
        if len(set(names)) != len(names):
            raise ValueError(f"{fn.__name__}: task items must have distinct names")
        missing = [i for i, n in zip(items, names, strict=True) if n not in done]
        reports = self.inner(_marked, missing, (fn, folder, self.storage_options), *args, desc=desc) if missing else []
        done.update(zip((_item_name(i) for i in missing), reports, strict=True))
        self.ran += len(missing)
        self.resumed += len(items) - len(missing)
        return [done[n] for n in names]

    def once(self, name: str, step: Callable[[], None]) -> None:
        """A step of the driver itself (the one-process merge), skipped when its marker exists."""
        marker = join(self.work, "_done", f"{name}.json")
        if read_bytes(marker, self.storage_options) is not None:
            self.resumed += 1
            return
        step()
        write_bytes_atomic(marker, b"{}", self.storage_options)
        self.ran += 1
