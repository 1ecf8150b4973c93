"""ipt_helpers: the IPT domain model, case-formulation forms, scoring and course tools.

Students and instructors use, in a notebook::

    from ipt_helpers import form, Single, Multi, Order, Sort, Text, options, handin_check
"""

from .model import label, options, term, terms
from .recording import form, handin_check, score
from .widgets import Multi, Order, Single, Sort, Text

__all__ = [
    "form", "handin_check", "score", "options", "label", "term", "terms",
    "Single", "Multi", "Order", "Sort", "Text",
]
