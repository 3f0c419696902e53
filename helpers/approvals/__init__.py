"""Approvals for the chatbot: read its requests from SQS, answer them, show them as widgets.

The chatbot's durable execution pauses in ``context.wait_for_callback``; its submitter puts
an approval request on an SQS queue (JSON with ``execution_arn``, ``callback_id``, ``tool``
and ``input``) and the execution sleeps, at no compute cost, until someone answers with
``send_durable_execution_callback_success(CallbackId=..., Result=b'{"decision": ...}')``.

- ``contract``: the request and the answer (the chatbot's own types, ``lambda_fn.approvals``).
- ``modes``: APPROVAL_MODE and DECISIONS checked; auto mode's deciders, paced or not.
- ``inbox``: :class:`Inbox`, all the logic, no widgets: the queue, answers, executions.
- ``recovery``: open callbacks from the history; requests picked up after a kernel restart.
- ``first``: ``wait_for_request``, the first request of an execution, for notebook 04's cell.
- ``panel``: :class:`ApprovalPanel`, the ipywidgets UI of notebook 04 (``cards``: what it
  draws).

The panel is imported when first used (``ApprovalPanel`` here, or ``.panel``): checking
parameters (``helpers.params`` uses ``modes``) or reading the queue never loads ipywidgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .contract import APPROVE, DENY, Request, parse_message
from .inbox import Inbox
from .modes import ApprovalConfigError, AutoDecider, Decisions, PacedDecider, check_mode
from .recovery import Waiting, approval_requests, open_callbacks, waiting_for_approval

if TYPE_CHECKING:
    from .panel import ApprovalPanel, ExecutionEndedError

__all__ = [
    "APPROVE",
    "DENY",
    "ApprovalConfigError",
    "ApprovalPanel",
    "AutoDecider",
    "Decisions",
    "ExecutionEndedError",
    "Inbox",
    "PacedDecider",
    "Request",
    "Waiting",
    "approval_requests",
    "check_mode",
    "open_callbacks",
    "parse_message",
    "waiting_for_approval",
]
_PANEL_NAMES = ("ApprovalPanel", "ExecutionEndedError")


def __getattr__(name: str) -> Any:
    # PEP 562: the widgets load with the panel, on first use only.
    if name in _PANEL_NAMES:
        from . import panel

        return getattr(panel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
