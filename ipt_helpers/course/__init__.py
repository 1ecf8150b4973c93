"""The instructor side: a course's stages over an nbgrader course folder.

``folder`` (the course folder, its config and gradebook), ``assignment`` (per-assignment facts),
then one sub-package per stage, in the order of a term: ``release`` (check the definitions,
derive student versions), ``collect`` (LMS downloads and rosters), ``grading`` (parallel,
sandboxed autograde on Dask), ``results`` (states, feedback, export), ``marking`` (written
answers by question), ``report`` (class analytics). Built on ``ipt_helpers.forms``; never
imported by it.
"""
