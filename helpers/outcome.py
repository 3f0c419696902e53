"""How a conversation ended, or that it has not yet: waited for, described, its report.

``Outcome`` is what notebooks 03 and 04 show of an execution: the answer, the report link
and the decisions, or one sentence saying what it waits for (an approval, a person) and
what to do. Nothing here blocks in widget mode.
"""

from __future__ import annotations

import html
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from IPython.display import Markdown

from . import history
from .approvals.recovery import Waiting, waiting_for_approval
from .deploy import redact_account
from .durable import duration_text, execution_name, has_ended
from .i18n import tr
from .show import no_math, table
from .target import Target

if TYPE_CHECKING:
    from .approvals.panel import ApprovalPanel


@dataclass(frozen=True)
class Outcome:
    """How a conversation (a durable execution) ended, or that it has not yet."""

    execution_arn: str | None
    status: str
    result: Any = None
    error: str = ""
    log: str = ""  # the approval panel's status lines
    seconds: float | None = None
    waiting: Waiting | None = None  # RUNNING and waiting for a person's approval

    @property
    def finished(self) -> bool:
        return has_ended(self.status)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def report_url(self) -> str | None:
        url = self.result.get("report_url") if isinstance(self.result, dict) else None
        return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None

    @property
    def decisions(self) -> list[dict[str, Any]]:
        found = self.result.get("decisions") if isinstance(self.result, dict) else None
        return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []

    def headline(self) -> str:
        if self.execution_arn is None:
            return tr(
                "No conversation yet: type a question in the panel and press Send "
                "(APPROVAL_MODE='widget'), or run the notebook with APPROVAL_MODE='auto'.",
                "まだ会話がありません。パネルに質問を入力して Send を押すか"
                "（APPROVAL_MODE='widget'）、APPROVAL_MODE='auto' で"
                "ノートブックを実行してください。",
            )
        name = execution_name(self.execution_arn)
        if self.waiting is not None:
            return tr(
                f"Execution {name} is waiting for an approval. {self.waiting}",
                f"実行 {name} は承認を待っています。{self.waiting}",
            )
        if not self.finished:
            return tr(
                f"Execution {name} is {self.status}: answer its requests in the panel "
                "above, then run this cell again.",
                f"実行 {name} は {self.status} です。上のパネルでリクエストに答えてから、"
                "このセルをもう一度実行してください。",
            )
        if self.seconds is None:
            took = ""
        else:
            # The same figure and units as history.wait_for's line just above it.
            took = tr(f" in {duration_text(self.seconds)}", f"（{duration_text(self.seconds)}）")
        ended = tr(
            f"Execution {name} ended {self.status}{took}",
            f"実行 {name} は {self.status} で終わりました{took}",
        )
        return ended + (f": {self.error}" if self.error else tr(".", "。"))

    def _repr_markdown_(self) -> str:
        parts = [f"**{html.escape(self.headline(), quote=False)}**"]
        if self.succeeded and isinstance(self.result, dict):
            answer = str(self.result.get("answer", ""))
            quoted = "\n".join(f"> {line}" for line in answer.splitlines())
            parts.append(f"**{tr('Answer', '回答')}**\n\n" + quoted)
            if self.report_url:
                parts.append(
                    tr(
                        f"[Open the report]({self.report_url}) (a presigned S3 URL)",
                        f"[レポートを開く]({self.report_url})（S3 の署名付き URL）",
                    )
                )
            if self.decisions:
                keys = ("tool", "decision", "comment")
                shown = [
                    tr(k, j) for k, j in zip(keys, ("ツール", "判断", "コメント"), strict=True)
                ]
                rows = [
                    {h: d.get(k) for k, h in zip(keys, shown, strict=True)} for d in self.decisions
                ]
                parts.append(f"**{tr('Decisions', '判断')}**\n\n" + table(rows, shown).data)
        elif self.finished and self.result is not None:
            parts.append("```json\n" + json.dumps(self.result, indent=2, default=str) + "\n```")
        if self.log:
            parts.append(
                f"<details><summary>{tr('approval panel log', '承認パネルのログ')}</summary>"
                "\n\n```text\n" + self.log + "\n```\n</details>"
            )
        return no_math("\n\n".join(parts))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # IPython's plain-text view: the words, not the fields

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.succeeded and isinstance(self.result, dict):
            lines += ["", str(self.result.get("answer", ""))]
            lines += [tr("report: ", "レポート: ") + self.report_url] if self.report_url else []
            lines += [f"  {d.get('tool')}: {d.get('decision')}" for d in self.decisions]
        return "\n".join(lines)


