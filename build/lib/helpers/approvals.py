"""Approvals for the chatbot: read its requests from SQS, answer them, show them as widgets.

The chatbot's durable execution pauses in ``context.wait_for_callback``; its submitter puts
an approval request on an SQS queue (JSON with ``execution_arn``, ``callback_id``, ``tool``
and ``input``) and the execution sleeps, at no compute cost, until someone answers with
``send_durable_execution_callback_success(CallbackId=..., Result=b'{"decision": ...}')``.

Two layers, so that the logic is tested without a browser:

- :class:`Inbox` (no widgets): long-polls the queue, validates and de-duplicates requests,
  answers them and deletes their messages, watches the executions, picks up requests
  left open by an earlier kernel (:meth:`Inbox.recover`). Every failure becomes one
  :class:`StatusLine`, never a traceback.
- :class:`ApprovalPanel` (ipywidgets): a question box and Send button, one card per
  request with Approve / Deny and a comment box, the running status, the answer and the
  report link. ``APPROVAL_MODE="auto"`` clicks the cards' own buttons with ``DECISIONS``,
  so headless (papermill) runs go through exactly what a person's click does.

Choices worth knowing:

- A malformed message is **deleted** (after a status line that shows it): it can never be
  answered, and left on the queue it would come back after every visibility timeout. If a
  real execution sent it, that execution can still be answered through :meth:`Inbox.recover`,
  which reads the open callbacks from the execution's history.
- A duplicate (same ``callback_id``, another SQS message: the submitter is at-least-once)
  is deleted at once with a "duplicate" line; the first copy's card stays.
- A request is "mine" when its execution was started (or adopted) by this inbox. Others
  are shown marked "other execution" (``others="show"``, the default: after a kernel
  restart they are usually your own) or left on the queue for their owner
  (``others="hide"``). Auto mode never answers other executions' requests.
- A received message stays invisible to other readers for ``visibility_timeout`` seconds
  while its card is open; :meth:`Inbox.release` hands unanswered ones back at once.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import ipywidgets as widgets
from botocore.exceptions import BotoCoreError, ClientError

from .polling import is_throttling

APPROVE, DENY = "APPROVE", "DENY"
DECISION_VALUES = (APPROVE, DENY)
APPROVAL_MODES = ("widget", "auto")
REQUIRED_FIELDS = ("execution_arn", "callback_id", "tool", "input")
ENDED_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING")
Level = Literal["info", "ok", "warn", "error"]
RequestState = Literal["open", "sending", "answered", "closed"]

# Lambda's answer when a callback is no longer waiting (answered, timed out, execution ended)
# and when it does not know the id at all.
_CLOSED_CODES = {"CallbackTimeoutException"}
_UNKNOWN_CODES = {"ResourceNotFoundException", "InvalidParameterValueException"}
_ARN_RE = re.compile(r"/durable-execution/(?P<name>[^/]+)/(?P<id>[^/]+)$")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")
_VERSION_RE = re.compile(r"^(\$LATEST(\.PUBLISHED)?|[0-9]+)$")
_MESSAGE_SLACK_S = 10  # after a visibility timeout runs out, until a poll has the message
# After a restart, how long a recovered execution's open callback may go without its
# message before the panel shows it from the history (the message is normally there in ms).
OVERDUE_S = 5.0
# wait_for_callback names its callback "<name> create callback id".
_CALLBACK_SUFFIX = " create callback id"


class ApprovalConfigError(ValueError):
    """APPROVAL_MODE or DECISIONS cannot work; the message says what to set instead."""


class ExecutionEndedError(RuntimeError):
    """The execution ended without a result (FAILED, TIMED_OUT or STOPPED)."""


# ---------------------------------------------------------------------------------------
# Parameters


Decisions = list[str] | dict[str, str]


def _tool_names() -> tuple[str, ...]:
    from lambda_fn.tools import TOOLS  # the chatbot's tools (no durable SDK needed)

    return tuple(TOOLS)


def check_mode(approval_mode: str, decisions: Any = ()) -> tuple[str, Decisions]:
    """Validate the notebook's APPROVAL_MODE and DECISIONS; return them normalised.

    DECISIONS is either a list, used in order (then APPROVE), or a mapping from tool name to
    decision (tools it does not name are approved). Either may come as JSON text, as
    papermill's ``-p`` passes it (``'["DENY"]'``, ``'{"calculate": "DENY"}'``), or as a
    comma-separated string (``"DENY,APPROVE"``, ``"calculate=DENY"``); case does not matter.
    """
    mode = approval_mode.strip().lower() if isinstance(approval_mode, str) else approval_mode
    if mode not in APPROVAL_MODES:
        raise ApprovalConfigError(
            f"APPROVAL_MODE must be 'widget' (you click Approve/Deny) or 'auto' (DECISIONS "
            f"answer for you), got {approval_mode!r}."
        )
    items: Any = decisions if decisions is not None else []
    if isinstance(items, str):
        items = _decisions_from_text(items)
    if isinstance(items, Mapping):
        return mode, _decision_map(items)
    if not isinstance(items, list | tuple):
        raise ApprovalConfigError(
            f"DECISIONS must be a list such as ['DENY', 'APPROVE'] or a mapping such as "
            f"{{'calculate': 'DENY'}}, got {type(items).__name__} {items!r}."
        )
    normalised: list[str] = []
    for index, item in enumerate(items):
        value = item.strip().upper() if isinstance(item, str) else item
        if value not in DECISION_VALUES:
            raise ApprovalConfigError(
                f"DECISIONS[{index}] is {item!r}: each entry must be 'APPROVE' or 'DENY'."
            )
        normalised.append(value)
    return mode, normalised


def _decisions_from_text(text: str) -> Any:
    text = text.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ApprovalConfigError(
                f"DECISIONS looks like JSON but is not valid JSON ({exc}); write it as "
                '\'["DENY", "APPROVE"]\', \'{"calculate": "DENY"}\' or \'DENY,APPROVE\'.'
            ) from None
    parts = [part for part in (p.strip() for p in text.split(",")) if part]
    if parts and all("=" in part for part in parts):
        return {k.strip(): v.strip() for k, v in (part.split("=", 1) for part in parts)}
    if any("=" in part for part in parts):
        raise ApprovalConfigError(
            f"DECISIONS {text!r} mixes 'tool=DECISION' pairs with plain decisions: write "
            "either 'calculate=DENY,search_docs=APPROVE' or 'DENY,APPROVE'."
        )
    return parts


def _decision_map(items: Mapping[Any, Any]) -> dict[str, str]:
    tools = _tool_names()
    normalised: dict[str, str] = {}
    for name, item in items.items():
        if name not in tools:
            raise ApprovalConfigError(
                f"DECISIONS names {name!r}, which is not a tool of the chatbot: use "
                f"{', '.join(map(repr, tools))}."
            )
        value = item.strip().upper() if isinstance(item, str) else item
        if value not in DECISION_VALUES:
            raise ApprovalConfigError(
                f"DECISIONS[{name!r}] is {item!r}: each decision must be 'APPROVE' or 'DENY'."
            )
        normalised[name] = value
    return normalised


def describe_decisions(decisions: Decisions) -> str:
    """DECISIONS in words, as auto mode applies them."""
    if isinstance(decisions, dict):
        named = ", ".join(f"{tool} {decision}" for tool, decision in decisions.items())
        return f"by tool: {named or 'none named'}; any other tool APPROVE"
    return f"{decisions} in order, then APPROVE"


class AutoDecider:
    """The decisions of auto mode: by tool name when DECISIONS is a mapping (unnamed tools
    APPROVE); otherwise DECISIONS in order, then APPROVE once they are used up."""

    def __init__(self, decisions: Decisions) -> None:
        _, self.decisions = check_mode("auto", decisions)
        self.used = 0

    @property
    def by_tool(self) -> bool:
        return isinstance(self.decisions, dict)

    def describe(self) -> str:
        return describe_decisions(self.decisions)

    def next(self, tool: str | None = None) -> tuple[str, str]:
        """The decision for the next request (about ``tool``) and a comment that says
        where it came from."""
        index = self.used
        self.used += 1
        if isinstance(self.decisions, dict):
            if tool in self.decisions:
                return self.decisions[tool], f"auto: DECISIONS[{tool!r}]"
            return APPROVE, f"auto: {tool} not named in DECISIONS, default APPROVE"
        if index < len(self.decisions):
            return self.decisions[index], f"auto: DECISIONS[{index}]"
        return APPROVE, "auto: DECISIONS used up, default APPROVE"


# ---------------------------------------------------------------------------------------
# Requests and status lines


@dataclass
class StatusLine:
    level: Level
    text: str
    at: float = field(default_factory=time.time)
    repeats: int = 1

    def __str__(self) -> str:
        mark = {"info": "·", "ok": "✓", "warn": "!", "error": "✗"}[self.level]
        more = f" (×{self.repeats})" if self.repeats > 1 else ""
        return f"{mark} {self.text}{more}"


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


@dataclass
class ExecutionInfo:
    arn: str
    status: str = "UNKNOWN"
    result: Any = None
    error: str = ""
    started: datetime | None = None
    ended: datetime | None = None

    @property
    def done(self) -> bool:
        # Not "anything but RUNNING": PAUSING and PAUSED executions come back.
        return self.status in ENDED_STATUSES


@dataclass
class OpenCallback:
    execution_arn: str
    callback_id: str
    name: str


def short_id(arn: str) -> str:
    """A readable id for an execution ARN: its name, or the start of a uuid name."""
    match = _ARN_RE.search(arn or "")
    if match is None:
        return (arn or "?")[-8:]
    name = match.group("name")
    if _UUID_RE.match(name):
        return name[:8]
    # Long names share their start (app, date); their random tail tells them apart.
    return name if len(name) <= 24 else f"{name[:10]}…{name[-8:]}"


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


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message", "")
        return f"{_error_code(exc)}: {message}" if message else _error_code(exc)
    return f"{type(exc).__name__}: {exc}"


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------
# Durable execution look-ups


def open_callbacks(lam: Any, execution_arn: str) -> list[OpenCallback]:
    """Callbacks of an execution that are still waiting: CallbackStarted without a matching
    CallbackSucceeded/Failed/TimedOut (matched by operation Id) in its history."""
    started: dict[str, OpenCallback] = {}
    closed: set[str] = set()
    contexts: dict[str, str] = {}
    pages = lam.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=execution_arn
    )
    for page in pages:
        for event in page.get("Events", []):
            kind, op_id = event.get("EventType"), event.get("Id", "")
            if kind == "ContextStarted":
                contexts[op_id] = event.get("Name", "")
            elif kind == "CallbackStarted":
                name = event.get("Name", "") or ""
                # The person knows the wait_for_callback name ("approve #1"): its context's.
                label = contexts.get(event.get("ParentId", ""), "") or name.removesuffix(
                    _CALLBACK_SUFFIX
                )
                started[op_id] = OpenCallback(
                    execution_arn, event["CallbackStartedDetails"]["CallbackId"], label
                )
            elif kind in ("CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"):
                closed.add(op_id)
    return [callback for op_id, callback in started.items() if op_id not in closed]


def _plain(value: Any) -> Any:
    """A step result as the durable SDK checkpoints it (plain JSON, or its typed envelope
    ``{"t": "m", "v": {...}}`` for objects) as plain Python values."""
    if isinstance(value, dict) and set(value) == {"t", "v"}:
        inner = value["v"]
        if value["t"] == "m" and isinstance(inner, dict):
            return {k: _plain(v) for k, v in inner.items()}
        if value["t"] in ("l", "t") and isinstance(inner, list):
            return [_plain(v) for v in inner]
        return inner
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def tool_uses_by_turn(events: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The tools the chatbot's model asked for, turn by turn: the ``toolUse`` blocks of each
    "think #n" step's result (a turn whose result cannot be read counts as no tool). Needs
    the history fetched with ``IncludeExecutionData``."""
    turns: list[list[str]] = []
    for event in events:
        name = str(event.get("Name", ""))
        if event.get("EventType") != "StepSucceeded" or not name.startswith("think #"):
            continue
        result = (event.get("StepSucceededDetails") or {}).get("Result") or {}
        try:
            turn = _plain(json.loads(result.get("Payload") or "null"))
            content = turn["message"]["content"]
            turns.append([str(b["toolUse"]["name"]) for b in content if "toolUse" in b])
        except (ValueError, KeyError, TypeError):
            turns.append([])
    return turns


