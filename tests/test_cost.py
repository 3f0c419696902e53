"""helpers.cost: REPORT parsing (text and JSON), the join, the arithmetic, the bounded
wait, and an end-to-end run against the in-process local cloud."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import cost_samples as s
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import report_records
from fake_aws import Paginated

from helpers.cost import (
    PRICES,
    analyse_execution,
    analyse_function,
    analyse_records,
    list_executions,
    usd,
    version_qualifiers,
)
from helpers.durable import (
    REPORT_FILTER_PATTERN,
    MissingReportsError,
    parse_reports,
    report_messages,
)
from helpers.polling import Backoff

BILLED = [2456, 1205, 988, 3107]  # the four REPORT records, by hand


# --- the join and the arithmetic -------------------------------------------------------
@pytest.mark.parametrize("log", [s.text_log, s.json_log], ids=["text", "json"])
def test_three_approvals_four_invocations_arithmetic_by_hand(log: Callable[[], list[str]]) -> None:
    lines = [*log(), s.FOREIGN_TEXT, *s.MALFORMED[:2]]
    cost = analyse_records(s.execution(), s.history(), lines)

    assert len(cost.invocations) == 4
    assert [c.report.request_id for c in cost.invocations if c.report] == [s.R1, s.R2, s.R3, s.R4]
    assert cost.complete and cost.missing == []
    assert cost.parse.foreign == 1 and len(cost.parse.malformed) == 2

    assert cost.wall_clock_s == pytest.approx(372.5)
    assert cost.billed_ms == 2456 + 1205 + 988 + 3107 == 7756
    assert cost.cold_starts == 1 and cost.init_ms == pytest.approx(612.40)
    assert cost.gb_seconds == pytest.approx(7.756 * 0.5)  # 512 MB = 0.5 GB
    assert cost.operations.total == 17

    d = cost.durable
    assert d.requests_usd == pytest.approx(4 * 0.20 / 1e6)
    assert d.compute_usd == pytest.approx(3.878 * 0.0000166667)
    assert d.operations_usd == pytest.approx(17 * 8.00 / 1e6)
    data = 11 * 4 + 3 * 23  # step results and callback answers, bytes
    assert cost.data_bytes == data
    assert d.data_written_usd == pytest.approx(data / 1024**3 * 0.25)
    # Stored from the start: 372.5 s while it ran and waited, then 7 days of retention.
    assert cost.retained_days == pytest.approx(7 + 372.5 / 86_400)
    assert d.data_retained_usd == pytest.approx(data / 1024**3 * 0.15 * (7 + 372.5 / 86_400) / 30)
    assert d.total_usd == pytest.approx(0.0000008 + 0.0000646335 + 0.000136, rel=1e-3)

    # A plain Lambda blocking for the whole conversation: 372.5 s at 512 MB, one request.
    b = cost.blocking
    assert b.possible and b.billed_s == pytest.approx(372.5)
    assert b.cost_usd == pytest.approx(0.2e-6 + 372.5 * 0.5 * 0.0000166667)
    assert b.cost_usd / d.total_usd > 10

    # Step Functions: 8 Task states, 3 x (Task + Choice), 1 Succeed = 15 transitions.
    sf = cost.step_functions
    assert "15 state transitions" in sf.assumptions[0]
    assert sf.cost_usd == pytest.approx(15 * 0.025 / 1000 + d.requests_usd + d.compute_usd)


def test_the_run_is_told_in_words_from_its_own_figures() -> None:
    cost = analyse_records(s.execution(), s.history(), s.text_log())
    # 512 MB = 0.5 GB; 7.756 s billed; 0.5 x 7.756 = 3.878 GB-s; x 0.0000166667 = $0.0000646
    assert cost.compute_text() == (
        "This execution: 512 MB = 0.5 GB, billed 7.756 s in all, is 3.8780 GB-s; at the "
        "x86_64 list price of $0.0000166667 per GB-s that is $0.0000646."
    )
    # Blocking: 372.5 s x 0.5 GB x 0.0000166667 + $0.0000002 = $0.00310, 15.4x $0.000201.
    assert cost.verdict() == (
        "This conversation took 6 min 12 s: a plain Lambda blocking through it would cost "
        "$0.00310, 15.4x the durable estimate ($0.000201)."
    )
    short = analyse_records(s.execution(end_s=3), s.history(), s.text_log())
    assert "less than the durable estimate" in short.verdict()
    assert (
        "could not have waited"
        in analyse_records(s.execution(end_s=3600), s.history(), s.text_log()).verdict()
    )


def test_retention_is_billed_while_suspended_too() -> None:
    # Three days waiting for an approval, then 7 days of retention: 10 days of storage.
    # 113 bytes (11 step results of 4 B, 3 answers of 23 B) at $0.15 per GB-month, a month
    # of 30 days: 113 / 1024^3 GB x 0.15 x 10 / 30 = 113 / 1024^3 x 0.05 USD.
    cost = analyse_records(s.execution(end_s=3 * 86_400), s.history(), s.text_log())
    assert cost.data_bytes == 113
    assert cost.retained_days == pytest.approx(10.0)
    assert cost.durable.data_retained_usd == pytest.approx(113 / 1024**3 * 0.05)
    # Only the retention after the end, as the kit used to price it, would be 7 days:
    assert cost.durable.data_retained_usd > 113 / 1024**3 * 0.15 * 7 / 30 * 1.4
    assert "stored 3 days" not in cost.summary()  # durations read as hours and minutes
    assert "72 h 00 min while it ran or waited, then 7 days after the end" in cost.summary()
    assert cost.retention_sentence() == (
        "Checkpoint data, ~113 B: written once ($0.0000000263 at $0.25 per GB), stored "
        "72 h 00 min while it ran or waited, then 7 days after the end: 10.00 days "
        "($0.00000000526 at $0.15 per GB-month)."
    )


def test_retention_of_a_suspended_execution_counts_so_far() -> None:
    cost = analyse_records(s.execution(end_s=None, status="RUNNING"), s.history(), [])
    so_far = (time.time() - s.T0.timestamp()) / 86_400
    assert cost.retained_days == pytest.approx(so_far + 7, abs=0.01)
    assert "while it ran or waited so far" in cost.retention_text()


def test_unknown_retention_assumes_the_default() -> None:
    execution = {**s.execution(end_s=86_400), "DurableConfig": None}
    cost = analyse_records(execution, s.history(), s.text_log())
    assert cost.retained_days == pytest.approx(1 + 14)
    assert "14 days after the end assumed" in cost.summary()


def test_waits_between_invocations_are_labelled() -> None:
    cost = analyse_records(s.execution(), s.history(), s.text_log())
    assert [g.label for g in cost.gaps] == [f"waiting for approve #{n}" for n in (1, 2, 3)]
    assert [round(g.seconds, 2) for g in cost.gaps] == [45.54, 100.74, 218.31]


def test_timers_and_retries_label_their_gaps() -> None:
    def event(event_type: str, when: float, **fields: Any) -> dict[str, Any]:
        return {"EventType": event_type, "EventTimestamp": s.at(when), **fields}

    def invocation(rid: str, start: float, end: float) -> dict[str, Any]:
        return event(
            "InvocationCompleted",
            end,
            InvocationCompletedDetails={
                "RequestId": rid,
                "StartTimestamp": s.at(start),
                "EndTimestamp": s.at(end),
            },
        )

    history = [
        event("WaitStarted", 0.5, Id="w1", WaitStartedDetails={"Duration": 10}),  # unnamed
        invocation("a", 0.0, 0.6),
        event("WaitSucceeded", 10.5, Id="w1"),
        event("StepStarted", 10.7, Id="s1", Name="fetch"),
        event(
            "StepFailed",
            10.8,
            Id="s1",
            Name="fetch",
            StepFailedDetails={"RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}},
        ),
        invocation("b", 10.6, 10.9),
        event("StepStarted", 16.0, Id="s1", Name="fetch"),
        event("StepSucceeded", 16.1, Id="s1", Name="fetch"),
        invocation("c", 15.9, 16.2),
    ]
    cost = analyse_records({**s.execution(end_s=17)}, history, [])
    assert [g.label for g in cost.gaps] == ["durable wait (timer)", "retry delay of fetch"]
    assert cost.operations.step_retries == 1 and cost.operations.total == 2


def test_blocking_lambda_is_impossible_past_15_minutes() -> None:
    cost = analyse_records(s.execution(end_s=20 * 60), s.history(), s.text_log())
    assert not cost.blocking.possible
    assert any("15 minutes" in a for a in cost.blocking.assumptions)
    assert "IMPOSSIBLE past 15 minutes" in cost.summary()


def test_summary_states_figures_assumptions_and_prices() -> None:
    text = analyse_records(s.execution(), s.history(), s.json_log()).summary()
    for expected in (
        "6 min 12 s",
        "4 (the first run and 3 replays)",
        "4 of 4 joined",
        "7.756 s",
        "17 (11 steps, 3 callbacks, 3 child contexts)",
        "plain Lambda, blocking",
        "Step Functions standard",
        "(verify)",
        "as of 2026-11",
        "Log parsing",
    ):
        assert expected in text, expected


def test_price_table_is_one_overridable_place() -> None:
    arm = replace(PRICES, architecture="arm64")
    x86_cost = analyse_records(s.execution(), s.history(), s.text_log())
    arm_cost = analyse_records(s.execution(), s.history(), s.text_log(), prices=arm)
    assert arm_cost.durable.compute_usd == pytest.approx(3.878 * 0.0000133334)
    assert arm_cost.durable.compute_usd < x86_cost.durable.compute_usd
    cheap_ops = replace(PRICES, durable_operations_per_million=0.0)
    assert (
        analyse_records(
            s.execution(), s.history(), s.text_log(), prices=cheap_ops
        ).durable.operations_usd
        == 0
    )
    described = "\n".join(PRICES.describe())
    assert "durable_operations_per_million = 8 (verify)" in described
    assert "lambda_requests_per_million = 0.2\n" in described + "\n"
    with pytest.raises(ValueError, match="architecture"):
        _ = replace(PRICES, architecture="sparc").lambda_gb_second


def test_usd_stays_readable_for_small_amounts() -> None:
    assert usd(0.000201) == "$0.000201"
    assert usd(0.0312) == "$0.0312"
    assert usd(4.2) == "$4.20"


# --- fetching: pagination, lag, missing records (fake clients) -------------------------
FAST = Backoff(first_s=0.01, cap_s=0.05)


class FakeLambda(Paginated):
    service = "lambda"

    def __init__(
        self, executions: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]], page: int = 5
    ) -> None:
        self.executions = executions
        self.page = page
        self.history_calls = 0
        self.listed: list[str] = []
        self.aliases = {"live": "3"}

    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:
        return self.executions[DurableExecutionArn][0]

    def get_durable_execution_history(
        self,
        DurableExecutionArn: str,
        Marker: str = "0",
        **_: Any,
    ) -> dict[str, Any]:
        self.history_calls += 1
        events = self.executions[DurableExecutionArn][1]
        start = int(Marker)
        answer: dict[str, Any] = {"Events": events[start : start + self.page]}
        if start + self.page < len(events):
            answer["NextMarker"] = str(start + self.page)
        return answer

    def list_durable_executions_by_function(
        self, FunctionName: str, Qualifier: str = "$LATEST", Marker: str = "0", **_: Any
    ) -> dict[str, Any]:
        # As on AWS: without a Qualifier, $LATEST's executions only; an execution is
        # filed under the qualifier in its ARN.
        self.listed.append(Qualifier)
        items = [
            {k: e[k] for k in ("DurableExecutionArn", "Status", "StartTimestamp")}
            for e, _ in self.executions.values()
            if _qualifier(e["DurableExecutionArn"]) == Qualifier
        ]
        return {"DurableExecutions": items}

    def list_versions_by_function(self, FunctionName: str, **_: Any) -> dict[str, Any]:
        found = {_qualifier(arn) for arn in self.executions}
        return {"Versions": [{"Version": v} for v in ["$LATEST", *sorted(found)]]}

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, Any]:
        return {"Name": Name, "FunctionVersion": self.aliases[Name]}

    def get_function_configuration(self, **kwargs: Any) -> dict[str, Any]:
        return {"LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{s.FUNCTION}"}}


class FakeLogs(Paginated):
    """filter_log_events in pages of 3; ``arrivals[i]``: the messages visible from the
    i-th poll on (log delivery lag)."""

    def __init__(
        self, arrivals: list[list[str]], group: str = f"/aws/lambda/{s.FUNCTION}", page: int = 3
    ) -> None:
        self.arrivals, self.group, self.page = arrivals, group, page
        self.polls = 0
        self.calls: list[dict[str, Any]] = []

    service = "logs"

    def filter_log_events(
        self,
        logGroupName: str,
        nextToken: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        # Like moto, it ignores filterPattern: the kit must still pick REPORTs itself.
        self.calls.append({"logGroupName": logGroupName, **kwargs})
        if logGroupName != self.group:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ResourceNotFoundException",
                        "Message": "The specified log group does not exist.",
                    }
                },
                "FilterLogEvents",
            )
        if nextToken is None:
            self.polls += 1
        visible = [m for batch in self.arrivals[: self.polls] for m in batch]
        start = int(nextToken or 0)
        answer: dict[str, Any] = {
            "events": [{"message": m, "timestamp": 0} for m in visible[start : start + self.page]]
        }
        if start + self.page < len(visible):
            answer["nextToken"] = str(start + self.page)
        return answer


def _qualifier(arn: str) -> str:
    return arn.split("/durable-execution/")[0].rsplit(":", 1)[-1]


def _fake_lambda() -> FakeLambda:
    return FakeLambda({s.ARN: (s.execution(), s.history())})


def test_lagging_records_are_waited_for_across_pages() -> None:
    log = s.text_log()
    late = [line for line in log if s.R4 in line]
    logs = FakeLogs([[line for line in log if s.R4 not in line], [], late])
    lam = _fake_lambda()
    cost = analyse_execution(lam, logs, s.ARN, timeout_s=5, backoff=FAST)
    assert logs.polls == 3  # R4's REPORT arrived on the third poll
    assert cost.complete and cost.billed_ms == sum(BILLED)
    assert lam.history_calls > 1  # the history came in pages too
    assert len(cost.invocations) == 4


def test_missing_records_raise_a_message_naming_them() -> None:
    log = [line for line in s.text_log() if s.R3 not in line and s.R4 not in line]
    began = time.monotonic()
    with pytest.raises(MissingReportsError) as caught:
        analyse_execution(_fake_lambda(), FakeLogs([log]), s.ARN, timeout_s=0.3, backoff=FAST)
    assert time.monotonic() - began < 2  # bounded
    message = str(caught.value)
    assert caught.value.missing == [s.R3, s.R4]
    assert s.R3 in message and s.R4 in message and "no REPORT record arrived" in message
    assert "timeout_s" in message and "allow_missing=True" in message
    assert "2 of 4 REPORT records have arrived" in message  # how many of how many
    assert "run this cell again in a minute" in message
    assert caught.value._render_traceback_() == [message]  # a notebook shows no traceback


def test_allow_missing_analyses_what_arrived_and_says_so() -> None:
    log = [line for line in s.text_log() if s.R4 not in line]
    cost = analyse_execution(
        _fake_lambda(), FakeLogs([log]), s.ARN, timeout_s=0.1, backoff=FAST, allow_missing=True
    )
    assert cost.missing == [s.R4] and not cost.complete
    assert cost.billed_ms == sum(BILLED[:3])
    assert "INCOMPLETE: 1 of 4 invocations have no usable REPORT record yet" in cost.summary()
    assert "run this cell again in a minute" in cost.summary()


def test_a_malformed_record_is_not_waited_for() -> None:
    log = [line for line in s.text_log() if s.R4 not in line]
    log.append(f"REPORT RequestId: {s.R4}\tDuration: 3106.90 ms\tBilled Dur")
    began = time.monotonic()
    with pytest.raises(MissingReportsError, match="malformed") as caught:
        analyse_execution(_fake_lambda(), FakeLogs([log]), s.ARN, timeout_s=30, backoff=FAST)
    assert time.monotonic() - began < 5
    assert caught.value.missing == [s.R4]


def test_a_missing_log_group_is_named() -> None:
    with pytest.raises(MissingReportsError, match="does not exist"):
        analyse_execution(
            _fake_lambda(),
            FakeLogs([s.text_log()]),
            s.ARN,
            log_group="/aws/lambda/typo",
            timeout_s=0.1,
            backoff=FAST,
        )


def on_version(arn: str, version: str) -> str:
    head, tail = arn.split("/durable-execution/")
    return f"{head.rsplit(':', 1)[0]}:{version}/durable-execution/{tail}"


def test_many_executions_table() -> None:
    first_arn = on_version(s.ARN, "3")
    second_arn = on_version(s.ARN.replace("chat-3-approvals", "chat-2"), "2")
    second = {
        **s.execution(),
        "DurableExecutionArn": second_arn,
        "DurableExecutionName": "chat-2",
        "StartTimestamp": s.at(-3600),
        "EndTimestamp": s.at(-3000),
    }
    rid = "2e2e2e2e-0000-4000-8000-000000000001"
    second_history = [
        {
            "EventType": "InvocationCompleted",
            "EventId": 1,
            "EventTimestamp": s.at(-3599),
            "InvocationCompletedDetails": {
                "StartTimestamp": s.at(-3600),
                "EndTimestamp": s.at(-3599),
                "RequestId": rid,
            },
        }
    ]
    first = {**s.execution(), "DurableExecutionArn": first_arn}
    lam = FakeLambda({first_arn: (first, s.history()), second_arn: (second, second_history)})
    extra = (
        f"REPORT RequestId: {rid}\tDuration: 99.50 ms\tBilled Duration: 100 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 90 MB\t\n"
    )
    result = analyse_function(
        lam,
        FakeLogs([[*s.text_log(), extra, s.FOREIGN_TEXT]]),
        s.FUNCTION,
        timeout_s=1,
        backoff=FAST,
    )
    table = result.table()
    assert [r["execution"] for r in table] == ["chat-2", "chat-3-approvals"]  # oldest first
    assert table[0]["wall_clock_s"] == 600 and table[0]["billed_s"] == 0.1
    assert table[1]["invocations"] == 4 and table[1]["billed_s"] == 7.756
    assert table[1]["billed_pct_of_wall_clock"] == round(100 * 7.756 / 372.5, 2)
    assert result.parse.foreign == 1  # the other function's record
    assert "chat-3-approvals" in result.summary()
    # Each version was asked by name: without a Qualifier AWS lists $LATEST's only.
    assert sorted(lam.listed) == ["$LATEST", "2", "3"]


def test_every_listing_names_its_qualifier() -> None:
    arn = on_version(s.ARN, "3")
    lam = FakeLambda({arn: ({**s.execution(), "DurableExecutionArn": arn}, s.history())})
    assert [e["DurableExecutionArn"] for e in list_executions(lam, s.FUNCTION, "3")] == [arn]
    assert lam.listed == ["3"]
    assert [e["DurableExecutionArn"] for e in list_executions(lam, s.FUNCTION, "live")] == [arn]
    assert lam.listed == ["3", "3"]  # the alias stands for the version it routes to
    assert list_executions(lam, s.FUNCTION, "$LATEST") == []
    assert version_qualifiers(lam, s.FUNCTION) == ["$LATEST", "3"]


def test_an_execution_listed_under_two_versions_counts_once() -> None:
    class IgnoresQualifier(FakeLambda):  # an emulator that lists every version's
        def list_durable_executions_by_function(self, **kwargs: Any) -> dict[str, Any]:
            return super().list_durable_executions_by_function(
                **{**kwargs, "Qualifier": _qualifier(arn)}
            )

    arn = on_version(s.ARN, "3")
    lam = IgnoresQualifier({arn: ({**s.execution(), "DurableExecutionArn": arn}, s.history())})
    assert [e["DurableExecutionArn"] for e in list_executions(lam, s.FUNCTION)] == [arn]


def test_log_reads_ask_for_report_records_since_the_start() -> None:
    logs = FakeLogs([s.json_log()])
    cost = analyse_execution(_fake_lambda(), logs, s.ARN, timeout_s=1, backoff=FAST)
    assert cost.complete
    assert logs.calls and all(call["filterPattern"] == REPORT_FILTER_PATTERN for call in logs.calls)
    start_ms = int(s.T0.timestamp() * 1000)
    assert {call["startTime"] for call in logs.calls} == {start_ms - 5_000}  # a little skew
    # The pattern names both record shapes, so either log format passes it.
    assert '"REPORT RequestId"' in REPORT_FILTER_PATTERN
    assert '"platform.report"' in REPORT_FILTER_PATTERN
    assert all(line.startswith("REPORT RequestId") for line in s.text_log() if "REPORT" in line)


# --- end to end: the in-process local cloud --------------------------------------------
APPROVALS_HANDLER = """
import json
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext) -> dict:
    decisions = []
    for n in range(1, event["approvals"] + 1):
        context.step(lambda _: f"thought {n}", name=f"think #{n}")
        answer = context.wait_for_callback(lambda callback_id, ctx: None, name=f"approve #{n}")
        decisions.append(json.loads(answer)["decision"])
    return {"decisions": decisions}
