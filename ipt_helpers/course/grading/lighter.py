"""Start-up cost of grading: one import that costs a second and is never used.

``nbformat`` (which nbgrader, and every grading process, imports) imports ``jsonschema``,
whose format checkers import ``rfc3987_syntax`` when it is installed (Jupyter's packages pull
it in). That package compiles some forty Lark grammars when it is imported: about 1 s of CPU
on this project's machines, a third of a rerun of ``ipt-course grade`` with nothing to grade
(``python -X importtime``: ``rfc3987_syntax.syntax_helpers``). It serves only the ``iri`` and
``iri-reference`` formats, which no notebook schema and no nbgrader step uses. A grading
process therefore marks it as unavailable before anything imports jsonschema; jsonschema
then leaves those two format checks out, as it does where the package is not installed.
A process that has already imported jsonschema is left as it is.
"""

import sys


def skip_unused_imports() -> None:
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" fails


skip_unused_imports()  # also when a worker's fork server imports this module first
