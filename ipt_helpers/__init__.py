"""ipt_helpers: the IPT domain model, case-formulation forms, scoring and course tools.

Two sides, two folders:

- ``ipt_helpers.forms``: the kernel side, what a student's (and a grading) kernel imports:
  the domain model, the question types, answer recording, scoring and item definitions.
  ``pip install ipt-helpers`` installs only what it needs.
- ``ipt_helpers.course``: the instructor side (``pip install ipt-helpers[instructor]``), one
  sub-package per stage of a course: release, collect, grading, results, marking, report.
  ``ipt_helpers.cli`` is its thin command line, ``ipt-course``.

Students and instructors use, in a notebook::

    from ipt_helpers import form, Single, Multi, Order, Sort, Text, options, handin_check

The names are loaded on first use, so that an instructor command or the book build that
imports one instructor module does not import ipywidgets.
"""

from importlib import import_module

#: public name -> the kernel-side module that defines it
_PUBLIC = {
    "form": "recording", "handin_check": "recording", "score": "recording",
    "options": "model", "label": "model", "term": "model", "terms": "model",
    "Single": "questions", "Multi": "questions", "Order": "questions", "Sort": "questions",
    "Text": "questions",
}

__all__ = list(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(import_module(f"ipt_helpers.forms.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ipt_helpers' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
