"""The inbox: approval requests from one SQS queue, and their answers (no widgets).

Long-polls the queue, validates and de-duplicates requests, answers them and deletes their
messages, watches the executions; every failure becomes one status line, never a traceback.

Choices worth knowing:

- A malformed message (not JSON, too big or too deep, fields missing or of the wrong type,
  an ARN that is not an execution's; anything that raises while it is read) is reported
  in one line and **deleted**: it can never be answered, and left on the queue it would
  come back after every visibility timeout (on AWS a redrive policy would move it to a
  dead-letter queue; the kit's queue has none). Its execution, if real, can still be
  answered through ``recover()``, which reads the open callbacks from its history.
- A request is checked against its execution's history (``recovery.mismatch``) before it
  can be answered: one that does not match is shown closed, saying why, and never answered.
- A duplicate (same ``callback_id``, another SQS message: the submitter is at-least-once)
  is deleted at once with a "duplicate" line; the first copy's card stays. A message with
  the same callback id but other contents is refused: it never replaces the first.
- A request is "mine" when its execution was started (or adopted) by this inbox. Others
  are shown marked "other execution" (``others="show"``, the default: after a kernel
  restart they are usually your own) or left on the queue for their owner
  (``others="hide"``).
- A received message stays invisible to other readers for ``visibility_timeout`` seconds
  while its card is open; :meth:`Inbox.release` hands unanswered ones back at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from ..polling import is_throttling
from . import lines
from .contract import ExecutionInfo, Request, answer_payload, as_decision, parse_message, short_id
from .modes import ApprovalConfigError
from .recovery import OpenCallback, Recovery
from .status import Level, StatusLine, clip, error_code, error_text

# Lambda's answer when a callback is no longer waiting (answered, timed out, execution ended)
# and when it does not know the id at all.
_CLOSED_CODES = {"CallbackTimeoutException"}
_UNKNOWN_CODES = {"ResourceNotFoundException", "InvalidParameterValueException"}


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
        self._poisoned: set[str] = set()  # MessageIds reported as malformed (once each)
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
                    request.mine = True
                    request.number = request.number_in(self.requests.values())
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
                if not isinstance(details, dict):
                    raise TypeError(f"the answer is {type(details).__name__}, not an object")
            except Exception as exc:  # a line, never a traceback
                if is_throttling(exc):  # the account's quota, shared by the room: next poll
                    continue
                self.say("error", lines.status_unreadable(short_id(info.arn), error_text(exc)))
                continue
            status = str(details.get("Status") or "UNKNOWN")
            info.started = details.get("StartTimestamp")
            if status == info.status:
                continue
            info.status, info.ended = status, details.get("EndTimestamp")
            changed.append(info)
            if status == "SUCCEEDED":
                self._take_result(info, details.get("Result"))
            elif info.done:
                error = details.get("Error")
                error = error if isinstance(error, dict) else {}
                info.error = ": ".join(
                    str(part)
                    for part in (error.get("ErrorType"), error.get("ErrorMessage"))
                    if part
                )
                self.say("error", lines.execution_ended(short_id(info.arn), status, info.error))
            if info.done:
                self._close_requests_of(info)
        return changed

    def _take_result(self, info: ExecutionInfo, raw: Any) -> None:
        if not info.read_result(raw):
            self.say("warn", lines.result_not_the_chatbots(short_id(info.arn)))
        else:
            self.say("ok", lines.succeeded(short_id(info.arn)))

    def _close_requests_of(self, info: ExecutionInfo) -> None:
        for request in self._open(info.arn):
            request.state, request.note = "closed", lines.ended_note(info.status)
            self.say("warn", lines.closed_unanswered(request.describe(), info.status))
            self.delete_messages(request)

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
        except Exception as exc:  # a line in the panel, never a traceback
            code = error_code(exc)
            missing = "NonExistentQueue" in code or "QueueDoesNotExist" in code
            self.say("error", lines.queue_unreadable(self.queue, error_text(exc), missing))
            return self._adopted()
        changed = self._adopted()
        messages = reply.get("Messages") if isinstance(reply, dict) else None
        for message in messages if isinstance(messages, list) else []:
            taken: Request | None = None
            try:
                taken = self._take(message)
            except Exception as exc:  # one bad message must not hold up the batch
                self._poison(message, lines.raised(error_text(exc)))
            if taken is not None and taken not in changed:
                changed.append(taken)
        return changed

    def _adopted(self) -> list[Request]:
        # Requests track() moved from hidden: checked against the history before shown.
        with self._lock:
            changed, self._changed = self._changed, []
        return [r for r in changed if r.refused or self.recovery.check(r) is not None]

    def _poison(self, message: Any, why: str) -> None:
        """Report a message that can never be answered once, and delete it."""
        message = message if isinstance(message, dict) else {}
        message_id, receipt = str(message.get("MessageId")), message.get("ReceiptHandle")
        if message_id not in self._poisoned:  # if its delete fails it comes back: say it once
            self._poisoned.add(message_id)
            self.say("warn", lines.malformed(why, message.get("Body")))
        if isinstance(receipt, str):
            self._delete_receipt(receipt)

    def _take(self, message: dict[str, Any]) -> Request | None:
        message_id, receipt = message["MessageId"], message["ReceiptHandle"]
        try:
            data = parse_message(message.get("Body", ""))
        except ValueError as why:
            self._poison(message, str(why))
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
                self.say("info", lines.left_for_owner(request.execution))
                return None
            request.number = request.number_in(self.requests.values())
            self.requests[callback_id] = request
            info = self.executions.get(request.execution_arn)
            ended = info.status if info is not None and info.done else ""  # the status it ended
            if ended:
                request.state, request.note = "closed", lines.already_ended_note(ended)
        if ended:
            self.say("info", lines.dropped(request.describe(), ended))
            self.delete_messages(request)
            return request
        if not self.recovery.check(request):
            return request if request.refused else None
        self.say("info", lines.new_request(request.describe(), mine))
        return request

    def _take_again(
        self, known: Request, message_id: str, receipt: str, data: dict[str, Any]
    ) -> Request | None:
        if message_id in known.receipts:
            # The same message again: its visibility timeout ran out while the card was open.
            known.receipts[message_id] = receipt
            if known.state in ("answered", "closed"):
                self.delete_messages(known)
            return None
        if (known.source == "history" and not known.receipts) or known.refused:
            # Picked up from the history first (the message tells what it is about), or
            # refused: checked against the history before it fills the card in.
            if known.execution_arn != data["execution_arn"] and not known.refused:
                self._refuse_second(known, receipt)
                return None
            candidate = Request.from_message(data, message_id, receipt)
            candidate.number = known.number
            candidate.mine = data["execution_arn"] in self.executions
            waiting = known.state == "open" or known.refused
            if not self.recovery.check(candidate, waiting=waiting):
                return None
            known.tool, known.input, known.extra = candidate.tool, candidate.input, candidate.extra
            known.receipts[message_id] = receipt
            if known.refused:  # the first message was refused; this one matches the history
                known.execution_arn, known.mine = candidate.execution_arn, candidate.mine
                known.refused, known.state, known.note = False, "open", ""
            if known.state in ("answered", "closed"):
                self.delete_messages(known)
                return None
            return known
        if not known.same_as(data):
            self._refuse_second(known, receipt)
            return None
        self.say("info", lines.duplicate(known.describe(), known.state, known.decision))
        self._delete_receipt(receipt)
        return None

    def _refuse_second(self, known: Request, receipt: str) -> None:
        self.say("warn", lines.second_refused(known.describe()))
        self._delete_receipt(receipt)

    def _delete_receipt(self, receipt: str) -> bool:
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url(), ReceiptHandle=receipt)
            return True
        except (ClientError, BotoCoreError) as exc:
            self.say("warn", lines.undeletable(error_text(exc)))
            return False

    def delete_messages(self, request: Request) -> None:
        """Delete the request's messages (those that fail stay: they come back)."""
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
            return self.say("error", lines.not_a_decision(decision))
        with self._lock:
            request = self.requests.get(callback_id)
            if request is None:
                return self.say("warn", lines.no_such_request(clip(callback_id, 24)))
            if request.state == "sending":
                return self.say("info", lines.being_answered(request.describe(capital=True)))
            if request.state == "answered":
                return self.say(
                    "info", lines.answered_before(request.describe(capital=True), request.decision)
                )
            if request.state == "closed":
                return self.say(
                    "warn", lines.closed_nothing_sent(request.describe(capital=True), request.note)
                )
            request.state = "sending"
        payload = answer_payload(value, comment or "")
        try:
            self.lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=payload)
        except Exception as exc:  # every failure is a line in the panel, never a traceback
            return self._answer_failed(request, exc)
        request.state, request.decision, request.comment = "answered", value, comment or ""
        request.note = lines.sent_note(value)
        self.delete_messages(request)
        return self.say("ok", lines.sent(value, request.describe(), comment or ""))

    def _answer_failed(self, request: Request, exc: Exception) -> StatusLine:
        code = error_code(exc)
        if code in _CLOSED_CODES:
            status = self._status_of(request.execution_arn)
            ended = status and status != "RUNNING"
            why = lines.ended_before_answer(status) if ended else lines.answered_elsewhere()
            request.state, request.note = "closed", why
            self.delete_messages(request)
            return self.say("warn", lines.refused_by_lambda(request.describe(), why))
        if code in _UNKNOWN_CODES:
            request.state, request.note = "closed", lines.unknown_callback_note()
            self.delete_messages(request)
            return self.say("warn", lines.unknown_callback(request.describe()))
        request.state = "open"  # transient (network, throttling, permissions): may be retried
        return self.say("error", lines.send_failed(request.describe(), error_text(exc)))

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

    def forget(self, request: Request) -> None:
        """Drop a request without a line (its message comes back and is taken again)."""
        with self._lock:
            if self.requests.get(request.callback_id) is request:
                del self.requests[request.callback_id]

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
                deadline=callback.deadline,
            )
            request.number = request.number_in(self.requests.values())
            self.requests[callback.callback_id] = request
            return request
