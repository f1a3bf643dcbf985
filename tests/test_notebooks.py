"""Every notebook in notebooks/ executes top to bottom on the demo job's outputs without error."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED_OUTPUT = {
    "01_explore_signals.ipynb": "most correlated:",
    "02_design_filters.ipynb": "the exported file selects the same documents: True",
    "03_dedup_clusters.ipynb": "clusters by size: {2: 10}",
    "04_dsir.ipynb": "263 documents, 30 resampled",
}
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, demo_out, monkeypatch):
    monkeypatch.setenv("ASSAY_OUTPUT", str(demo_out))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert EXPECTED_OUTPUT[path.name] in text
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_notebooks_are_stripped_and_generated():
    """Git holds the notebooks without outputs, exactly as make_notebooks.py writes them."""
    assert {p.name for p in NOTEBOOKS} == set(EXPECTED_OUTPUT)
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", FOLDER / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        assert all(not c.get("outputs") and not c.get("execution_count") for c in cells if c.cell_type == "code")
        assert [c.source for c in cells] == module.NOTEBOOKS[path.name], f"{path.name}: rerun make_notebooks.py"
    assert os.path.exists(FOLDER / "make_notebooks.py")
