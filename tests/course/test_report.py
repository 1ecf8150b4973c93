"""ipt_helpers.course.report: class analytics from the gradebook, as HTML with PNG figures."""

import html
import re
import shutil

import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, make_submissions, run
from ipt_helpers.forms import model
from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.forms.items import rule_concepts as rule_keys
from ipt_helpers.forms.items import scored_form
from ipt_helpers.course.report import FIGURES, class_stats, item_concepts, write_report
from submissions import partial_case

A = "ps1-problem-areas"
PNG = b"\x89PNG\r\n\x1a\n"


# --- what each item tests (no gradebook needed) -------------------------------------------------


def test_rule_keys_reads_every_kind_of_rule():
    assert rule_keys({"accept": {"grief": 1, "role_transition": 0.5, "role_dispute": 0}}) == [
        "grief", "role_transition"]
    assert rule_keys({"accept": ["impasse", "not_a_term"]}) == ["impasse"]
    assert rule_keys({"correct": ["death", "grief"], "neutral": ["role_dispute"]}) == ["grief"]
    assert rule_keys({"order": [["initial", "middle"], ["middle", "termination"]]}) == [
        "initial", "middle", "termination"]
    assert rule_keys({"placement": {"task": "initial", "role_play": ["middle"]}}) == [
        "initial", "role_play", "middle"]
    assert rule_keys({"tags": {"mother": ["supportive", "conflictual"]}}) == [
        "supportive", "conflictual"]
    assert rule_keys({"points": 2, "explain": "grief"}) == []


def test_test_cells_are_read_from_code_without_running_it():
    code = ('%%capture\n### BEGIN HIDDEN TESTS\nimport ipt_helpers.forms.scoring as s\n'
            's.score("f", {"q": {"accept": {"grief": 1}}})\n### END HIDDEN TESTS\n')
    assert scored_form(code) == ("f", {"q": {"accept": {"grief": 1}}})
    assert scored_form('score("g", make_rubric())') == ("g", None)
    assert scored_form("score('f', {") is None


def test_item_concepts_come_from_the_form_definitions_of_the_source_notebook(course):
    found = item_concepts(Course.open(course), A)
    assert found[("problem-areas", "case-a-test")] == ["grief"]
    assert found[("problem-areas", "case-c-test")] == ["role_dispute", "impasse"]
    assert found[("problem-areas", "justify")] == []  # a written answer: no rubric
    assert list(found)[0] == ("problem-areas", "case-a-test"), "in notebook order"


def test_no_gradebook_or_an_assignment_not_in_it_is_a_clear_error(course):
    with pytest.raises(CourseError, match="no gradebook yet"):
        write_report(Course.open(course), A)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}"):
        pass
    with pytest.raises(CourseError, match=f"{A} is not in the gradebook yet"):
        write_report(Course.open(course), A)
    with pytest.raises(CourseError, match="unknown assignment 'ps99'"):
        write_report(Course.open(course), "ps99")
    assert not (course / "reports").exists()


