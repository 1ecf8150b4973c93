"""The marking page: a Jupyter Server extension (runs wherever nbgrader's formgrader runs,
JupyterHub included) that ``ipt-course mark ASSIGNMENT`` also starts on its own.

    /ipt-marking/                          the assignments and their written questions
    /ipt-marking/ASSIGNMENT/NOTEBOOK/ID    one question: every answer in turn, the mark scheme
    /ipt-marking/api/...                   JSON: mark, rubric comments (authenticated, XSRF)

One question at a time, anonymous (a token per answer, in an order shuffled for each marker),
progress, keyboard shortcuts (j/k or arrows: next/previous; digits: points; ".": add a half),
students' text always inserted as text. Everything is stored in the gradebook database
(``ipt_helpers.course.marking.store``): marks as nbgrader's manual scores and comments, rubric
comments and second marks beside them, so two markers, on one server or on two, share the
rubric and never overwrite each other's work (a conflicting write is refused with the
current state, which the page then shows).

Enable in a Jupyter Server (JupyterHub's single-user servers too):
``--ServerApp.jpserver_extensions=ipt_helpers.course.marking.app=True`` on the command line, or
``c.ServerApp.jpserver_extensions = {"ipt_helpers.course.marking.app": True}`` in its config. Under
JupyterHub, pass ``IPT_MARKING_*`` variables through ``c.Spawner.environment`` (a spawned
server inherits almost none). The course folder is ``c.IPTMarking.course``
(default: the server's root folder); the marker is the logged-in user (JupyterHub's user
name), or ``c.IPTMarking.marker``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ipt_helpers.course.grading.penalties import late_submissions, recompute
from ipt_helpers.course.marking import store
from ipt_helpers.course.folder import Course, CourseError
from ipt_helpers.course.marking.questions import answers_for, second_sample, written_questions


def _course(handler) -> Course:
    root = handler.settings.get("ipt_marking_course") or handler.settings.get("server_root_dir")
    return Course.open(root)


def _marker(handler) -> str:
    """Who is marking: the configured name, else the logged-in user's."""
    user = handler.current_user
    return handler.settings.get("ipt_marking_marker") or getattr(user, "username", "") or ""


def _question(course, assignment, notebook, grade_id):
    for q in written_questions(course, assignment):
        if q.notebook == notebook and q.grade_id == grade_id:
            return q
    raise web.HTTPError(404, f"no written question {grade_id} in {assignment}/{notebook}")


def _second(handler) -> float:
    """The share of answers a second marker sees (0: this is first marking)."""
    return float(handler.settings.get("ipt_marking_second") or 0)


def _answers(handler, gb, course, assignment, q):
    answers = answers_for(gb, course, assignment, q, store.course_secret(gb), _marker(handler))
    if _second(handler):  # blind: a sample, without the first marks or comments
        marks = store.second_marks(gb, assignment, q.grade_id)
        answers = second_sample(answers, _second(handler))
        for a in answers:
            a.points, a.comment, a.auto_points = marks.get(a.grade_row), "", None
    return answers


def _state(handler, gb, course, q, assignment) -> dict:
    answers = _answers(handler, gb, course, assignment, q)
    second = bool(_second(handler))
    rubric = [] if second else store.rubric(gb, assignment, q.notebook, q.grade_id)
    on = {} if second else store.applied(gb, [a.grade_row for a in answers])
    return {"assignment": assignment, "notebook": q.notebook, "grade_id": q.grade_id,
            "points": q.points, "prompt": q.prompt, "scheme": q.scheme, "rubric": rubric,
            "prompt_html": markdown_html(q.prompt), "scheme_html": markdown_html(q.scheme),
            "second": second,
            "answers": [{"token": a.token, "text": a.text, "points": a.points,
                         "auto": a.auto_points, "comment": a.comment,
                         "rubric": on.get(a.grade_row, [])}
                        for a in answers]}


