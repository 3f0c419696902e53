"""What the approval panel draws: one card per request, and the ended execution's answer.

A card puts first what a reviewer decides on (the model's explanation and the tool's input),
then a countdown to the approval's timeout; the rest of the request is folded in a
``<details>``. The answer is the model's markdown rendered safely: raw HTML in it is shown as
text, and ``$`` never reaches MathJax: the containers are ``helpers.mathjax``'s
(``no_math_html``), and each ``$`` is an entity as well (``dollar_entities``).
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import ipywidgets as widgets
import mistune

from ..i18n import tr
from ..mathjax import NO_MATH_CLASS, no_math_html
from .contract import APPROVE, DENY, ExecutionInfo, Request
from .status import clip

# The class of containers MathJax leaves alone (the panel's mode line wears it too).
NO_MATH = NO_MATH_CLASS
_MARKDOWN = mistune.create_markdown(escape=True)  # raw HTML in the text is shown, not run


def dollar_entities(text: str) -> str:
    """HTML text with every ``$`` as an entity, so that no MathJax can take it for math.

    Not ``helpers.mathjax.no_math``: that escapes ``$`` for the markdown renderer
    (``\\$``), which would show its backslash in a widget's HTML. The cards use both this
    and the shared container (``no_math_html``), since a widget's HTML is typeset by
    whatever MathJax the page runs, and only MathJax 2 and 3 know the container's class."""
    return text.replace("$", "&#36;")


def markdown_html(text: str) -> str:
    """The model's markdown as safe HTML (escaped raw HTML, no ``$`` for MathJax)."""
    return no_math_html(dollar_entities(str(_MARKDOWN(text))))


def deadline_of(request: Request) -> float | None:
    """When the request's approval times out (epoch seconds): its callback's start plus its
    timeout when read from the history (the clock the durable service keeps; a request
    recovered from there has no message), else the message's ``requested_at`` plus
    ``timeout_seconds``; None when neither says."""
    if request.deadline is not None:
        return request.deadline
    timeout, asked = request.extra.get("timeout_seconds"), request.extra.get("requested_at")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        return None
    if not isinstance(asked, str):
        return None
    try:
        return datetime.fromisoformat(asked).timestamp() + float(timeout)
    except (ValueError, OverflowError):
        return None


def countdown(request: Request, now: float | None = None) -> str:
    """``answer within 14:32`` (the approval's time left), or "" when unknown."""
    deadline = deadline_of(request)
    if deadline is None:
        return ""
    left = int(deadline - (time.time() if now is None else now))
    if left <= 0:
        return tr(
            "the approval's timeout has passed: the chatbot counts it as denied",
            "承認の期限を過ぎました。チャットボットは却下として扱います",
        )
    minutes, seconds = divmod(left, 60)
    return tr(
        f"answer within {minutes}:{seconds:02d}",
        f"あと {minutes}:{seconds:02d} 以内に回答してください",
    )


