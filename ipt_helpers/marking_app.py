"""The marking page: a Jupyter Server extension (runs wherever nbgrader's formgrader runs,
JupyterHub included) that ``ipt-course mark ASSIGNMENT`` also starts on its own.

    /ipt-marking/                          the assignments and their written questions
    /ipt-marking/ASSIGNMENT/NOTEBOOK/ID    one question: every answer in turn, the mark scheme
    /ipt-marking/api/...                   JSON: mark, rubric comments (token-authenticated)

One question at a time, anonymous (a token per answer, in an order shuffled by the server's
secret), progress,
keyboard shortcuts (j/k or arrows: next/previous; digits: points; ".": add a half), students'
text always inserted as text. Marks are nbgrader's manual scores and comments
(``ipt_helpers.marking``), refused on conflict. Rubric comments are written once per question
(``marking/ASSIGNMENT/ID.json`` in the course folder) and applied with one click: an answer
with rubric comments scores the sum of their points, so changing a comment's points
re-scores every answer it is on.

Enable in a Jupyter Server: ``jupyter server --ServerApp.jpserver_extensions=
'{"ipt_helpers.marking_app": true}'``; the course folder is ``c.IPTMarking.course``
(default: the server's root folder).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .course import Course, CourseError
from .marking import (MarkConflict, answers_for, check_points, load_second_marks,
                      save_second_mark, second_sample, set_mark, written_questions)

_LOCK = threading.Lock()  # rubric files: one writer at a time in this server


def _course(handler) -> Course:
    root = handler.settings.get("ipt_marking_course") or handler.settings.get("server_root_dir")
    return Course.open(root)


def _marker(handler) -> str:
    """The secret of the answers' tokens and order: this server's (a token-authenticated
    request may come with a new anonymous user name each time, so not the user's)."""
    return handler.settings["ipt_marking_secret"]


def _rubric_path(course: Course, assignment: str, grade_id: str) -> Path:
    return course.root / "marking" / assignment / f"{grade_id}.json"


def load_rubric(course: Course, assignment: str, grade_id: str) -> dict:
    path = _rubric_path(course, assignment, grade_id)
    if path.is_file():
        return json.loads(path.read_text())
    return {"comments": [], "applied": {}}


def save_rubric(course: Course, assignment: str, grade_id: str, rubric: dict) -> None:
    path = _rubric_path(course, assignment, grade_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rubric, indent=1))
    os.replace(tmp, path)


def _question(course, assignment, notebook, grade_id):
    for q in written_questions(course, assignment):
        if q.notebook == notebook and q.grade_id == grade_id:
            return q
    raise web.HTTPError(404, f"no written question {grade_id} in {assignment}/{notebook}")


def _second(handler) -> float:
    """The share of answers a second marker sees (0: this is first marking)."""
    return float(handler.settings.get("ipt_marking_second") or 0)


def _answers(handler, gb, course, assignment, q):
    answers = answers_for(gb, course, assignment, q, _marker(handler))
    if _second(handler):  # blind: a sample, without the first marks or comments
        marks = load_second_marks(course, assignment, q.grade_id)
        answers = second_sample(answers, _second(handler))
        for a in answers:
            a.points, a.comment = marks.get(a.grade_row), ""
    return answers


def _state(handler, assignment, notebook, grade_id) -> dict:
    from nbgrader.api import Gradebook

    course = _course(handler)
    q = _question(course, assignment, notebook, grade_id)
    with Gradebook(course.db_url) as gb:
        answers = _answers(handler, gb, course, assignment, q)
    rubric = load_rubric(course, assignment, grade_id)
    if _second(handler):
        rubric = {"comments": [], "applied": {}}
    return {"assignment": assignment, "notebook": notebook, "grade_id": grade_id,
            "points": q.points, "prompt": q.prompt, "scheme": q.scheme,
            "rubric": rubric["comments"], "second": bool(_second(handler)),
            "answers": [{"token": a.token, "text": a.text, "points": a.points,
                         "comment": a.comment, "rubric": rubric["applied"].get(a.token, [])}
                        for a in answers]}