@dataclass(frozen=True)
class Waiting:
    """A running execution that waits for a person: its open callbacks ("approve #k") and
    the tools its model asked for in its last turn."""

    execution_arn: str
    callbacks: list[OpenCallback]
    tools: list[str]

    def __str__(self) -> str:
        names = ", ".join(c.name or "an unnamed callback" for c in self.callbacks)
        asked = (
            f"The model asked to use {' and '.join(self.tools)}, so the chatbot is waiting"
            if self.tools
            else "The chatbot is waiting"
        )
        return (
            f"{asked} for a person to approve or deny ({names}). The execution sleeps, and "
            "nothing is billed, until someone answers: notebook 04's approval panel does, "
            "and so does send_durable_execution_callback_success with the callback id."
        )


def waiting_for_approval(lam: Any, execution_arn: str) -> Waiting | None:
    """The approvals a RUNNING execution waits for, read from its history; None when it
    has ended or waits for no callback (it is still working)."""
    status = lam.get_durable_execution(DurableExecutionArn=execution_arn).get("Status")
    if status != "RUNNING":
        return None
    callbacks = open_callbacks(lam, execution_arn)
    if not callbacks:
        return None
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"DurableExecutionArn": execution_arn, "IncludeExecutionData": True}
    while True:
        page = lam.get_durable_execution_history(**kwargs)
        events += page.get("Events", [])
        if not page.get("NextMarker"):
            break
        kwargs["Marker"] = page["NextMarker"]
    turns = tool_uses_by_turn(events)
    return Waiting(execution_arn, callbacks, turns[-1] if turns else [])


