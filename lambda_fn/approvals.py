"""Approvals over SQS: the request a person sees, and the answer the handler reads back.

The request (one SQS message per proposal, JSON)::

    {"execution_arn": ..., "callback_id": ..., "tool": "calculate", "input": {...},
     "tool_use_id": ..., "proposal": 2, "turn": 2, "query": ..., "explanation": ...,
     "timeout_seconds": 900, "requested_at": "2026-01-01T12:00:00+00:00"}

``proposal`` is the k of the history's "approve #k" / "tool #k"; ``explanation`` is what the
model said with its proposal. The submitter runs inside a step and may run more than once,
so a reader must tolerate a duplicate message (the second answer to a callback is refused).

The answer (callback result, JSON): ``{"decision": "APPROVE" | "DENY", "comment": "..."}``.
Anything else counts as DENY: a tool runs only on an explicit APPROVE. No answer within
``timeout_seconds`` counts as DENY too, marked ``timed_out``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import RetryPresets
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

from . import aws
from .language import Language, pick
from .tools import ToolResult, error

Decision = Literal["APPROVE", "DENY"]


class Proposed(TypedDict):
    """What the handler knows of a proposal before it asks."""

    execution_arn: str
    tool: str
    input: Any
    tool_use_id: str
    proposal: int
    turn: int
    query: str
    explanation: str
    timeout_seconds: int


class ApprovalRequest(Proposed):
    """The SQS message: the proposal, its callback id and when it was sent."""

    callback_id: str
    requested_at: str


class Answer(TypedDict):
    """The callback result a person sends back (JSON); ``read_answer`` reads it."""

    decision: Decision
    comment: str


class Verdict(TypedDict):
    decision: Decision
    comment: str | None
    timed_out: bool


TIMED_OUT: Verdict = {"decision": "DENY", "comment": None, "timed_out": True}


def denied(comment: str) -> Verdict:
    """A DENY nobody typed: an unreadable answer, or a callback the approver failed."""
    return {"decision": "DENY", "comment": comment, "timed_out": False}


def wait_config(timeout_seconds: int) -> WaitForCallbackConfig:
    # A few quick retries of the submitter (SQS hiccups), not the SDK's six slow ones.
    return WaitForCallbackConfig(
        timeout=Duration.from_seconds(timeout_seconds), retry_strategy=RetryPresets.transient()
    )


def submitter(queue_url: str, proposed: Proposed) -> Callable[[str, WaitForCallbackContext], None]:
    """The ``wait_for_callback`` submitter: posts the proposal and its callback id to SQS."""

    def submit(callback_id: str, context: WaitForCallbackContext) -> None:
        message: ApprovalRequest = {
            **proposed,
            "callback_id": callback_id,
            "requested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
        context.logger.info("approval request for %s sent to SQS", message["tool"])

    return submit


def read_answer(raw: Any) -> Verdict:
    """The person's answer as a ``Verdict``; anything but a clear APPROVE is a DENY."""
    try:
        answer = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("decision") not in ("APPROVE", "DENY"):
        return denied('unreadable answer (expected {"decision": "APPROVE" or "DENY"})')
    comment = answer.get("comment")
    return {
        "decision": answer["decision"],
        "timed_out": False,
        "comment": comment if isinstance(comment, str) and comment else None,
    }


def refusal(verdict: Verdict, timeout_seconds: int, language: Language = "en") -> ToolResult:
    """What the model hears instead of a tool result when the call was not approved; in the
    question's ``language``, as the model may quote it in its answer."""
    if verdict["timed_out"]:
        return error(
            pick(
                language,
                f"nobody approved this call within {timeout_seconds} s, so it counts as "
                "denied; it did not run",
                f"{timeout_seconds} 秒以内に誰も承認しなかったため、この呼び出しは却下として"
                "扱われ、実行されていません",
            )
        )
    return error(
        pick(
            language,
            "the person reviewing tool calls denied this call; it did not run",
            "ツール呼び出しのレビュー担当者がこの呼び出しを却下したため、実行されていません",
        ),
        **({"comment": verdict["comment"]} if verdict["comment"] else {}),
    )
