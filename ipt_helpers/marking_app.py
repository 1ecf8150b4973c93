"""Old path of ``ipt_helpers.course.marking.app``, kept because a hub's or server's config
may enable ``{"ipt_helpers.marking_app": True}`` as a Jupyter Server extension."""

from ipt_helpers.course.marking.app import (  # noqa: F401
    _jupyter_server_extension_points, _load_jupyter_server_extension)
