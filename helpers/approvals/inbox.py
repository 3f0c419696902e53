"""The inbox: approval requests from one SQS queue, and their answers (no widgets).

Long-polls the queue, validates and de-duplicates requests, answers them and deletes their
messages, watches the executions; every failure becomes one status line, never a traceback.

Choices worth knowing:

- A malformed message is **deleted** (after a status line that shows it): it can never be
  answered, and left on the queue it would come back after every visibility timeout. If a
  real execution sent it, that execution can still be answered through the inbox's
  ``recovery`` (:meth:`Recovery.recover`), which reads the open callbacks from the
  execution's history.
- A duplicate (same ``callback_id``, another SQS message: the submitter is at-least-once)
  is deleted at once with a "duplicate" line; the first copy's card stays.
- A request is "mine" when its execution was started (or adopted) by this inbox. Others
  are shown marked "other execution" (``others="show"``, the default: after a kernel
  restart they are usually your own) or left on the queue for their owner
  (``others="hide"``).
- A received message stays invisible to other readers for ``visibility_timeout`` seconds
  while its card is open; :meth:`Inbox.release` hands unanswered ones back at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from ..durable import has_ended
from ..polling import is_throttling
from .contract import Request, answer_payload, as_decision, extra_fields, parse_message, short_id
from .modes import ApprovalConfigError
from .recovery import OpenCallback, Recovery
from .status import Level, StatusLine, clip, error_code, error_text

# Lambda's answer when a callback is no longer waiting (answered, timed out, execution ended)
# and when it does not know the id at all.
_CLOSED_CODES = {"CallbackTimeoutException"}
_UNKNOWN_CODES = {"ResourceNotFoundException", "InvalidParameterValueException"}


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
        self.recovery = Recovery(self)

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
                    f"{error_text(exc)}",
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
                if "NonExistentQueue" in error_code(exc) or "QueueDoesNotExist" in error_code(exc)
                else ""
            )
            self.say(
                "error",
                f"Could not read the approval queue {self.queue}: {error_text(exc)}.{hint}",
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
                f"does not come back. Body: {clip(body)!r}",
            )
            self._delete_receipt(receipt)
            return None
        callback_id = data["callback_id"]
        with self._lock:
            known = self.requests.get(callback_id) or self.hidden.get(callback_id)
            if known is not None:
                return self._take_again(known, message_id, receipt, data)
            mine = data["execution_arn"] in self.executions
            request = Request.from_message(data, message_id, receipt)
            request.mine = mine
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
            known.extra = extra_fields(data)
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
                f"Could not delete a message from the queue ({error_text(exc)}); "
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
        value = as_decision(decision)
        if value is None:
            return self.say(
                "error", f"Decision {decision!r} is not 'APPROVE' or 'DENY'; nothing sent."
            )
        with self._lock:
            request = self.requests.get(callback_id)
            if request is None:
                return self.say(
                    "warn",
                    f"No request with callback id {clip(callback_id, 24)} is "
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
        payload = answer_payload(value, comment or "")
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
        code = error_code(exc)
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
            f"{error_text(exc)}. The request stays open; try again.",
        )

    def _status_of(self, execution_arn: str) -> str:
        try:
            return str(self.lam.get_durable_execution(DurableExecutionArn=execution_arn)["Status"])
        except Exception:  # only used to word a message better
            return ""

    # -- after a kernel restart (the inbox's recovery picks requests up) -----------------
    def recover(self, execution_arns: Iterable[str] = (), **running: str | None) -> list[Request]:
        """Pick up requests that an earlier panel left unanswered: the given executions'
        open callbacks, and with ``function_name=`` (and ``qualifier=``, a version or
        alias) every running execution's, read from their histories (``Recovery.recover``).
        """
        return self.recovery.recover(execution_arns, **running)

    def adopt(self, callback: OpenCallback) -> Request | None:
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
