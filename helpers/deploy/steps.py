"""What every deploy step shares: the one line it prints, and how it waits for AWS.

Each step is idempotent (run it twice, the second run changes nothing) and prints one
line saying what it did: ``created``, ``already there`` or ``updated``. While AWS still
holds a just-deleted name, a step tries again after a pause, for a bounded time.
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from .names import redact_account

WAIT_POLL_S = (1, 2, 3, 5)  # between tries of a name being released (then 5 s each)
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")


class NameNotReleasedError(RuntimeError):
    """AWS still holds a just-deleted name; the message says how long to wait, or what else."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"NameNotReleasedError: {self}"]


def pause(attempt: int) -> float:
    """Sleep before try ``attempt + 1`` (``WAIT_POLL_S``); returns the seconds slept."""
    delay = WAIT_POLL_S[min(attempt, len(WAIT_POLL_S) - 1)]
    time.sleep(delay)
    return delay


def say(kind: str, name: str, what: str) -> None:
    """The one line each step prints (account ids masked: notebooks get shared)."""
    print(redact_account(f"{kind} {name}: {what}"))


def error_code(exc: ClientError) -> str:
    """The AWS error code of ``exc`` ("" if it has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))
