"""Work that grading processes skip because grading never needs it (start-up and per cell).

1. ``nbformat`` (which nbgrader, and every grading process, imports) imports ``jsonschema``,
   whose format checkers import ``rfc3987_syntax`` when it is installed (Jupyter's packages
   pull it in). That package compiles some forty Lark grammars when it is imported: about
   1 s of CPU on this project's machines, a third of a rerun of ``ipt-course grade`` with
   nothing to grade (``python -X importtime``: ``rfc3987_syntax.syntax_helpers``). It serves
   only the ``iri`` and ``iri-reference`` formats, which no notebook schema and no nbgrader
   step uses. A grading process therefore marks it as unavailable before anything imports
   jsonschema; jsonschema then leaves those two format checks out, as it does where the
   package is not installed. A process that has already imported jsonschema is left as it is.
2. nbgrader's ``CheckCellMetadata`` validates each cell's nbgrader metadata with
   ``jsonschema.validate(metadata, schema)``, which first checks the *schema* against the
   JSON Schema meta-schema, for every cell of every notebook: 85% of that step's time, a
   sixth of a worker's CPU per notebook (cProfile: ``check_schema``, 638 calls for 29
   notebooks). ``check_schema_once`` gives nbgrader's module a ``validate`` that checks each
   distinct schema once and then does exactly what ``jsonschema.validate`` does (the same
   validator class, the same ``best_match`` error raised).
"""

import json
import sys


def skip_unused_imports() -> None:
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" fails


class _SchemaCheckedOnce:
    """Stands in for the ``jsonschema`` module in nbgrader's metadata validator."""

    def __init__(self, jsonschema):
        self._jsonschema = jsonschema
        self._validators: dict[str, object] = {}

    def validate(self, instance, schema) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = self._jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):  # anything else: the module's own
        return getattr(self._jsonschema, name)


def check_schema_once() -> None:
    """Make nbgrader's cell-metadata validation check its schema once per process."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _SchemaCheckedOnce):
        common.jsonschema = _SchemaCheckedOnce(common.jsonschema)


skip_unused_imports()  # also when a worker's fork server imports this module first
