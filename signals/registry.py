"""Signal families: each declares its columns (name, Arrow type, definition) and computes a batch."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from schemas.config import SignalConfig
from signals.batch import TextBatch


@dataclass(frozen=True)
class Signal:
    """One output column: its name, Arrow type and one-line definition."""

    name: str
    type: pa.DataType
    definition: str

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, metadata={"definition": self.definition})


class Family(ABC):
    """A group of signals computed together from shared text views."""

    name: str

    def __init__(self, config: SignalConfig) -> None:
        self.config = config

    @abstractmethod
    def signals(self) -> tuple[Signal, ...]:
        """The columns this family writes, in order."""

    @abstractmethod
    def compute(self, batch: TextBatch) -> dict[str, pa.Array]:
        """One Arrow array per declared signal, each of len(batch)."""

    def notice(self) -> str | None:
        """A one-line note when some columns will be null for lack of a user-supplied model."""
        return None

    def metadata(self) -> dict[str, str]:
        """Parquet key-value metadata describing how the columns were made (e.g. MinHash parameters)."""
        return {}


FamilyFactory = Callable[[SignalConfig], Family]
_FAMILIES: dict[str, FamilyFactory] = {}


def register(name: str) -> Callable[[type[Family]], type[Family]]:
    """Class decorator: make a family available under `name`."""

    def wrap(cls: type[Family]) -> type[Family]:
        cls.name = name
        _FAMILIES[name] = cls
        return cls

    return wrap


def registered() -> dict[str, FamilyFactory]:
    """The families registered so far, by name, in registration order (see signals.families)."""
    return dict(_FAMILIES)


# Families run over sub-batches of about this many characters, which bounds the memory of their
# views (code points, words, n-gram classes: tens of bytes per character) whatever the batch, and
# keeps those views in the CPU caches between the passes over them. On 122.6 MB of documentation
# pages in batches of 1,000 (7.5M characters), warm passes in one process were 9% faster than one
# pass per batch; a fresh process's first pass was no faster.
SUB_BATCH_CHARS = 1 << 21


def compute_families(families: list[Family], batch: TextBatch, max_chars: int = SUB_BATCH_CHARS) -> pa.Table:
    """Run families over a batch, in sub-batches of at most `max_chars` characters (see
    SUB_BATCH_CHARS); check every declared column comes back with its type and length."""
    parts = batch.parts(max_chars)
    if len(parts) == 1:
        return _compute(families, batch)
    return pa.concat_tables([_compute(families, part) for part in parts]).combine_chunks()


def _compute(families: list[Family], batch: TextBatch) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    fields: list[pa.Field] = []
    for family in families:
        out = family.compute(batch)
        for signal in family.signals():
            if signal.name not in out:
                raise RuntimeError(f"family {family.name!r} did not compute {signal.name!r}")
            array = out[signal.name]
            if not isinstance(array, pa.Array | pa.ChunkedArray):
                array = pa.array(array, type=signal.type)
            elif array.type != signal.type:
                array = array.cast(signal.type)
            if len(array) != len(batch):
                raise RuntimeError(f"{signal.name!r}: {len(array)} values for {len(batch)} documents")
            columns[signal.name] = array
            fields.append(signal.field())
    return pa.Table.from_arrays(list(columns.values()), schema=pa.schema(fields))