def approval_requests(
    lam: Any, sqs: Any, queue_url: str, execution_arn: str, wait_s: float = 20.0
) -> list[Request]:
    """The approval requests an execution waits on, each with its SQS message when it came
    within ``wait_s`` (the tool, its input and the receipt to delete the message with).

    The open callbacks come from the execution's history (the truth); the queue tells what
    each is about. Messages of other executions go back to the queue at once, duplicates
    and messages of answered callbacks are deleted. A callback whose message did not come
    is returned all the same (``tool`` None): it can be answered by its id."""
    waiting = {c.callback_id: c for c in open_callbacks(lam, execution_arn)}
    found: dict[str, Request] = {}
    deadline = time.monotonic() + wait_s
    while waiting.keys() - found.keys() and time.monotonic() < deadline:
        wait = max(0, min(5, int(deadline - time.monotonic())))
        reply = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, VisibilityTimeout=30
        )
        mine = 0
        for message in reply.get("Messages", []):
            receipt = message["ReceiptHandle"]
            try:
                data = parse_message(message.get("Body", ""))
            except ValueError:
                data = None
            if data is None or data["execution_arn"] != execution_arn:
                # Not ours: hand it back to whoever reads the queue next.
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                )
                continue
            mine += 1
            callback_id = data["callback_id"]
            if callback_id not in waiting or callback_id in found:  # answered, or a duplicate
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
                continue
            found[callback_id] = Request(
                callback_id=callback_id,
                execution_arn=execution_arn,
                tool=data["tool"],
                input=data["input"],
                label=waiting[callback_id].name,
                receipts={message["MessageId"]: receipt},
                extra={k: v for k, v in data.items() if k not in REQUIRED_FIELDS},
            )
        if reply.get("Messages") and not mine:
            time.sleep(1)  # only other executions' messages: do not spin on them
    requests = []
    for number, (callback_id, callback) in enumerate(waiting.items(), 1):
        request = found.get(callback_id) or Request(
            callback_id, execution_arn, None, None, source="history", label=callback.name
        )
        request.number = number
        requests.append(request)
    return requests


def versions_of(lam: Any, function_name: str, qualifier: str) -> list[str]:
    """The versions a qualifier stands for: itself for a version (or ``$LATEST``), the
    versions an alias routes to (its own, then its weighted extra ones) for an alias.

    An execution runs on, and is filed under, a version: its ARN reads
    ``function:NAME:($LATEST|N)/durable-execution/...``, never an alias.
    """
    if _VERSION_RE.match(qualifier):
        return [qualifier]
    alias = lam.get_alias(FunctionName=function_name, Name=qualifier)
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return list(dict.fromkeys([str(alias["FunctionVersion"]), *map(str, weights)]))


def running_executions(lam: Any, function_name: str, qualifier: str | None = None) -> list[str]:
    """ARNs of the function's RUNNING durable executions (optionally of one qualifier; an
    alias stands for the versions it routes to now). Without a qualifier: ``$LATEST`` and
    every published version, each asked by name, since a listing without a Qualifier
    covers ``$LATEST`` only (Lambda API reference, ListDurableExecutionsByFunction)."""
    if qualifier:
        versions = versions_of(lam, function_name, qualifier)
    else:
        pages = lam.get_paginator("list_versions_by_function").paginate(FunctionName=function_name)
        versions = list(
            dict.fromkeys(["$LATEST", *(str(v["Version"]) for p in pages for v in p["Versions"])])
        )
    paginator = lam.get_paginator("list_durable_executions_by_function")
    arns = [
        str(item["DurableExecutionArn"])
        for version in versions
        for page in paginator.paginate(
            FunctionName=function_name, Qualifier=version, Statuses=["RUNNING"]
        )
        for item in page.get("DurableExecutions", [])
    ]
    return list(dict.fromkeys(arns))


# ---------------------------------------------------------------------------------------
# The inbox: all the logic, no widgets


