"""The one-machine JupyterHub configuration (deploy/jupyterhub) loads and gives students and
the instructor what the README says: PAM login for the class list, each user's own process,
nbgrader's instructor panels and the marking page for the instructor only."""

import types

from traitlets.config.loader import PyFileConfigLoader

from conftest import ROOT

DEPLOY = ROOT / "deploy" / "jupyterhub"


def load(tmp_path, monkeypatch):
    (tmp_path / "students.txt").write_text("amara\nbo\n\n")
    monkeypatch.setenv("IPT_HUB_STATE", str(tmp_path))
    monkeypatch.setenv("IPT_INSTRUCTOR", "teacher")
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def spawn(config, name):
    spawner = types.SimpleNamespace(user=types.SimpleNamespace(name=name), args=[],
                                    environment=dict(config.Spawner.environment))
    config.Spawner.pre_spawn_hook(spawner)
    return spawner


def test_the_hub_logs_in_the_class_list_with_their_own_accounts(tmp_path, monkeypatch):
    config = load(tmp_path, monkeypatch)
    assert config.JupyterHub.authenticator_class.endswith("PAMAuthenticator")
    assert config.JupyterHub.spawner_class.endswith("LocalProcessSpawner")
    assert config.Authenticator.allowed_users == {"amara", "bo", "teacher"}
    assert config.Authenticator.admin_users == {"teacher"}
    assert str(tmp_path) in config.JupyterHub.db_url


def test_only_the_instructor_gets_the_panels_and_the_marking_page(tmp_path, monkeypatch):
    config = load(tmp_path, monkeypatch)
    student, teacher = spawn(config, "amara"), spawn(config, "teacher")
    assert "JUPYTER_CONFIG_PATH" not in student.environment and student.args == []
    assert teacher.environment["JUPYTER_CONFIG_PATH"].endswith("course/lab_config")
    assert teacher.args == ["--ServerApp.jpserver_extensions=ipt_helpers.course.marking.app=True"]
    assert teacher.environment["IPT_MARKING_COURSE"].endswith("/course")


def test_the_instructor_keeps_the_config_path_every_user_gets(tmp_path, monkeypatch):
    """The panels go first on JUPYTER_CONFIG_PATH, before a folder the hub gives every user
    (e.g. the global nbgrader config), which the hook once replaced."""
    config = load(tmp_path, monkeypatch)
    config.Spawner.environment = {**config.Spawner.environment, "JUPYTER_CONFIG_PATH": "/srv/jupyter"}
    panels, everyone = spawn(config, "teacher").environment["JUPYTER_CONFIG_PATH"].split(":")
    assert panels.endswith("course/lab_config") and everyone == "/srv/jupyter"
    assert spawn(config, "amara").environment["JUPYTER_CONFIG_PATH"] == "/srv/jupyter"


def test_every_user_shares_one_exchange():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(DEPLOY)).load_config()
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    assert "ipt-curriculum" in (ROOT / "exercises" / "nbgrader_config.py").read_text()
    assert config.CourseDirectory.course_id == "ipt-curriculum"