class Card:
    """The widgets of one request."""

    def __init__(self, request: Request, on_click: Callable[[str, str], None]) -> None:
        self.request = request
        self.header = widgets.HTML()
        self.body = widgets.HTML()
        self.comment = widgets.Text(
            placeholder=tr("comment (optional)", "コメント（任意）"),
            layout=widgets.Layout(width="60%"),
        )
        self.approve = widgets.Button(
            description=tr("Approve", "承認"), button_style="success", icon="check"
        )
        self.deny = widgets.Button(
            description=tr("Deny", "却下"), button_style="danger", icon="times"
        )
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
        self.box.add_class("approval-card")
        self.update()

    def button(self, decision: str) -> widgets.Button:
        return self.approve if decision == APPROVE else self.deny

    def update(self) -> None:
        r = self.request
        tags = [] if r.mine else [tr("other execution", "別の実行")]
        if r.source == "history" and not r.receipts and r.tool is None:
            tags.append(tr("picked up from the execution's history", "実行の履歴から取得"))
        self.header.value = (
            f"<b>#{r.number} {html.escape(r.title)}</b> · "
            + tr("execution", "実行")
            + f" <code>{html.escape(r.execution)}</code>"
            + "".join(f" · <span style='color:#b35900'>{html.escape(t)}</span>" for t in tags)
        )
        self.body.value = no_math_html(self._body())
        waiting = r.state in ("open", "sending")
        self.approve.disabled = self.deny.disabled = self.comment.disabled = not waiting
        left = countdown(r) if r.state == "open" else ""
        self.state.value = dollar_entities(
            {
                "open": "<i>" + tr("waiting for your decision", "判断をお待ちしています") + "</i>",
                "sending": "<i>" + tr("sending…", "送信中…") + "</i>",
                "answered": f"<b>{html.escape(r.decision or '')}</b> "
                + tr("sent", "を送信しました")
                + (f" · {html.escape(r.comment)}" if r.comment else ""),
                "closed": "<span style='color:#b35900'>"
                + tr("closed", "終了")
                + f": {html.escape(r.note)}</span>",
            }[r.state]
            + (f" · <span class='approval-countdown'>{html.escape(left)}</span>" if left else "")
        )

    def _body(self) -> str:
        r = self.request
        explanation = r.extra.get("explanation")
        parts = []
        if isinstance(explanation, str) and explanation.strip():
            parts.append(
                "<div><b>" + tr("The model says", "モデルの説明") + ":</b> "
                f"{dollar_entities(html.escape(clip(explanation.strip(), 600)))}</div>"
            )
        if r.tool is None:
            shown = tr(
                "(the tool and its input were in the request message, not in the history)",
                "（ツールと入力はリクエストのメッセージにあり、履歴にはありません）",
            )
        else:
            shown = json.dumps(r.input, indent=2, ensure_ascii=False, default=str)
        parts.append(
            "<div><b>" + tr("Tool input", "ツールの入力") + ":</b></div>"
            f"<pre style='margin:2px 0'>{dollar_entities(html.escape(shown))}</pre>"
        )
        folded = {k: v for k, v in r.extra.items() if k != "explanation"}
        if folded:
            rows = "".join(
                f"<div>{html.escape(str(k))}: "
                f"{dollar_entities(html.escape(clip(str(v), 200)))}</div>"
                for k, v in folded.items()
            )
            parts.append(
                "<details style='color:#555'><summary>"
                + tr("request details", "リクエストの詳細")
                + f"</summary>{rows}</details>"
            )
        return "".join(parts)


def render_result(info: ExecutionInfo) -> str:
    """HTML for an ended execution: the answer (markdown), the report link, the decisions."""
    if info.status != "SUCCEEDED":
        status = html.escape(info.status)
        return dollar_entities(
            f"<div class='{NO_MATH}' style='color:#cf222e'><b>"
            + tr(f"Execution {status}", f"実行は {status} で終わりました")
            + "</b>"
            f"{': ' + html.escape(info.error) if info.error else ''}</div>"
        )
    result: Any = info.result
    if not isinstance(result, dict):
        shown = html.escape(json.dumps(result, indent=2, default=str))
        return f"<pre class='{NO_MATH}'>{dollar_entities(shown)}</pre>"
    parts = ["<b>" + tr("Answer", "回答") + "</b>" + markdown_html(str(result.get("answer", "")))]
    url = result.get("report_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        parts.append(
            f'<a href="{html.escape(url, quote=True)}" target="_blank" '
            f'rel="noopener">' + tr("Open the report", "レポートを開く") + "</a>"
        )
    elif url:
        parts.append(tr("report", "レポート") + f": {html.escape(str(url))}")
    decisions = result.get("decisions") or []
    if isinstance(decisions, list) and decisions:
        parts.append(
            tr("Decisions", "判断")
            + ": "
            + ", ".join(
                f"{html.escape(str(d.get('tool', '?')))} → "
                f"{html.escape(str(d.get('decision', '?')))}"
                if isinstance(d, dict)
                else html.escape(str(d))
                for d in decisions
            )
        )
    return (
        f"<div class='{NO_MATH}' style='border-top:1px solid #ccc;padding-top:4px'>"
        + dollar_entities("<br>".join(parts))
        + "</div>"
    )
