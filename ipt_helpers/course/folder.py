"""An nbgrader course directory as the instructor's command line sees it.

Finds the course root (the folder with nbgrader_config.py), lists assignments and students,
checks names, and loads the course's nbgrader configuration.
Every problem is a CourseError with a message for the instructor.
"""

from __future__ import annotations

import contextlib
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


def is_student_id(name: str) -> bool:
    """True for a name every stage can carry as a student id: a folder name, a gradebook key,
    a column of an LMS import. nbgrader takes any folder name; this takes the letters and
    digits of any script, with their accents composed or not (``josé`` as a Mac's unzip
    writes it too), and ``. _ @ -``, up to 128 characters: no spaces, slashes, other
    punctuation, or a leading dot or symbol (``..``, ``.ipynb_checkpoints``)."""
    return (0 < len(name or "") <= 128 and name[0].isalnum()
            and all(ch.isalnum() or ch in "._@-" or unicodedata.category(ch).startswith("M")
                    for ch in name))


def gradebook_url(config, root) -> str:
    """The gradebook of the course at ``root`` under ``config``: ``c.CourseDirectory.db_url``,
    else nbgrader's default, gradebook.db in the course folder."""
    url = config.get("CourseDirectory", {}).get("db_url")
    return url if isinstance(url, str) else f"sqlite:///{Path(root) / 'gradebook.db'}"


class CourseError(Exception):
    """A problem the instructor can fix; the message says how."""


@dataclass
class Course:
    root: Path

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "Course":
        root = Path(path or ".").resolve()
        if not root.is_dir():
            raise CourseError(f"course directory {root} does not exist")
        if not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"{root} is not an nbgrader course directory (no nbgrader_config.py)")
        return cls(root)

    # --- configuration ----------------------------------------------------------------------

    def config(self, **overrides) -> Config:
        """The course's nbgrader configuration, with the course root fixed to this folder.

        The course folder also becomes importable (at the end of ``sys.path``), as nbgrader
        makes it when run from there (``init_syspath``): a configuration may name classes by
        module, such as ``c.AssignLatePenalties.plugin_class = "late_plugin.Blarg"`` with
        late_plugin.py beside nbgrader_config.py.
        """
        if str(self.root) not in sys.path:
            sys.path.append(str(self.root))
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        for key, value in overrides.items():
            section, name = key.split(".")
            setattr(config[section], name, value)
        return config

    @property
    def db_url(self) -> str:
        return gradebook_url(self.config(), self.root)

    @property
    def gradebook_file(self) -> Path | None:
        """The gradebook's file when it is SQLite (None for a database server), whether or not
        it exists yet: what release protects, grading checks and the report reads."""
        url = self.db_url
        return Path(self.root, url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None

    # --- names ------------------------------------------------------------------------------

    def assignments(self) -> list[str]:
        source = self.root / "source"
        return sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []

    def check_assignment(self, assignment: str) -> str:
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"unknown assignment {assignment!r} (known: {known})")
        return assignment

    def notebooks(self, assignment: str) -> list[str]:
        folder = self.root / "source" / self.check_assignment(assignment)
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    @staticmethod
    def check_student_id(student: str) -> str:
        if not is_student_id(student):
            raise CourseError(
                f"student id {student!r} is not usable: use letters, digits and . _ @ - only "
                "(no spaces, slashes or leading dots)")
        return student

    def graded_marker(self, assignment: str, student: str) -> Path:
        """Written by ``ipt-course grade``, last, when every grade of ``student``'s
        ``assignment`` is in the gradebook (grading/autograde.py).

        A grading run killed at any moment leaves either no marker (the student is graded
        again, completely) or a marker after everything was written: "already graded" means
        this file, never the autograded folder, which nbgrader creates before it writes the
        first grade. It sits beside that folder (autograded/STUDENT/.ASSIGNMENT.graded), not
        in it, so that nbgrader never copies it into feedback.
        """
        return self.root / "autograded" / student / f".{assignment}.graded"

    def submitted_students(self, assignment: str) -> list[str]:
        folder = self.root / "submitted"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if (p / assignment).is_dir() and is_student_id(p.name))

    # --- running nbgrader -------------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self):
        """Work from the course root, as nbgrader expects."""
        here = os.getcwd()
        os.chdir(self.root)
        try:
            yield
        finally:
            os.chdir(here)

    def converter(self, converter_class, assignment: str, student: str | None = None,
                  config: Config | None = None):
        """An nbgrader converter (GenerateAssignment, Autograde, GenerateFeedback, ...) for
        ``assignment`` (and one ``student``) of this course; it replaces existing output."""
        from nbgrader.coursedir import CourseDirectory

        config = config or self.config()
        coursedir = CourseDirectory(config=config)
        coursedir.root = str(self.root)
        coursedir.assignment_id = assignment
        if student:
            coursedir.student_id = student
        converter = converter_class(coursedir=coursedir, config=config)
        converter.force = True
        return converter