class Inbox:
    """Approval requests from one SQS queue, and their answers.

    ``poll()`` is one step (tests call it directly; the panel calls it from a background
    thread); ``answer()`` is what a button click ends in. Both are thread-safe.
    """

    def __init__(
        self,
        lam: Any,
        sqs: Any,
        queue: str,
        *,
        others: Literal["show", "hide"] = "show",
        visibility_timeout: int = 30,
        on_line: Callable[[StatusLine], None] | None = None,
    ) -> None:
        if others not in ("show", "hide"):
            raise ApprovalConfigError(f"others must be 'show' or 'hide', got {others!r}.")
        self.lam, self.sqs = lam, sqs
        self.queue = queue
        self._queue_url = queue if queue.startswith(("http://", "https://")) else ""
        self.others = others
        self.visibility_timeout = visibility_timeout
        self.on_line = on_line
        self.requests: dict[str, Request] = {}  # by callback_id, in arrival order
        self.hidden: dict[str, Request] = {}  # other executions' requests (others="hide")
        self.executions: dict[str, ExecutionInfo] = {}  # the ones this inbox started/adopted
        self.lines: list[StatusLine] = []
        self._changed: list[Request] = []
        self._lock = threading.RLock()
        self._messages_due = 0.0  # monotonic time by which held messages are back (recover)
        self._recovered: set[str] = set()  # running executions adopted by recover()
        self._unseen: dict[str, float] = {}  # callback id -> when first seen without message

    @classmethod
    def for_target(cls, target: Any, queue: str, **options: Any) -> Inbox:
        """An inbox with the target's (helpers.target.Target) lambda and sqs clients."""
        return cls(target.client("lambda"), target.client("sqs"), queue, **options)

    # -- status lines ------------------------------------------------------------------
    def say(self, level: Level, text: str) -> StatusLine:
        with self._lock:
            last = self.lines[-1] if self.lines else None
            if last is not None and last.text == text and last.level == level:
                last.repeats += 1  # a failing poll loop must not flood the panel
                last.at = time.time()
                line = last
            else:
                line = StatusLine(level, text)
                self.lines.append(line)
        if self.on_line is not None:
            self.on_line(line)
        return line

    @property
    def status_text(self) -> str:
        with self._lock:
            return "\n".join(str(line) for line in self.lines)

    # -- executions --------------------------------------------------------------------
    def track(self, execution_arn: str) -> None:
        """Mark an execution as this inbox's own: its requests are 'mine'."""
        with self._lock:
            self.executions.setdefault(execution_arn, ExecutionInfo(execution_arn))
            for callback_id, request in list(self.hidden.items()):
                if request.execution_arn == execution_arn:
                    request.mine, request.number = True, len(self.requests) + 1
                    self.requests[callback_id] = self.hidden.pop(callback_id)
                    self._changed.append(request)  # the next poll() shows it

    def refresh(self) -> list[ExecutionInfo]:
        """GetDurableExecution for every tracked execution not yet done; returns those that
        changed status. An execution that ended closes its open requests."""
        changed: list[ExecutionInfo] = []
        with self._lock:
            pending = [info for info in self.executions.values() if not info.done]
        for info in pending:
            try:
                details = self.lam.get_durable_execution(DurableExecutionArn=info.arn)
            except (ClientError, BotoCoreError) as exc:
                if is_throttling(exc):  # the account's quota, shared by the room: next poll
                    continue
                self.say(
                    "error",
                    f"Could not read the status of execution {short_id(info.arn)}: "
                    f"{_error_text(exc)}",
                )
                continue
            status = details.get("Status", "UNKNOWN")
            info.started = details.get("StartTimestamp")
            if status == info.status:
                continue
            info.status, info.ended = status, details.get("EndTimestamp")
            changed.append(info)
            if status == "SUCCEEDED":
                self._take_result(info, details.get("Result"))
            elif info.done:
                error = details.get("Error") or {}
                info.error = ": ".join(
                    part for part in (error.get("ErrorType"), error.get("ErrorMessage")) if part
                )
                self.say(
                    "error",
                    f"Execution {short_id(info.arn)} ended {status}"
                    f"{': ' + info.error if info.error else ''}.",
                )
            if info.done:
                self._close_requests_of(info)
        return changed

    def _take_result(self, info: ExecutionInfo, raw: Any) -> None:
        try:
            info.result = json.loads(raw) if isinstance(raw, str | bytes) else raw
        except ValueError:
            info.result = raw
        if not isinstance(info.result, dict) or not {"answer", "decisions"} <= info.result.keys():
            self.say(
                "warn",
                f"Execution {short_id(info.arn)} SUCCEEDED, but its result is not "
                "the chatbot's {answer, report_url, decisions}: shown as is.",
            )
        else:
            self.say("ok", f"Execution {short_id(info.arn)} SUCCEEDED.")

    def _close_requests_of(self, info: ExecutionInfo) -> None:
        for request in self._open(info.arn):
            request.state, request.note = "closed", f"its execution ended {info.status}"
            self.say(
                "warn",
                f"Closed {request.describe()}: the execution ended {info.status} "
                "before it was answered.",
            )
            self._delete(request)

    def _open(self, execution_arn: str) -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.requests.values()
                if r.execution_arn == execution_arn and r.state == "open"
            ]

    def all_requests(self) -> list[Request]:
        with self._lock:
            return list(self.requests.values())

    def all_executions(self) -> list[ExecutionInfo]:
        with self._lock:
            return list(self.executions.values())

    def pending(self) -> list[Request]:
        """Requests still waiting for an answer."""
        with self._lock:
            return [r for r in self.requests.values() if r.state in ("open", "sending")]

    def awaiting_messages(self) -> list[Request]:
        """Requests picked up from history whose message has not come back yet, while it
        still may: an earlier panel may hold it until its visibility timeout runs out. Keep
        polling for them, or the message returns to nobody and a later panel shows it as a
        new request of an execution it does not know."""
        if time.monotonic() > self._messages_due:
            return []
        with self._lock:
            return [r for r in self.requests.values() if r.source == "history" and r.tool is None]

    # -- the queue ---------------------------------------------------------------------
    def queue_url(self) -> str:
        if not self._queue_url:
            self._queue_url = self.sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
        return self._queue_url

    def poll(self, wait_seconds: int = 0) -> list[Request]:
        """One ReceiveMessage (long poll up to ``wait_seconds``, at most 20); returns the
        requests that are new or changed (a history pick-up that got its message)."""
        try:
            reply = self.sqs.receive_message(
                QueueUrl=self.queue_url(),
                MaxNumberOfMessages=10,
                WaitTimeSeconds=max(0, min(int(wait_seconds), 20)),
                VisibilityTimeout=self.visibility_timeout,
            )
        except (ClientError, BotoCoreError) as exc:
            hint = (
                " Create the queue first (the deploy step of notebook 04), or check PREFIX."
                if "NonExistentQueue" in _error_code(exc) or "QueueDoesNotExist" in _error_code(exc)
                else ""
            )
            self.say(
                "error",
                f"Could not read the approval queue {self.queue}: {_error_text(exc)}.{hint}",
            )
            with self._lock:
                changed, self._changed = self._changed, []
            return changed
        with self._lock:
            changed, self._changed = self._changed, []
        for message in reply.get("Messages", []):
            request = self._take(message)
            if request is not None and request not in changed:
                changed.append(request)
        return changed

    def _take(self, message: dict[str, Any]) -> Request | None:
        message_id, receipt = message["MessageId"], message["ReceiptHandle"]
        body = message.get("Body", "")
        try:
            data = parse_message(body)
        except ValueError as why:
            self.say(
                "warn",
                f"Ignored a malformed approval message: {why}. Deleted it so that it "
                f"does not come back. Body: {_clip(body)!r}",
            )
            self._delete_receipt(receipt)
            return None
        callback_id = data["callback_id"]
        with self._lock:
            known = self.requests.get(callback_id) or self.hidden.get(callback_id)
            if known is not None:
                return self._take_again(known, message_id, receipt, data)
            mine = data["execution_arn"] in self.executions
            request = Request(
                callback_id=callback_id,
                execution_arn=data["execution_arn"],
                tool=data["tool"],
                input=data["input"],
                mine=mine,
                receipts={message_id: receipt},
                extra={k: v for k, v in data.items() if k not in REQUIRED_FIELDS},
            )
            if not mine and self.others == "hide":
                self.hidden[callback_id] = request
                self.say(
                    "info",
                    f"A request for execution {request.execution}, which this panel "
                    "did not start, was left on the queue for its owner (adopt it "
                    "with track() or recover() to answer it here).",
                )
                return None
            request.number = len(self.requests) + 1
            self.requests[callback_id] = request
            info = self.executions.get(request.execution_arn)
            ended = info.status if info is not None and info.done else ""  # the status it ended
            if ended:
                request.state, request.note = "closed", f"its execution already ended {ended}"
        if ended:
            self.say(
                "info",
                f"Dropped {request.describe()}: its execution already ended "
                f"({ended}). Deleted the message.",
            )
            self._delete(request)
            return request
        where = "" if mine else " (marked 'other execution': this panel did not start it)"
        self.say("info", f"New {request.describe()}{where}: waiting for a decision.")
        return request

    def _take_again(
        self, known: Request, message_id: str, receipt: str, data: dict[str, Any]
    ) -> Request | None:
        if message_id in known.receipts:
            # The same message again: its visibility timeout ran out while the card was open.
            known.receipts[message_id] = receipt
            if known.state in ("answered", "closed"):
                self._delete(known)
            return None
        if known.source == "history" and not known.receipts:
            # Picked up from the history first; the message now tells what it is about.
            known.tool, known.input, known.receipts[message_id] = (
                data["tool"],
                data["input"],
                receipt,
            )
            known.extra = {k: v for k, v in data.items() if k not in REQUIRED_FIELDS}
            if known.state in ("answered", "closed"):
                self._delete(known)
                return None
            return known
        state = {
            "open": "still open",
            "sending": "being answered",
            "answered": f"already answered {known.decision}",
            "closed": "closed",
        }[known.state]
        self.say(
            "info",
            f"Ignored a duplicate of {known.describe()} ({state}): the submitter "
            "delivers at least once. Deleted the duplicate message.",
        )
        self._delete_receipt(receipt)
        return None

    def _delete_receipt(self, receipt: str) -> bool:
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url(), ReceiptHandle=receipt)
            return True
        except (ClientError, BotoCoreError) as exc:
            self.say(
                "warn",
                f"Could not delete a message from the queue ({_error_text(exc)}); "
                "it will come back and be recognised then.",
            )
            return False

    def _delete(self, request: Request) -> None:
        for message_id, receipt in list(request.receipts.items()):
            if self._delete_receipt(receipt):
                request.receipts.pop(message_id, None)

    def release(self) -> int:
        """Hand the messages of unanswered requests back to the queue at once (visibility 0),
        so that another panel (after a cell re-run or a restart) sees them without waiting."""
        handed = 0
        for request in self.pending():
            for receipt in list(request.receipts.values()):
                try:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url(), ReceiptHandle=receipt, VisibilityTimeout=0
                    )
                    handed += 1
                except (ClientError, BotoCoreError):
                    pass  # it comes back by itself after the visibility timeout
            request.receipts.clear()
        return handed

    # -- answering ---------------------------------------------------------------------
    def answer(self, callback_id: str, decision: str, comment: str = "") -> StatusLine:
        """Send the decision for one request and delete its message. What the Approve and
        Deny buttons (and auto mode, through them) end in; always returns one status line."""
        value = decision.strip().upper() if isinstance(decision, str) else decision
        if value not in DECISION_VALUES:
            return self.say(
                "error", f"Decision {decision!r} is not 'APPROVE' or 'DENY'; nothing sent."
            )
        with self._lock:
            request = self.requests.get(callback_id)
            if request is None:
                return self.say(
                    "warn",
                    f"No request with callback id {_clip(callback_id, 24)} is "
                    "shown here; poll the queue or recover() first.",
                )
            if request.state == "sending":
                return self.say(
                    "info",
                    f"{request.describe(capital=True)} is already being "
                    "answered; the second click was ignored.",
                )
            if request.state == "answered":
                return self.say(
                    "info",
                    f"{request.describe(capital=True)} was already answered "
                    f"{request.decision}; the second click was ignored.",
                )
            if request.state == "closed":
                return self.say(
                    "warn",
                    f"{request.describe(capital=True)} is closed ({request.note}); nothing sent.",
                )
            request.state = "sending"
        payload = json.dumps({"decision": value, "comment": comment or ""}).encode()
        try:
            self.lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=payload)
        except Exception as exc:  # every failure is a line in the panel, never a traceback
            return self._answer_failed(request, exc)
        request.state, request.decision, request.comment = "answered", value, comment or ""
        request.note = f"{value} sent"
        self._delete(request)
        return self.say(
            "ok",
            f"{value} sent for {request.describe()}"
            f"{f' with comment {comment!r}' if comment else ''}.",
        )

    def _answer_failed(self, request: Request, exc: Exception) -> StatusLine:
        code = _error_code(exc)
        if code in _CLOSED_CODES:
            status = self._status_of(request.execution_arn)
            if status and status != "RUNNING":
                why = f"its execution has already ended ({status})"
            else:
                why = (
                    "it was already answered, from another panel or before a kernel "
                    "restart, or it timed out"
                )
            request.state, request.note = "closed", why
            self._delete(request)
            return self.say(
                "warn",
                f"Lambda refused the answer to {request.describe()}: {why}. "
                "Nothing more to do for it.",
            )
        if code in _UNKNOWN_CODES:
            why = (
                "Lambda does not know its callback id (a message from another account, region "
                "or a reset local cloud, or a made-up id)"
            )
            request.state, request.note = "closed", "unknown callback id"
            self._delete(request)
            return self.say("warn", f"Could not answer {request.describe()}: {why}. Deleted it.")
        request.state = "open"  # transient (network, throttling, permissions): may be retried
        return self.say(
            "error",
            f"Could not send the answer to {request.describe()}: "
            f"{_error_text(exc)}. The request stays open; try again.",
        )

    def _status_of(self, execution_arn: str) -> str:
        try:
            return str(self.lam.get_durable_execution(DurableExecutionArn=execution_arn)["Status"])
        except Exception:  # only used to word a message better
            return ""

    # -- after a kernel restart --------------------------------------------------------
    def recover(
        self,
        execution_arns: Iterable[str] = (),
        *,
        function_name: str | None = None,
        qualifier: str | None = None,
    ) -> list[Request]:
        """Pick up requests that an earlier panel left unanswered.

        Adopts the given executions (and, with ``function_name``, every RUNNING execution of
        that function/qualifier) and adds a request for each open callback in their
        histories. Those requests know their callback id and name but not the tool: that was
        in the SQS message, which an earlier panel may still hold; when it comes back (within
        one visibility timeout, and the panel polls until then) the card fills in and the
        message is deleted. Messages not yet received need nothing: the next poll() finds
        them. A ``qualifier`` that is an alias stands for the versions it routes to now.
        """
        arns = list(dict.fromkeys(execution_arns))
        if function_name:
            try:
                arns += [
                    a
                    for a in running_executions(self.lam, function_name, qualifier)
                    if a not in arns
                ]
            except (ClientError, BotoCoreError) as exc:
                self.say(
                    "error",
                    f"Could not list the running executions of {function_name}: {_error_text(exc)}",
                )
        for arn in arns:
            self.track(arn)
        self.refresh()
        found: list[Request] = []
        for arn in arns:
            info = self.executions[arn]
            if info.done:
                self.say(
                    "info",
                    f"Execution {short_id(arn)} already ended ({info.status}): nothing to pick up.",
                )
                continue
            try:
                callbacks = open_callbacks(self.lam, arn)
            except (ClientError, BotoCoreError) as exc:
                self.say(
                    "error",
                    f"Could not read the history of execution {short_id(arn)}: {_error_text(exc)}",
                )
                continue
            found += [r for callback in callbacks if (r := self._adopt(callback)) is not None]
        self._recovered.update(arn for arn in arns if not self.executions[arn].done)
        if found:
            self._expect_held_messages()
        self.say(
            "info",
            f"Recovered {len(found)} waiting request(s) from {len(arns)} execution(s)."
            if arns
            else "Nothing to recover: no execution given or running.",
        )
        return found

    def adopt_overdue(self, after_s: float = OVERDUE_S) -> list[Request]:
        """Requests of recovered executions whose message has not come for ``after_s``.

        After a kernel restart the dead kernel's last long poll can still take the next
        request's message, which then stays hidden for a whole visibility timeout. The
        history knows the callback already: after ``after_s`` without its message, show it
        from there (the tool fills in when the message comes back). Only executions adopted
        by ``recover()`` are read, one history call each per poll; in the normal flow the
        message always comes first.
        """
        now = time.monotonic()
        found: list[Request] = []
        for arn in list(self._recovered):
            info = self.executions.get(arn)
            if info is None or info.done:
                self._recovered.discard(arn)
                continue
            try:
                callbacks = open_callbacks(self.lam, arn)
            except (ClientError, BotoCoreError):
                continue  # the next poll tries again; refresh() reports a lasting failure
            for callback in callbacks:
                if callback.callback_id in self.requests:
                    continue
                first_seen = self._unseen.setdefault(callback.callback_id, now)
                if now - first_seen >= after_s and (request := self._adopt(callback)):
                    self.say(
                        "info",
                        f"{request.describe(capital=True)} is waiting, but its message has not "
                        f"come for {after_s:.0f} s (an earlier panel may hold it): shown from "
                        "the execution's history; its tool shows when the message is back.",
                    )
                    found.append(request)
        if found:
            self._expect_held_messages()
        return found

    def _adopt(self, callback: OpenCallback) -> Request | None:
        """A request for an open callback found in the history, unless one exists."""
        with self._lock:
            if callback.callback_id in self.requests:
                return None
            request = Request(
                callback_id=callback.callback_id,
                execution_arn=callback.execution_arn,
                tool=None,
                input=None,
                source="history",
                label=callback.name,
                number=len(self.requests) + 1,
            )
            self.requests[callback.callback_id] = request
            return request

    def _expect_held_messages(self) -> None:
        # A message an earlier panel held is back within one visibility timeout (its own;
        # the default is the same as ours): poll until then (awaiting_messages).
        self._messages_due = max(
            self._messages_due, time.monotonic() + self.visibility_timeout + _MESSAGE_SLACK_S
        )


