"""Requests left open: read from the executions' histories, and picked up again.

The history is the truth about what an execution waits for (``open_callbacks``); the SQS
message says what each request is about. After a kernel restart the requests of a running
conversation are not lost: ``Recovery`` (an inbox's ``recovery``) picks them up by three
mechanisms that work together:

- ``recover``: adopt the given (or every running) execution and show its open callbacks
  from the history; their tool fills in when the message comes back.
- ``awaiting_messages``: until a message an earlier panel held is back (one visibility
  timeout), keep polling for it, or it returns to nobody.
- ``adopt_overdue``: a recovered execution's callback whose message does not come within
  ``OVERDUE_S`` (the dead kernel's last long poll took it) shows from the history too.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..durable import (
    RUNNING,
    ExecutionHistory,
    Operation,
    callbacks_of,
    execution_history,
    fetch_history,
)
from ..i18n import tr
from .contract import Request, parse_message, short_id
from .status import clip, error_code, error_text

if TYPE_CHECKING:
    from .inbox import Inbox

_VERSION_RE = re.compile(r"^(\$LATEST(\.PUBLISHED)?|[0-9]+)$")
# Lambda's answers for an ARN or id it does not know.
_UNKNOWN_CODES = {"ResourceNotFoundException", "InvalidParameterValueException"}
_MESSAGE_SLACK_S = 10  # after a visibility timeout runs out, until a poll has the message
# After a restart, how long a recovered execution's open callback may go without its
# message before the panel shows it from the history (the message is normally there in ms).
OVERDUE_S = 5.0


@dataclass
class OpenCallback:
    """A callback an execution waits on: its id, the wait_for_callback's name, and when it
    times out (epoch seconds, from the history; None without a timeout)."""

    execution_arn: str
    callback_id: str
    name: str
    deadline: float | None = None


def open_callbacks(lam: Any, execution_arn: str) -> list[OpenCallback]:
    """Callbacks of an execution that are still waiting, read from its history
    (``helpers.durable``: started, not yet succeeded, failed or timed out)."""
    return _still_open(execution_arn, execution_history(lam, execution_arn))


def _still_open(execution_arn: str, events: list[dict[str, Any]]) -> list[OpenCallback]:
    return [
        OpenCallback(execution_arn, c.callback_id, c.name, c.deadline)
        for c in callbacks_of(events)
        if c.open
    ]


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


def _tool_use_blocks(rows: Sequence[Operation]) -> list[list[dict[str, Any]]]:
    """The ``toolUse`` blocks of each "think #n" step's result, turn by turn (a turn whose
    result cannot be read counts as none)."""
    turns: list[list[dict[str, Any]]] = []
    for row in rows:
        if row.kind != "Step" or row.status != "SUCCEEDED" or not row.name.startswith("think #"):
            continue
        try:
            turn = _plain(json.loads(row.result or "null"))
            content = turn["message"]["content"]
            turns.append([dict(b["toolUse"]) for b in content if "toolUse" in b])
        except (ValueError, KeyError, TypeError, RecursionError):
            turns.append([])
    return turns


def tool_uses_by_turn(rows: Sequence[Operation]) -> list[list[str]]:
    """The tools the chatbot's model asked for, turn by turn: the ``toolUse`` blocks of each
    "think #n" step's result (a turn whose result cannot be read counts as no tool). Needs
    the history's rows with their results (``helpers.durable.fetch_history``)."""
    return [[str(use.get("name")) for use in turn] for turn in _tool_use_blocks(rows)]


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def mismatch(lam: Any, request: Request, waiting: bool = True) -> str:
    """Why a request (from its SQS message) does not match its execution's history;
    "" when it does. The history is the truth: the execution must wait on a callback with
    that id, and where the history records the proposal (the chatbot's "approve #k" is the
    k-th tool use its "think" steps asked for) the tool and input must be the model's.
    A message from another function's submitter is checked on the callback alone.
    ``waiting=False`` accepts a callback that is no longer open (a card already answered)."""
    arn, callback_id = request.execution_arn, request.callback_id
    history = fetch_history(lam, arn)
    callback = next((c for c in callbacks_of(history.events) if c.callback_id == callback_id), None)
    if callback is None:
        return tr(
            f"execution {short_id(arn)} waits on no callback with this id",
            f"実行 {short_id(arn)} はこの ID のコールバックを待っていません",
        )
    if waiting and not callback.open:
        return tr(
            f"its callback is no longer waiting ({callback.state})",
            f"そのコールバックはもう待っていません（{callback.state}）",
        )
    number = re.fullmatch(r"approve #([0-9]+)", callback.name)
    uses = [use for turn in _tool_use_blocks(history.rows) for use in turn]
    if number is None or not uses:
        return ""
    k = int(number.group(1))
    if k > len(uses):
        return tr(
            f"the history records no tool use #{k} for it",
            f"履歴にはこれに当たるツール使用 #{k} がありません",
        )
    use = uses[k - 1]
    asked, proposed = clip(str(request.tool), 40), clip(str(use.get("name")), 40)
    if use.get("name") != request.tool:
        return tr(
            f"it asks for {asked}, but the model's tool use #{k} in the history is {proposed}",
            f"{asked} を求めていますが、履歴にあるモデルのツール使用 #{k} は {proposed} です",
        )
    if not _same_json(use.get("input"), request.input):
        return tr(
            f"its input is not what the model's tool use #{k} in the history asked for",
            f"入力が、履歴にあるモデルのツール使用 #{k} が求めたものと違います",
        )
    return ""