def _seconds(started: Any, ended: Any) -> float | None:
    if isinstance(started, datetime) and isinstance(ended, datetime):
        return (ended - started).total_seconds()
    return None


def outcome_of(panel: ApprovalPanel) -> Outcome:
    """The outcome of the panel's last conversation, as of now (one status call; never
    waits). In widget mode, run it again once you have answered every request."""
    arn = panel.last_arn
    if arn is None:
        return Outcome(None, "NOT STARTED", log=panel.status_text)
    panel.inbox.refresh()
    info = panel.inbox.executions[arn]
    return Outcome(
        arn,
        info.status,
        info.result,
        info.error,
        panel.status_text,
        _seconds(info.started, info.ended),
    )


def wait_for_execution(target: Target, execution_arn: str, timeout: float = 120.0) -> Outcome:
    """Wait (with history.wait_for's progress bar and backoff) until the execution ends;
    its Outcome. An execution that waits for an approval gives, as soon as that shows in
    its history, an Outcome that says so (``waiting``): nobody answers while this cell
    waits. One still at work after ``timeout`` seconds raises ExecutionTimeout (a
    TimeoutError)."""
    lam = target.client("lambda")
    started = time.monotonic()
    try:
        details = history.wait_for(lam, execution_arn, timeout_s=timeout, stop_on_callback=True)
        if details.get("Status") == "RUNNING":  # a callback is open: an approval request?
            if (waiting := waiting_for_approval(lam, execution_arn)) is not None:
                return Outcome(execution_arn, "RUNNING", waiting=waiting)
            left = max(timeout - (time.monotonic() - started), 1.0)
            details = history.wait_for(lam, execution_arn, timeout_s=left)
    except history.ExecutionTimeout:  # still running: waiting for a person, or not?
        if (waiting := waiting_for_approval(lam, execution_arn)) is None:
            raise
        return Outcome(execution_arn, "RUNNING", waiting=waiting)
    status = str(details.get("Status", "UNKNOWN"))
    raw = details.get("Result")
    try:
        result = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        result = raw
    error = details.get("Error") or {}
    return Outcome(
        execution_arn,
        status,
        result,
        ": ".join(p for p in (error.get("ErrorType"), error.get("ErrorMessage")) if p),
        seconds=_seconds(details.get("StartTimestamp"), details.get("EndTimestamp")),
    )


# -- the report ------------------------------------------------------------------------------
class ReportError(RuntimeError):
    """The report could not be fetched; the message says why."""


def fetch_report(url: str, timeout: float = 10.0) -> str:
    """The report's markdown, fetched with nothing but its presigned URL (no credentials)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        if exc.code == 403 and "expired" in body.lower():
            raise ReportError(
                tr(
                    "The report link has expired (the chatbot signs it for REPORT_URL_EXPIRES "
                    "seconds, 900 by default): ask again to get a fresh one.",
                    "レポートのリンクは期限切れです（チャットボットは REPORT_URL_EXPIRES 秒、"
                    "既定では 900 秒有効な署名を付けます）。もう一度質問して新しいリンクを"
                    "受け取ってください。",
                )
            ) from None
        raise ReportError(
            tr(
                f"S3 answered {exc.code} {exc.reason} for the report link.",
                f"レポートのリンクに S3 が {exc.code} {exc.reason} と答えました。",
            )
        ) from None
    except urllib.error.URLError as exc:
        raise ReportError(
            tr(
                f"Could not reach the report link: {exc.reason}.",
                f"レポートのリンクに接続できませんでした: {exc.reason}。",
            )
        ) from None


def report_of(outcome: Outcome, timeout: float = 10.0) -> Markdown:
    """The conversation's report as rendered markdown, or one sentence why there is none.

    The report names its execution by ARN; shown here, the account id is masked."""
    if not outcome.succeeded:
        headline = html.escape(outcome.headline(), quote=False)
        return Markdown(
            no_math(tr(f"*No report yet. {headline}*", f"*レポートはまだありません。{headline}*"))
        )
    if outcome.report_url is None:
        return Markdown(
            no_math(
                tr(
                    "*The execution's result has no report_url.*",
                    "*実行の結果に report_url がありません。*",
                )
            )
        )
    try:
        text = fetch_report(outcome.report_url, timeout)
    except ReportError as exc:
        return Markdown(no_math(f"*{html.escape(str(exc), quote=False)}*"))
    return Markdown(no_math(redact_account(text)))
