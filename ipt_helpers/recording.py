"""Old path of ``ipt_helpers.forms.recording``, kept because the hidden tests already in
courses' gradebooks (and autograded notebooks) import ``score`` from here."""

from ipt_helpers.forms.recording import *  # noqa: F401,F403
from ipt_helpers.forms.recording import form, handin_check, score  # noqa: F401
