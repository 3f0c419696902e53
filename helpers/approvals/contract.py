"""The approval contract as the kit reads it: the SQS request, and the answer sent back.

The types are the chatbot's own (``lambda_fn.approvals``): the request it puts on SQS
(``ApprovalRequest``) and the callback result it reads back (``Answer``). The kit requires
only the binding minimum of the request (``REQUIRED_FIELDS``): a submitter of another
function may send less than the chatbot does; what else it sends is shown as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from lambda_fn.approvals import Answer, Decision

from ..durable import ExecutionArn, has_ended
from ..i18n import tr
from .status import clip

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


# Bounds checked before json.loads, which recurses once per nesting level (a deeply
# nested body raises RecursionError, not ValueError). 256 KiB was SQS's message limit for
# years (the chatbot's requests are a few KiB); no real request nests past a few levels.
MAX_BODY_CHARS = 256 * 1024
MAX_DEPTH = 32
# A callback id is 1 to 1024 characters (Lambda API reference,
# SendDurableExecutionCallbackSuccess); ARNs and tool names are shorter.
MAX_ID_CHARS = 1024


def nesting_depth(text: str) -> int:
    """How deep JSON arrays and objects nest in ``text`` (brackets inside strings do not
    count); stops counting past ``MAX_DEPTH``. Needs no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def parse_message(body: object) -> dict[str, Any]:
    """The approval request in an SQS message body; ValueError says what is wrong with it.

    Never raises anything else, whatever the body: size and nesting are bounded before
    ``json.loads``, and text that cannot be sent on as UTF-8 is refused."""
    if isinstance(body, bytes):
        try:
            body = body.decode()
        except UnicodeDecodeError:
            raise ValueError(
                tr("its body is not UTF-8 text", "本文が UTF-8 のテキストではありません")
            ) from None
    if not isinstance(body, str):
        raise ValueError(
            tr(
                f"its body is {type(body).__name__}, not text",
                f"本文がテキストではなく {type(body).__name__} です",
            )
        )
    if len(body) > MAX_BODY_CHARS:
        raise ValueError(
            tr(
                f"its body is {len(body):,} characters, over {MAX_BODY_CHARS:,}",
                f"本文が {len(body):,} 文字あり、上限の {MAX_BODY_CHARS:,} 文字を超えています",
            )
        )
    if nesting_depth(body) > MAX_DEPTH:
        raise ValueError(
            tr(
                f"its body nests JSON deeper than {MAX_DEPTH} levels",
                f"本文の JSON の入れ子が {MAX_DEPTH} 段より深くなっています",
            )
        )
    try:
        data = json.loads(body)
        # Lone surrogates (invalid UTF-8, or \udc80 escapes) would break the widgets later.
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeError:
        raise ValueError(
            tr(
                "its body holds text that is not valid UTF-8",
                "本文に正しい UTF-8 ではないテキストがあります",
            )
        ) from None
    except (ValueError, RecursionError):
        raise ValueError(tr("its body is not JSON", "本文が JSON ではありません")) from None
    if not isinstance(data, dict):
        raise ValueError(
            tr(
                f"its body is JSON {type(data).__name__}, not an object",
                f"本文の JSON がオブジェクトではなく {type(data).__name__} です",
            )
        )
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise ValueError(
            tr(
                f"it lacks {', '.join(missing)} (required: {', '.join(REQUIRED_FIELDS)})",
                f"{', '.join(missing)} がありません（必須: {', '.join(REQUIRED_FIELDS)}）",
            )
        )
    for name in ("execution_arn", "callback_id", "tool"):
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                tr(
                    f"its {name} is {clip(repr(value), 60)}, not a non-empty string",
                    f"{name} が空でない文字列ではなく {clip(repr(value), 60)} です",
                )
            )
        if len(value) > MAX_ID_CHARS:
            raise ValueError(
                tr(
                    f"its {name} is {len(value):,} characters, over {MAX_ID_CHARS}",
                    f"{name} が {len(value):,} 文字あり、上限の {MAX_ID_CHARS} 文字を超えています",
                )
            )
    try:
        ExecutionArn.parse(data["execution_arn"])
    except ValueError:
        raise ValueError(
            tr(
                f"its execution_arn {clip(data['execution_arn'], 80)!r} is not a durable "
                "execution's ARN",
                f"execution_arn {clip(data['execution_arn'], 80)!r} が durable execution の "
                "ARN ではありません",
            )
        ) from None
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
    # When its callback times out (epoch seconds), read from the history; None when not
    # read from there (the message's requested_at + timeout_seconds tell then).
    deadline: float | None = None
    state: RequestState = "open"
    decision: str | None = None
    comment: str = ""
    note: str = ""  # why it was closed, or what was sent
    receipts: dict[str, str] = field(default_factory=dict)  # SQS MessageId -> latest receipt
    refused: bool = False  # its message does not match its execution's history

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

    def same_as(self, data: dict[str, Any]) -> bool:
        """Whether a message (``parse_message``) asks for what this request does: a copy
        from the at-least-once submitter, not another request under the same callback id."""
        mine = [self.execution_arn, self.tool, self.input]
        theirs = [data["execution_arn"], data["tool"], data["input"]]
        return json.dumps(mine, sort_keys=True, default=str) == json.dumps(
            theirs, sort_keys=True, default=str
        )

    @property
    def execution(self) -> str:
        return short_id(self.execution_arn)

    @property
    def title(self) -> str:
        return self.tool or self.label or tr("(unknown tool)", "（不明なツール）")

    def number_in(self, shown: Iterable[Request]) -> int:
        """This request's number in its own conversation: the k of its "approve #k" (the
        message's ``proposal``, or the callback's name), else one more than the requests of
        its execution already ``shown``."""
        proposal = self.extra.get("proposal")
        if isinstance(proposal, int) and not isinstance(proposal, bool) and proposal > 0:
            return proposal
        named = re.fullmatch(r"approve #([0-9]+)", self.label)
        if named is not None:
            return int(named.group(1))
        return 1 + sum(r.execution_arn == self.execution_arn for r in shown if r is not self)

    def describe(self, capital: bool = False) -> str:
        """The request in a status line: ``request #2 (calculate) of execution c-1``
        (``capital``: to start a sentence); in Japanese
        ``実行 c-1 のリクエスト #2（calculate）``."""
        return tr(
            f"{'R' if capital else 'r'}equest #{self.number} ({self.title}) of execution "
            f"{self.execution}",
            f"実行 {self.execution} のリクエスト #{self.number}（{self.title}）",
        )


def extra_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What a request message holds besides the required fields (shown on its card)."""
    return {k: v for k, v in data.items() if k not in REQUIRED_FIELDS}


@dataclass
class ExecutionInfo:
    """What an inbox knows of an execution it started or adopted."""

    arn: str
    status: str = "UNKNOWN"
    result: Any = None
    error: str = ""
    started: datetime | None = None
    ended: datetime | None = None

    @property
    def done(self) -> bool:
        # Not "anything but RUNNING": PAUSING and PAUSED executions come back.
        return has_ended(self.status)

    def read_result(self, raw: Any) -> bool:
        """Keep a SUCCEEDED execution's result (JSON text read, else as it is); whether it
        has the chatbot's shape."""
        try:
            self.result = json.loads(raw) if isinstance(raw, str | bytes) else raw
        except (ValueError, RecursionError):  # json.loads recurses: deep nesting raises
            self.result = raw
        return isinstance(self.result, dict) and {"answer", "decisions"} <= self.result.keys()
