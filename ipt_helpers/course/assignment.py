"""Per-assignment facts, written once in the instructor's notebook metadata.

Each source notebook carries ``metadata["ipt"]``: its title, topic, the book chapters it
draws on, the student time, the convention it follows, its learning objectives and which of
the course's objectives it assesses. From that one record

- release writes the student's first cell (``intro_markdown``; ``student_version.DeriveIntro``),
  with the course-wide "How to answer" text, which therefore cannot drift between notebooks;
- the book's instructor guide renders its tables (``book/_ext/course_tables.py``);
- ``ipt-course check`` reports a missing or malformed record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: How students answer, the same in every assignment.
HOW_TO_ANSWER = (
    "Each form is answered by clicking, choosing from lists or typing in boxes; you never need "
    "to write code. If you see code where the questions should be, choose **Run ▸ Run All "
    "Cells** (in VS Code: *Run All*; in Colab: *Runtime ▸ Run all*) and the forms appear. "
    "Your choices are recorded in the notebook as you make them when your JupyterLab has the "
    "course's extension (the form then says *recorded*); otherwise press **Shift+Enter** in "
    "the form's cell after choosing. Written answers go in the cells that say *YOUR ANSWER "
    "HERE* (select the cell and press Enter to type). Save the notebook (Ctrl+S) before you "
    "hand it in; the last cell, *Before you hand in*, lists anything still unanswered."
)

#: The course's objectives, by number (the guide's "where they are assessed" table).
COURSE_OBJECTIVES = {
    1: "Identify the problem area",
    2: "Map relationships",
    3: "Formulate",
    4: "Plan the course of treatment",
    5: "Use the techniques",
    6: "Judge suitability and safety",
    7: "Explain reasoning in writing",
}

@dataclass
class AssignmentInfo:
    title: str
    topic: str
    chapters: list[str]
    minutes: int
    convention: str
    objectives: list[str]
    assesses: dict[str, str] = field(default_factory=dict)  # course objective -> main | yes
    preface: str = ""     # paragraphs shown before the convention (e.g. a safety note)
    about: str = ""       # paragraphs after the convention (e.g. about the case)
    how: str = ""         # what is particular about answering this assignment
    time_note: str = ""   # e.g. how the time divides between reading and writing

    @classmethod
    def from_notebook(cls, nb) -> "AssignmentInfo":
        meta = nb.metadata.get("ipt")
        if not isinstance(meta, dict):
            raise ValueError("the notebook has no assignment metadata (metadata.ipt)")
        try:
            info = cls(**meta)
        except TypeError as err:
            raise ValueError(f"the assignment metadata (metadata.ipt) is malformed: {err}") from None
        bad = [k for k in info.assesses if not k.isdigit() or int(k) not in COURSE_OBJECTIVES]
        if bad or any(v not in ("main", "yes") for v in info.assesses.values()):
            raise ValueError("metadata.ipt.assesses maps course objectives 1-7 to 'main' or 'yes'")
        return info

    def intro_markdown(self) -> str:
        """The first cell of the student's notebook."""
        parts = [f"# {self.title}"]
        if self.preface:
            parts.append(self.preface)
        parts.append(f"**Convention.** {self.convention}")
        if self.about:
            parts.append(self.about)
        parts.append("**Learning objectives.** After this problem set you can")
        parts.append("\n".join(f"{i}. {text}" for i, text in enumerate(self.objectives, start=1)))
        parts.append(f"**How to answer.** {HOW_TO_ANSWER}" + (f" {self.how}" if self.how else ""))
        note = f": {self.time_note}" if self.time_note else ""
        parts.append(f"*About {self.minutes} minutes{note}.*")
        return "\n\n".join(parts)


def course_assignments(source_root: Path) -> dict[str, AssignmentInfo]:
    """{assignment id: its facts} for every assignment folder (first notebook of each)."""
    import nbformat

    out = {}
    for folder in sorted(p for p in Path(source_root).iterdir() if p.is_dir()):
        notebooks = sorted(folder.glob("*.ipynb"))
        if notebooks:
            out[folder.name] = AssignmentInfo.from_notebook(nbformat.read(notebooks[0], as_version=4))
    return out
