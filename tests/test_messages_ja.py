"""What a learner reads from the parameter check, the preflight and connect, in Japanese
when LANGUAGE says "ja", and Region advice that names Tokyo in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers import i18n
from helpers.params import ParameterError, check_parameters
from helpers.preflight import Check, PreflightFailed, model_advice, summary
from helpers.target import Target, TargetError, connect

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.use_language(None)
    yield
    i18n.use_language(None)


def problems(**given: object) -> tuple[list[str], list[str]]:
    with pytest.raises(ParameterError) as caught:
        check_parameters(**{"target": "local", "region": "us-east-1", "prefix": "dfw", **given})
    return caught.value.problems, caught.value._render_traceback_()


def test_the_problems_speak_the_language_given_with_them() -> None:
    """LANGUAGE="ja" in the same cell as a wrong REGION: the problem reads in Japanese."""
    found, shown = problems(target="gcp", region="tokyo", language="ja")
    assert all(JAPANESE.search(p) for p in found), found
    assert "'ap-northeast-1'（東京）" in found[1]
    assert shown[0].startswith("ParameterError: 直すべきパラメータが 2 つあります")
    assert "パラメータのセル" in shown[-1]


def test_a_region_without_durable_functions_suggests_tokyo_in_japanese() -> None:
    [problem], _ = problems(region="ca-west-1", language="ja")
    assert problem.startswith("REGION が 'ca-west-1' ですが")
    assert "ap-northeast-1（東京）" in problem


def test_the_region_advice_names_tokyo_in_english_too() -> None:
    [problem], shown = problems(region="tokyo", language="en")
    assert "'us-east-1', 'us-east-2' (Ohio) or 'ap-northeast-1' (Tokyo)" in problem
    assert not JAPANESE.search(" ".join(shown))


def test_good_parameters_are_described_in_japanese() -> None:
    params = check_parameters(
        target="local", region="ap-northeast-1", prefix="dfw", model_id="", language="ja"
    )
    assert params.describe().startswith("パラメータ OK: TARGET=local, REGION=ap-northeast-1")
    assert "（REGION から導出）" in params.describe()


def test_the_preflight_speaks_japanese() -> None:
    i18n.use_language("ja")
    target = Target("local", "ap-northeast-1", "http://127.0.0.1:9", boto3.Session())
    checks = [Check("s3", True, "ok"), Check("model", False, "no")]
    text = summary(target, None, checks)
    assert "リージョン ap-northeast-1" in text and "2 件中 1 件の確認が失敗しました" in text
    assert "を呼び出します" in text
    assert "セルをもう一度実行してください" in PreflightFailed(checks[1:]).args[0]
    refusal = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "invalid model"}}, "Converse"
    )
    advice = model_advice(refusal, "us.amazon.nova-lite-v1:0", "ap-northeast-1")
    assert advice.startswith("このモデル ID は ap-northeast-1 にありません")


def test_the_preflight_summary_stays_english_by_default() -> None:
    target = Target("local", "us-east-1", "http://127.0.0.1:9", boto3.Session())
    text = summary(target, None, [Check("s3", True, "ok")])
    assert text.startswith("Where: the local cloud") and not JAPANESE.search(text)


def test_connect_refuses_in_japanese() -> None:
    i18n.use_language("ja")
    with pytest.raises(TargetError, match="TARGET は"):
        connect("gcp", "ap-northeast-1")
    with pytest.raises(TargetError, match="'ap-northeast-1'（東京）"):
        connect("aws", "")


# -- the durable read model, the history table and the logs (issue 13) -------------------
# Three English words in a row: a sentence. AWS names (SUCCEEDED, WaitForCallback), ids
# and the execution's own payloads are left out before looking for one.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}")


def wait_and_parallel_history() -> tuple[dict[str, object], list[dict[str, object]]]:
    """An execution with a parallel of two steps, a retried step and a wait of 3 s."""
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)

    def at(s: float) -> datetime:
        return t0 + timedelta(seconds=s)

    def event(n: int, kind: str, s: float, **more: object) -> dict[str, object]:
        return {"EventType": kind, "EventId": n, "EventTimestamp": at(s), **more}

    execution = {
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:1/"
        "durable-execution/run-1/abc",
        "DurableExecutionName": "run-1",
        "Status": "SUCCEEDED",
        "StartTimestamp": at(0),
        "EndTimestamp": at(5),
    }
    payload = {"Payload": '"ok"'}
    events = [
        event(1, "ExecutionStarted", 0, Id="run-1", ExecutionStartedDetails={"Input": payload}),
        event(2, "ContextStarted", 0.1, Id="p", Name="tasks", SubType="Parallel"),
        event(3, "StepStarted", 0.1, Id="a", Name="task1", ParentId="p"),
        event(4, "StepSucceeded", 0.2, Id="a", Name="task1", ParentId="p",
              StepSucceededDetails={"Result": payload}),
        event(5, "StepStarted", 0.1, Id="b", Name="task2", ParentId="p"),
        event(6, "StepFailed", 0.2, Id="b", Name="task2", ParentId="p",
              StepFailedDetails={"RetryDetails": {"CurrentAttempt": 1}}),
        event(7, "StepStarted", 0.3, Id="b", Name="task2", ParentId="p"),
        event(8, "StepSucceeded", 0.4, Id="b", Name="task2", ParentId="p",
              StepSucceededDetails={"Result": payload}),
        event(9, "ContextSucceeded", 0.4, Id="p", Name="tasks", SubType="Parallel"),
        event(10, "WaitStarted", 0.5, Id="w", WaitStartedDetails={"Duration": 3}),
        event(11, "InvocationCompleted", 0.6, InvocationCompletedDetails={
            "StartTimestamp": at(0), "EndTimestamp": at(0.6), "RequestId": "req-0001"}),
        event(12, "WaitSucceeded", 3.5, Id="w", WaitSucceededDetails={"Duration": 3}),
        event(13, "CallbackStarted", 3.6, Id="c", Name="approve #1 callback",
              CallbackStartedDetails={"CallbackId": "token-abcdefghijklmnop"}),
        # no CallbackSucceeded: a callback still open shows its id
        event(15, "InvocationCompleted", 5, InvocationCompletedDetails={
            "StartTimestamp": at(3.5), "EndTimestamp": at(5), "RequestId": "req-0002"}),
        event(16, "ExecutionSucceeded", 5, Id="run-1",
              ExecutionSucceededDetails={"Result": payload}),
    ]  # fmt: skip
    return execution, events


def test_the_history_table_and_its_summary_read_in_japanese() -> None:
    from helpers.history import History

    execution, events = wait_and_parallel_history()
    english = str(History(execution, events).table())
    assert "sleeps 3 s, no compute" in english and "first run, request req-0001" in english
    assert "2 branches" in english and "(2 attempts)" in english
    assert "callback id token-abcdef…" in english
    i18n.use_language("ja")
    table = History(execution, events).table()
    text, page = str(table), table._repr_html_()
    for phrase in (
        "3 秒スリープ（コンピューティングなし）",
        "初回実行、リクエスト req-0001",
        "リプレイ、リクエスト req-0002",
        "2 ブランチ",
        "（2 回試行）",
        "コールバック ID token-abcdef…",
        "呼び出し 1",
        "Lambda の呼び出し 2 回（初回実行とリプレイ 1 回）",
        '結果 "ok"',
        "+0.500 秒",
    ):
        assert phrase in text, (phrase, text)
    assert text.splitlines()[1].split() == [
        "開始",
        "名前",
        "種類",
        "ステータス",
        "所要時間",
        "詳細",
    ]
    assert "<th style='text-align:left'>ステータス</th>" in page
    for row in table.rows():  # the names, types and statuses are AWS's and the code's
        assert not ENGLISH_RUN.search(row["detail"] + " " + row["duration"]), row
    assert not ENGLISH_RUN.search(text.splitlines()[0].split(":", 1)[1])


def test_durations_and_phases_read_in_japanese_and_stay_english_otherwise() -> None:
    from helpers.durable import (
        PHASE_RUNNING,
        SUSPENDED_IN_WAIT,
        WAITING_FOR_CALLBACK,
        duration_text,
        phase_text,
    )

    cases = [(0.042, "42 ms", "42 ミリ秒"), (1.534, "1.53 s", "1.53 秒"),
             (372.4, "6 min 12 s", "6 分 12 秒"), (7500, "2 h 05 min", "2 時間 05 分")]  # fmt: skip
    assert [duration_text(s) for s, _, _ in cases] == [en for _, en, _ in cases]
    assert phase_text(SUSPENDED_IN_WAIT) == SUSPENDED_IN_WAIT
    i18n.use_language("ja")
    assert [duration_text(s) for s, _, _ in cases] == [ja for _, _, ja in cases]
    for phase in (SUSPENDED_IN_WAIT, WAITING_FOR_CALLBACK, PHASE_RUNNING):
        assert JAPANESE.search(phase_text(phase)) and not ENGLISH_RUN.search(phase_text(phase))


def test_the_logs_per_invocation_read_in_japanese() -> None:
    from helpers.durable import InvocationLog, LogLine, missing_records_text
    from helpers.history import InvocationLogs

    def logs() -> InvocationLogs:
        lines = [LogLine("print", "task1 runs")]
        return InvocationLogs(
            [InvocationLog(1, "req-1", list(lines), True), InvocationLog(2, "req-2", lines)],
            waited_s=30,
        )

    english = str(logs())
    assert "--- invocation 1 (first run), request req-1" in english
    i18n.use_language("ja")
    text, page = str(logs()), logs()._repr_html_()
    assert "--- 呼び出し 1（初回実行）、リクエスト req-1" in text
    assert "呼び出し 2（リプレイ）" in page and "リクエスト req-2" in page
    said = [line for line in text.splitlines() if "task1 runs" not in line]
    said.append(missing_records_text(1, 2, 30))
    for line in said:
        assert not ENGLISH_RUN.search(line.replace("REPORT", "").replace("CloudWatch Logs", ""))


# -- what notebooks 03, 04, 05 and 99 print through the helpers (issue 13) -----------------
def test_the_outcome_and_its_figures_read_in_japanese() -> None:
    from helpers.brief import _shown
    from helpers.durable import OperationCount
    from helpers.outcome import Outcome

    arn = "arn:aws:lambda:us-east-1:123456789012:function:dfw-chatbot:1/durable-execution/c-1/x"
    result = {
        "answer": "…",
        "report_url": "http://127.0.0.1:4566/r.md",
        "decisions": [{"tool": "calculate", "decision": "DENY", "comment": "auto"}],
    }
    ended = Outcome(arn, "SUCCEEDED", result, seconds=9.6)
    english = ended._repr_markdown_()
    assert "**Execution c-1 ended SUCCEEDED in 9.6 s.**" in english
    assert "| tool | decision | comment |" in english
    row = {"at_s": 0.0, "what": "Lambda invocation #2", "kind": "invocation (replay)",
           "took_s": 0.2, "outcome": "returned"}  # fmt: skip
    assert _shown(row) == row
    count = OperationCount(steps=10, callbacks=3, contexts=3, approvals=3)
    i18n.use_language("ja")
    page = ended._repr_markdown_()
    assert "**実行 c-1 は SUCCEEDED で終わりました（9.6 秒）。**" in page
    assert "| ツール | 判断 | コメント |" in page and "[レポートを開く]" in page
    assert "**回答**" in page and "**判断**" in page
    assert _shown(row) == {
        "開始 (秒)": 0.0,
        "内容": "Lambda の呼び出し #2",
        "種類": "呼び出し（リプレイ）",
        "所要 (秒)": 0.2,
        "結果": "終了",
    }
    described = count.describe()
    assert described.startswith("16（ステップ 10、コールバック 3、子コンテキスト 3）")
    for text in (Outcome(None, "NOT STARTED").headline(), described):
        assert not ENGLISH_RUN.search(text.replace("wait_for_callback", "")), text


def test_cleanup_lines_read_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.teardown import removal_text

    removed = "function dfw-first (1 running execution(s) stopped; alias live; version(s) 1, 2)"
    assert removal_text(removed) == removed
    i18n.use_language("ja")
    assert removal_text(removed) == (
        "関数 dfw-first（実行中の実行 1 件を停止、エイリアス live、バージョン 1, 2）"
    )
    assert (
        removal_text("bucket b (2 object version(s))")
        == "バケット b（オブジェクトのバージョン 2 個）"
    )
    for what in ("log group /aws/lambda/x", "queue q", "role r"):
        assert not re.search(r"[a-z]{3,} [/a-z]", removal_text(what).split(" ")[0])


def test_the_gaps_between_invocations_are_labelled_in_japanese() -> None:
    import cost_samples as s

    from helpers.durable import ExecutionHistory, gaps

    def labels() -> list[str]:
        run = ExecutionHistory(s.execution(), s.history())
        return [g.label for g in gaps(run.billed_invocations, run.events)]

    assert labels() == [f"waiting for approve #{n}" for n in (1, 2, 3)]
    i18n.use_language("ja")
    assert labels() == [f"approve #{n} の回答待ち" for n in (1, 2, 3)]


def _cost(end_s: float | None = None):  # type: ignore[no-untyped-def]
    import cost_samples as s

    from helpers.cost import analyse_records

    execution = s.execution() if end_s is None else s.execution(end_s=end_s)
    return analyse_records(execution, s.history(), s.text_log())


def test_the_cost_summary_reads_in_japanese_with_no_mixed_forms() -> None:
    """Notebook 05's summary: labels, figures and alternatives in Japanese; no English
    label before a Japanese unit ("wall-clock 9.57 秒")."""
    english = _cost().summary()
    assert "  wall-clock          6 min 12 s\n" in english
    i18n.use_language("ja")
    text = _cost().summary()
    for phrase in (
        "  実時間 (wall-clock) 6 分 12 秒\n",
        "  課金時間            7.756 秒、Billed Duration の合計",
        "4 回 (初回実行とリプレイ 3 回)",
        "  課金時間 / 実時間   2.08 % (実時間 6 分 12 秒 のうち 7.8 秒)",
        "  推定コスト          1 実行あたり $0.000201、1,000 実行あたり $0.20",
        "\n比較\n",
        "ブロックする通常の Lambda: 課金 6 分 12 秒 -> 1 実行あたり $0.00310 "
        "(durable の推定の 15.4 倍)",
        "Step Functions Standard: 1 実行あたり $0.000440",
        "\nログの解析\n  ログ 17 行: REPORT レコード 4 件",
        "\n価格\n  2026-11 時点の定価 (USD、us-east-1 の料金、無料利用枠なし)",
        "durable_operations_per_million = 8 (要確認)",
    ):
        assert phrase in text, (phrase, text)
    # The field names of the price table are code (PriceTable's), the AWS names stay as
    # the Japanese AWS pages write them; the rest is Japanese.
    prose = [
        line.replace("durable execution", "").replace("Step Functions Standard", "")
        for line in text.splitlines()
        if " = " not in line and "http" not in line
    ]
    assert not [line for line in prose if ENGLISH_RUN.search(line)], prose
    assert "wall-clock " not in text and "billed " not in text


def test_the_cost_sentences_read_in_japanese() -> None:
    i18n.use_language("ja")
    cost, long = _cost(), _cost(end_s=3 * 86_400)
    assert cost.compute_text() == (
        "この実行: 512 MB = 0.5 GB で課金時間は合計 7.756 秒、3.8780 GB 秒です。x86_64 の定価 "
        "1 GB 秒あたり $0.0000166667 で $0.0000646 になります。"
    )
    assert cost.verdict() == (
        "この会話には 6 分 12 秒かかりました。その間ブロックする通常の Lambda なら $0.00310 で、"
        "durable の推定の 15.4 倍です (durable は $0.000201)。"
    )
    assert "通常の Lambda はそこまで待てません" in long.verdict()
    assert "durable の推定" in _cost(end_s=3).verdict() and "より安く" in _cost(end_s=3).verdict()
    assert "実行中と待機中の 72 時間 00 分と終了後 7 日の保存: 計 10.00 日" in (
        long.retention_sentence()
    )
    assert any("このままでは実行できません" in a for a in long.blocking.assumptions)
    assert "[15 分を超えるため実行不可]" in long.summary()
    for line in (cost.compute_text(), cost.verdict(), long.verdict(), long.retention_sentence()):
        assert not ENGLISH_RUN.search(line), line


def test_the_alternatives_table_reads_in_japanese() -> None:
    from helpers.show import alternatives

    english = alternatives(_cost(end_s=20 * 60)).data
    assert "| design | billed | per execution | per 1,000 | possible? | assumptions |" in english
    i18n.use_language("ja")
    shown = alternatives(_cost(end_s=20 * 60)).data
    assert "| 設計 | 課金時間 | 1 実行あたり | 1,000 実行あたり | 実行可能? | 前提 |" in shown
    assert "| durable function (この実行) |" in shown and "| はい |" in shown
    assert "**いいえ** (15 分超)" in shown and "| Step Functions Standard |" in shown
    assert "実測: 呼び出し 4 回の REPORT レコード" in shown


def test_the_executions_table_pads_by_display_width() -> None:
    """FunctionCost.summary's columns line up in a monospaced font under ja: "750 ミリ秒"
    takes 9 columns; padded by len() the columns after it shifted left."""
    from helpers.cost.model import FunctionCost
    from helpers.durable import display_width

    def table(lines: str) -> list[str]:
        return lines.splitlines()[:4]

    costs = [_cost(end_s=0.75), _cost()]
    english = table(FunctionCost("fn", costs, costs[0].parse).summary())
    assert english[0] == (
        "execution         status     wall-clock  invocations  billed   billed %   cost       "
        "blocking Lambda"
    )
    assert english[2].startswith("chat-3-approvals  SUCCEEDED  750 ms      4            7.756 s")
    i18n.use_language("ja")
    costs = [_cost(end_s=0.75), _cost()]
    lines = table(FunctionCost("fn", costs, costs[0].parse).summary())
    assert "750 ミリ秒" in lines[2] and "6 分 12 秒" in lines[3]
    assert lines[0].split() == [
        "実行", "ステータス", "実時間", "呼び出し", "課金時間", "課金", "%", "費用",
        "ブロックする", "Lambda",
    ]  # fmt: skip
    # Every column starts at the same display column in each line: where the rule has one.
    starts, at = [], 0
    for dashes in lines[1].split("  "):
        starts.append(at)
        at += len(dashes) + 2
    for line in (lines[0], lines[2], lines[3]):
        assert display_width(line) == display_width(lines[1]), line
        for start in starts[1:]:
            before = next(i for i in range(len(line) + 1) if display_width(line[:i]) >= start)
            assert display_width(line[:before]) == start and line[before - 2 : before] == "  ", (
                line,
                start,
            )
