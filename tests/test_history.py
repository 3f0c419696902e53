"""helpers.history (and the lesson samples it reads): the history as a table and a
timeline, the wait with its progress bar, the logs of each invocation.

The samples of notebooks 01 and 02 are deployed with ``helpers.samples`` to an in-process
local cloud and run with 1 s waits; the offline tests feed hand-written histories and logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_aws import Paginated
from mathjax_check import math_in_html
from tqdm.notebook import tqdm as tqdm_notebook
from tqdm.std import tqdm as tqdm_std

from helpers import history, i18n, samples
from helpers.deploy import Names, start_execution
from helpers.durable import REPORT_FILTER_PATTERN, split_by_invocation
from helpers.history import ExecutionTimeout, History
from helpers.localcloud import LocalCloud
from helpers.params import ParameterError
from helpers.polling import Backoff
from helpers.samples import SampleDeployment
from helpers.target import Target, connect

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- against the local cloud --------------------------------------------------------------
@pytest.fixture(scope="module")
def target(cloud: LocalCloud) -> Iterator[Target]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        yield connect("local", cloud.region)


@pytest.fixture(scope="module")
def first(target: Target) -> SampleDeployment:
    names = Names.for_target(target, "th-hist", app="first")
    return samples.deploy_sample(target, names, samples.FIRST_DURABLE)


@pytest.fixture(scope="module")
def replay(target: Target) -> SampleDeployment:
    names = Names.for_target(target, "th-hist", app="replay")
    return samples.deploy_sample(target, names, samples.PARALLEL_REPLAY)


@pytest.fixture(scope="module")
def first_run(target: Target, first: SampleDeployment) -> History:
    lam = target.client("lambda")
    arn = start_execution(target, first.names, {"wait_seconds": 1})
    execution = history.wait_for(lam, arn, timeout_s=60, expected_s=2)
    assert execution["Status"] == "SUCCEEDED", execution
    return history.fetch(lam, arn)


@pytest.fixture(scope="module")
def replay_run(target: Target, replay: SampleDeployment) -> History:
    lam = target.client("lambda")
    arn = start_execution(target, replay.names, {"wait_seconds": 1})
    assert history.wait_for(lam, arn, timeout_s=60)["Status"] == "SUCCEEDED"
    return history.fetch(lam, arn)


def test_the_sample_deploys_with_its_own_handler_and_a_small_durable_config(
    target: Target, first: SampleDeployment
) -> None:
    config = target.client("lambda").get_function_configuration(
        FunctionName=first.names.function, Qualifier=first.names.alias
    )
    assert config["Handler"] == "lambda_fn.first_durable.lambda_handler"
    assert config["DurableConfig"] == {"ExecutionTimeout": 300, "RetentionPeriodInDays": 1}
    assert config["Version"] == first.version
    assert first.names.function == "th-hist-first"


def test_first_durable_history_has_a_step_a_wait_and_two_invocations(first_run: History) -> None:
    assert first_run.status == "SUCCEEDED"
    assert json.loads(first_run.execution["Result"]) == {
        "statusCode": 200,
        "body": "from my_step: 123",
    }
    kinds = [(r.kind, r.name) for r in first_run.rows]
    assert kinds == [
        ("Execution", first_run.name),
        ("Invocation", "invocation 1"),
        ("Step", "my_step"),
        ("Wait", ""),
        ("Invocation", "invocation 2"),
    ]
    step, wait = first_run.operations
    assert step.detail == '→ "from my_step: 123"' and step.status == "SUCCEEDED"
    assert wait.detail == "sleeps 1 s, no compute"
    assert wait.seconds is not None and 0.9 <= wait.seconds < 5
    assert [i.detail.split(",")[0] for i in first_run.invocations] == ["first run", "replay"]
    # the replay starts after the wait: nothing ran while it slept
    assert first_run.invocations[1].start >= wait.end - 0.05  # type: ignore[operator]


def test_the_table_reads_as_text_and_as_html(first_run: History) -> None:
    table = first_run.table()
    text = str(table)
    assert text == repr(table)  # what a saved notebook shows without HTML
    assert "2 Lambda invocations (the first run and 1 replay), 2 operations" in text
    for header in ("start", "name", "type", "status", "duration", "detail"):
        assert header in text.splitlines()[1]
    assert "(unnamed)" in text and "sleeps 1 s, no compute" in text
    html = table._repr_html_()
    assert html.count("<tr>") == 1 + 5 and "SUCCEEDED" in html and "my_step" in html


def test_the_timeline_is_a_labelled_png(first_run: History, tmp_path: Path) -> None:
    fig = history.operations_timeline(first_run, tmp_path)
    png = tmp_path / f"history-{first_run.name}.png"
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
    (ax, *_) = fig.axes
    assert ax.get_xlabel() == "seconds since the execution started"
    assert "SUCCEEDED, 2 invocations" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Lambda invocations",
        "my_step (step)",
        "wait",
    ]
    texts = "\n".join(t.get_text() for t in ax.texts)
    assert "#1 first run" in texts and "#2 replay" in texts
    # A wait is labelled when it is a visible share (a tenth) of the run; on a loaded machine
    # the cold start can make the 1 s wait smaller than that. Both ways are the rule.
    (wait,) = [op for op in first_run.operations if op.kind == "Wait"]
    span = (first_run.end or 0) - first_run.start
    assert wait.end is not None
    labelled = (wait.end - wait.start) > span * 0.1
    assert ("sleeping, no compute: " in texts) == labelled


def test_logs_per_invocation_show_what_each_one_logged(
    target: Target, first: SampleDeployment, first_run: History
) -> None:
    logs = history.invocation_logs(target.client("logs"), first.names.log_group, first_run)
    one, two = logs.invocations
    assert one.complete and two.complete
    assert [ln.text for ln in one.lines] == ["Hello from my_step"]
    assert [ln.text for ln in two.lines] == ["Waited for 1 seconds without consuming CPU."]
    assert {ln.kind for ln in one.lines + two.lines} == {"logger"}  # botocore's lines left out


def test_replay_is_visible_in_the_logs_of_the_parallel_sample(
    target: Target, replay: SampleDeployment, replay_run: History
) -> None:
    result = json.loads(replay_run.execution["Result"])
    assert result["results"] == ["Task 1 complete", "Task 2 complete", "Task 3 complete"]
    logs = history.invocation_logs(target.client("logs"), replay.names.log_group, replay_run)
    one, two = ([ln.text for ln in inv.lines] for inv in logs.invocations)
    # print at the top of the handler: every invocation; context.logger: not on replay
    assert one.count("print: the handler starts") == two.count("print: the handler starts") == 1
    assert "logger: the handler starts" in one and "logger: the handler starts" not in two
    assert logs.repeated() == {"print: the handler starts"}
    # the steps ran once; the replay took their results from the checkpoint
    assert [t for t in one if t.endswith("runs")] == ["task1 runs", "task2 runs", "task3 runs"]
    assert not [t for t in two if t.endswith("runs")]
    # the side effect outside a step: once per invocation, a new ticket each time
    outside = [(n, t) for n, t in logs.matching("E-MAIL") if "outside a step" in t]
    inside = [(n, t) for n, t in logs.matching("E-MAIL") if "in a step" in t]
    assert [n for n, _ in outside] == [1, 2] and outside[0][1] != outside[1][1]
    assert result["ticket_outside_step"] in outside[1][1]  # the result knows the last only
    assert inside == [(1, f"E-MAIL sent about ticket {result['ticket_in_step']} (in a step)")]
    assert "↻" in str(logs) and "background:#fff1c2" in logs._repr_html_()


def test_the_parallel_is_a_context_with_a_branch_per_step(replay_run: History) -> None:
    rows = {r.name: r for r in replay_run.operations}
    assert rows["tasks"].type == "Parallel" and rows["tasks"].detail == "3 branches"
    for n in (1, 2, 3):
        branch = rows[f"parallel-branch-{n - 1}"]
        assert branch.parent == rows["tasks"].op_id and branch.depth == 1
        step = rows[f"task{n}"]
        assert step.parent == branch.op_id and step.depth == 2
        assert step.detail == f'→ "Task {n} complete"'
    assert "    task1" in str(replay_run.table())  # indented under its branch
    labels = [
        t.get_text() for t in history.operations_timeline(replay_run).axes[0].get_yticklabels()
    ]
    assert "tasks (parallel)" in labels and not any("parallel-branch" in x for x in labels)


def test_wait_for_shows_progress_and_times_out_clearly(
    target: Target, first: SampleDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    lam = target.client("lambda")
    arn = start_execution(target, first.names, {"wait_seconds": 60})
    try:
        # The bar's text is about the wait: let the execution reach it first (a loaded
        # machine can take longer than the 2 s given to wait_for below).
        deadline = time.monotonic() + 60
        while not any(op.kind == "Wait" for op in history.fetch(lam, arn).operations):
            assert time.monotonic() < deadline, "the sample never reached its wait"
            time.sleep(0.1)
        with pytest.raises(ExecutionTimeout, match="still RUNNING after 2 s"):
            history.wait_for(lam, arn, timeout_s=2)
        assert "suspended in a wait (no compute)" in capsys.readouterr().err  # the text bar
        running = history.fetch(lam, arn)
        assert running.status == "RUNNING" and running.end is None
        wait = running.operations[-1]
        assert wait.kind == "Wait" and wait.end is None
        assert "RUNNING" in str(running.table()) and "…" in str(running.table())
        history.operations_timeline(running)  # an unfinished span is drawn up to now
    finally:
        lam.stop_durable_execution(DurableExecutionArn=arn)
    assert history.wait_for(lam, arn, timeout_s=15)["Status"] == "STOPPED"


# -- offline: hand-written histories and logs ---------------------------------------------
T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(n: int, event_type: str, seconds: float, **fields: Any) -> dict[str, Any]:
    return {"EventId": n, "EventType": event_type, "EventTimestamp": at(seconds), **fields}


def invocation(n: int, start: float, end: float, request_id: str, **details: Any) -> dict[str, Any]:
    times = {"StartTimestamp": at(start), "EndTimestamp": at(end), "RequestId": request_id}
    return event(n, "InvocationCompleted", end, InvocationCompletedDetails={**times, **details})


# The same failed conversation twice: once plain, once with dollar signs in the step's name,
# the error and a log line (MathJax would typeset "$1 then $2" in JupyterLab).
FAILURES = [
    pytest.param("ValueError", "boom", "charge", "logged one", id="plain"),
    pytest.param(
        "PriceError", "$0.2169 is over $0.20", "charge $1 then $2", "paid $3 and $4", id="dollars"
    ),
]


@pytest.mark.parametrize(("error_type", "message", "step_name", "logged"), FAILURES)
def test_a_retried_step_and_a_failed_execution(
    error_type: str, message: str, step_name: str, logged: str
) -> None:
    """Read as operations, rows and invocations, drawn, and shown as HTML (the history
    table and the invocation's logs) with every dollar sign as a dollar, never math."""
    error = {"Payload": {"ErrorType": error_type, "ErrorMessage": message}}
    events = [
        event(1, "ExecutionStarted", 0, ExecutionStartedDetails={"Input": {"Payload": "{}"}}),
        event(2, "StepStarted", 0.1, Id="s", Name=step_name),
        event(
            3,
            "StepFailed",
            0.2,
            Id="s",
            Name=step_name,
            StepFailedDetails={"Error": error, "RetryDetails": {"CurrentAttempt": 1}},
        ),
        invocation(4, 0, 0.3, "r1"),
        event(5, "StepStarted", 2.0, Id="s", Name=step_name),
        event(6, "StepFailed", 2.1, Id="s", Name=step_name, StepFailedDetails={"Error": error}),
        invocation(7, 1.9, 2.2, "r2", Error=error),
        event(8, "ExecutionFailed", 2.2, ExecutionFailedDetails={"Error": error}),
    ]
    execution = {
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/pay/abc",
        "Status": "FAILED",
        "StartTimestamp": T0,
        "EndTimestamp": at(2.2),
    }
    run = History(execution, events)
    assert run.name == "pay"
    (step,) = run.operations
    assert step.status == "FAILED" and step.detail == f"{error_type}: {message} (2 attempts)"
    assert step.seconds == pytest.approx(2.0)  # from the first attempt to the last
    assert run.rows[0].detail == f"{error_type}: {message}"
    assert run.invocations[1].status == "ERROR" and error_type in run.invocations[1].detail
    fig = history.operations_timeline(run)
    assert "FAILED" in fig.axes[0].get_title()
    shown = run.table()._repr_html_()
    assert message in shown and step_name in shown and math_in_html(shown) == []
    start = json.dumps({"type": "platform.start", "record": {"requestId": "r1"}})
    record = json.dumps({"level": "INFO", "message": logged, "logger": "root", "requestId": "r1"})
    (one,) = split_by_invocation(
        [{"logStreamName": "a", "message": m} for m in (start, record)], ["r1"]
    )
    logs = history.InvocationLogs([one])._repr_html_()
    assert logged in logs and math_in_html(logs) == []


def text_invocation(rid: str, *lines: str) -> list[str]:
    return [
        f"START RequestId: {rid} Version: 1",
        *lines,
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t",
    ]


def test_split_by_invocation_reads_text_logs_per_stream() -> None:
    stream_a = [
        "INIT_START Runtime Version: python:3.13",
        "init print",
        *text_invocation("r1", "print one", "[INFO]\t2026-11-25T12:00:00.000Z\tr1\tlogged one"),
    ]
    stream_b = text_invocation("r2", "print two")  # the replay ran in another environment
    events = [{"logStreamName": "b", "message": m} for m in stream_b]
    events += [{"logStreamName": "a", "message": m} for m in stream_a]
    one, two = split_by_invocation(events, ["r1", "r2"])
    assert [(ln.kind, ln.text) for ln in one.lines] == [
        ("print", "init print"),
        ("print", "print one"),
        ("logger", "logged one"),
    ]
    assert [ln.text for ln in two.lines] == ["print two"] and one.complete and two.complete


def test_an_invocation_whose_report_has_not_arrived_is_incomplete() -> None:
    start = json.dumps({"type": "platform.start", "record": {"requestId": "r1"}})
    record = json.dumps({"level": "INFO", "message": "hi", "logger": "root", "requestId": "r1"})
    noise = json.dumps({"level": "INFO", "message": "Found credentials", "logger": "botocore"})
    (one,) = split_by_invocation(
        [{"logStreamName": "a", "message": m} for m in (start, noise, record)], ["r1"]
    )
    assert [ln.text for ln in one.lines] == ["hi"] and not one.complete
    assert "still arriving" in history.InvocationLogs([one])._repr_html_()


def test_no_log_group_yet_means_no_lines(target: Target) -> None:
    run = History(
        {"DurableExecutionArn": "x", "StartTimestamp": T0, "Status": "RUNNING"},
        [invocation(1, 0, 0.3, "r1")],
    )
    started = time.monotonic()
    logs = history.invocation_logs(target.client("logs"), "/aws/lambda/none", run, timeout_s=0.5)
    assert time.monotonic() - started < 5
    assert [inv.lines for inv in logs.invocations] == [[]]
    assert not logs.complete
    assert logs.status().startswith("0 of 1 REPORT records have arrived")
    assert "run this cell again in a minute" in logs.status()
    assert logs.status() in str(logs) and "run this cell again" in logs._repr_html_()


# -- offline: reads and waits with fake clients --------------------------------------------
FAST = Backoff(first_s=0.01, cap_s=0.02)


class FakeLogs(Paginated):
    """FilterLogEvents over a log group whose events become visible one batch per read
    of REPORT records (delivery lag); like moto, it ignores filterPattern."""

    service = "logs"

    def __init__(self, batches: list[list[dict[str, Any]]]) -> None:
        self.batches, self.visible, self.calls = batches, 0, []

    def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if "filterPattern" in kwargs:
            self.visible = min(self.visible + 1, len(self.batches))
        return {"events": [e for batch in self.batches[: self.visible] for e in batch]}


def stream_events(stream: str, lines: list[str], t0: int) -> list[dict[str, Any]]:
    return [
        {"logStreamName": stream, "message": m, "timestamp": t0 + i} for i, m in enumerate(lines)
    ]


def two_invocations() -> History:
    return History(
        {"DurableExecutionArn": "x", "StartTimestamp": T0, "Status": "SUCCEEDED"},
        [invocation(1, 0, 0.3, "r1"), invocation(2, 5, 5.3, "r2")],
    )


def test_invocation_logs_wait_for_one_report_per_invocation_then_read_once() -> None:
    t0 = int(T0.timestamp() * 1000)
    first = stream_events("a", text_invocation("r1", "print one"), t0)
    second = stream_events("a", text_invocation("r2", "print two"), t0 + 5000)
    logs_client = FakeLogs([first, [], second])  # r2's records arrive on the third read
    logs = history.invocation_logs(logs_client, "/aws/lambda/f", two_invocations(), backoff=FAST)
    assert logs.complete and logs.status() == "The log records of all 2 invocations have arrived."
    filtered = [c for c in logs_client.calls if "filterPattern" in c]
    assert len(filtered) == 3  # stopped as soon as every REPORT was there
    assert all(c["filterPattern"] == REPORT_FILTER_PATTERN for c in filtered)
    assert len(logs_client.calls) == 4  # then the whole group, once
    assert {c["startTime"] for c in logs_client.calls} == {t0 - 5000}
    assert [[ln.text for ln in inv.lines] for inv in logs.invocations] == [
        ["print one"],
        ["print two"],
    ]


def test_invocation_logs_say_plainly_when_records_are_missing() -> None:
    t0 = int(T0.timestamp() * 1000)
    logs_client = FakeLogs([stream_events("a", text_invocation("r1", "print one"), t0)])
    logs = history.invocation_logs(
        logs_client, "/aws/lambda/f", two_invocations(), timeout_s=0.2, backoff=FAST
    )
    assert not logs.complete
    assert logs.status().startswith("1 of 2 REPORT records have arrived")
    assert "run this cell again in a minute" in logs.status()
    assert "partial" in logs.status()


def test_records_delivered_out_of_order_are_put_back_in_time_order() -> None:
    t0 = int(T0.timestamp() * 1000)
    events = stream_events("a", text_invocation("r1", "first", "second"), t0)
    events[1], events[2] = events[2], events[1]  # "second" delivered before "first"
    (one,) = split_by_invocation(list(reversed(events)), ["r1"])
    assert [ln.text for ln in one.lines] == ["first", "second"] and one.complete


class FakeLambda(Paginated):
    """An execution that is RUNNING for ``running`` status reads, then SUCCEEDED."""

    service = "lambda"

    def __init__(self, running: int) -> None:
        self.running, self.status_reads, self.history_reads = running, 0, 0

    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:
        self.status_reads += 1
        done = self.status_reads > self.running
        return {
            "DurableExecutionArn": DurableExecutionArn,
            "Status": "SUCCEEDED" if done else "RUNNING",
            "StartTimestamp": T0,
        }

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        self.history_reads += 1
        return {"Events": [event(1, "WaitStarted", 0.1, Id="w", Name="pause")]}


def test_wait_for_reads_one_status_per_poll() -> None:
    lam = FakeLambda(running=8)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/i"
    execution = history.wait_for(lam, arn, timeout_s=30, backoff=FAST)
    assert execution["Status"] == "SUCCEEDED"
    assert lam.status_reads == 9  # one GetDurableExecution per poll
    # The history (for the bar's wording only) at most every PHASE_EVERY_S, not per poll.
    assert lam.history_reads == 1


# -- parameters and errors ----------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -1, 1.5, "10", True, None, samples.MAX_WAIT_S + 1])
def test_a_bad_wait_is_a_clear_parameter_error(bad: object) -> None:
    with pytest.raises(ParameterError, match=r"WAIT_SECONDS is .*: give a whole number of seconds"):
        samples.check_wait_seconds(bad)
    assert samples.check_wait_seconds(10) == 10


def test_the_samples_sources_are_where_their_handlers_say() -> None:
    for handler in (samples.FIRST_DURABLE, samples.PARALLEL_REPLAY):
        path = samples.source_path(handler)
        assert path.is_file() and f"def {handler.rsplit('.', 1)[1]}(" in path.read_text()


def test_a_timeout_reads_as_one_line_in_a_notebook() -> None:
    # IPython shows what _render_traceback_ returns instead of a traceback.
    error = ExecutionTimeout("The execution is still RUNNING after 2 s.")
    assert error._render_traceback_() == [
        "ExecutionTimeout: The execution is still RUNNING after 2 s."
    ]
    with pytest.raises(ParameterError) as bad:
        samples.check_wait_seconds(0)
    assert bad.value._render_traceback_()[0].startswith("ParameterError: A parameter needs fixing")


class _WaitingOnApproval:
    """An execution RUNNING with a callback open (an approval request out), forever."""

    def __init__(self) -> None:
        self.status_reads = 0

    def get_durable_execution(self, **_: Any) -> dict[str, Any]:
        self.status_reads += 1
        return {"Status": "RUNNING"}

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        started = {"EventType": "CallbackStarted", "Id": "c1", "Name": "approve #1"}
        return {"Events": [{"EventType": "ExecutionStarted", "Id": "e"}, started]}


def test_wait_for_stops_on_an_open_callback_when_asked() -> None:
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    lam = _WaitingOnApproval()
    # Without the stop it would poll until the 60 s timeout; with it, the first phase read
    # (at the first poll) sees the open callback and returns the still RUNNING execution.
    assert history.wait_for(lam, arn, timeout_s=60, stop_on_callback=True)["Status"] == "RUNNING"
    assert lam.status_reads == 1


# -- the bar when the execution ends --------------------------------------------------------
class _Ended:
    """An execution that has already ended ``status`` after running ``ran_s`` seconds."""

    def __init__(self, status: str, ran_s: float) -> None:
        self.status, self.ran_s = status, ran_s

    def get_durable_execution(self, **_: Any) -> dict[str, Any]:
        return {
            "Status": self.status,
            "StartTimestamp": T0,
            "EndTimestamp": T0 + timedelta(seconds=self.ran_s),
        }


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The bars wait_for draws (text tqdm), kept to read their state after the wait."""
    made: list[Any] = []

    class Kept(tqdm_std):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(history, "tqdm", Kept)
    return made


ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/replay-1/i"


def test_a_success_sooner_than_expected_is_a_full_green_bar(
    bars: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # 02 cell 7: expected 5 s, ran 4 s; the bar closed at 4/5 and Jupyter painted it red.
    execution = history.wait_for(_Ended("SUCCEEDED", 4.0), ARN, expected_s=5, backoff=FAST)
    assert execution["Status"] == "SUCCEEDED"
    (bar,) = bars
    assert bar.total == 5 and bar.n == bar.total
    assert bar.colour == history.SUCCEEDED_COLOUR
    shown = capsys.readouterr().err.splitlines()[-1]  # the text bar, as it closed
    assert shown.startswith("replay-1: SUCCEEDED ") and shown.endswith(" 4 s")
    assert "5/5" not in shown  # the execution's duration, not the bar's expected seconds


@pytest.mark.parametrize(
    ("status", "style", "colour"),
    [("SUCCEEDED", "success", history.SUCCEEDED_COLOUR), ("FAILED", "danger", history.FAILED)],
)
def test_the_jupyter_bar_reads_the_outcome(
    monkeypatch: pytest.MonkeyPatch, status: str, style: str, colour: str
) -> None:
    # The widget a notebook shows: its bar, its style on close and the text after it.
    made: list[Any] = []

    class Kept(tqdm_notebook):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(history, "tqdm", Kept)
    history.wait_for(_Ended(status, 4.0), ARN, expected_s=5, backoff=FAST)
    desc, bar, after = made[0].container.children
    assert (bar.value == bar.max) == (status == "SUCCEEDED")
    assert bar.bar_style == style and bar.style.bar_color == colour
    assert status in desc.value and after.value.replace("\u2007", " ").strip() == "4 s"


def test_a_run_already_over_shows_a_full_bar_and_its_own_duration(
    bars: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # 03's last cell: the execution ended 10 ms after its start, before the first poll;
    # the bar read "0/120 s" and the line the time spent polling.
    history.wait_for(_Ended("SUCCEEDED", 1.3), ARN, backoff=FAST)
    (bar,) = bars
    assert bar.total == 120 and bar.n == 120 and bar.colour == history.SUCCEEDED_COLOUR
    assert capsys.readouterr().out.strip() == "replay-1: SUCCEEDED after 1.3 s"


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "STOPPED"])
def test_an_execution_that_did_not_succeed_is_a_red_bar(
    bars: list[Any], status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history.wait_for(_Ended(status, 2.0), ARN, expected_s=5, backoff=FAST)
    (bar,) = bars
    assert bar.n == 2.0 and bar.total == 5 and bar.colour == history.FAILED
    assert capsys.readouterr().out.strip() == f"replay-1: {status} after 2 s"


def test_the_wait_line_says_the_executions_duration_in_japanese(
    bars: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    i18n.use_language("ja")
    try:
        history.wait_for(_Ended("SUCCEEDED", 0.01), ARN, backoff=FAST)
    finally:
        i18n.use_language(None)
    assert capsys.readouterr().out.strip() == "replay-1: 10 ミリ秒後に SUCCEEDED"


def test_the_wait_line_names_the_execution_whole(capsys: pytest.CaptureFixture[str]) -> None:
    # Cut at 30 characters, 03's line read "chatbot-20261203T072121-ca2fe5".
    arn = ARN.replace("replay-1", "chatbot-20261203T072121-ca2fe5b3")
    history.wait_for(_Ended("SUCCEEDED", 1.03), arn, backoff=FAST)
    assert (
        capsys.readouterr().out.strip()
        == "chatbot-20261203T072121-ca2fe5b3: SUCCEEDED after 1.03 s"
    )
