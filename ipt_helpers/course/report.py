"""ipt-course report: class analytics for one assignment, from the nbgrader gradebook.

Writes ``reports/<assignment>/index.html`` (or ``--out``) with

- the distribution of total scores (a histogram and its table),
- each graded item: mean points and difficulty, the classical difficulty index = the mean
  fraction of the item's points the class earned (1 = everyone right, 0 = no one),
- the most-missed concepts: the IPT domain terms (``ipt_helpers.forms.model``) that each hidden test
  checks — the keys worth credit in each form's definition in the source notebooks
  (``ipt_helpers.forms.items``) — ranked by the mean difficulty of the items that test them,
- the students who have not submitted (in the gradebook, or in a ``students.csv`` roster
  with an ``id`` column in the course root, but with no submission of this assignment).

Figures are drawn with matplotlib's Agg renderer (no display, no network), embedded in the
page as ``<img>`` with alt text, and saved as PNG files beside it. Every text that comes from
students, the roster or the gradebook is escaped with ``html.escape``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ipt_helpers.forms import model
from ipt_helpers.course.agreement import cohen_kappa
from ipt_helpers.course.files import write_atomic
from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.forms.items import concepts
from ipt_helpers.forms.items import notebook_items

GENERATOR = '<meta name="generator" content="ipt-course report">'
FIGURES = {
    "scores": "score-distribution.png",
    "items": "item-difficulty.png",
    "concepts": "concept-difficulty.png",
}
MAX_CONCEPTS_PLOTTED = 15


# --- what each item tests ---------------------------------------------------------------------


def item_concepts(course: Course, assignment: str) -> dict[tuple[str, str], list[str]]:
    """{(notebook, grade id): [domain keys]} for every graded cell of the source notebooks,
    in notebook order (cells with no rubric map to [])."""
    import nbformat

    folder = course.root / "source" / course.check_assignment(assignment)
    out: dict[tuple[str, str], list[str]] = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade") or not meta.get("grade_id"):
                continue
            out[(path.stem, meta["grade_id"])] = []
        for item in notebook_items(nb).items:
            if item.grade_id:
                out[(path.stem, item.grade_id)] = concepts(item.definition.rubric())
    return out


# --- numbers from the gradebook ----------------------------------------------------------------


@dataclass
class ItemStats:
    notebook: str
    name: str
    kind: str            # "auto" (hidden test) or "manual" (written answer)
    max_score: float
    scores: list[float] = field(default_factory=list)
    pending: int = 0     # submissions where the item still awaits a grade

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def difficulty(self) -> float | None:
        if not self.scores or not self.max_score:
            return None
        return statistics.fmean(min(1.0, s / self.max_score) for s in self.scores)


@dataclass
class Concept:
    key: str
    label: str
    items: list[ItemStats]

    @property
    def difficulty(self) -> float | None:
        values = [i.difficulty for i in self.items if i.difficulty is not None]
        return statistics.fmean(values) if values else None


@dataclass
class ClassStats:
    assignment: str
    max_score: float
    totals: list[tuple[str, float]]                 # (student id, score)
    items: list[ItemStats]
    concepts: list[Concept]                         # most missed first
    missing: list[tuple[str, str, str]]             # (student id, name, where listed)
    not_graded: list[str]                           # in submitted/ but not in the gradebook
    #: (student id, seconds after the due date, late penalty in points), as nbgrader recorded
    late: list[tuple[str, float, float]] = field(default_factory=list)
    #: key against chosen problem area over the focus questions (None: there are none)
    confusion: "Confusion | None" = None
    #: second marking: per written question, agreement of first and second marks
    second: list = field(default_factory=list)


def _roster(course: Course) -> dict[str, str]:
    """{student id: name} from COURSE/students.csv, or {} when there is none."""
    path = course.root / "students.csv"
    if not path.is_file():
        return {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            if "id" not in fields:
                raise CourseError(f"{path} has no 'id' column (columns: "
                                  f"{', '.join(reader.fieldnames or []) or 'none'})")
            out = {}
            for row in reader:
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                if row.get("id"):
                    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
                    out[row["id"]] = name or row.get("name", "")
            return out
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CourseError(f"cannot read the roster {path}: {err}") from None


def class_stats(course: Course, assignment: str) -> ClassStats:
    from nbgrader.api import Gradebook, MissingEntry

    from ipt_helpers.course.grading.penalties import late_submissions, recompute

    course.check_assignment(assignment)
    db = course.gradebook_file
    if db is not None and not db.is_file():
        raise CourseError("no gradebook yet: release and grade an assignment first "
                          "(ipt-course release, ipt-course grade)")
    concepts_of = item_concepts(course, assignment)
    order = {key: i for i, key in enumerate(concepts_of)}
    roster = _roster(course)
    with Gradebook(course.db_url) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook yet: release it and grade "
                              "its submissions first (ipt-course release, ipt-course grade)") from None
        if late_submissions(gb, assignment):  # penalties of the totals now (marks since grading)
            recompute(gb, course.config(), assignment)
            a = gb.find_assignment(assignment)
        items: dict[tuple[str, str], ItemStats] = {}
        for nb in a.notebooks:
            for cell in nb.grade_cells:
                kind = "auto" if cell.cell_type == "code" else "manual"
                items[(nb.name, cell.name)] = ItemStats(nb.name, cell.name, kind,
                                                   float(cell.max_score or 0))
        totals = []
        late = []
        submitted = set()
        for sub in a.submissions:
            student = sub.student.id
            submitted.add(student)
            penalty = float(sub.late_submission_penalty or 0)
            # the final score, as export and feedback give it: after the late penalty
            totals.append((student, max(float(sub.score or 0) - penalty, 0.0)))
            if sub.total_seconds_late > 0:
                late.append((student, float(sub.total_seconds_late), penalty))
            for snb in sub.notebooks:
                for g in snb.grades:
                    item = items.get((snb.name, g.name))
                    if item is None:
                        continue
                    if g.manual_score is None and g.auto_score is None:
                        item.pending += 1
                    else:
                        item.scores.append(float(g.score or 0))
        names = {s.id: " ".join(p for p in (s.first_name, s.last_name) if p) for s in gb.students}
        from ipt_helpers.course.marking.questions import second_marking
        second = second_marking(gb, course, assignment)
        max_score = float(a.max_score or 0)
    missing = []
    for student in sorted(set(names) | set(roster)):
        if student in submitted:
            continue
        where = " and ".join(w for w, inside in (("gradebook", student in names),
                                                 ("students.csv", student in roster)) if inside)
        missing.append((student, names.get(student) or roster.get(student, ""), where))
    collected = set(course.submitted_students(assignment))
    ordered = sorted(items.values(), key=lambda i: (order.get((i.notebook, i.name), len(order)),
                                                     i.notebook, i.name))
    by_concept: dict[str, list[ItemStats]] = {}
    for item in ordered:
        for key in concepts_of.get((item.notebook, item.name), []):
            by_concept.setdefault(key, []).append(item)
    concepts = [Concept(k, model.label(k), its) for k, its in by_concept.items()]
    concepts.sort(key=lambda c: (c.difficulty is None, c.difficulty or 0.0, c.label.lower()))
    return ClassStats(assignment, max_score, sorted(totals), ordered, concepts, missing,
                      sorted(collected - submitted), sorted(late),
                      confusion(course, assignment, sorted(submitted)), second)


# --- figures ----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text for a matplotlib label: no mathtext."""
    return str(text).replace("$", r"\$")


