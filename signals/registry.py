"""Signal families: each declares its columns (name, Arrow type, definition) and computes a batch."""

from __future__ import annotations

import difflib
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


def build_families(names: list[str] | tuple[str, ...] | None, config: SignalConfig) -> list[Family]:
    """Instantiate families by name (all when `names` is None), validating the names."""
    _load_builtin_families()
    if names is None:
        names = list(_FAMILIES)
    unknown = [n for n in names if n not in _FAMILIES]
    if unknown:
        hints = []
        for n in unknown:
            close = difflib.get_close_matches(n, list(_FAMILIES), n=1)
            hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ValueError(f"unknown signal families: {', '.join(hints)}; known: {', '.join(_FAMILIES)}")
    return [_FAMILIES[n](config) for n in names]


def all_signals(config: SignalConfig | None = None) -> list[tuple[str, Signal]]:
    """(family, signal) for every column every family can write."""
    config = config or SignalConfig()
    return [(f.name, s) for f in build_families(None, config) for s in f.signals()]


def compute_families(families: list[Family], batch: TextBatch) -> pa.Table:
    """Run families over a batch; check every declared column comes back with its type and length."""
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


def _load_builtin_families() -> None:
    import signals.families  # noqa: F401  (registers the built-in families)