@dataclass(frozen=True)
class Waiting:
    """A running execution that waits for a person: its open callbacks ("approve #k") and
    the tools its model asked for in its last turn."""

    execution_arn: str
    callbacks: list[OpenCallback]
    tools: list[str]

    def __str__(self) -> str:
        names = ", ".join(
            c.name or tr("an unnamed callback", "名前のないコールバック") for c in self.callbacks
        )
        asked = (
            f"The model asked to use {' and '.join(self.tools)}, so the chatbot is waiting"
            if self.tools
            else "The chatbot is waiting"
        )
        return tr(
            f"{asked} for a person to approve or deny ({names}). The execution sleeps, and "
            "nothing is billed, until someone answers: notebook 04's approval panel does, "
            "and so does send_durable_execution_callback_success with the callback id.",
            (f"モデルが {'、'.join(self.tools)} の使用を求めたので、" if self.tools else "")
            + f"チャットボットは人の承認か却下を待っています（{names}）。誰かが回答するまで"
            "実行は眠り、何も課金されません。ノートブック 04 の承認パネルが回答し、コールバック "
            "ID を渡した send_durable_execution_callback_success でも回答できます。",
        )


def waiting_for_approval(lam: Any, execution_arn: str) -> Waiting | None:
    """The approvals a RUNNING execution waits for, read from its history; None when it
    has ended or waits for no callback (it is still working)."""
    execution = lam.get_durable_execution(DurableExecutionArn=execution_arn)
    if execution.get("Status") != RUNNING:
        return None
    events = execution_history(lam, execution_arn)
    callbacks = _still_open(execution_arn, events)
    if not callbacks:
        return None
    turns = tool_uses_by_turn(ExecutionHistory(execution, events).rows)
    return Waiting(execution_arn, callbacks, turns[-1] if turns else [])


def approval_requests(
    lam: Any, sqs: Any, queue_url: str, execution_arn: str, wait_s: float = 20.0
) -> list[Request]:
    """The approval requests an execution waits on, each with its SQS message when it came
    within ``wait_s`` (the tool, its input and the receipt to delete the message with).

    The open callbacks come from the execution's history (the truth); the queue tells what
    each is about. Messages of other executions go back to the queue at once; duplicates,
    messages of answered callbacks and ones that do not match the history are deleted. A
    callback whose message did not come is returned all the same (``tool`` None): it can
    be answered by its id."""
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
            request = Request.from_message(data, message["MessageId"], receipt)
            if mismatch(lam, request):  # not what the history records: never answered
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
                continue
            found[callback_id] = request
            request.label = waiting[callback_id].name
            request.deadline = waiting[callback_id].deadline
        if reply.get("Messages") and not mine:
            time.sleep(1)  # only other executions' messages: do not spin on them
    requests: list[Request] = []
    for callback_id, callback in waiting.items():
        request = found.get(callback_id) or Request(
            callback_id,
            execution_arn,
            None,
            None,
            source="history",
            label=callback.name,
            deadline=callback.deadline,
        )
        request.number = request.number_in(requests)
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
            FunctionName=function_name, Qualifier=version, Statuses=[RUNNING]
        )
        for item in page.get("DurableExecutions", [])
    ]
    return list(dict.fromkeys(arns))


