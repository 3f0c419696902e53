"""The approval contract as the kit reads it: the SQS request, and the answer sent back.

The types are the chatbot's own (``lambda_fn.approvals``): the request it puts on SQS
(``ApprovalRequest``) and the callback result it reads back (``Answer``). The kit requires
only the binding minimum of the request (``REQUIRED_FIELDS``): a submitter of another
function may send less than the chatbot does; what else it sends is shown as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from lambda_fn.approvals import Answer, Decision

from ..durable import ExecutionArn

APPROVE: Decision = "APPROVE"
DENY: Decision = "DENY"
DECISION_VALUES: tuple[Decision, ...] = get_args(Decision)
# The request's fields the kit needs (a subset of ApprovalRequest's, tested so).
REQUIRED_FIELDS = ("execution_arn", "callback_id", "tool", "input")
RequestState = Literal["open", "sending", "answered", "closed"]


def short_id(arn: str) -> str:
    """A readable id for an execution ARN (``ExecutionArn.short_id``: its name, or the start
    of a uuid name); for anything else, its last 8 characters."""
    try:
        return ExecutionArn.parse(arn).short_id
    except ValueError:
        return (arn or "?")[-8:]


def parse_message(body: str) -> dict[str, Any]:
    """The approval request in an SQS message body; ValueError says what is wrong with it."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("its body is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"its body is JSON {type(data).__name__}, not an object")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise ValueError(f"it lacks {', '.join(missing)} (required: {', '.join(REQUIRED_FIELDS)})")
    for name in ("execution_arn", "callback_id", "tool"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise ValueError(f"its {name} is {data[name]!r}, not a non-empty string")
    if not data["execution_arn"].startswith("arn:"):
        raise ValueError(f"its execution_arn {data['execution_arn']!r} is not an ARN")
    return data


def as_decision(value: object) -> Decision | None:
    """``value`` as APPROVE or DENY (spaces and case do not matter), else None."""
    text = value.strip().upper() if isinstance(value, str) else value
    return APPROVE if text == APPROVE else DENY if text == DENY else None


def answer_payload(decision: Decision, comment: str = "") -> bytes:
    """The callback result for ``send_durable_execution_callback_success(Result=...)``."""
    answer: Answer = {"decision": decision, "comment": comment}
    return json.dumps(answer).encode()


@dataclass
class Request:
    """One approval request, as a card shows it."""

    callback_id: str
    execution_arn: str
    tool: str | None
    input: Any
    extra: dict[str, Any] = field(default_factory=dict)
    number: int = 0
    mine: bool = True
    source: Literal["queue", "history"] = "queue"
    label: str = ""  # the callback's name, for requests picked up from history
    state: RequestState = "open"
    decision: str | None = None
    comment: str = ""
    note: str = ""  # why it was closed, or what was sent
    receipts: dict[str, str] = field(default_factory=dict)  # SQS MessageId -> latest receipt

    @classmethod
    def from_message(cls, data: dict[str, Any], message_id: str, receipt: str) -> Request:
        """A request from a parsed message (``parse_message``) and its SQS receipt."""
        return cls(
            callback_id=data["callback_id"],
            execution_arn=data["execution_arn"],
            tool=data["tool"],
            input=data["input"],
            receipts={message_id: receipt},
            extra=extra_fields(data),
        )

    @property
    def execution(self) -> str:
        return short_id(self.execution_arn)

    @property
    def title(self) -> str:
        return self.tool or self.label or "(unknown tool)"

    def describe(self, capital: bool = False) -> str:
        return (
            f"{'R' if capital else 'r'}equest #{self.number} ({self.title}) of execution "
            f"{self.execution}"
        )


def extra_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What a request message holds besides the required fields (shown on its card)."""
    return {k: v for k, v in data.items() if k not in REQUIRED_FIELDS}
