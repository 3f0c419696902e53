"""The notebooks' exercises: a check per exercise that tells the learner whether they got it.

Each check returns a ``Verdict`` the cell shows in one line: ✓ or ✗ with what to try
next, in the learner's language, or ○ when it did not check. Checks run only when the
notebook's ``RUN_EXERCISES`` parameter says so: ``"auto"`` (the default) checks in
JupyterLab (a kernel that jupyter_server started) and skips headless runs (papermill,
``make workshop``), where nobody edits the exercise cells.

    exercises.check_wait_gap(run, waited_seconds, RUN_EXERCISES)   # 01
    exercises.check_one_email(target, names, MY_HANDLER, wait_seconds, RUN_EXERCISES)  # 02
    exercises.check_retention(target, names, 14, RUN_EXERCISES)   # 03
    exercises.check_approval_timeout(target, exercise_arn, RUN_EXERCISES)   # 04
"""

from .checks import Verdict, exercises_on, verdict
from .deploy import check_retention
from .first import check_wait_gap
from .replay import check_one_email, exercise_bundle
from .timeout import check_approval_timeout

__all__ = [
    "Verdict",
    "check_approval_timeout",
    "check_one_email",
    "check_retention",
    "check_wait_gap",
    "exercise_bundle",
    "exercises_on",
    "verdict",
]
