"""The approval flow in Japanese (issue 13): what notebook 04's panel, its headless reviewer
and the inbox show a person under LANGUAGE "ja", with the decision values left English
(the chatbot compares them), and every English line unchanged."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    DEADLINE,
    approvals_cloud_fixture,
    function_fixture,
    lam_fixture,
    next_open,
    queue_count,
    queue_fixture,
    sqs_fixture,
    start_fixture,
    until,
)

from helpers import i18n
from helpers.approvals import lines
from helpers.approvals.cards import Card, countdown, render_result
from helpers.approvals.contract import ExecutionInfo, Request, parse_message
from helpers.approvals.inbox import Inbox
from helpers.approvals.modes import ApprovalConfigError, check_mode, describe_decisions
from helpers.approvals.panel import ApprovalPanel
from helpers.approvals.recovery import OpenCallback, Waiting

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Three English words in a row: a sentence left untranslated (as tests/test_messages_ja.py).
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}")
ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/c-1/abc"


@pytest.fixture
def ja() -> Iterator[None]:
    i18n.use_language("ja")
    yield
    i18n.use_language(None)


@pytest.fixture(autouse=True)
def _english_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.use_language(None)


def visible_text(markup: str) -> str:
    """What a person reads of a widget's HTML: its text, without tags or entities."""
    text = re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"&[#\w]+;", " ", text)


def test_the_panel_and_its_headless_reviewer_read_in_japanese(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str], ja: None
) -> None:
    panel = ApprovalPanel(
        Inbox(lam, sqs, queue),
        start=start,
        approval_mode="auto",
        decisions=["DENY"],
        review_seconds=0.01,  # the paced reviewer of notebook 04, without its 3 s
    )
    panel.question.value = "待つと費用はかかりますか？"

    result = panel.run_if_auto(timeout=DEADLINE)

    # What the chatbot compares stays English; the comments a person reads do not.
    assert [d["decision"] for d in result["decisions"]] == ["DENY", "APPROVE"]
    assert [d["comment"] for d in result["decisions"]] == [
        "自動: DECISIONS[0]（0.01 秒のレビュー後）",
        "自動: DECISIONS を使い切ったので、既定の APPROVE（0.01 秒のレビュー後）",
    ]
    assert panel.describe_reviewer() == (
        "自動モード: レビュー担当は各リクエストに 0.01 秒後、"
        "DECISIONS（['DENY'] を順に、その後は APPROVE）で回答します。"
    )
    assert "モード: <b>auto</b> · DECISIONS（[&#x27;DENY&#x27;] を順に" in panel.mode_label.value

    # The panel as the browser would draw it: every widget's HTML and labels.
    first, second = panel.cards.values()
    assert (first.approve.description, first.deny.description) == ("承認", "却下")
    assert "<b>DENY</b> を送信しました" in first.state.value
    assert "#1 search_docs</b> · 実行" in first.header.value
    log = panel.status_text
    assert (
        f"実行 {first.request.execution} のリクエスト #1（search_docs）に DENY を送信しました"
        "（コメント「自動: DECISIONS[0]（0.01 秒のレビュー後）」）。"
    ) in log
    assert "新しい実行" in log and "判断を待っています" in log
    assert "は SUCCEEDED です。" in log
    assert "回答待ち 0 件 · 回答済み 2 件" in panel.execution_html.value
    assert "レポートを開く" in panel.result_html.value and "判断: " in panel.result_html.value
    shown = [
        panel.mode_label.value,
        panel.execution_html.value,
        panel.log_html.value,
        *(w.value for card in (first, second) for w in (card.header, card.state)),
    ]
    for markup in shown:
        text = visible_text(markup).replace(panel.question.value, "")
        assert not ENGLISH_RUN.search(text), text
    assert not ENGLISH_RUN.search(panel.describe_reviewer())


def test_the_inbox_says_what_went_wrong_in_japanese(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str], ja: None
) -> None:
    inbox = Inbox(lam, sqs, queue)
    sqs.send_message(QueueUrl=queue, MessageBody="approve please")
    until(lambda: "無視しました" in inbox.status_text, lambda: inbox.poll(1))
    assert "形式の正しくない承認メッセージを無視しました（本文が JSON ではありません）" in (
        inbox.status_text
    )
    assert queue_count(sqs, queue) == 0

    arn = start()
    inbox.track(arn)
    first = next_open(inbox)
    assert inbox.answer(first.callback_id, "APPROVE").level == "ok"
    again = inbox.answer(first.callback_id, "APPROVE")
    assert again.text == (
        f"実行 {first.execution} のリクエスト #1（search_docs）は APPROVE で回答済みです。"
        "2 回目のクリックは無視しました。"
    )
    assert "表示されていません" in inbox.answer("no-such-id", "DENY").text
    assert "'MAYBE' は 'APPROVE' でも 'DENY' でもありません" in (
        inbox.answer(first.callback_id, "MAYBE").text
    )
    for line in inbox.lines:
        said = line.text.replace("'approve please'", "")
        assert JAPANESE.search(said) and not ENGLISH_RUN.search(said), said


