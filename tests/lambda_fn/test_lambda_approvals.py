"""Reading a person's answer to an approval request, and what the model hears on a refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_fn import approvals


@pytest.mark.parametrize(
    ("raw", "decision", "comment"),
    [
        ('{"decision": "APPROVE"}', "APPROVE", None),
        ('{"decision": "DENY", "comment": "too costly"}', "DENY", "too costly"),
        (b'{"decision": "APPROVE", "comment": ""}', "APPROVE", None),
        ({"decision": "DENY"}, "DENY", None),
    ],
)
def test_a_clear_answer(raw: Any, decision: str, comment: str | None) -> None:
    assert approvals.read_answer(raw) == {
        "decision": decision,
        "comment": comment,
        "timed_out": False,
    }


@pytest.mark.parametrize(
    "raw", [None, "", "APPROVE", "yes", "[]", '{"decision": "approve"}', '{"ok": true}', "{"]
)
def test_anything_else_is_a_deny(raw: Any) -> None:
    verdict = approvals.read_answer(raw)

    assert verdict["decision"] == "DENY"
    assert verdict["comment"] is not None and "unreadable answer" in verdict["comment"]


def test_the_model_hears_why_a_call_did_not_run() -> None:
    denied = approvals.refusal({"decision": "DENY", "comment": "no", "timed_out": False}, 900)
    timed_out = approvals.refusal(approvals.TIMED_OUT, 900)

    assert denied == {
        "status": "error",
        "content": {
            "error": "the person reviewing tool calls denied this call; it did not run",
            "comment": "no",
        },
    }
    assert timed_out["status"] == "error"
    assert "within 900 s" in timed_out["content"]["error"]
    json.dumps([denied, timed_out])  # both go into a Converse toolResult as JSON


def test_the_model_hears_the_refusal_in_the_questions_language() -> None:
    verdict: approvals.Verdict = {"decision": "DENY", "comment": "今は不要", "timed_out": False}
    denied = approvals.refusal(verdict, 900, "ja")
    timed_out = approvals.refusal(approvals.TIMED_OUT, 900, "ja")

    assert denied == {
        "status": "error",
        "content": {
            "error": "ツール呼び出しのレビュー担当者がこの呼び出しを却下したため、"
            "実行されていません",
            "comment": "今は不要",
        },
    }
    assert timed_out["content"] == {
        "error": "900 秒以内に誰も承認しなかったため、この呼び出しは却下として扱われ、"
        "実行されていません"
    }


def test_the_wait_has_the_timeout_and_quick_retries() -> None:
    config = approvals.wait_config(42)

    assert config.timeout_seconds == 42
    assert config.retry_strategy is not None
