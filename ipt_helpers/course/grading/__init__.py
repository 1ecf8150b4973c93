"""Grading: nbgrader's autograde steps with the notebooks executed on Dask workers, in sandboxed kernels."""
