"""JupyterHub for one IPT course on one machine: local users, PAM login, nbgrader's exchange.

Install: see README.md, "Running a course on JupyterHub" (deploy/jupyterhub/setup.sh does the
steps as root). Students and the instructor are local users of this machine (``useradd``);
they log in with their own password (PAM), and each user's server runs as that user, so the
operating system keeps students out of each other's files and out of the instructor's
course folder (``ipt-course release`` makes its keys readable by the instructor alone).
"""

import os

c = get_config()  # noqa: F821

#: the course's Python: a venv made from Debian's python3.11, readable by every user
VENV = os.environ.get("IPT_VENV", "/opt/ipt/venv")
#: the hub's own state (database, cookie secret, the class list)
STATE = os.environ.get("IPT_HUB_STATE", "/srv/jupyterhub")

c.JupyterHub.bind_url = os.environ.get("IPT_HUB_URL", "http://:8000")
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.command = [os.path.join(VENV, "bin", "configurable-http-proxy")]

# Who may log in: the class list (one login name a line), and the instructor as admin.
with open(f"{STATE}/students.txt") as fh:
    c.Authenticator.allowed_users = {line.strip() for line in fh if line.strip()}
INSTRUCTOR = os.environ.get("IPT_INSTRUCTOR", "instructor")
c.Authenticator.admin_users = {INSTRUCTOR}
c.Authenticator.allowed_users |= {INSTRUCTOR}

# Each server: the course's venv, JupyterLab (Notebook 7 at /tree works too), the user's home.
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin"}


def instructor_tools(spawner):
    """The instructor's server also gets nbgrader's instructor panels (formgrader, Create
    Assignment) and the marking page; students get neither."""
    if spawner.user.name != INSTRUCTOR:
        return
    from ipt_helpers.course.lab_config import INSTRUCTOR as PANELS

    # first on the config path, before any the hub gives every user (Spawner.environment)
    config_path = [str(PANELS), spawner.environment.get("JUPYTER_CONFIG_PATH", "")]
    spawner.environment = {**spawner.environment,
                           "JUPYTER_CONFIG_PATH": os.pathsep.join(p for p in config_path if p)}
    spawner.environment["IPT_MARKING_COURSE"] = os.path.expanduser(f"~{INSTRUCTOR}/course")
    spawner.args = list(spawner.args) + [
        "--ServerApp.jpserver_extensions=ipt_helpers.course.marking.app=True"]


c.Spawner.pre_spawn_hook = instructor_tools
