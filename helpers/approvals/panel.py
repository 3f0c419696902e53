"""The approval panel of notebook 04 (ipywidgets): the only module here that loads widgets.

A question box and Send button, one card per request with Approve / Deny and a comment box,
the running status, the answer and the report link. ``APPROVAL_MODE="auto"`` clicks the
cards' own buttons with ``DECISIONS`` (after ``review_seconds`` each, when given), so
headless (papermill) runs go through exactly what a person's click does. Auto mode never
answers other executions' requests. The logic is the :class:`~helpers.approvals.inbox.Inbox`'s,
tested without a browser.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import ipywidgets as widgets

from ..i18n import tr
from . import lines
from .cards import NO_MATH, Card, render_result
from .contract import Request, short_id
from .inbox import Inbox
from .modes import (
    ApprovalConfigError,
    AutoDecider,
    Decisions,
    PacedDecider,
    check_mode,
    check_review_seconds,
)
from .status import StatusLine, error_code, error_text


def add_classes(widget: widgets.DOMWidget, classes: str) -> None:
    """Add each space-separated class of ``classes`` on its own: the browser adds a
    widget's classes one by one with ``DOMTokenList.add``, which throws on a name with a
    space in it (and the class is then not applied)."""
    for name in classes.split():
        widget.add_class(name)


class ExecutionEndedError(RuntimeError):
    """The execution ended without a result (FAILED, TIMED_OUT or STOPPED)."""


_LIVE_PANELS: dict[str, ApprovalPanel] = {}  # queue -> the newest panel reading it


class ApprovalPanel:
    """The approval UI of notebook 04. Display it as the cell's last expression.

    ``start(question) -> execution_arn`` starts the chatbot (the notebook passes it in, so the
    panel knows nothing about deployment). In ``"auto"`` mode each new request of this panel's
    executions gets the next entry of DECISIONS (then APPROVE) by clicking its card's button;
    with ``review_seconds`` (REVIEW_SECONDS) the auto reviewer takes that long over each
    request first, as a person would (``PacedDecider``). Widget mode ignores it.
    """

    def __init__(
        self,
        inbox: Inbox,
        start: Callable[[str], str],
        *,
        approval_mode: str = "widget",
        decisions: Decisions | str | tuple[str, ...] = (),
        question: str = "",
        review_seconds: float | None = None,
        poll_seconds: int = 5,
        max_lines: int = 12,
    ) -> None:
        self.mode, decision_list = check_mode(approval_mode, decisions)
        # DECISIONS, one after the other: the request a notebook cell answers takes the
        # first (``decision_for``), auto mode's clicks the next ones.
        self.decider: AutoDecider = (
            AutoDecider(decision_list)
            if review_seconds is None
            else PacedDecider(decision_list, check_review_seconds(review_seconds))
        )
        self.auto: AutoDecider | None = self.decider if self.mode == "auto" else None
        self.inbox = inbox
        self._start = start
        self.poll_seconds = poll_seconds
        self.max_lines = max_lines
        self.cards: dict[str, Card] = {}
        self.clicks: list[tuple[str, str]] = []  # (callback_id, decision), in click order
        self.last_arn: str | None = None
        self._auto_done: set[str] = set()
        self._poll_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._hand_back = False
        self._thread: threading.Thread | None = None

        self.question = widgets.Textarea(
            value=question,
            placeholder=tr("Ask the chatbot…", "チャットボットに質問してください…"),
            layout=widgets.Layout(width="80%", height="4em"),
        )
        self.send_button = widgets.Button(
            description="Send", button_style="primary", icon="paper-plane"
        )
        self.send_button.on_click(lambda _b: self.send())
        self.mode_label = widgets.HTML(
            f"<span style='color:#555'>{tr('mode', 'モード')}: <b>{self.mode}</b>"
            + (self._decisions_shown(html.escape(self.auto.describe())) if self.auto else "")
            + "</span>"
        )
        add_classes(self.mode_label, NO_MATH)
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

    @staticmethod
    def _decisions_shown(described: str) -> str:
        return tr(f" · DECISIONS {described}", f" · DECISIONS（{described}）")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def describe_reviewer(self) -> str:
        """Who answers the requests, in one sentence (what notebook 04 prints)."""
        if self.auto is None:
            return tr(
                "Widget mode: you are the reviewer. Take your time: nothing is billed meanwhile.",
                "ウィジェットモード: レビュー担当はあなたです。ゆっくり判断してください。"
                "待っている間は課金されません。",
            )
        if isinstance(self.auto, PacedDecider):
            return tr(
                f"Auto mode: the reviewer answers each request after "
                f"{self.auto.review_seconds:g} s, with DECISIONS {self.auto.describe()}.",
                f"自動モード: レビュー担当は各リクエストに {self.auto.review_seconds:g} 秒後、"
                f"DECISIONS（{self.auto.describe()}）で回答します。",
            )
        return tr(
            f"Auto mode: the reviewer answers each request at once, with DECISIONS "
            f"{self.auto.describe()}.",
            f"自動モード: レビュー担当は各リクエストにすぐ、DECISIONS（{self.auto.describe()}）"
            "で回答します。",
        )

    @property
    def status_text(self) -> str:
        """The status lines as plain text (what the log area shows)."""
        return self.inbox.status_text

    # -- actions -----------------------------------------------------------------------
    def send(self, question: str | None = None) -> str | None:
        """Start an execution with the question (the Send button); returns its ARN."""
        text = (self.question.value if question is None else question).strip()
        if not text:
            self.inbox.say(
                "warn",
                tr(
                    "Type a question first, then press Send.",
                    "まず質問を入力してから Send を押してください。",
                ),
            )
            return None
        with self._send_lock:  # a double click: the second one finds the first running
            if self.running():
                self.inbox.say(
                    "warn",
                    tr(
                        "A conversation is running: answer its requests, and press Send "
                        "again when it has ended.",
                        "会話の実行中です。リクエストに回答し、会話が終わってから Send "
                        "を押してください。",
                    ),
                )
                return None
            self.question.value = text
            self.send_button.disabled = True
            try:
                arn = self._start(text)
            except Exception as exc:  # a line in the panel, never a traceback
                self.send_button.disabled = False
                self.inbox.say("error", start_failure(exc))
                return None
            self.inbox.track(arn)
            self.last_arn = arn
        self.inbox.say(
            "info",
            tr(
                f"Started execution {short_id(arn)}; requests appear below as it asks for "
                "approval.",
                f"実行 {short_id(arn)} を開始しました。承認を求められると、下にリクエストが"
                "表示されます。",
            ),
        )
        self._render_status()
        self.start_polling()
        return arn

    def running(self) -> bool:
        """Whether this panel's latest conversation is still running (Send waits for it)."""
        info = self.inbox.executions.get(self.last_arn or "")
        return info is not None and not info.done

    def decision_for(self, tool: str | None = None) -> tuple[str, str]:
        """The next answer DECISIONS gives (by ``tool`` name, or the next in the list) and
        a comment saying so: what notebook 04's own cell sends for the first request. Auto
        mode's clicks continue with the entries after it. Paced: takes REVIEW_SECONDS."""
        return self.decider.next(tool)

    def follow(self, execution_arn: str, timeout: float = 300) -> Any:
        """Take over a conversation started outside the panel: its later requests become
        cards (open ones are picked up from its history). Auto mode answers them and returns
        the result when the execution ends; widget mode returns None at once (you click)."""
        self.inbox.track(execution_arn)
        self.last_arn = execution_arn
        self.send_button.disabled = True
        self.inbox.say(
            "info",
            tr(
                f"Following execution {short_id(execution_arn)}: its next requests appear below.",
                f"実行 {short_id(execution_arn)} を引き継ぎました。次のリクエストは下に"
                "表示されます。",
            ),
        )
        self.recover([execution_arn])
        if self.auto is None:
            return None
        return self.run_until_done(execution_arn, timeout)

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

    def recover(self, execution_arns: Iterable[str] = (), **running: str | None) -> list[Request]:
        """Show the requests an earlier panel left open and keep polling: the given
        executions', and with ``function_name=`` (and ``qualifier=``, a version or alias)
        every running one's (``Inbox.recover``)."""
        found = self.inbox.recover(execution_arns, **running)
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
            steps: list[Callable[[], object]] = [
                lambda: self._show(self.inbox.poll(wait_seconds)),
                self.inbox.refresh,
                lambda: self._show(self.inbox.recovery.adopt_overdue()),
            ]
            for step in steps:
                try:
                    step()
                except Exception as exc:  # a line in the panel, never a traceback
                    self.inbox.say(
                        "error",
                        tr(
                            f"The approval panel hit {error_text(exc)}.",
                            f"承認パネルで {error_text(exc)} が発生しました。",
                        ),
                    )
            for card in self.cards.values():
                card.update()
            self._render_status()

    def _show(self, requests: Iterable[Request]) -> None:
        for request in requests:
            card = self.cards.get(request.callback_id)
            if card is None:
                card = self.cards[request.callback_id] = Card(request, self._on_click)
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
                        tr(
                            f"Auto mode leaves {request.describe()} to a person: "
                            "this panel did not start that execution.",
                            f"{request.describe()}は人に任せます（自動モードでは回答しません）。"
                            "このパネルが開始した実行ではないためです。",
                        ),
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
                    "error",
                    tr(
                        f"The approval poller hit {error_text(exc)}; it keeps going.",
                        f"承認のポーリングで {error_text(exc)} が発生しました。ポーリングは"
                        "続けます。",
                    ),
                )
                self._stop.wait(2)
            if self._idle():
                return

    def _idle(self) -> bool:
        return (
            all(info.done for info in self.inbox.all_executions())
            and not self.inbox.pending()
            and not self.inbox.recovery.awaiting_messages()
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
                tr(
                    "No execution to wait for: send a question first, or pass execution_arn.",
                    "待つ実行がありません。先に質問を送るか、execution_arn を渡してください。",
                )
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
                raise TimeoutError(self._still_running(arn, info.status, timeout))
        if info.status != "SUCCEEDED":
            raise ExecutionEndedError(lines.execution_ended(short_id(arn), info.status, info.error))
        return info.result

    def _still_running(self, arn: str, status: str, timeout: float) -> str:
        """Why run_until_done gave up: the requests still waiting, and in widget mode why
        nobody could answer them."""
        waiting = ", ".join(r.describe() for r in self.inbox.pending()) or tr("none", "なし")
        widget = self.mode == "widget"
        return tr(
            f"Execution {short_id(arn)} is still {status} after {timeout:g} s; waiting "
            f"requests: {waiting}."
            + (
                " In widget mode someone must click Approve or Deny, and a blocked cell "
                "keeps clicks from arriving: use APPROVAL_MODE='auto' for headless runs."
                if widget
                else ""
            ),
            f"実行 {short_id(arn)} は {timeout:g} 秒たってもまだ {status} です。回答待ちの"
            f"リクエスト: {waiting}。"
            + (
                "widget モードでは誰かが承認か却下をクリックする必要がありますが、セルが"
                "ブロックしている間はクリックが届きません。ヘッドレス実行では "
                "APPROVAL_MODE='auto' を使ってください。"
                if widget
                else ""
            ),
        )

    def run_if_auto(self, timeout: float = 300) -> Any:
        """In auto mode: send the question box's text and return the result when done (a
        notebook's headless path). In widget mode: return None at once; a person types,
        presses Send and clicks, and ``result()`` holds the outcome afterwards."""
        if self.auto is None:
            self.inbox.say(
                "info",
                tr(
                    "Widget mode: type a question above, press Send, then "
                    "Approve or Deny each request.",
                    "ウィジェットモード: 上に質問を入力して Send を押し、各リクエストを"
                    "承認（Approve）または却下（Deny）してください。",
                ),
            )
            return None
        arn = self.send()
        if arn is None:
            raise ApprovalConfigError(
                tr(
                    f"Auto mode could not start an execution: {self.inbox.lines[-1].text}",
                    f"自動モードで実行を開始できませんでした: {self.inbox.lines[-1].text}",
                )
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
                tr("execution", "実行") + f" <code>{html.escape(short_id(info.arn))}</code>: "
                f"<b>{html.escape(info.status)}</b> · "
                + tr(
                    f"{waiting} waiting · {answered} answered",
                    f"回答待ち {waiting} 件 · 回答済み {answered} 件",
                )
            )
        self.execution_html.value = "<br>".join(rows)
        last = self.inbox.executions.get(self.last_arn or "")
        self.result_html.value = render_result(last) if last is not None and last.done else ""
        self.send_button.disabled = last is not None and not last.done


def start_failure(exc: Exception) -> str:
    """Why Send could not start the chatbot, with what to do next."""
    if error_code(exc) == "ResourceNotFoundException":
        return tr(
            "The chatbot is gone (notebook 99 deleted it?): run 03 again (or 04 from the "
            "top), then press Send.",
            "チャットボットがありません（ノートブック 99 で削除済み？）。03 をもう一度実行する"
            "（または 04 を最初から実行する）と、Send が使えます。",
        )
    return tr(
        f"Could not start the chatbot: {error_text(exc)}",
        f"チャットボットを開始できませんでした: {error_text(exc)}",
    )
