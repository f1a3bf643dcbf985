"""Character tables are kept on disk per Python build and source, and rebuilt when the cache is bad."""

from __future__ import annotations

import numpy as np

from signals import chartables, tablecache


def test_built_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(5, dtype=np.uint32), "b": np.array([1.5, -2.0])}

    first = tablecache.cached_arrays("demo", chartables.__file__, build)
    second = tablecache.cached_arrays("demo", chartables.__file__, build)
    assert len(calls) == 1
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]  # no temporary file left behind
    for got in (first, second):
        assert got["a"].dtype == np.uint32 and got["a"].tolist() == [0, 1, 2, 3, 4]
        assert got["b"].tolist() == [1.5, -2.0]


def test_a_corrupt_or_unwritable_cache_only_costs_a_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_CACHE_DIR", str(tmp_path))
    tablecache.cached_arrays("demo", chartables.__file__, lambda: {"a": np.ones(3)})
    (stored,) = tmp_path.iterdir()
    stored.write_bytes(stored.read_bytes()[:40])  # truncated
    assert tablecache.cached_arrays("demo", chartables.__file__, lambda: {"a": np.zeros(2)})["a"].tolist() == [0, 0]
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("ASSAY_CACHE_DIR", str(blocked / "sub"))
    assert tablecache.cached_arrays("demo", chartables.__file__, lambda: {"a": np.ones(1)})["a"].tolist() == [1.0]


def test_cached_character_tables_equal_freshly_built_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_CACHE_DIR", str(tmp_path))
    chartables.properties.cache_clear()
    chartables.lower_nfd_tables.cache_clear()
    try:
        for _ in range(2):  # the first builds and stores, the second reads the files
            assert np.array_equal(chartables.properties(), chartables._build_properties())
            cached, fresh = chartables.lower_nfd_tables(), chartables._build_lower_nfd()
            for field in ("mapping", "multi_start", "multi_codes", "ccc", "sigma"):
                a, b = getattr(cached, field), getattr(fresh, field)
                assert a.dtype == b.dtype and np.array_equal(a, b), field
            chartables.properties.cache_clear()
            chartables.lower_nfd_tables.cache_clear()
        assert len(list(tmp_path.glob("*.npz"))) == 2
    finally:
        chartables.properties.cache_clear()
        chartables.lower_nfd_tables.cache_clear()
