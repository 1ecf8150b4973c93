"""Starting the marking page on its own (``ipt-course mark``): a Jupyter Server on 127.0.0.1
with only the marking extension, a fresh token, and the marker's name and sample size."""

from __future__ import annotations

import os
import sys

from ipt_helpers.course.folder import Course, CourseError


def serve(course: Course, assignment: str, port: int = 0, marker: str = "",
          second_marker: bool = False, sample: float = 20.0) -> int:
    """``ipt-course mark``: this process becomes the marking page's server
    (``ipt_helpers.course.marking.app``) on 127.0.0.1, with a token; it prints the address."""
    import getpass
    import secrets
    import socket

    from ipt_helpers.course.marking.questions import written_questions

    questions = written_questions(course, course.check_assignment(assignment))
    if not questions:
        raise CourseError(f"{assignment} has no written answers to mark")
    # The address (with its token) is printed before the server starts: the port must be
    # free now, or the token would go to whatever listens there. The server does not move to
    # another port either (port_retries=0), so the printed address is the one it serves.
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise CourseError(f"port {port} on 127.0.0.1 is in use: choose another with "
                              "--port, or leave --port out for a free one") from None
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={course.root}",
           "--ServerApp.jpserver_extensions=ipt_helpers.course.marking.app=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    q = questions[0]
    print(f"marking {assignment}: open http://127.0.0.1:{port}/ipt-marking/{assignment}/"
          f"{q.notebook}/{q.grade_id}?token={token}  (Ctrl+C stops it)", flush=True)
    env = {**os.environ, "IPT_MARKING_COURSE": str(course.root),
           "IPT_MARKING_MARKER": marker or getpass.getuser(),
           "IPT_MARKING_SECOND": str(sample / 100) if second_marker else ""}
    if second_marker:
        print(f"second marking: a blind {sample:g} % sample; first marks are hidden and "
              "not changed (ipt-course report shows the agreement)", flush=True)
    os.chdir(course.root)
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)  # this process becomes the server: stopping it stops it