class Recovery:
    """How an inbox picks up the requests an earlier panel (kernel) left open.

    Created by its ``Inbox`` (``inbox.recovery``); works through the inbox's public
    methods: ``track``, ``refresh``, ``adopt``, ``say``.
    """

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self._messages_due = 0.0  # monotonic time by which held messages are back (recover)
        self._recovered: set[str] = set()  # running executions adopted by recover()
        self._unseen: dict[str, float] = {}  # callback id -> when first seen without message

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
                    for a in running_executions(self.inbox.lam, function_name, qualifier)
                    if a not in arns
                ]
            except Exception as exc:  # a line, never a traceback (also a malformed answer)
                self.inbox.say(
                    "error",
                    tr(
                        f"Could not list the running executions of {function_name}: "
                        f"{error_text(exc)}",
                        f"{function_name} の実行中の実行を一覧できませんでした: {error_text(exc)}",
                    ),
                )
        for arn in arns:
            self.inbox.track(arn)
        self.inbox.refresh()
        found: list[Request] = []
        for arn in arns:
            info = self.inbox.executions[arn]
            if info.done:
                self.inbox.say(
                    "info",
                    tr(
                        f"Execution {short_id(arn)} already ended ({info.status}): nothing to "
                        "pick up.",
                        f"実行 {short_id(arn)} はすでに終わっています（{info.status}）。"
                        "引き取るものはありません。",
                    ),
                )
                continue
            try:
                callbacks = open_callbacks(self.inbox.lam, arn)
            except Exception as exc:  # a line, never a traceback (also a malformed history)
                self.inbox.say(
                    "error",
                    tr(
                        f"Could not read the history of execution {short_id(arn)}: "
                        f"{error_text(exc)}",
                        f"実行 {short_id(arn)} の履歴を読めませんでした: {error_text(exc)}",
                    ),
                )
                continue
            found += [r for callback in callbacks if (r := self.inbox.adopt(callback)) is not None]
        self._recovered.update(arn for arn in arns if not self.inbox.executions[arn].done)
        if found:
            self._expect_held_messages()
        self.inbox.say(
            "info",
            tr(
                f"Recovered {len(found)} waiting request(s) from {len(arns)} execution(s).",
                f"{len(arns)} 件の実行から、回答待ちのリクエストを {len(found)} 件引き取りました。",
            )
            if arns
            else tr(
                "Nothing to recover: no execution given or running.",
                "引き取るものはありません。指定された実行も、実行中の実行もありません。",
            ),
        )
        return found

    def check(self, request: Request, waiting: bool = True) -> bool | None:
        """Check a request against its execution's history: True when it matches; False
        when it does not (closed, its card says why, its message deleted); None when the
        history cannot be read now (forgotten: its message comes back and is checked)."""
        try:
            why = mismatch(self.inbox.lam, request, waiting)
        except Exception as exc:  # a history or describe call: never a traceback
            if error_code(exc) not in _UNKNOWN_CODES:
                self.inbox.forget(request)
                self.inbox.say(
                    "warn",
                    tr(
                        f"Could not check a request of execution {request.execution} against "
                        f"its history ({error_text(exc)}); it comes back from the queue and is "
                        "checked then.",
                        f"実行 {request.execution} のリクエストを履歴と照合できませんでした"
                        f"（{error_text(exc)}）。キューからまた届いたときに照合します。",
                    ),
                )
                return None
            why = tr(
                "Lambda knows no such execution (another account or region, or made up)",
                "Lambda はその実行を知りません（別のアカウントかリージョン、または作られたもの）",
            )
        if not why:
            return True
        request.refused, request.state = True, "closed"
        request.note = tr(
            f"does not match its execution's history: {why}; not answered",
            f"実行の履歴と合いません（{why}）。回答しません",
        )
        self.inbox.say(
            "warn",
            tr(
                f"Refused {request.describe()}: {why}. It does not match its execution's "
                "history, so it will not be answered; deleted its message.",
                f"{request.describe()}を拒否しました（{why}）。実行の履歴と合わないので回答"
                "しません。メッセージを削除しました。",
            ),
        )
        self.inbox.delete_messages(request)
        return False

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
            info = self.inbox.executions.get(arn)
            if info is None or info.done:
                self._recovered.discard(arn)
                continue
            try:
                callbacks = open_callbacks(self.inbox.lam, arn)
            except Exception:
                continue  # the next poll tries again; refresh() reports a lasting failure
            for callback in callbacks:
                if callback.callback_id in self.inbox.requests:
                    continue
                first_seen = self._unseen.setdefault(callback.callback_id, now)
                if now - first_seen >= after_s and (request := self.inbox.adopt(callback)):
                    self.inbox.say(
                        "info",
                        tr(
                            f"{request.describe(capital=True)} is waiting, but its message has "
                            f"not come for {after_s:.0f} s (an earlier panel may hold it): shown "
                            "from the execution's history; its tool shows when the message is "
                            "back.",
                            f"{request.describe()}は回答を待っていますが、メッセージが "
                            f"{after_s:.0f} 秒届いていません（前のパネルが持っているのかも"
                            "しれません）。実行の履歴から表示します。ツールはメッセージが戻ると"
                            "表示されます。",
                        ),
                    )
                    found.append(request)
        if found:
            self._expect_held_messages()
        return found

    def awaiting_messages(self) -> list[Request]:
        """Requests picked up from history whose message has not come back yet, while it
        still may: an earlier panel may hold it until its visibility timeout runs out. Keep
        polling for them, or the message returns to nobody and a later panel shows it as a
        new request of an execution it does not know."""
        if time.monotonic() > self._messages_due:
            return []
        return [r for r in self.inbox.all_requests() if r.source == "history" and r.tool is None]

    def _expect_held_messages(self) -> None:
        # A message an earlier panel held is back within one visibility timeout (its own;
        # the default is the same as ours): poll until then (awaiting_messages).
        self._messages_due = max(
            self._messages_due, time.monotonic() + self.inbox.visibility_timeout + _MESSAGE_SLACK_S
        )