class IndexHandler(JupyterHandler):
    @web.authenticated
    def get(self):
        import html
        course = _course(self)
        rows = []
        for a in course.assignments():
            for q in written_questions(course, a):
                href = url_path_join(self.base_url, "ipt-marking", a, q.notebook, q.grade_id)
                rows.append(f'<li><a href="{html.escape(href)}">{html.escape(a)}: '
                            f'{html.escape(q.grade_id)}</a> ({q.points:g} points)</li>')
        self.finish(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Marking</title></head>
<body><main><h1>Written answers to mark</h1><ul>{''.join(rows) or '<li>none</li>'}</ul></main></body></html>""")


class QuestionHandler(JupyterHandler):
    @web.authenticated
    def get(self, assignment, notebook, grade_id):
        state = _state(self, assignment, notebook, grade_id)
        data = json.dumps(state).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        page = (Path(__file__).parent / "templates" / "marking.html").read_text()
        self.finish(page.replace("__STATE__", data).replace("__XSRF__", self.xsrf_token.decode()))


class StateHandler(JupyterHandler):
    @web.authenticated
    def get(self, assignment, notebook, grade_id):
        self.finish(_state(self, assignment, notebook, grade_id))


class MarkHandler(JupyterHandler):
    """{assignment, notebook, grade_id, token, points, comment, expected, rubric?}"""

    @web.authenticated
    def post(self):
        from nbgrader.api import Gradebook

        body = json.loads(self.request.body or b"{}")
        course = _course(self)
        a, nb, gid = body["assignment"], body["notebook"], body["grade_id"]
        q = _question(course, a, nb, gid)
        try:
            with Gradebook(course.db_url) as gb:
                answers = {x.token: x for x in _answers(self, gb, course, a, q)}
                if body["token"] not in answers:
                    raise web.HTTPError(404, "no such answer")
                points = body.get("points")
                if _second(self):  # second marks are kept apart from the gradebook's
                    value = None if points is None else check_points(points, q.points)
                    save_second_mark(course, a, gid, answers[body["token"]].grade_row, value)
                    self.finish(_state(self, a, nb, gid))
                    return
                if "rubric" in body:  # the rubric comments on this answer: their points add up
                    with _LOCK:
                        rubric = load_rubric(course, a, gid)
                        known = {c["id"]: c for c in rubric["comments"]}
                        applied = [i for i in body["rubric"] if i in known]
                        rubric["applied"][body["token"]] = applied
                        save_rubric(course, a, gid, rubric)
                    if applied:
                        points = min(max(sum(known[i]["points"] for i in applied), 0), q.points)
                set_mark(gb, answers[body["token"]], points, body.get("comment"),
                         expected=body.get("expected"), max_points=q.points)
        except MarkConflict as err:
            self.set_status(409)
            self.finish({"error": str(err)})
            return
        except CourseError as err:
            self.set_status(400)
            self.finish({"error": str(err)})
            return
        self.finish(_state(self, a, nb, gid))


class RubricHandler(JupyterHandler):
    """Add a rubric comment {assignment, notebook, grade_id, text, points}, or change one
    {..., id, points}: every answer it is on is re-scored."""

    @web.authenticated
    def post(self):
        from nbgrader.api import Gradebook

        body = json.loads(self.request.body or b"{}")
        course = _course(self)
        a, nb, gid = body["assignment"], body["notebook"], body["grade_id"]
        q = _question(course, a, nb, gid)
        try:
            points = check_points(abs(float(body["points"])), q.points) * (1 if float(body["points"]) >= 0 else -1)
        except CourseError as err:
            self.set_status(400)
            self.finish({"error": str(err)})
            return
        with _LOCK:
            rubric = load_rubric(course, a, gid)
            if body.get("id"):
                for c in rubric["comments"]:
                    if c["id"] == body["id"]:
                        c["points"] = points
            else:
                rubric["comments"].append({"id": secrets.token_hex(4), "text": str(body["text"]),
                                           "points": points})
            save_rubric(course, a, gid, rubric)
        known = {c["id"]: c for c in rubric["comments"]}
        with Gradebook(course.db_url) as gb:  # re-score every answer a changed comment is on
            for answer in answers_for(gb, course, a, q, _marker(self)):
                applied = rubric["applied"].get(answer.token, [])
                if body.get("id") in applied:
                    total = min(max(sum(known[i]["points"] for i in applied if i in known), 0), q.points)
                    set_mark(gb, answer, total, None, expected=answer.points, max_points=q.points)
        self.finish(_state(self, a, nb, gid))


def _jupyter_server_extension_points():
    return [{"module": "ipt_helpers.marking_app"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    config = serverapp.config.get("IPTMarking", {})
    web_app.settings["ipt_marking_course"] = config.get("course") or os.environ.get("IPT_MARKING_COURSE", "")
    web_app.settings["ipt_marking_secret"] = config.get("secret") or "ipt"
    web_app.settings["ipt_marking_second"] = os.environ.get("IPT_MARKING_SECOND", "")
    name = r"([A-Za-z0-9._@-]+)"
    route = lambda *p: url_path_join(base, "ipt-marking", *p)  # noqa: E731
    web_app.add_handlers(".*$", [
        (route(), IndexHandler), (route("") + "/", IndexHandler),
        (route("api", "state", name, name, name), StateHandler),
        (route("api", "mark"), MarkHandler),
        (route("api", "rubric"), RubricHandler),
        (route(name, name, name), QuestionHandler),
    ])
    serverapp.log.info("ipt-course marking page at %s", route())
