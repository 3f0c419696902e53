"""Notebook 04's exercise: an approval nobody answers, read back from the history.

The learner publishes a version of the chatbot with a short ``APPROVAL_TIMEOUT_SECONDS``,
starts a conversation on it and answers nothing. The check reads that execution's history:
its first approval callback must end TIMED_OUT (not answered), and the chatbot must go on,
counting it as denied.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..durable import fetch_history, has_ended
from ..i18n import tr
from .checks import Verdict, exercises_on, skipped, verdict

POLL_SECONDS = 2


def _timed_out_decision(raw: object) -> bool:
    try:
        result = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        return False
    decisions = result.get("decisions") if isinstance(result, dict) else None
    return isinstance(decisions, list) and any(
        isinstance(d, dict) and d.get("timed_out") for d in decisions
    )


def check_approval_timeout(
    target: Any, execution_arn: object, run: object = "auto", wait_seconds: float = 120
) -> Verdict:
    """Whether ``execution_arn``'s first approval timed out, unanswered, and the chatbot
    carried on (waits up to ``wait_seconds`` for the timeout to pass); ``ok`` None when
    not checked (see ``exercises_on``)."""
    if not exercises_on(run):
        return skipped(run)
    if not isinstance(execution_arn, str) or not execution_arn.startswith("arn:"):
        return verdict(
            False,
            tr(
                f"exercise_arn is {execution_arn!r}: set it to the DurableExecutionArn that "
                "lam.invoke returned for your conversation.",
                f"exercise_arn が {execution_arn!r} です。会話を開始した lam.invoke が返した "
                "DurableExecutionArn を代入してください。",
            ),
        )
    lam = target.client("lambda")
    deadline = time.monotonic() + wait_seconds
    while True:
        history = fetch_history(lam, execution_arn)
        first = history.callbacks[0] if history.callbacks else None
        if first is not None and first.state != "open":
            break
        if has_ended(history.status) or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    if first is None:
        return verdict(
            False,
            tr(
                f"The execution ({history.status}) never asked for an approval yet: ask a "
                "question that needs a tool (QUERY does), or run this cell again in a moment.",
                f"この実行（{history.status}）はまだ承認を求めていません。ツールが必要な質問"
                "（QUERY など）をするか、少し待ってからこのセルをもう一度実行してください。",
            ),
        )
    if first.state == "open":
        return verdict(
            False,
            tr(
                f"{first.name} is still waiting after {wait_seconds:g} s: did the conversation "
                "run on the version with the short APPROVAL_TIMEOUT_SECONDS (Qualifier=that "
                "version)? Run this cell again once its timeout has passed.",
                f"{first.name} は {wait_seconds:g} 秒後もまだ待っています。会話は短い "
                "APPROVAL_TIMEOUT_SECONDS を設定したバージョン（Qualifier にそのバージョン）"
                "で動いていますか？ 期限が過ぎてから、このセルをもう一度実行してください。",
            ),
        )
    if first.state != "timed out":
        return verdict(
            False,
            tr(
                f"{first.name} did not time out: it was answered ({first.state}). Start "
                "another conversation and leave its request alone (in widget mode, do not "
                "click its card).",
                f"{first.name} はタイムアウトせず、回答されました（{first.state}）。"
                "もう一度会話を開始し、そのリクエストには回答しないでください（ウィジェット"
                "モードではカードをクリックしないでください）。",
            ),
        )
    if history.status == "SUCCEEDED" and not _timed_out_decision(history.execution.get("Result")):
        return verdict(
            False,
            tr(
                "The callback timed out, but the result records no timed-out decision.",
                "コールバックはタイムアウトしましたが、結果にタイムアウトした判断がありません。",
            ),
        )
    return verdict(
        True,
        tr(
            f"Right: nobody answered {first.name}, its callback ended TIMED_OUT, and the "
            f"execution is {history.status}: wait_for_callback raised CallbackTimeoutError, "
            "the chatbot counted it as denied, and the model was told so. Nothing ran, and "
            "nothing was billed, while it waited.",
            f"正解です。{first.name} には誰も回答せず、コールバックは TIMED_OUT で終わり、"
            f"実行は {history.status} です。wait_for_callback が CallbackTimeoutError を送出し、"
            "チャットボットは却下として扱い、モデルにもそう伝えました。待っている間は何も"
            "実行されず、課金もありませんでした。",
        ),
    )