"""


def _answer_every_approval(lam: Any, arn: str, approvals: int, timeout: float = 30) -> None:
    """Answer callback n once the invocation that created it has completed, so that the
    run has exactly approvals + 1 invocations."""
    answered: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(answered) < approvals:
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        completed = sum(e["EventType"] == "InvocationCompleted" for e in events)
        callbacks = [
            e["CallbackStartedDetails"]["CallbackId"]
            for e in events
            if e["EventType"] == "CallbackStarted"
        ]
        for n, callback in enumerate(callbacks, start=1):
            if callback not in answered and completed >= n:
                lam.send_durable_execution_callback_success(
                    CallbackId=callback, Result=json.dumps({"decision": "APPROVE"}).encode()
                )
                answered.add(callback)
        assert time.monotonic() < deadline, f"approvals not all asked for: {arn}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def conversations(
    client: Callable[[str], Any], deploy_with: Callable[..., str], name: Callable[..., str]
) -> dict[str, tuple[str, str, list[str]]]:
    """One function per log format, each with two finished conversations of 3 approvals:
    {format: (function, version, [execution arns])}."""
    lam = client("lambda")
    out = {}
    for log_format in ("Text", "JSON"):
        function = name(f"cost-{log_format.lower()}")
        version = deploy_with(
            client,
            function,
            APPROVALS_HANDLER,
            LoggingConfig={"LogFormat": log_format},
            MemorySize=256,
        )
        arns = []
        for _ in range(2):
            arn = lam.invoke(
                FunctionName=function,
                Qualifier=version,
                InvocationType="Event",
                Payload=json.dumps({"approvals": 3}).encode(),
            )["DurableExecutionArn"]
            _answer_every_approval(lam, arn, 3)
            arns.append(arn)
        out[log_format] = (function, version, arns)
    for _, _, arns in out.values():
        for arn in arns:
            deadline = time.monotonic() + 30
            while lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
                assert time.monotonic() < deadline, arn
                time.sleep(0.05)
    # Log delivery lags, as on AWS: the tests count the other conversation's REPORT records
    # too, so wait until every invocation's record has arrived.
    for function, _, arns in out.values():
        ids = [
            e["InvocationCompletedDetails"]["RequestId"]
            for arn in arns
            for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
            if e["EventType"] == "InvocationCompleted"
        ]
        assert len(report_records(client("logs"), f"/aws/lambda/{function}", ids, 30)) == len(ids)
    return out


def kit_logs(client: Callable[[str], Any]) -> Any:
    """A Logs client as the kit makes them (standard retries): polling FilterLogEvents at
    its quota (5/s), a throttle now and then is retried, as on AWS."""
    endpoint = client("logs").meta.endpoint_url
    return boto3.client(
        "logs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_end_to_end_on_the_local_cloud(
    log_format: str,
    conversations: dict[str, tuple[str, str, list[str]]],
    client: Callable[[str], Any],
) -> None:
    lam, logs = client("lambda"), kit_logs(client)
    _, _, (arn, _) = conversations[log_format]
    cost = analyse_execution(lam, logs, arn, timeout_s=20, backoff=FAST)

    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    completed = [e for e in events if e["EventType"] == "InvocationCompleted"]
    assert len(cost.invocations) == len(completed) == 4  # 3 approvals -> 4 invocations
    assert cost.complete and all(c.report is not None for c in cost.invocations)
    assert {c.report.log_format for c in cost.invocations if c.report} == {log_format.lower()}
    assert not cost.parse.malformed
    assert cost.parse.foreign == 4  # the other conversation of the same function
    assert cost.cold_starts == 1 and cost.memory_mb == 256
    assert cost.billed_ms == sum(c.report.billed_ms for c in cost.invocations if c.report)
    assert 0 < cost.billed_s < cost.wall_clock_s
    assert cost.operations.approvals == 3 and cost.operations.total == 3 * 3 + 3
    assert [g.label for g in cost.gaps] == [f"waiting for approve #{n}" for n in (1, 2, 3)]
    assert cost.status == "SUCCEEDED" and "4 of 4 joined" in cost.summary()
    assert cost.retention_days == 1  # the deployed DurableConfig's, not an assumption


@pytest.mark.slow
def test_end_to_end_many_executions(
    conversations: dict[str, tuple[str, str, list[str]]], client: Callable[[str], Any]
) -> None:
    function, version, arns = conversations["JSON"]
    result = analyse_function(
        client("lambda"), client("logs"), function, version, timeout_s=20, backoff=FAST
    )
    assert len(result.table()) == len(arns) == 2
    assert all(row["invocations"] == 4 and row["missing_reports"] == 0 for row in result.table())
    assert result.parse.foreign == 0 and not result.parse.malformed


@pytest.mark.slow
def test_end_to_end_missing_records_are_named(
    conversations: dict[str, tuple[str, str, list[str]]], client: Callable[[str], Any]
) -> None:
    _, _, (arn, _) = conversations["Text"]
    with pytest.raises(MissingReportsError) as caught:
        analyse_execution(
            client("lambda"),
            kit_logs(client),
            arn,
            log_group="/aws/lambda/no-such-group",
            timeout_s=0.5,
            backoff=FAST,
        )
    assert len(caught.value.missing) == 4
    assert "does not exist" in str(caught.value)


def test_benchmark_data_is_analysed_completely() -> None:
    # benchmarks/cost.py times this at 10,000 records (make bench); here: it is right.
    from benchmarks.cost import synthetic

    cost = analyse_records(*synthetic(1000))
    assert len(cost.invocations) == 1000 and cost.complete and cost.parse.clean
    assert (cost.parse.text_reports, cost.parse.json_reports) == (500, 500)
    assert cost.cold_starts == 20
    statuses = {c.report.status for c in cost.invocations if c.report}
    assert statuses == {"success", "error", "timeout"}


def test_report_reads_on_the_local_cloud_keep_only_report_records(
    client: Callable[[str], Any],
) -> None:
    # The filter pattern goes to CloudWatch Logs; whatever the emulator makes of it (moto
    # 5.2 ignores "?term" patterns), what the kit keeps is REPORT records only.
    logs = client("logs")
    group = f"/aws/lambda/{s.FUNCTION}-filter-{time.time_ns()}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="a")
    now = int(time.time() * 1000)
    lines = [*s.text_log(), *s.json_log(), "an application line", s.FOREIGN_TEXT]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="a",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)],
    )
    messages = report_messages(logs, group, now - 1000)
    assert messages is not None
    reports, parse = parse_reports(messages)
    assert sorted(reports) == sorted([s.R1, s.R2, s.R3, s.R4, s.OTHER])
    assert parse.text_reports == 5 and not parse.malformed  # first of each kept: text
    assert len(parse.duplicates) == 4  # the same four again, as JSON
    assert report_messages(logs, group, now + 10 * len(lines)) == []  # startTime honoured
    assert report_messages(logs, f"{group}-none", now) is None
