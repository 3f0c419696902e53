"""What every exercise check shares: whether to check at all, and the verdict it prints."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..i18n import tr
from ..params import ParameterError

AUTO = "auto"
# jupyter_server sets it for the kernels it starts (JupyterLab, Notebook): an attendee is
# at the keyboard. papermill and nbclient start kernels without it.
SESSION_ENV = "JPY_SESSION_NAME"


def exercises_on(setting: object, environ: dict[str, str] | None = None) -> bool:
    """Whether to check: ``True``, ``False``, or ``"auto"`` (in JupyterLab, not headless).

    Anything else is a ParameterError that says what to write.
    """
    if isinstance(setting, bool):
        return setting
    if setting == AUTO:
        env = os.environ if environ is None else environ
        return bool(env.get(SESSION_ENV))
    raise ParameterError(
        [
            tr(
                f'RUN_EXERCISES is {setting!r}: use "auto" (check in JupyterLab, skip '
                "headless runs), True or False.",
                f'RUN_EXERCISES が {setting!r} になっています。"auto"（JupyterLab では確認し、'
                "ヘッドレス実行では飛ばす）、True、False のいずれかにしてください。",
            )
        ]
    )


@dataclass(frozen=True)
class Verdict:
    """A check's answer: ``ok`` (None: not checked) and one line for the learner."""

    ok: bool | None
    text: str

    def __repr__(self) -> str:  # what the check cell shows
        mark = {True: "✓", False: "✗", None: "○"}[self.ok]
        return f"{mark} {self.text}"


def skipped(setting: object) -> Verdict:
    """What a check answers when it does not check."""
    if setting is False:
        return Verdict(
            None,
            tr(
                "Exercise check skipped: RUN_EXERCISES is False.",
                "演習の確認を飛ばしました（RUN_EXERCISES が False です）。",
            ),
        )
    return Verdict(
        None,
        tr(
            "Exercise check skipped: this is a headless run (set RUN_EXERCISES = True "
            "to check anyway).",
            "ヘッドレス実行のため、演習の確認を飛ばしました（確認するには "
            "RUN_EXERCISES = True にしてください）。",
        ),
    )


def verdict(ok: bool, text: str) -> Verdict:
    """``text`` as a ✓ (``ok``) or ✗ verdict."""
    return Verdict(ok, text)
