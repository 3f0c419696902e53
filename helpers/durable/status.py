"""The statuses of a durable execution and of its operations, as one set each.

``GetDurableExecution`` answers ``RUNNING`` or one of the ended statuses (the Lambda API's
``ExecutionStatus``); an operation's outcome events end it the same ways (history events
``<Kind>Succeeded``, ``Failed``, ``TimedOut``, ``Stopped``). A RUNNING execution may be
suspended (in a wait or for a callback: nothing runs, nothing is billed); that is read from
its history, not its status.
"""

from __future__ import annotations

from ..i18n import tr

RUNNING = "RUNNING"
ENDED_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
# What the read model says of a RUNNING execution, from its history's open operations.
SUSPENDED_IN_WAIT = "suspended in a wait (no compute)"
WAITING_FOR_CALLBACK = "suspended, waiting for a callback"
PHASE_RUNNING = "running"


def has_ended(status: str) -> bool:
    """The execution (or operation) status is final: it will not run again."""
    return status in ENDED_STATUSES


def phase_text(phase: str) -> str:
    """A phase (one of the three above) as the learner reads it; the constants stay the
    values code compares."""
    japanese = {
        SUSPENDED_IN_WAIT: "待機中で中断（コンピューティングなし）",
        WAITING_FOR_CALLBACK: "中断中、コールバックを待っています",
        PHASE_RUNNING: "実行中",
    }
    return tr(phase, japanese.get(phase, phase))