def markdown_html(text: str) -> str:
    """The instructor's Markdown (a prompt, a mark scheme) as HTML, as the notebook shows it,
    so a marker reads a list as a list rather than asterisks. CommonMark with raw HTML turned
    off: any HTML in the text is escaped and shown as text, and markdown-it refuses
    javascript: and other unsafe link targets, so the page can insert the result as HTML."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text or "")


def _load(handler, assignment, notebook, grade_id) -> dict:
    from nbgrader.api import Gradebook

    course = _course(handler)
    q = _question(course, assignment, notebook, grade_id)
    with Gradebook(course.db_url) as gb:
        return _state(handler, gb, course, q, assignment)


class _Api(JupyterHandler):
    """A JSON POST on one question: ``change(gb, course, q, assignment, body)`` writes; the
    answer is the question's new state, or the refusal (409 conflict, 400 bad input) with the
    current one."""

    @web.authenticated
    def post(self):
        from nbgrader.api import Gradebook

        try:
            body = json.loads(self.request.body or b"{}")
            a, nb, gid = body["assignment"], body["notebook"], body["grade_id"]
        except (ValueError, KeyError, TypeError):
            raise web.HTTPError(400, "not a marking request") from None
        course = _course(self)
        q = _question(course, a, nb, gid)
        with Gradebook(course.db_url) as gb:
            try:
                self.change(gb, course, q, a, body)
            except CourseError as err:
                self.set_status(409 if isinstance(err, store.MarkConflict) else 400)
                self.finish({"error": str(err), "state": _state(self, gb, course, q, a)})
                return
            try:  # a late student's penalty follows their new total (nbgrader's plugin again)
                if late_submissions(gb, a):
                    recompute(gb, course.config(), a)
            except CourseError as err:
                self.set_status(500)
                self.finish({"error": f"the mark was saved, but the late penalty was not "
                                      f"computed again: {err}", "state": _state(self, gb, course, q, a)})
                return
            self.finish(_state(self, gb, course, q, a))

    def change(self, gb, course, q, assignment, body):
        raise NotImplementedError

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
        state = _load(self, assignment, notebook, grade_id)
        data = json.dumps(state).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        page = (Path(__file__).parent / "templates" / "marking.html").read_text()
        self.finish(page.replace("__STATE__", data).replace("__XSRF__", self.xsrf_token.decode()))


class StateHandler(JupyterHandler):
    @web.authenticated
    def get(self, assignment, notebook, grade_id):
        self.finish(_load(self, assignment, notebook, grade_id))


class MarkHandler(_Api):
    """{assignment, notebook, grade_id, token, points, comment, expected, rubric?}: points by
    hand, or exactly the rubric comments ``rubric`` on the answer (it scores their sum)."""

    def change(self, gb, course, q, assignment, body):
        answers = {x.token: x for x in _answers(self, gb, course, assignment, q)}
        answer = answers.get(body.get("token"))
        if answer is None:
            raise web.HTTPError(404, "no such answer")
        if _second(self):  # second marks are kept apart from the gradebook's
            store.set_second_mark(gb, assignment, q.grade_id, answer.grade_row,
                                  body.get("points"), expected=body.get("expected"),
                                  max_points=q.points, marker=_marker(self))
            return
        rubric = body.get("rubric")
        store.set_mark(gb, answer, body.get("points"), body.get("comment"),
                       expected=body.get("expected"), max_points=q.points,
                       rubric_ids=None if rubric is None else [str(i) for i in rubric],
                       question=(assignment, q.notebook, q.grade_id))


class RubricHandler(_Api):
    """Add a rubric comment {assignment, notebook, grade_id, text, points}, or change one's
    points {..., id, points, expected}: every answer it is on is re-scored."""

    def change(self, gb, course, q, assignment, body):
        if _second(self):
            raise CourseError("second marking is blind: it has no rubric comments")
        if body.get("id"):
            store.change_comment_points(gb, str(body["id"]), body.get("points"),
                                        expected=body.get("expected"), max_points=q.points)
        else:
            store.add_comment(gb, assignment, q.notebook, q.grade_id,
                              body.get("text", ""), body.get("points"), q.points)


def _jupyter_server_extension_points():
    return [{"module": "ipt_helpers.course.marking.app"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    config = serverapp.config.get("IPTMarking", {})
    web_app.settings["ipt_marking_course"] = config.get("course") or os.environ.get("IPT_MARKING_COURSE", "")
    web_app.settings["ipt_marking_marker"] = config.get("marker") or os.environ.get("IPT_MARKING_MARKER", "")
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