def test_every_line_of_the_inbox_has_both_languages() -> None:
    """Each wording function of ``lines``: English without Japanese, Japanese without an
    English sentence (the request, status and error are given as the panel passes them)."""
    samples: dict[str, object] = {
        "execution": "c-1",
        "request": "request #1 (calculate) of execution c-1",
        "status": "STOPPED",
        "error": "ThrottlingException: Rate exceeded",
        "queue": "dfw-approvals",
        "missing": True,
        "mine": False,
        "why": "its body is not JSON",
        "body": "oops",
        "state": "answered",
        "decision": "APPROVE",
        "callback_id": "Y2FsbGJhY2s=",
        "note": "unknown callback id",
        "comment": "ok",
    }
    in_japanese = {  # what the callers pass in Japanese
        "request": "実行 c-1 のリクエスト #1（calculate）",
        "why": "本文が JSON ではありません",
        "note": "不明なコールバック ID",
    }
    functions = [
        f
        for _, f in inspect.getmembers(lines, inspect.isfunction)
        if f.__module__ == lines.__name__
    ]
    assert len(functions) >= 25
    for function in functions:
        args = {name: samples[name] for name in inspect.signature(function).parameters}
        english = function(**args)
        assert not JAPANESE.search(english), (function.__name__, english)
        i18n.use_language("ja")
        args = {k: in_japanese.get(k, v) for k, v in args.items()}
        japanese = function(**args).replace("ThrottlingException: Rate exceeded", "")
        i18n.use_language(None)
        assert JAPANESE.search(japanese), (function.__name__, japanese)
        assert not ENGLISH_RUN.search(japanese), (function.__name__, japanese)


def test_parameters_parse_reasons_and_the_waiting_line_in_japanese(ja: None) -> None:
    with pytest.raises(ApprovalConfigError, match="APPROVAL_MODE は 'widget'"):
        check_mode("manual")
    with pytest.raises(ApprovalConfigError, match="チャットボットのツールではありません"):
        check_mode("auto", {"rm_rf": "DENY"})
    with pytest.raises(ApprovalConfigError, match="混ざっています"):
        check_mode("auto", "calculate=DENY,APPROVE")
    assert describe_decisions({"calculate": "DENY"}) == (
        "ツールごと: calculate DENY。ほかのツールは APPROVE"
    )
    with pytest.raises(ValueError, match=r"^execution_arn, input がありません"):
        parse_message(json.dumps({"callback_id": "a", "tool": "t"}))
    waiting = Waiting(ARN, [OpenCallback(ARN, "cb", "approve #2")], ["calculate"])
    assert str(waiting).startswith("モデルが calculate の使用を求めたので、チャットボットは")
    assert not ENGLISH_RUN.search(str(waiting).replace("send_durable_execution_callback", ""))
    failed = render_result(ExecutionInfo(ARN, status="FAILED", error="Boom"))
    assert "実行は FAILED で終わりました" in failed
    now = datetime.now(UTC).timestamp()
    request = Request("cb", ARN, None, None, source="history", deadline=now - 1)
    assert countdown(request, now=now) == (
        "承認の期限を過ぎました。チャットボットは却下として扱います"
    )
    ahead = Request("cb", ARN, None, None, source="history", deadline=now + 899.5)
    assert countdown(ahead, now=now) == "あと 14:59 以内に回答してください"
    card = Card(request, lambda _id, _decision: None)
    assert "（不明なツール）" in card.header.value and "実行の履歴から取得" in card.header.value


def test_english_stays_as_it_was() -> None:
    """The same calls in English: the text the English tests and notebooks compare."""
    assert describe_decisions(["DENY"]) == "['DENY'] in order, then APPROVE"
    request = Request("cb", ARN, "calculate", {}, number=2)
    assert request.describe(capital=True) == "Request #2 (calculate) of execution c-1"
    assert lines.new_request(request.describe(), mine=False) == (
        "New request #2 (calculate) of execution c-1 (marked 'other execution': this panel "
        "did not start it): waiting for a decision."
    )
    assert lines.malformed("its body is not JSON", "x") == (
        "Ignored a malformed approval message: its body is not JSON. Deleted it so that it "
        "does not come back. Body: 'x'"
    )
    assert lines.sent("DENY", request.describe(), "no") == (
        "DENY sent for request #2 (calculate) of execution c-1 with comment 'no'."
    )
    failed = render_result(ExecutionInfo(ARN, status="FAILED", error="Boom"))
    assert "<b>Execution FAILED</b>: Boom" in failed
