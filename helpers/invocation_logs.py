"""The log lines of a durable execution, split by the Lambda invocation that wrote them:
which lines ran once, and which ran again on replay (``history.invocation_logs``).

    logs = invocation_logs(logs_client, log_group, history)
    logs            # in a notebook: one column per invocation, repeated lines marked
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

from .durable import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    ExecutionHistory,
    InvocationLog,
    log_events,
    log_start_ms,
    missing_records_text,
    split_by_invocation,
    watch_reports,
)
from .i18n import tr
from .mathjax import no_math_html
from .polling import Backoff


@dataclass(repr=False)
class InvocationLogs:
    """Each invocation's own log lines; in a notebook, side by side with the repeats marked."""

    invocations: list[InvocationLog]
    waited_s: float = 0.0  # how long the REPORT records were waited for

    @property
    def complete(self) -> bool:
        """Every invocation's REPORT record has arrived: its lines are all there."""
        return all(inv.complete for inv in self.invocations)

    def status(self) -> str:
        """One plain sentence: are the logs all there, and if not, how many and what to do."""
        n = len(self.invocations)
        missing = sum(1 for inv in self.invocations if not inv.complete)
        if not missing:
            return tr(
                f"The log records of all {n} invocations have arrived.",
                f"{n} 回の呼び出しすべてのログレコードが届きました。",
            )
        return missing_records_text(missing, n, self.waited_s) + tr(
            " Until then, what follows compares partial logs.",
            "それまでは、以下は一部のログどうしの比較です。",
        )

    def matching(self, text: str) -> list[tuple[int, str]]:
        """(invocation number, line) of every line that contains ``text``."""
        return [
            (inv.number, ln.text) for inv in self.invocations for ln in inv.lines if text in ln.text
        ]

    def repeated(self) -> set[str]:
        """Lines that appear in more than one invocation: code that ran again on replay."""
        seen: dict[str, set[int]] = {}
        for inv in self.invocations:
            for ln in inv.lines:
                seen.setdefault(ln.text, set()).add(inv.number)
        return {text for text, numbers in seen.items() if len(numbers) > 1}

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        again = self.repeated()
        out = [] if self.complete else [self.status()]
        for inv in self.invocations:
            out.append(f"--- {inv.label}" + tr(", request ", "、リクエスト ") + inv.request_id)
            if not inv.complete:
                out.append(
                    tr(
                        "    (its log records have not all arrived yet)",
                        "    （ログレコードがまだすべては届いていません）",
                    )
                )
            for ln in inv.lines:
                mark = "↻" if ln.text in again else " "
                out.append(f"  {mark} [{ln.kind:6}] {ln.text}")
        out.append(
            tr(
                "↻ = the same line in more than one invocation: it ran again on replay",
                "↻ = 複数の呼び出しに出てくる同じ行: リプレイでもう一度実行されました",
            )
        )
        return "\n".join(out)

    def _repr_html_(self) -> str:
        again = self.repeated()
        columns = []
        for inv in self.invocations:
            items = []
            for ln in inv.lines:
                style = "background:#fff1c2;" if ln.text in again else ""
                badge = "print" if ln.kind == "print" else f"logger {ln.level.lower()}"
                items.append(
                    f"<div style='{style}font-family:monospace;font-size:12px;padding:1px 4px'>"
                    f"<span style='color:#6e7781'>[{badge}]</span> {html.escape(ln.text)}"
                    f"{' ↻' if ln.text in again else ''}</div>"
                )
            if not inv.complete:
                still = tr(
                    "(log records still arriving: run the cell again)",
                    "（ログレコードはまだ届いている途中です。セルをもう一度実行してください）",
                )
                items.append(f"<div><i>{still}</i></div>")
            own = (
                "<div><i>"
                + tr("no lines of its own", "この呼び出し自身の行はありません")
                + "</i></div>"
            )
            columns.append(
                "<div style='flex:1;min-width:260px;border:1px solid #ddd;padding:6px'>"
                f"<b>{html.escape(inv.label)}</b><br>"
                f"<small>{tr('request', 'リクエスト')} {inv.request_id}</small>"
                f"{''.join(items) or own}</div>"
            )
        note = "" if self.complete else f"<p><b>{html.escape(self.status())}</b></p>"
        return no_math_html(
            f"{note}<div style='display:flex;gap:8px;flex-wrap:wrap'>{''.join(columns)}</div>"
            "<p><small>"
            + tr(
                "Highlighted ↻: the same line in more than one invocation — code that "
                "ran again on replay.",
                "ハイライトと ↻: 複数の呼び出しに出てくる同じ行。リプレイでもう一度実行された"
                "コードです。",
            )
            + "</small></p>"
        )


def invocation_logs(
    logs_client: Any,
    log_group: str,
    history: ExecutionHistory,
    *,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
) -> InvocationLogs:
    """The log lines of each of the execution's invocations.

    Log delivery lags behind the execution (seconds, on AWS sometimes minutes), so this
    first waits, up to ``timeout_s`` with backoff, until there is one REPORT record per
    ``InvocationCompleted`` event (reading REPORT records only, which is cheap), then
    reads the group's events since the execution's start once. If records are still
    missing, ``InvocationLogs.status()`` says how many, and to run the cell again.
    """
    request_ids = history.request_ids
    start_ms = log_start_ms(history.start)
    began = time.monotonic()
    watch_reports(
        logs_client, log_group, request_ids, start_ms=start_ms, timeout_s=timeout_s, backoff=backoff
    )
    events = log_events(logs_client, log_group, start_ms) or []
    return InvocationLogs(split_by_invocation(events, request_ids), time.monotonic() - began)