# --- a graded class -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Three graded submissions (perfect, blank, partial), two students in the gradebook who did
    not submit (one with an HTML name, one with an HTML id) and a roster with one more."""
    root = tmp_path_factory.mktemp("report") / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    make_submissions(root, A, ["perfect", "blank", "partial"])
    run(["nbgrader", "autograde", A], cwd=root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.add_student("eve", first_name="<b>Eve</b>", last_name="Adams")
        gb.add_student("<i>mallory</i>")
    (root / "students.csv").write_text("id,first_name,last_name\nperfect,P,Q\nzed,Zed,<Zulu>\n")
    return root


@pytest.fixture(scope="module")
def report(graded):
    path = write_report(Course.open(graded), A)
    return path, path.read_text()


def test_report_goes_to_reports_assignment_with_pngs_beside_it(graded, report):
    path, page = report
    assert path == graded / "reports" / A / "index.html"
    for name in FIGURES.values():
        png = path.parent / name
        assert png.read_bytes().startswith(PNG), name
        assert f'<a href="{name}">PNG file</a>' in page
    imgs = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">', page)
    assert len(imgs) == 3 and all(len(alt) > 30 for alt in imgs)
    assert "Histogram of total scores in ps1-problem-areas: 3 graded submission(s)" in imgs[0]
    assert not list(path.parent.glob(".*.part"))


def test_per_item_table_matches_the_hand_computed_scores(graded, report):
    _, page = report
    assert "<caption>Per item: mean points and difficulty" in page
    expected = partial_case(A)["expected"]
    import nbformat
    source = nbformat.read(graded / "source" / A / "problem-areas.ipynb", 4)
    points = {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for item, partial_points in expected.items():
        max_points = points[item]
        mean = (max_points + 0 + partial_points) / 3           # perfect, blank, partial
        row = re.search(rf"<tr><td>problem-areas</td><td>{item}</td>(.*?)</tr>", page).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0] == "hidden test" and float(cells[1]) == max_points and cells[2] == "3"
        assert float(cells[4]) == pytest.approx(mean, abs=0.01)
        assert float(cells[5]) == pytest.approx(mean / max_points, abs=0.01)
    stats = class_stats(Course.open(graded), A)
    totals = dict(stats.totals)
    assert totals["blank"] == 0 and totals["perfect"] > totals["partial"] > 0


def test_concepts_are_ranked_most_missed_first_with_model_labels(graded, report):
    _, page = report
    stats = class_stats(Course.open(graded), A)
    values = [c.difficulty for c in stats.concepts]
    assert values == sorted(values)
    # impasse is tested by case-c (partial: full marks) only; renegotiation by case-b, where
    # the partial submission chose impasse: renegotiation is missed more
    by_key = {c.key: c for c in stats.concepts}
    assert by_key["renegotiation"].difficulty < by_key["impasse"].difficulty
    assert f"<td>{html.escape(model.label('role_dispute'))}</td><td>role_dispute</td>" in page
    assert html.escape(model.label(stats.concepts[0].key)) in page
    assert "most missed: " + stats.concepts[0].label in page


def test_students_who_did_not_submit_are_listed_escaped(report):
    _, page = report
    missing = page.split('<h2 id="missing">')[1]
    assert "<td>eve</td><td>&lt;b&gt;Eve&lt;/b&gt; Adams</td><td>gradebook</td>" in missing
    assert "<td>&lt;i&gt;mallory&lt;/i&gt;</td>" in missing
    assert "<td>zed</td><td>Zed &lt;Zulu&gt;</td><td>students.csv</td>" in missing
    assert "<td>perfect</td>" not in missing, "a student who submitted is not listed"
    assert "<b>Eve" not in page and "<i>mallory" not in page and "<Zulu>" not in page


def test_a_collected_but_ungraded_submission_is_noted(graded, tmp_path):
    nb = next((graded / "submitted" / "blank" / A).glob("*.ipynb"))
    late = graded / "submitted" / "late" / A
    late.mkdir(parents=True)
    shutil.copy(nb, late)
    try:
        out = write_report(Course.open(graded), A, tmp_path / "elsewhere")
        page = out.read_text()
        assert out == tmp_path / "elsewhere" / "index.html"
        assert "Collected but not graded yet" in page and "<code>late</code>" in page
        assert "<td>late</td>" not in page
    finally:
        shutil.rmtree(graded / "submitted" / "late")


def test_a_report_replaces_its_own_files_but_not_a_foreign_index(graded, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<h1>my course homepage</h1>")
    with pytest.raises(CourseError, match="is not an ipt-course report"):
        write_report(Course.open(graded), A, out)
    assert (out / "index.html").read_text() == "<h1>my course homepage</h1>"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    again = tmp_path / "again"
    write_report(Course.open(graded), A, again)
    (again / "mine.txt").write_text("kept")
    write_report(Course.open(graded), A, again)
    assert (again / "mine.txt").read_text() == "kept"


def test_roster_without_an_id_column_is_a_clear_error(graded, tmp_path):
    course = tmp_path / "c"
    shutil.copytree(graded, course, ignore=shutil.ignore_patterns("autograded", "submitted",
                                                                  "release", "reports"))
    (course / "students.csv").write_text("name,email\nAda,ada@example.org\n")
    with pytest.raises(CourseError, match=r"students.csv has no 'id' column \(columns: name, email\)"):
        write_report(Course.open(course), A)


def test_ipt_course_report_command(graded, tmp_path):
    proc = run(["ipt-course", "report", A, "--out", tmp_path / "r"], cwd=graded)
    assert proc.stdout.strip() == f"report: {tmp_path / 'r' / 'index.html'}"
    assert (tmp_path / "r" / FIGURES["concepts"]).read_bytes().startswith(PNG)


# --- which problem areas students confuse (issue 15, item 7) ------------------------------------


def test_kappa_of_the_key_against_the_class_is_cohens_kappa_by_hand():
    from ipt_helpers.course.report import Confusion
    c = Confusion(["grief", "role_dispute"], [], {("grief", "grief"): 3, ("grief", "role_dispute"): 1,
                                                  ("role_dispute", "role_dispute"): 2}, answers=6)
    # observed 5/6; chance (4/6)(3/6) + (2/6)(3/6) = 1/2; kappa (5/6 - 1/2) / (1 - 1/2) = 2/3
    assert c.kappa() == pytest.approx(2 / 3)
    assert c.kappa("grief") == pytest.approx(2 / 3)  # two areas: present/absent is the same
    assert c.agreement("grief") == pytest.approx(3 / 4) and c.agreement("role_dispute") == 1
    assert c.kappa("interpersonal_deficits") is None, "no question keyed to it"


def test_focus_questions_are_those_offering_the_problem_areas_keyed_by_highest_credit(course):
    from ipt_helpers.course.report import focus_questions
    found = {q.form_id: q for q in focus_questions(Course.open(course), A)}
    assert set(found) == {f"case-{x}" for x in "abcdefgh"}
    assert found["case-d"].key == "role_dispute", "deficits earns 0.5, the dispute 1"
    assert set(found["case-b"].top) == {"role_dispute", "role_transition"}, "a tie: both keys"


def test_the_report_shows_the_confusion_matrix_beside_published_rater_agreement(graded, report):
    from ipt_helpers.course.report import NO_ANSWER
    _, page = report
    c = class_stats(Course.open(graded), A).confusion
    assert c.answers == 3 * 8
    assert sum(n for (k, ch), n in c.counts.items() if ch == NO_ANSWER) == 8  # the blank one
    # the partly-right submission: deficits for case-d (key: dispute), grief for case-e (key:
    # transition); every other focus agrees with the key, as does the perfect one's
    assert c.counts[("role_dispute", "interpersonal_deficits")] == 1
    assert c.counts[("role_transition", "grief")] == 1
    assert sum(n for (k, ch), n in c.counts.items() if k == ch) == 8 + 6
    assert '<h2 id="confusion">Which problem areas students confuse</h2>' in page
    assert "key (rows) against the area chosen (columns)" in page
    assert "Published rater kappa" in page and ">0.87<" in page and ">0.48<" in page
    assert "Markowitz, Leon, Miller, Cherry, Clougherty and Villalobos (2000)" in page


def test_second_marking_agreement_on_known_marks(graded, tmp_path):
    """First marks 0, 1, 2 and second marks 0, 2, 2: exact 2 of 3, all within one point;
    linear weighted kappa by hand: observed (1 + .5 + 1) / 3 = 5/6, chance 1/2, kappa 2/3."""
    from ipt_helpers.course.marking.questions import second_marking
    from ipt_helpers.course.marking.store import set_second_mark
    course = tmp_path / "course"
    shutil.copytree(graded, course, ignore=shutil.ignore_patterns("reports"))
    c = Course.open(course)
    first, second = {"blank": 0, "partial": 1, "perfect": 2}, {"blank": 0, "partial": 2, "perfect": 2}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, points in first.items():
            grade = gb.find_grade("justify", "problem-areas", A, student)
            grade.manual_score = points
            gb.db.commit()
            set_second_mark(gb, A, "justify", grade.id, second[student], expected=None,
                            max_points=4)
        [entry] = second_marking(gb, c, A)
    agreement = entry["agreement"]
    assert agreement.n == 3 and agreement.exact == pytest.approx(2 / 3)
    assert agreement.within_one == 1 and agreement.weighted_kappa == pytest.approx(2 / 3)
    page = write_report(c, A).read_text()
    row = re.search(r"<tr><td>justify</td>(.*?)</tr>", page.split('id="second-marking"')[1]).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == ["3", "67%", "100%", "0.67"]
    assert "No two marks of an answer are more than one point apart" in page


def test_an_answer_in_an_unexpected_shape_is_counted_apart_not_a_crash(graded, tmp_path):
    """Issue 23: one form recorded as a bare string (``answer="grief"`` instead of
    ``{question: "grief"}``) made the report crash with AttributeError; a value that is no
    option ("griefx") became a column of its own, as if it were a problem area."""
    import nbformat

    from ipt_helpers.course.report import focus_questions
    from submissions import with_answers

    course = tmp_path / "course"
    shutil.copytree(graded, course, ignore=shutil.ignore_patterns("reports"))
    first, second = focus_questions(Course.open(course), A)[:2]
    path = course / "submitted" / "partial" / A / f"{first.notebook}.ipynb"
    nb = with_answers(nbformat.read(path, 4), {first.form_id: "grief",
                                              second.form_id: {second.question: "griefx"}})
    nbformat.write(nb, path)
    proc = run(["ipt-course", "report", A], cwd=course, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    c = class_stats(Course.open(course), A).confusion
    assert c.answers == 3 * 8 - 2 and len(c.odd) == 2
    assert "griefx" not in c.areas and all("griefx" not in k for k in c.counts)
    page = (course / "reports" / A / "index.html").read_text()
    assert "2 answer(s) left out of the matrix and the agreement" in page
    assert ("<td>partial</td><td>" + f"{first.form_id}/{first.question}</td><td>the form is "
            "recorded as str &#x27;grief&#x27;, not as answers by question</td>") in page
    assert "&#x27;griefx&#x27; is not one of the options" in page
    matrix = page.split('id="confusion"')[1].split("</table>")[0]
    assert "griefx" not in matrix, "an invalid value is not a problem area"


def test_the_page_says_summary_once(report):
    _, page = report
    assert page.count("Summary") == 1
    assert '<h2 id="summary">Summary</h2>' in page