# ---------------------------------------------------------------------------------------
# The widgets


class _Card:
    """The widgets of one request."""

    def __init__(self, request: Request, on_click: Callable[[str, str], None]) -> None:
        self.request = request
        self.header = widgets.HTML()
        self.body = widgets.HTML()
        self.comment = widgets.Text(
            placeholder="comment (optional)", layout=widgets.Layout(width="60%")
        )
        self.approve = widgets.Button(description="Approve", button_style="success", icon="check")
        self.deny = widgets.Button(description="Deny", button_style="danger", icon="times")
        self.approve.on_click(lambda _b: on_click(request.callback_id, APPROVE))
        self.deny.on_click(lambda _b: on_click(request.callback_id, DENY))
        self.state = widgets.HTML()
        self.box = widgets.VBox(
            [
                self.header,
                self.body,
                widgets.HBox([self.comment, self.approve, self.deny]),
                self.state,
            ],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px", margin="4px 0"),
        )
        self.update()

    def button(self, decision: str) -> widgets.Button:
        return self.approve if decision == APPROVE else self.deny

    def update(self) -> None:
        r = self.request
        tags = [] if r.mine else ["<span style='color:#b35900'>other execution</span>"]
        if r.source == "history" and not r.receipts and r.tool is None:
            tags.append("<span style='color:#666'>picked up from the execution's history</span>")
        self.header.value = (
            f"<b>#{r.number} {html.escape(r.title)}</b> · execution "
            f"<code>{html.escape(r.execution)}</code>" + "".join(f" · {tag}" for tag in tags)
        )
        extra = " · ".join(
            f"{html.escape(str(k))}: {html.escape(_clip(str(v), 200))}" for k, v in r.extra.items()
        )
        if r.tool is None:
            shown = "(the tool and its input were in the request message, not in the history)"
        else:
            shown = json.dumps(r.input, indent=2, ensure_ascii=False, default=str)
        self.body.value = (
            f"<div style='color:#555'>{extra}</div>" if extra else ""
        ) + f"<pre style='margin:2px 0'>{html.escape(shown)}</pre>"
        waiting = r.state in ("open", "sending")
        self.approve.disabled = self.deny.disabled = self.comment.disabled = not waiting
        self.state.value = {
            "open": "<i>waiting for your decision</i>",
            "sending": "<i>sending…</i>",
            "answered": f"<b>{html.escape(r.decision or '')}</b> sent"
            + (f" · {html.escape(r.comment)}" if r.comment else ""),
            "closed": f"<span style='color:#b35900'>closed: {html.escape(r.note)}</span>",
        }[r.state]


