"""The statuses of a durable execution and of its operations, as one set each.

``GetDurableExecution`` answers ``RUNNING`` or one of the ended statuses (the Lambda API's
``ExecutionStatus``); an operation's outcome events end it the same ways (history events
``<Kind>Succeeded``, ``Failed``, ``TimedOut``, ``Stopped``). A RUNNING execution may be
suspended (in a wait or for a callback: nothing runs, nothing is billed); that is read from
its history, not its status.
"""

from __future__ import annotations

RUNNING = "RUNNING"
ENDED_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
# What the read model says of a RUNNING execution, from its history's open operations.
SUSPENDED_IN_WAIT = "suspended in a wait (no compute)"
WAITING_FOR_CALLBACK = "suspended, waiting for a callback"
PHASE_RUNNING = "running"


def has_ended(status: str) -> bool:
    """The execution (or operation) status is final: it will not run again."""
    return status in ENDED_STATUSES