def _figure(width=7.0, height=3.6):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _bins(max_score: float) -> list[float]:
    top = max_score if max_score > 0 else 1.0
    return [top * i / 10 for i in range(11)]


def _histogram(stats: ClassStats) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    scores = [s for _, s in stats.totals]
    bins = _bins(stats.max_score)
    if scores:
        ax.hist(scores, bins=bins, color="#3b6ea5", edgecolor="white")
    else:
        ax.text(0.5, 0.5, "No graded submissions yet", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(f"Total score (of {stats.max_score:g} points)")
    ax.set_ylabel("Students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(_plain(f"{stats.assignment}: score distribution"))
    return _png(fig)


def _barh(labels: list[str], values: list[float], title: str, xlabel: str) -> bytes:
    fig = _figure(7.0, max(2.4, 0.9 + 0.32 * max(1, len(labels))))
    ax = fig.add_subplot()
    if labels:
        ys = list(range(len(labels)))
        ax.barh(ys, values, color=["#b5443b" if v < 0.5 else "#3b6ea5" for v in values])
        ax.set_yticks(ys, [_plain(label) for label in labels])
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "No graded items yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlim(0, 1)
    ax.axvline(0.5, color="#777", linewidth=0.8, linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_title(_plain(title))
    return _png(fig)


# --- which problem areas students confuse ------------------------------------------------------

#: Cohen's kappa between trained IPT raters for the presence of each problem area, rated from
#: audiotaped initial sessions (Markowitz et al. 2000, J Psychother Pract Res 9(3), 131-135;
#: book/references.bib: markowitz2000); 0.82 for the agreed clinical focus.
PUBLISHED_KAPPA = {"grief": 0.87, "role_dispute": 0.58, "role_transition": 1.0,
                   "interpersonal_deficits": 0.48}
PUBLISHED_FOCUS_KAPPA = 0.82
PUBLISHED_SOURCE = ("Markowitz, Leon, Miller, Cherry, Clougherty and Villalobos (2000), Rater "
                    "agreement on interpersonal psychotherapy problem areas, Journal of "
                    "Psychotherapy Practice and Research 9(3), 131–135")
NO_ANSWER = "(no answer)"


@dataclass
class FocusQuestion:
    notebook: str
    form_id: str
    question: str
    key: str                      # the option with the highest credit (the first, if tied)
    top: tuple = ()               # every option with that credit (a tie is full credit each)
    options: tuple = ()           # every option the question offers


@dataclass
class Confusion:
    areas: list[str]                                  # the problem areas, in the model's order
    questions: list[FocusQuestion]
    counts: dict[tuple[str, str], int]                # (key, chosen) -> answers
    answers: int = 0
    #: answers counted apart, not in the matrix: (student, form/question, what was recorded),
    #: for a form recorded in an unexpected shape or a value that is not one of the options
    #: (hand-edited or damaged; grading counts it unanswered and goes on, so must the report)
    odd: list = field(default_factory=list)

    def row(self, key: str) -> int:
        return sum(n for (k, _), n in self.counts.items() if k == key)

    def agreement(self, area: str) -> float | None:
        """The share of answers to questions keyed ``area`` that chose it."""
        total = self.row(area)
        return self.counts.get((area, area), 0) / total if total else None

    def kappa(self, area: str | None = None) -> float | None:
        """Cohen's kappa between the key and the students' choices: over all areas, or for
        ``area`` alone as present/absent (as the published figures are)."""
        if area is not None and not self.row(area):
            return None
        pairs = [((k, c) if area is None else (k == area, c == area))
                 for (k, c), n in self.counts.items() for _ in range(n)]
        return cohen_kappa(pairs)


def focus_questions(course: Course, assignment: str) -> list[FocusQuestion]:
    """Every question of the assignment whose options are the problem areas (``options(
    "problem_area")`` under either convention), with its key: the option of highest credit."""
    import nbformat

    area_sets = {frozenset(k for _, k in model.options("problem_area", convention=c))
                 for c in model.CONVENTIONS}
    folder = course.root / "source" / course.check_assignment(assignment)
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        for item in notebook_items(nbformat.read(path, as_version=4)).items:
            for q in item.definition.questions:
                accept = getattr(q, "accept", None)
                if type(q).__name__ != "Single" or not accept or not hasattr(q, "keys"):
                    continue
                if frozenset(q.keys()) not in area_sets:
                    continue
                credit = accept if isinstance(accept, dict) else {k: 1 for k in accept}
                best = max(credit.values())
                top = tuple(k for k in q.keys() if credit.get(k) == best)
                found.append(FocusQuestion(path.stem, item.form_id, q.id, top[0], top,
                                           tuple(q.keys())))
    return found


def confusion(course: Course, assignment: str, students: list[str]) -> Confusion | None:
    """Key against chosen area over every focus question and every submission of
    ``students`` (read from the submitted notebooks as literals, never executed)."""
    import nbformat

    from ipt_helpers.forms.recording import notebook_answers

    questions = focus_questions(course, assignment)
    if not questions:
        return None
    areas = [k for _, k in model.options("problem_area", convention="four_areas")]
    for q in questions:  # a convention's extra area, if a question offers it
        areas += [k for k in (q.key, *q.options) if k not in areas]
    counts: dict[tuple[str, str], int] = {}
    answers = 0
    odd: list = []
    for student in students:
        folder = course.root / "submitted" / student / assignment
        for q in questions:
            path = folder / f"{q.notebook}.ipynb"
            try:
                recorded = notebook_answers(nbformat.read(path, as_version=4))
            except Exception:  # missing or unreadable: not an answer
                continue
            chosen, why = _chosen(recorded.get(q.form_id), q)
            if chosen is None:   # odd: counted apart, never a problem area
                odd.append((student, f"{q.form_id}/{q.question}", why))
                continue
            key = chosen if chosen in q.top else q.key  # tied keys: the one chosen is the key
            counts[(key, chosen)] = counts.get((key, chosen), 0) + 1
            answers += 1
    return Confusion(areas, questions, counts, answers, odd)


def _chosen(form, q: FocusQuestion) -> tuple[str | None, str]:
    """(the option a student's recorded form chose for ``q``, or NO_ANSWER; ""), or, for
    anything else (a form not recorded as {question: answer}, a value that is not one of the
    question's options), (None, what was recorded, in words)."""
    if form is None:
        return NO_ANSWER, ""
    if not isinstance(form, dict):
        return None, (f"the form is recorded as {type(form).__name__} {_short(form)}, not as "
                      "answers by question")
    chosen = form.get(q.question)
    if chosen is None or chosen == "":
        return NO_ANSWER, ""
    if isinstance(chosen, str) and chosen in q.options:
        return chosen, ""
    return None, f"{_short(chosen)} is not one of the options"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _second_html(second: list) -> str:
    if not second:
        return ("<p>No second marks yet (<code>ipt-course mark ASSIGNMENT --second-marker</code> "
                "marks a blind sample again).</p>")
    rows, apart = [], []
    for entry in second:
        q, a = entry["question"], entry["agreement"]
        rows.append([_e(q.grade_id), str(a.n), _pct(a.exact), _pct(a.within_one),
                     _num(a.weighted_kappa)])
        apart += [[_e(q.grade_id), _e(student), _num(first), _num(again)]
                  for student, first, again in entry["apart"]]
    html_ = _table("Second marking: agreement of first and second marks per question "
                   "(weighted kappa: Cohen's, linear weights)",
                   ["Question", "Answers marked twice", "Exact", "Within one point",
                    "Weighted kappa"], rows, {1, 2, 3, 4})
    if apart:
        html_ += _table("Marks more than one point apart: resolve these",
                        ["Question", "Student id", "First mark", "Second mark"], apart, {2, 3})
    else:
        html_ += "<p>No two marks of an answer are more than one point apart.</p>"
    return html_


def _confusion_html(c: Confusion | None) -> str:
    if c is None:
        return "<p>This assignment has no question whose options are the problem areas.</p>"
    chosen_cols = c.areas + ([NO_ANSWER] if any(k[1] == NO_ANSWER for k in c.counts) else [])
    head = ["Key \\ chosen"] + [_e(model.label(a) if a != NO_ANSWER else a) for a in chosen_cols] \
        + ["Answers"]
    rows = []
    for key in c.areas:
        if not c.row(key):
            continue
        rows.append([f"<b>{_e(model.label(key))}</b>"] +
                    [str(c.counts.get((key, chosen), 0)) for chosen in chosen_cols] + [str(c.row(key))])
    matrix = _table(f"Problem-area choices: key (rows) against the area chosen (columns), over "
                    f"{len(c.questions)} focus question(s) and {c.answers} answer(s)",
                    head, rows, set(range(1, len(head))))
    agree_rows = []
    for area in c.areas:
        published = PUBLISHED_KAPPA.get(area)
        agree_rows.append([_e(model.label(area)), str(c.row(area)), _pct(c.agreement(area)),
                           _num(c.kappa(area)), _num(published) if published is not None else "—"])
    agree_rows.append(["<b>Focus (all areas)</b>", str(c.answers),
                       _pct(sum(c.counts.get((a, a), 0) for a in c.areas) / c.answers
                            if c.answers else None),
                       _num(c.kappa()), _num(PUBLISHED_FOCUS_KAPPA)])
    agreement = _table(
        "Agreement with the key per area, beside trained raters' published agreement",
        ["Area", "Answers keyed to it", "Chose it", "Class kappa with the key",
         "Published rater kappa"], agree_rows, {1, 2, 3, 4})
    listed = ", ".join(f"{_e(q.form_id)}/{_e(q.question)} (key: "
                       f"{_e(' or '.join(model.label(k) for k in q.top))})" for q in c.questions)
    odd = ""
    if c.odd:
        odd = (f"<p>{len(c.odd)} answer(s) left out of the matrix and the agreement: recorded in "
               "an unexpected shape, or with a value that is not one of the options (edited by "
               "hand or damaged; grading counted them as unanswered). Look at these notebooks:</p>"
               + _table("Answers counted apart", ["Student id", "Question", "Recorded"],
                        [[_e(s), _e(where), _e(what)] for s, where, what in c.odd]))
    return f"""{matrix}
{agreement}
{odd}
<p>Focus questions: {listed}. “Chose it” is the share of answers to questions keyed to the
area that chose it; where two areas earn the same full credit, a choice of either is the
key. The class kappa treats the key and the class as two raters (per area:
that area present or absent; last row: the chosen focus). The published figures are Cohen's
kappa between trained IPT research therapists rating the same audiotaped initial sessions:
for the presence of each problem area, and for the agreed clinical focus ({_e(PUBLISHED_SOURCE)}).
They are a benchmark of how far experts agree, not a target: written cases are not
audiotapes, and a key is one reading.</p>"""


# --- the page ---------------------------------------------------------------------------------


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 2) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros; — for none."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _table(caption: str, head: list[str], rows: list[list[str]],
           numeric: set[int] = frozenset()) -> str:
    """An HTML table; ``head`` and ``rows`` must already be escaped."""
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return (f"<table>\n<caption>{caption}</caption>\n<thead><tr>{th}</tr></thead>\n"
            f"<tbody>\n{body}\n</tbody>\n</table>")


def _img(png: bytes, filename: str, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
            f'<figcaption><a href="{_e(filename)}">PNG file</a></figcaption></figure>')


def render(stats: ClassStats, figures: dict[str, bytes]) -> str:
    a = _e(stats.assignment)
    scores = [s for _, s in stats.totals]
    n = len(scores)
    summary_rows = [["Submissions graded", str(n)],
                    ["Maximum possible", _num(stats.max_score)]]
    if scores:
        summary_rows += [["Mean", _num(statistics.fmean(scores))],
                         ["Median", _num(statistics.median(scores))],
                         ["Lowest", _num(min(scores))], ["Highest", _num(max(scores))]]
    summary_rows += [["Not submitted", str(len(stats.missing))],
                     ["Submitted late", str(len(stats.late))]]
    summary = _table("Total scores and submissions", ["Measure", "Value"], summary_rows, {1})

    bins = _bins(stats.max_score)
    counts = [0] * 10
    for s in scores:
        counts[min(9, max(0, int((s - bins[0]) / (bins[1] - bins[0]))))] += 1
    dist_rows = [[f"{_num(bins[i])}–{_num(bins[i + 1])}" + (" (inclusive)" if i == 9 else ""),
                  str(counts[i])] for i in range(10)]
    dist = _table("Students per score band (each band includes its lower bound)",
                  ["Total score", "Students"], dist_rows, {1})
    mean_txt = f", mean {_num(statistics.fmean(scores))}" if scores else ""
    hist_alt = (f"Histogram of total scores in {stats.assignment}: {n} graded submission(s)"
                f"{mean_txt} of {_num(stats.max_score)} points.")

    item_rows = []
    for item in stats.items:
        item_rows.append([_e(item.notebook), _e(item.name),
                          "hidden test" if item.kind == "auto" else "written (manual)",
                          _num(item.max_score), str(len(item.scores)), str(item.pending),
                          _num(item.mean), _num(item.difficulty), _pct(item.difficulty)])
    items_table = _table(
        "Per item: mean points and difficulty (mean fraction of the item's points earned; "
        "lower = harder)",
        ["Notebook", "Item", "Type", "Points", "Graded", "Awaiting grade", "Mean points",
         "Difficulty", "As %"], item_rows, {3, 4, 5, 6, 7, 8})
    graded_items = [i for i in stats.items if i.difficulty is not None]
    hardest = min(graded_items, key=lambda i: i.difficulty) if graded_items else None
    items_alt = (f"Bar chart of the difficulty of {len(graded_items)} item(s) in "
                 f"{stats.assignment}" + (f"; hardest: {hardest.name} ({_pct(hardest.difficulty)})"
                                          if hardest else "; no item graded yet") + ".")

    concept_rows = [[str(rank), _e(c.label), _e(c.key), str(len(c.items)),
                     _e(", ".join(i.name for i in c.items)), _num(c.difficulty), _pct(c.difficulty)]
                    for rank, c in enumerate(stats.concepts, 1)]
    concepts_table = _table(
        "Concepts from the IPT model, most missed first (mean difficulty of the items that "
        "test them)",
        ["Rank", "Concept", "Key", "Items", "Tested by", "Mean difficulty", "As %"],
        concept_rows, {0, 3, 5, 6})
    ranked = [c for c in stats.concepts if c.difficulty is not None]
    concepts_alt = (f"Bar chart of the {min(len(ranked), MAX_CONCEPTS_PLOTTED)} most-missed IPT "
                    f"concepts in {stats.assignment}" +
                    (f"; most missed: {ranked[0].label} ({_pct(ranked[0].difficulty)})"
                     if ranked else "; none graded yet") + ".")

    if stats.missing:
        missing = _table("Students with no submission of this assignment",
                         ["Student id", "Name", "Listed in"],
                         [[_e(s), _e(name), _e(where)] for s, name, where in stats.missing])
    else:
        missing = "<p>Every student known to the gradebook or the roster has submitted.</p>"
    if stats.late:
        missing += _table(
            "Submitted after the due date (scores above are after the late penalty)",
            ["Student id", "Late by (hours)", "Late penalty (points)"],
            [[_e(s), _num(seconds / 3600), _num(penalty)] for s, seconds, penalty in stats.late],
            {1, 2})
    if stats.not_graded:
        missing += ("<p>Collected but not graded yet (run <code>ipt-course grade</code>): "
                    + ", ".join(f"<code>{_e(s)}</code>" for s in stats.not_graded) + ".</p>")

    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{GENERATOR}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {a}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #1d1d1d; }}
table {{ border-collapse: collapse; margin: 1rem 0 2rem; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: .4rem; }}
th, td {{ border: 1px solid #bbb; padding: .25rem .6rem; vertical-align: top; }}
th {{ background: #eef2f7; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
figure {{ margin: 1rem 0; }} img {{ max-width: 100%; height: auto; }}
figcaption {{ font-size: .9rem; color: #444; }}
</style>
</head>
<body>
<main>
<h1>Class report: {a}</h1>
<p>From the nbgrader gradebook. Difficulty is the mean fraction of an item's points the class
earned: 1 means everyone earned full points, 0 that no one earned any. Items awaiting a manual
grade are left out of the means.</p>
<h2 id="summary">Summary</h2>
{summary}
<h2 id="distribution">Score distribution</h2>
{_img(figures["scores"], FIGURES["scores"], hist_alt)}
{dist}
<h2 id="items">Items</h2>
{_img(figures["items"], FIGURES["items"], items_alt)}
{items_table}
<h2 id="concepts">Most-missed concepts</h2>
<p>Each hidden test is linked to the IPT terms its rubric checks (the problem areas, stages,
phases and techniques among its accepted, correct, ordered or sorted answers).</p>
{_img(figures["concepts"], FIGURES["concepts"], concepts_alt)}
{concepts_table}
<h2 id="confusion">Which problem areas students confuse</h2>
{_confusion_html(stats.confusion)}
<h2 id="second-marking">Second marking</h2>
{_second_html(stats.second)}
<h2 id="missing">Not submitted, or late</h2>
{missing}
</main>
</body>
</html>
"""




def write_report(course: Course, assignment: str, out_dir: Path | None = None) -> Path:
    """Write the class report of ``assignment``; return the path of its index.html.

    A previous report in ``out_dir`` is replaced; any other index.html there is left alone
    (CourseError), and no other file is touched.
    """
    stats = class_stats(course, assignment)
    out = Path(out_dir) if out_dir else course.root / "reports" / assignment
    index = out / "index.html"
    if index.exists():
        try:
            ours = GENERATOR in index.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError:
            ours = False
        if not ours:
            raise CourseError(f"{index} exists and is not an ipt-course report; choose another "
                              "folder with --out")
    if out.exists() and not out.is_dir():
        raise CourseError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)

    plotted = [c for c in stats.concepts if c.difficulty is not None][:MAX_CONCEPTS_PLOTTED]
    graded = [i for i in stats.items if i.difficulty is not None]
    figures = {
        "scores": _histogram(stats),
        "items": _barh([i.name for i in graded], [i.difficulty for i in graded],
                       f"{stats.assignment}: item difficulty",
                       "Mean fraction of points earned (lower = harder)"),
        "concepts": _barh([c.label for c in plotted], [c.difficulty for c in plotted],
                          f"{stats.assignment}: most-missed concepts",
                          "Mean difficulty of the items testing the concept (lower = more missed)"),
    }
    for key, png in figures.items():
        write_atomic(out / FIGURES[key], png)
    write_atomic(index, render(stats, figures).encode("utf-8"))
    return index
