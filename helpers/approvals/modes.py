"""How requests get answered: APPROVAL_MODE and DECISIONS checked, and auto mode's deciders.

``widget``: a person clicks Approve or Deny. ``auto``: DECISIONS answer, either in order
(then APPROVE) or by tool name (unnamed tools APPROVE), through the cards' own buttons.
``PacedDecider`` is auto mode with a reviewer who takes ``review_seconds`` over each
request, as a person would (the panel's ``review_seconds`` argument).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import tr
from .contract import APPROVE, DECISION_VALUES

APPROVAL_MODES = ("widget", "auto")
MAX_REVIEW_SECONDS = 600

Decisions = list[str] | dict[str, str]


class ApprovalConfigError(ValueError):
    """APPROVAL_MODE, DECISIONS or REVIEW_SECONDS cannot work; the message says what to set
    instead."""


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
            tr(
                f"APPROVAL_MODE must be 'widget' (you click Approve/Deny) or 'auto' (DECISIONS "
                f"answer for you), got {approval_mode!r}.",
                f"APPROVAL_MODE は 'widget'（あなたが承認／却下をクリック）か 'auto'（DECISIONS "
                f"が代わりに回答）にしてください。指定されたのは {approval_mode!r} です。",
            )
        )
    items: Any = decisions if decisions is not None else []
    if isinstance(items, str):
        items = _decisions_from_text(items)
    if isinstance(items, Mapping):
        return mode, _decision_map(items)
    if not isinstance(items, list | tuple):
        raise ApprovalConfigError(
            tr(
                f"DECISIONS must be a list such as ['DENY', 'APPROVE'] or a mapping such as "
                f"{{'calculate': 'DENY'}}, got {type(items).__name__} {items!r}.",
                f"DECISIONS は ['DENY', 'APPROVE'] のようなリストか {{'calculate': 'DENY'}} "
                f"のような辞書にしてください。指定されたのは {type(items).__name__} "
                f"{items!r} です。",
            )
        )
    normalised: list[str] = []
    for index, item in enumerate(items):
        value = item.strip().upper() if isinstance(item, str) else item
        if value not in DECISION_VALUES:
            raise ApprovalConfigError(
                tr(
                    f"DECISIONS[{index}] is {item!r}: each entry must be 'APPROVE' or 'DENY'.",
                    f"DECISIONS[{index}] が {item!r} です。各要素は 'APPROVE' か 'DENY' に"
                    "してください。",
                )
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
                tr(
                    f"DECISIONS looks like JSON but is not valid JSON ({exc}); write it as "
                    '\'["DENY", "APPROVE"]\', \'{"calculate": "DENY"}\' or \'DENY,APPROVE\'.',
                    f"DECISIONS は JSON のようですが、正しい JSON ではありません（{exc}）。"
                    '\'["DENY", "APPROVE"]\'、\'{"calculate": "DENY"}\'、\'DENY,APPROVE\' '
                    "のように書いてください。",
                )
            ) from None
    parts = [part for part in (p.strip() for p in text.split(",")) if part]
    if parts and all("=" in part for part in parts):
        return {k.strip(): v.strip() for k, v in (part.split("=", 1) for part in parts)}
    if any("=" in part for part in parts):
        raise ApprovalConfigError(
            tr(
                f"DECISIONS {text!r} mixes 'tool=DECISION' pairs with plain decisions: write "
                "either 'calculate=DENY,search_docs=APPROVE' or 'DENY,APPROVE'.",
                f"DECISIONS {text!r} には 'ツール=判断' の組と判断だけのものが混ざっています。"
                "'calculate=DENY,search_docs=APPROVE' か 'DENY,APPROVE' のどちらかで書いて"
                "ください。",
            )
        )
    return parts


def _decision_map(items: Mapping[Any, Any]) -> dict[str, str]:
    tools = _tool_names()
    normalised: dict[str, str] = {}
    for name, item in items.items():
        if name not in tools:
            raise ApprovalConfigError(
                tr(
                    f"DECISIONS names {name!r}, which is not a tool of the chatbot: use "
                    f"{', '.join(map(repr, tools))}.",
                    f"DECISIONS にある {name!r} はチャットボットのツールではありません。"
                    f"{', '.join(map(repr, tools))} のどれかを使ってください。",
                )
            )
        value = item.strip().upper() if isinstance(item, str) else item
        if value not in DECISION_VALUES:
            raise ApprovalConfigError(
                tr(
                    f"DECISIONS[{name!r}] is {item!r}: each decision must be 'APPROVE' or 'DENY'.",
                    f"DECISIONS[{name!r}] が {item!r} です。判断は 'APPROVE' か 'DENY' に"
                    "してください。",
                )
            )
        normalised[name] = value
    return normalised


def describe_decisions(decisions: Decisions) -> str:
    """DECISIONS in words, as auto mode applies them."""
    if isinstance(decisions, dict):
        named = ", ".join(f"{tool} {decision}" for tool, decision in decisions.items())
        return tr(
            f"by tool: {named or 'none named'}; any other tool APPROVE",
            f"ツールごと: {named or '指定なし'}。ほかのツールは APPROVE",
        )
    return tr(f"{decisions} in order, then APPROVE", f"{decisions} を順に、その後は APPROVE")


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
                return self.decisions[tool], tr("auto", "自動") + f": DECISIONS[{tool!r}]"
            return APPROVE, tr(
                f"auto: {tool} not named in DECISIONS, default APPROVE",
                f"自動: {tool} は DECISIONS にないので、既定の APPROVE",
            )
        if index < len(self.decisions):
            return self.decisions[index], tr("auto", "自動") + f": DECISIONS[{index}]"
        return APPROVE, tr(
            "auto: DECISIONS used up, default APPROVE",
            "自動: DECISIONS を使い切ったので、既定の APPROVE",
        )


def check_review_seconds(value: object) -> float:
    """``value`` as the auto reviewer's seconds per request, or an ApprovalConfigError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_REVIEW_SECONDS
    ):
        raise ApprovalConfigError(
            tr(
                f"REVIEW_SECONDS is {value!r}: give the auto reviewer's time per "
                f"request in seconds, from 0 to {MAX_REVIEW_SECONDS} (for example 3).",
                f"REVIEW_SECONDS が {value!r} です。自動レビュアーが 1 件にかける時間を 0 から "
                f"{MAX_REVIEW_SECONDS} までの秒数で指定してください（例: 3）。",
            )
        )
    return float(value)


class PacedDecider(AutoDecider):
    """Auto mode's decisions (DECISIONS by tool, or in order), each after ``review_seconds``
    of "reading", as a person would take: the execution suspends while it waits."""

    def __init__(
        self,
        decisions: Decisions,
        review_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(decisions)
        self.review_seconds = float(review_seconds)
        self._sleep = sleep

    def next(self, tool: str | None = None) -> tuple[str, str]:
        if self.review_seconds > 0:
            self._sleep(self.review_seconds)
        decision, note = super().next(tool)
        return decision, tr(
            f"{note} (after {self.review_seconds:g} s of review)",
            f"{note}（{self.review_seconds:g} 秒のレビュー後）",
        )
