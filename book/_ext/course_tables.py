"""The instructor guide's assignment tables, rendered from the assignments themselves.

Each assignment's title, topic, chapters, time, convention and objectives are written once,
in its source notebook's metadata (``ipt_helpers.course.assignment``). The directive

    ```{assignment-table} overview | conventions | objectives
    ```

renders one of the guide's tables from them, so the guide cannot drift from the notebooks.
"""

import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from ipt_helpers.course.assignment import COURSE_OBJECTIVES, course_assignments

SOURCE = Path(__file__).resolve().parents[2] / "exercises" / "source"


def _overview(infos):
    yield "| Assignment id | Topic | Book chapters it draws on | Student time |"
    yield "| --- | --- | --- | --- |"
    for aid, info in infos.items():
        chapters = ", ".join(f"{{doc}}`/book/{c}`" for c in info.chapters) or "the whole book"
        yield f"| `{aid}` | {info.topic} | {chapters} | about {info.minutes} min |"


def _conventions(infos):
    for aid, info in infos.items():
        yield f"`{aid}`"
        yield f":   {' '.join(info.convention.split())}"
        yield ""


def _objectives(infos):
    short = [aid.split("-")[0] for aid in infos]
    yield "| Objective | " + " | ".join(short) + " |"
    yield "| --- |" + " --- |" * len(short)
    for number, name in COURSE_OBJECTIVES.items():
        cells = [info.assesses.get(str(number), "") for info in infos.values()]
        yield f"| {number}. {name} | " + " | ".join(cells) + " |"


TABLES = {"overview": _overview, "conventions": _conventions, "objectives": _objectives}


def _in_course_order(infos):
    """ps1, ps2, …, ps9, ps10: by the number in the assignment id, not alphabetically."""
    def number(aid):
        digits = re.match(r"ps(\d+)", aid)
        return (int(digits.group(1)) if digits else float("inf"), aid)
    return dict(sorted(infos.items(), key=lambda pair: number(pair[0])))


class AssignmentTable(SphinxDirective):
    required_arguments = 1

    def run(self):
        kind = self.arguments[0]
        if kind not in TABLES:
            raise self.error(f"assignment-table: {kind!r} is not one of {', '.join(TABLES)}")
        for notebook in SOURCE.glob("*/*.ipynb"):
            self.env.note_dependency(str(notebook))
        lines = list(TABLES[kind](_in_course_order(course_assignments(SOURCE))))
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]),
                                self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("assignment-table", AssignmentTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
