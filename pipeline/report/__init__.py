"""Inspecting a run: plots shared by the notebooks and `assay report`, data loading, the HTML page."""