_LIVE_PANELS: dict[str, ApprovalPanel] = {}  # queue -> the newest panel reading it


class ApprovalPanel:
    """The approval UI of notebook 04. Display it as the cell's last expression.

    ``start(question) -> execution_arn`` starts the chatbot (the notebook passes it in, so the
    panel knows nothing about deployment). In ``"auto"`` mode each new request of this panel's
    executions gets the next entry of DECISIONS (then APPROVE) by clicking its card's button.
    """

    def __init__(
        self,
        inbox: Inbox,
        start: Callable[[str], str],
        *,
        approval_mode: str = "widget",
        decisions: Decisions | str | tuple[str, ...] = (),
        question: str = "",
        poll_seconds: int = 5,
        max_lines: int = 12,
    ) -> None:
        self.mode, decision_list = check_mode(approval_mode, decisions)
        self.auto = AutoDecider(decision_list) if self.mode == "auto" else None
        self.inbox = inbox
        self._start = start
        self.poll_seconds = poll_seconds
        self.max_lines = max_lines
        self.cards: dict[str, _Card] = {}
        self.clicks: list[tuple[str, str]] = []  # (callback_id, decision), in click order
        self.last_arn: str | None = None
        self._auto_done: set[str] = set()
        self._poll_lock = threading.Lock()
        self._stop = threading.Event()
        self._hand_back = False
        self._thread: threading.Thread | None = None

        self.question = widgets.Textarea(
            value=question,
            placeholder="Ask the chatbot…",
            layout=widgets.Layout(width="80%", height="4em"),
        )
        self.send_button = widgets.Button(
            description="Send", button_style="primary", icon="paper-plane"
        )
        self.send_button.on_click(lambda _b: self.send())
        self.mode_label = widgets.HTML(
            f"<span style='color:#555'>mode: <b>{self.mode}</b>"
            + (f" · DECISIONS {html.escape(self.auto.describe())}" if self.auto else "")
            + "</span>"
        )
        self.cards_box = widgets.VBox()
        self.execution_html = widgets.HTML()
        self.result_html = widgets.HTML()
        self.log_html = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.question, self.send_button]),
                self.mode_label,
                self.execution_html,
                self.cards_box,
                self.result_html,
                self.log_html,
            ]
        )
        inbox.on_line = lambda _line: self._render_log()
        # A re-run cell makes a new panel: the old one must stop reading the same queue,
        # or it would take (and hide) the new panel's requests.
        previous = _LIVE_PANELS.get(inbox.queue)
        if previous is not None and previous is not self:
            previous._retire()
        _LIVE_PANELS[inbox.queue] = self
        self._render_log()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def status_text(self) -> str:
        """The status lines as plain text (what the log area shows)."""
        return self.inbox.status_text

    # -- actions -----------------------------------------------------------------------
    def send(self, question: str | None = None) -> str | None:
        """Start an execution with the question (the Send button); returns its ARN."""
        text = (self.question.value if question is None else question).strip()
        if not text:
            self.inbox.say("warn", "Type a question first, then press Send.")
            return None
        self.question.value = text
        self.send_button.disabled = True
        try:
            arn = self._start(text)
        except Exception as exc:  # a line in the panel, never a traceback
            self.inbox.say("error", f"Could not start the chatbot: {_error_text(exc)}")
            return None
        finally:
            self.send_button.disabled = False
        self.inbox.track(arn)
        self.last_arn = arn
        self.inbox.say(
            "info",
            f"Started execution {short_id(arn)}; requests appear below as it asks for approval.",
        )
        self._render_status()
        self.start_polling()
        return arn

    def decide(self, callback_id: str, decision: str) -> StatusLine:
        """Answer one card with its comment box's text: what the Approve/Deny buttons call."""
        card = self.cards.get(callback_id)
        comment = card.comment.value.strip() if card is not None else ""
        self.clicks.append((callback_id, decision))
        line = self.inbox.answer(callback_id, decision, comment)
        if card is not None:
            card.update()
        self._render_status()
        return line

    def recover(
        self,
        execution_arns: Iterable[str] = (),
        *,
        function_name: str | None = None,
        qualifier: str | None = None,
    ) -> list[Request]:
        """Show the requests an earlier panel left open (see Inbox.recover) and keep polling."""
        found = self.inbox.recover(execution_arns, function_name=function_name, qualifier=qualifier)
        with self._poll_lock:
            self._show(found)
            self._render_status()
        if found or any(not info.done for info in self.inbox.all_executions()):
            self.start_polling()
        return found

    # -- polling -----------------------------------------------------------------------
    def poll(self, wait_seconds: int = 0) -> None:
        """One step: read the queue, show new cards, auto-decide, refresh the status."""
        with self._poll_lock:
            self._show(self.inbox.poll(wait_seconds))
            self.inbox.refresh()
            self._show(self.inbox.adopt_overdue())
            for card in self.cards.values():
                card.update()
            self._render_status()

    def _show(self, requests: Iterable[Request]) -> None:
        for request in requests:
            card = self.cards.get(request.callback_id)
            if card is None:
                card = self.cards[request.callback_id] = _Card(request, self._on_click)
                self.cards_box.children = (*self.cards_box.children, card.box)
            card.update()
            if (
                self.auto is not None
                and request.callback_id not in self._auto_done
                and request.state == "open"
                # By tool name: a request picked up from the history waits for its message.
                and not (self.auto.by_tool and request.tool is None)
            ):
                self._auto_done.add(request.callback_id)
                if not request.mine:
                    self.inbox.say(
                        "info",
                        f"Auto mode leaves {request.describe()} to a person: "
                        "this panel did not start that execution.",
                    )
                    continue
                decision, note = self.auto.next(request.tool)
                card.comment.value = note
                card.button(decision).click()  # exactly what a person's click does

    def _on_click(self, callback_id: str, decision: str) -> None:
        self.decide(callback_id, decision)

    def start_polling(self) -> None:
        """Long-poll the queue in a background thread until nothing is left to wait for."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="approval-poller", daemon=True)
        self._thread.start()

    def stop_polling(self, hand_back: bool = False) -> None:
        """Stop the background thread; ``hand_back`` returns held messages to the queue."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll_seconds + 10)
            self._thread = None
        if hand_back:
            self.inbox.release()

    def _retire(self) -> None:
        # Without joining: the new panel's cell must not wait for our long poll to end.
        self._hand_back = True
        self._stop.set()
        if self._thread is None or not self._thread.is_alive():
            self.inbox.release()

    def _loop(self) -> None:
        try:
            self._poll_until_idle()
        finally:
            if self._hand_back:
                self.inbox.release()

    def _poll_until_idle(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll(self.poll_seconds)
            except Exception as exc:  # the thread must survive anything, quietly
                self.inbox.say(
                    "error", f"The approval poller hit {_error_text(exc)}; it keeps going."
                )
                self._stop.wait(2)
            if self._idle():
                return

    def _idle(self) -> bool:
        return (
            all(info.done for info in self.inbox.all_executions())
            and not self.inbox.pending()
            and not self.inbox.awaiting_messages()
        )

    def run_until_done(self, execution_arn: str | None = None, timeout: float = 300) -> Any:
        """Block until the execution ends; return its result (the chatbot's dict).

        For headless runs (papermill, tests), usually with APPROVAL_MODE="auto": while a
        cell blocks here, the kernel cannot process button clicks from the browser.
        Raises TimeoutError (with the open requests) or ExecutionEndedError.
        """
        arn = execution_arn or self.last_arn
        if not arn:
            raise ApprovalConfigError(
                "No execution to wait for: send a question first, or pass execution_arn."
            )
        self.inbox.track(arn)
        self.stop_polling()  # this thread polls from now on: one reader, no lock waits
        deadline = time.monotonic() + timeout
        while True:
            self.poll(wait_seconds=1)
            info = self.inbox.executions[arn]
            if info.done:
                break
            if time.monotonic() > deadline:
                waiting = ", ".join(r.describe() for r in self.inbox.pending()) or "none"
                hint = (
                    " In widget mode someone must click Approve or Deny, and a blocked cell "
                    "keeps clicks from arriving: use APPROVAL_MODE='auto' for headless runs."
                    if self.mode == "widget"
                    else ""
                )
                raise TimeoutError(
                    f"Execution {short_id(arn)} is still {info.status} after "
                    f"{timeout:g} s; waiting requests: {waiting}.{hint}"
                )
        if info.status != "SUCCEEDED":
            raise ExecutionEndedError(
                f"Execution {short_id(arn)} ended {info.status}"
                f"{': ' + info.error if info.error else ''}."
            )
        return info.result

    def run_if_auto(self, timeout: float = 300) -> Any:
        """In auto mode: send the question box's text and return the result when done (a
        notebook's headless path). In widget mode: return None at once; a person types,
        presses Send and clicks, and ``result()`` holds the outcome afterwards."""
        if self.auto is None:
            self.inbox.say(
                "info",
                "Widget mode: type a question above, press Send, then "
                "Approve or Deny each request.",
            )
            return None
        arn = self.send()
        if arn is None:
            raise ApprovalConfigError(
                f"Auto mode could not start an execution: {self.inbox.lines[-1].text}"
            )
        return self.run_until_done(arn, timeout)

    def result(self, execution_arn: str | None = None) -> Any:
        """The execution's result once it SUCCEEDED, else None (does not block)."""
        info = self.inbox.executions.get(execution_arn or self.last_arn or "")
        return info.result if info is not None and info.status == "SUCCEEDED" else None

    # -- rendering ---------------------------------------------------------------------
    def _render_log(self) -> None:
        lines = self.inbox.lines[-self.max_lines :]
        colours = {"info": "#333", "ok": "#1a7f37", "warn": "#b35900", "error": "#cf222e"}
        self.log_html.value = (
            "<div style='font-family:monospace;font-size:90%'>"
            + "".join(
                f"<div style='color:{colours[line.level]}'>"
                f"{datetime.fromtimestamp(line.at):%H:%M:%S} {html.escape(str(line))}</div>"
                for line in lines
            )
            + "</div>"
        )

    def _render_status(self) -> None:
        rows = []
        every = self.inbox.all_requests()
        for info in self.inbox.all_executions():
            requests = [r for r in every if r.execution_arn == info.arn]
            waiting = sum(r.state in ("open", "sending") for r in requests)
            answered = sum(r.state == "answered" for r in requests)
            rows.append(
                f"execution <code>{html.escape(short_id(info.arn))}</code>: "
                f"<b>{html.escape(info.status)}</b> · {waiting} waiting · {answered} answered"
            )
        self.execution_html.value = "<br>".join(rows)
        last = self.inbox.executions.get(self.last_arn or "")
        self.result_html.value = render_result(last) if last is not None and last.done else ""


def render_result(info: ExecutionInfo) -> str:
    """HTML for an ended execution: the answer, the report link and the decisions."""
    if info.status != "SUCCEEDED":
        return (
            f"<div style='color:#cf222e'><b>Execution {html.escape(info.status)}</b>"
            f"{': ' + html.escape(info.error) if info.error else ''}</div>"
        )
    result = info.result
    if not isinstance(result, dict):
        return f"<pre>{html.escape(json.dumps(result, indent=2, default=str))}</pre>"
    answer = html.escape(str(result.get("answer", "")))
    parts = [f"<b>Answer</b><div style='white-space:pre-wrap'>{answer}</div>"]
    url = result.get("report_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        parts.append(
            f'<a href="{html.escape(url, quote=True)}" target="_blank" '
            f'rel="noopener">Open the report</a>'
        )
    elif url:
        parts.append(f"report: {html.escape(str(url))}")
    decisions = result.get("decisions") or []
    if isinstance(decisions, list) and decisions:
        parts.append(
            "Decisions: "
            + ", ".join(
                f"{html.escape(str(d.get('tool', '?')))} → "
                f"{html.escape(str(d.get('decision', '?')))}"
                if isinstance(d, dict)
                else html.escape(str(d))
                for d in decisions
            )
        )
    return "<div style='border-top:1px solid #ccc;padding-top:4px'>" + "<br>".join(parts) + "</div>"
