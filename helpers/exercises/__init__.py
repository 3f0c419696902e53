"""The notebooks' exercises: a check per exercise that tells the learner whether they got it.

Each check returns a ``Verdict`` the cell shows in one line: ✓ or ✗ with what to try
next, in the learner's language, or ○ when it did not check. Checks run only when the
notebook's ``RUN_EXERCISES`` parameter says so: ``"auto"`` (the default) checks in
JupyterLab (a kernel that jupyter_server started) and skips headless runs (papermill,
``make workshop``), where nobody edits the exercise cells.

    exercises.check_approval_timeout(target, exercise_arn, RUN_EXERCISES)   # 04
"""

from .checks import Verdict, exercises_on, verdict
from .timeout import check_approval_timeout

__all__ = ["Verdict", "check_approval_timeout", "exercises_on", "verdict"]
