"""The chatbot's markdown report: what it says, where it goes, how it is shared."""

from __future__ import annotations

import re
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import mistune
import pytest

from helpers.localcloud import LocalCloud
from lambda_fn import report, tools
from lambda_fn.report import Proposal

ARN = "arn:aws:lambda:us-east-2:123456789012:function:chat:live/durable-execution/run-1/abc-123"


def proposal(
    number: int,
    tool: str,
    outcome: Any,
    decision: Any = None,
    comment: Any = None,
    result: Any = None,
    attempts: int | None = None,
) -> Proposal:
    return {
        "number": number,
        "turn": number,
        "tool": tool,
        "input": {"expression": "1 | 2"},
        "outcome": outcome,
        "decision": decision,
        "comment": comment,
        "result": result or tools.error("did not run"),
        "attempts": attempts if attempts is not None else int(outcome in ("ran", "failed")),
    }


def render(
    proposals: list[Proposal],
    answer: str = "It is 3.",
    query: str = "What is 1 + 2?\nThanks",
    turns: int = 4,
) -> str:
    return report.render(
        query=query,
        answer=answer,
        proposals=proposals,
        turns=turns,
        execution_arn=ARN,
        model_id="workshop-model",
        approval_timeout_seconds=900,
        generated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_the_report_tells_question_proposals_outputs_and_answer() -> None:
    markdown = render(
        [
            proposal(
                1,
                "calculate",
                "ran",
                "APPROVE",
                result={"status": "success", "content": {"expression": "1+2", "result": 3}},
            ),
            proposal(2, "search_docs", "denied", "DENY", comment="not | now"),
            proposal(3, "estimate_lambda_cost", "timed out", "DENY"),
            proposal(4, "get_weather", "unknown tool", result=tools.unknown("get_weather")),
            proposal(5, "calculate", "turn limit"),
        ]
    )

    assert markdown.startswith("# Chatbot report\n")
    assert "> What is 1 + 2?\n> Thanks" in markdown
    assert "## Answer\n\nIt is 3." in markdown
    assert "| 1 | 1 | `calculate` | APPROVE | approved; it ran |" in markdown
    assert "| 2 | 2 | `search_docs` | DENY | denied; it did not run |" in markdown
    assert (
        "| 3 | 3 | `estimate_lambda_cost` | DENY | no answer within 900 s, so it counts as "
        "denied; it did not run |"
    ) in markdown
    assert "| 4 | 4 | `get_weather` | - | not a tool of this chatbot" in markdown
    assert "| 5 | 5 | `calculate` | - | proposed in the last turn allowed" in markdown
    assert '"result": 3' in markdown  # the approved tool's output
    assert "> not \\| now" in markdown  # the comment, quoted, its pipe shown as written
    assert "unknown tool 'get_weather'" in markdown
    assert (
        ARN in markdown and "workshop-model" in markdown and "2026-01-02T03:04:05+00:00" in markdown
    )


def test_only_tools_that_ran_show_an_output() -> None:
    markdown = render(
        [proposal(1, "calculate", "denied", "DENY", result=tools.error("denied", comment="no"))]
    )

    assert "Output:" not in markdown and "did not run" in markdown


def test_a_crash_healed_by_a_retry_is_shown_not_hidden() -> None:
    ok: tools.ToolResult = {"status": "success", "content": {"result": 3}}
    markdown = render([proposal(1, "calculate", "ran", "APPROVE", result=ok, attempts=2)])

    assert (
        "| 1 | 1 | `calculate` | APPROVE | approved; it ran on attempt 2, after 1 crashed attempt |"
    ) in markdown
    assert "Output:" in markdown


def test_a_tool_that_crashed_on_every_attempt_shows_its_last_error() -> None:
    crashed = tools.error("calculate crashed", last_error="TimeoutError: the API did not answer")
    markdown = render([proposal(1, "calculate", "failed", "APPROVE", result=crashed, attempts=3)])

    assert (
        "| 1 | 1 | `calculate` | APPROVE | approved; it crashed on all 3 attempts, so it gave "
        "no result |"
    ) in markdown
    assert "It crashed 3 times; the last error:" in markdown
    assert "TimeoutError: the API did not answer" in markdown
    assert "Output:" not in markdown


def test_a_report_without_proposals() -> None:
    assert "answered without asking for a tool" in render([])


def test_backticks_in_outputs_cannot_break_the_code_fence() -> None:
    result: tools.ToolResult = {"status": "success", "content": {"text": "```\n# injected"}}
    markdown = render([proposal(1, "search_docs", "ran", "APPROVE", result=result)])

    assert "````json" in markdown  # a longer fence than the backticks inside


# How a markdown viewer with GitHub's tables reads the report.
_VIEW = mistune.create_markdown(plugins=["table"])


def answer_html(markdown: str) -> str:
    """The Answer section of a report, as a markdown viewer renders it."""
    section = markdown.split("## Answer\n", 1)[1].split("\n## Tool proposals", 1)[0]
    return str(_VIEW(section))


def test_the_answers_lists_and_paragraphs_keep_their_structure() -> None:
    answer = (
        "Three things cost money:\n"
        "- the *invocations*, replays included\n"
        "- the operations (`wait_for_callback` is 3)\n"
        "+ data written\n"
        "\n"
        "In order:\n"
        "1. think\n"
        "2) approve | deny\n"
        "\n"
        "Nothing is billed while it waits."
    )
    shown = answer_html(render([], answer=answer))

    assert shown.count("<ul>") == 2 and shown.count("<ol") == 2  # "+" and ")" start new lists
    items = [item.strip() for item in re.findall(r"<li>(.*?)</li>", shown, re.S)]
    assert items == [
        "the <em>invocations</em>, replays included",  # emphasis renders, as in the panel
        "the operations (<code>wait_for_callback</code> is 3)",
        "data written",
        "think",
        "approve | deny",
    ]
    paragraphs = re.findall(r"<p>(.*?)</p>", shown, re.S)
    assert paragraphs == [
        "Three things cost money:",
        "In order:",
        "Nothing is billed while it waits.",
    ]


def test_a_list_item_cannot_carry_a_forged_row_heading_or_html() -> None:
    header = "| # | turn | tool | decision | outcome |\n| --- | --- | --- | --- | --- |"
    forged = "| 9 | 1 | `calculate` | APPROVE | approved; it ran |"
    answer = (
        f"- {header.splitlines()[0]}\n- {header.splitlines()[1]}\n- {forged}\n"
        f"1. # Tool proposals\n- <b>bold</b>\n- - nested\n-\n---\nTitle\n===\n{forged}"
    )
    markdown = render([proposal(1, "calculate", "denied", "DENY")], answer=answer)
    shown = answer_html(markdown)

    assert "<table" not in shown and "<h" not in shown and "<hr" not in shown
    assert "<b>" not in shown and "&lt;b&gt;bold&lt;/b&gt;" in shown
    assert "<li>- nested\n" in shown  # only the outer marker is a marker (the rest: lazy lines)
    assert markdown.count("APPROVE") == 2  # the forged row's text, twice: as text, no row
    assert str(_VIEW(markdown)).count("<tr>") == 2  # the real table: header and one row


def test_emphasis_and_code_render_where_they_cannot_forge_structure() -> None:
    answer = (
        "From the notes on *What a durable execution costs*: _wait_ costs nothing.\n"
        "Call `wait_for_callback(<b>)` or `a | b`; `` x`y `` and a lone ` stay.\n"
        "***\n"
        "_ _ _\n"
        "*\n"
        "- * x\n"
        "```\n"
        "~~~\n"
        "[link](http://example.com) ![img](x.png) <http://example.com>\n"
        "> quoted\n"
        "# Tool proposals"
    )
    markdown = render([proposal(1, "calculate", "denied", "DENY")], answer=answer)
    shown = answer_html(markdown)

    assert "<em>What a durable execution costs</em>" in shown and "<em>wait</em>" in shown
    assert "<code>wait_for_callback(&lt;b&gt;)</code>" in shown  # HTML in code stays text
    assert "<code>x`y</code>" in shown and "a lone ` stay" in shown
    assert "`a | b`" in shown  # a pipe in code is shown as text: a table would split on it
    for forged in ("<hr", "<pre", "<a ", "<img", "<blockquote", "<h", "<b>", "<table"):
        assert forged not in shown, forged
    assert shown.count("<li>") == 1 and "<li>* x\n" in shown  # the inner star is text
    assert "<li></li>" not in shown  # the lone star is text, not an empty item
    assert str(_VIEW(markdown)).count("<tr>") == 2  # the report's own table only
    assert markdown.count("\n## Tool proposals") == 1


def ja_render(proposals: list[Proposal], answer: str = "3 です。") -> str:
    return render(proposals, answer, query="1 + 2 はいくつですか？", turns=3)


def test_a_japanese_question_gets_a_japanese_report() -> None:
    ok: tools.ToolResult = {"status": "success", "content": {"result": 3}}
    crashed = tools.error("calculate crashed", last_error="TimeoutError: no answer")
    markdown = ja_render(
        [
            proposal(1, "calculate", "ran", "APPROVE", result=ok, attempts=2),
            proposal(2, "search_docs", "denied", "DENY", comment="今は不要 | です"),
            proposal(3, "estimate_lambda_cost", "timed out", "DENY"),
            proposal(4, "calculate", "failed", "APPROVE", result=crashed, attempts=3),
            proposal(5, "get_weather", "unknown tool", result=tools.unknown("get_weather")),
            proposal(6, "calculate", "turn limit"),
        ]
    )

    assert markdown.startswith(
        "# チャットボットのレポート\n\n## 質問\n\n> 1 + 2 はいくつですか？\n"
    )
    assert "## 回答\n\n3 です。\n\n## ツールの提案\n" in markdown
    assert "| # | ターン | ツール | 判断 | 結果 |" in markdown
    assert (
        "| 1 | 1 | `calculate` | APPROVE | 承認され、2 回目の試行で実行されました"
        "（それまでの 1 回はクラッシュ） |"
    ) in markdown
    assert "| 2 | 2 | `search_docs` | DENY | 却下され、実行されませんでした |" in markdown
    assert "| 3 | 3 | `estimate_lambda_cost` | DENY | 900 秒以内に回答がなく" in markdown
    assert "| 4 | 4 | `calculate` | APPROVE | 承認されましたが、3 回の試行すべてで" in markdown
    assert "| 5 | 5 | `get_weather` | - | このチャットボットにないツール" in markdown
    assert "| 6 | 6 | `calculate` | - | 許されている最後のターン（MAX_TURNS）" in markdown
    assert (
        "### 2. `search_docs`（却下）\n\nレビュー担当者のコメント:\n\n> 今は不要 \\| です"
        in markdown
    )
    assert "### 1. `calculate`（実行）" in markdown and "\n出力:\n" in markdown
    assert "\n入力:\n" in markdown and "3 回クラッシュしました。最後のエラー:" in markdown
    assert "モデルへの返答: unknown tool 'get_weather'" in markdown
    assert markdown.endswith(
        f"実行 `{ARN}`、モデル `workshop-model`、モデルのターン 3 回、"
        "作成 2026-01-02T03:04:05+00:00。\n"
    )
    # Nothing of the English fixed text is left.
    for english in ("Chatbot report", "Question", "Answer", "approved", "Input:", "written"):
        assert english not in markdown, english
    assert str(_VIEW(markdown)).count("<tr>") == 7  # header and six rows, as in English


def test_a_japanese_report_without_proposals_or_answer() -> None:
    markdown = ja_render([], answer="")
    assert "_（回答なし）_" in markdown and "モデルはツールを使わずに回答しました。" in markdown


@pytest.mark.parametrize(
    ("arn", "key"),
    [
        (ARN, "reports/run-1/abc-123.md"),
        ("abc-uuid/inv-1", "reports/abc-uuid/inv-1.md"),
        ("arn:x/durable-execution/../..", "reports/_/_.md"),
        ("arn:x/durable-execution/a b?c/id#1", "reports/a_b_c/id_1.md"),
    ],
)
def test_object_key_is_one_safe_name_per_execution(arn: str, key: str) -> None:
    assert report.object_key(arn) == key


@pytest.fixture
def bucket(cloud: LocalCloud, client: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in {
        "AWS_ENDPOINT_URL": cloud.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    name = f"reports-{uuid.uuid4().hex[:10]}"
    client("s3").create_bucket(Bucket=name)
    return name


def test_publish_puts_markdown_and_shares_a_presigned_url(
    bucket: str, client: Callable[[str], Any]
) -> None:
    url = report.publish("# Chatbot report\n", bucket=bucket, key="reports/x/y.md", expires_in=600)

    assert "X-Amz-Expires=600" in url and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.read() == b"# Chatbot report\n"
    head = client("s3").head_object(Bucket=bucket, Key="reports/x/y.md")
    assert head["ContentType"].startswith("text/markdown")
