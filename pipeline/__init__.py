"""assay's pipeline: readers, writers, stages, Dask orchestration and the CLI."""
