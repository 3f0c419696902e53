"""helpers.chat (and params, show, teardown): what notebooks 03, 04, 05 and 99 call.

The end-to-end test runs notebook 04's cells as functions against an in-process local
cloud: the chatbot deployed without notebook 03 (no state), a paced auto reviewer that
answers APPROVE, DENY, APPROVE, the outcome, the report through its presigned URL, the
history in brief, and the execution ARN handed to notebook 05 through the state file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cost_samples as s
import pytest
from fake_aws import Paginated

from helpers import chat, history, state, teardown
from helpers.approvals import ApprovalPanel, Inbox, approval_requests, open_callbacks
from helpers.cleanup import cleanup
from helpers.cost import analyse_records
from helpers.deploy import Names
from helpers.localcloud import LocalCloud, model
from helpers.params import ParameterError, check_parameters
from helpers.show import alternatives, function_config, json_block, no_math, table
from helpers.target import Target

QUERY = "How are callbacks billed, what is 52.1 / 4, and what would 1000 executions at 1 GB and 13 s cost?"  # noqa: E501
DECISIONS = ["APPROVE", "DENY", "APPROVE"]


# -- parameters ----------------------------------------------------------------------------
def test_good_parameters_come_back_normalised(tmp_path: Path) -> None:
    params = check_parameters(
        target="local",
        region="us-east-2",
        prefix="hitl-alice",
        approval_mode="AUTO",
        decisions="deny, approve",
        query="  what is 2 + 2?  ",
        output_dir=str(tmp_path / "out"),
        review_seconds=3,
    )
    assert params.approval_mode == "auto" and params.decisions == ["DENY", "APPROVE"]
    assert params.query == "what is 2 + 2?"
    assert params.output_dir == (tmp_path / "out").resolve() and params.output_dir.is_dir()
    assert params.review_seconds == 3.0
    assert "DECISIONS=['DENY', 'APPROVE']" in params.describe()


def test_bad_parameters_are_all_named_without_a_traceback() -> None:
    with pytest.raises(ParameterError) as caught:
        check_parameters(
            target="cloud",
            region="Tokyo",
            prefix="My_Prefix",
            approval_mode="click",
            decisions=["APPROVE", "MAYBE"],
            query="",
            review_seconds=-1,
        )
    error = caught.value
    assert len(error.problems) == 7
    text = str(error)
    for name in ("TARGET", "REGION", "PREFIX", "APPROVAL_MODE", "DECISIONS[1]", "QUERY"):
        assert name in text
    shown = error._render_traceback_()  # what IPython prints instead of a traceback
    assert "REVIEW_SECONDS" in text
    assert shown[0].startswith("ParameterError: 7 parameters need fixing")
    assert "parameters cell" in shown[-1]
    assert not any("Traceback" in line for line in shown)


def test_decisions_errors_say_which_entry() -> None:
    with pytest.raises(ParameterError, match=r"DECISIONS\[1\] is 'MAYBE'"):
        check_parameters(
            target="local", region="us-east-1", prefix="dfw", decisions=["APPROVE", "MAYBE"]
        )


# -- presentation --------------------------------------------------------------------------
def test_table_and_json_block() -> None:
    md = table([{"a": 1, "b": "x|y"}, {"a": 2.5, "c": {"k": 1}}]).data
    assert md.splitlines()[0] == "| a | b | c |"
    assert "x\\|y" in md and '{"k": 1}' in md and "| 2.5 |" in md
    assert table([]).data == "*(nothing to show)*"
    # A pair of "$" would be typeset as math in JupyterLab: escaped, they show as dollars.
    assert "| \\$0.20 and \\$3 |" in table([{"cost": "$0.20 and $3"}]).data


def test_dollar_signs_outside_code_are_escaped_for_mathjax() -> None:
    text = "cost $0.2169 in all: compute $0.2167, already \\$1; `$HOME` and\n```\n$x\n```"
    assert no_math(text) == (
        "cost \\$0.2169 in all: compute \\$0.2167, already \\$1; `$HOME` and\n```\n$x\n```"
    )
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    answer = {"answer": "It costs $0.2169 in all: compute $0.2167.", "decisions": []}
    shown = chat.Outcome(arn, "SUCCEEDED", answer, seconds=1.0)._repr_markdown_()
    assert "\\$0.2169 in all: compute \\$0.2167" in shown


def test_alternatives_show_retention_priced_from_the_start() -> None:
    cost = analyse_records(s.execution(end_s=3 * 86_400), s.history(), s.text_log())
    shown = alternatives(cost).data
    assert "72 h 00 min while it ran or waited, then 7 days after the end: 10.00 days" in shown
    assert json_block({"b": 1}).data == '```json\n{\n  "b": 1\n}\n```'


# -- the paced auto reviewer ---------------------------------------------------------------
def test_paced_decider_waits_before_each_decision() -> None:
    slept: list[float] = []
    decider = chat.PacedDecider(["DENY"], 2.5, sleep=slept.append)
    assert decider.next() == ("DENY", "auto: DECISIONS[0] (after 2.5 s of review)")
    assert decider.next()[0] == "APPROVE"  # DECISIONS used up
    assert slept == [2.5, 2.5]


def test_paced_decider_by_tool() -> None:
    decider = chat.PacedDecider({"calculate": "DENY"}, 0, sleep=lambda _s: None)
    assert decider.next("calculate")[0] == "DENY"
    assert decider.next("search_docs")[0] == "APPROVE"


def test_decisions_by_tool_in_the_parameters() -> None:
    params = check_parameters(
        target="local", region="us-east-1", prefix="dfw", approval_mode="auto",
        decisions='{"calculate": "DENY"}',
    )  # fmt: skip
    assert params.decisions == {"calculate": "DENY"}
    assert "DECISIONS={'calculate': 'DENY'} (other tools APPROVE)" in params.describe()
    with pytest.raises(ParameterError, match="not a tool of the chatbot"):
        check_parameters(target="local", region="us-east-1", prefix="dfw", decisions={"x": "DENY"})


class _FakePanel:
    def __init__(self, auto: Any) -> None:
        self.auto = auto


def test_pace_reviewer_changes_auto_mode_only(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.approvals import AutoDecider

    auto = AutoDecider(["DENY", "APPROVE"])
    auto.next()  # one already used: pacing keeps the place in DECISIONS
    panel = _FakePanel(auto)
    chat.pace_reviewer(panel, 3)  # type: ignore[arg-type]
    assert "after 3 s" in capsys.readouterr().out
    assert isinstance(panel.auto, chat.PacedDecider)
    assert panel.auto.used == 1 and panel.auto.decisions == ["DENY", "APPROVE"]
    widget = _FakePanel(None)
    chat.pace_reviewer(widget, 3)  # type: ignore[arg-type]
    assert "Widget mode" in capsys.readouterr().out
    assert widget.auto is None
    with pytest.raises(ParameterError, match="REVIEW_SECONDS"):
        chat.pace_reviewer(panel, "3")  # type: ignore[arg-type]


# -- the history in brief ------------------------------------------------------------------
def _event(kind: str, t: float, **more: Any) -> dict[str, Any]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return {"EventType": kind, "EventTimestamp": base + timedelta(seconds=t), **more}


def _invocation(t0: float, t1: float) -> dict[str, Any]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    details = {
        "StartTimestamp": base + timedelta(seconds=t0),
        "EndTimestamp": base + timedelta(seconds=t1),
        "RequestId": f"r{t0}",
    }
    return _event("InvocationCompleted", t1, InvocationCompletedDetails=details)


def test_brief_history_keeps_top_level_operations_and_invocations() -> None:
    answer = json.dumps(json.dumps({"decision": "DENY", "comment": ""}))
    events = [
        _event("ExecutionStarted", 0.0, Id="x", Name="run"),
        _event("StepStarted", 0.5, Id="s1", Name="think #1", SubType="Step"),
        _event("StepSucceeded", 0.7, Id="s1", Name="think #1", SubType="Step"),
        _event("ContextStarted", 0.8, Id="c1", Name="approve #1", SubType="WaitForCallback"),
        _event(
            "CallbackStarted", 0.8, Id="cb", Name="approve #1 cb", SubType="Callback", ParentId="c1"
        ),
        _invocation(0.1, 1.0),
        _event("CallbackSucceeded", 5.0, Id="cb", SubType="Callback", ParentId="c1"),
        _event(
            "ContextSucceeded",
            5.2,
            Id="c1",
            Name="approve #1",
            SubType="WaitForCallback",
            ContextSucceededDetails={"Result": {"Payload": answer}},
        ),
        _invocation(5.1, 5.4),
        _event("ExecutionSucceeded", 5.4, Id="x"),
    ]
    rows = chat.brief_history(events)
    assert [(r["what"], r["kind"], r["outcome"]) for r in rows] == [
        ("Lambda invocation #1", "invocation", "returned"),
        ("think #1", "step", "succeeded"),
        ("approve #1", "wait_for_callback", "DENY"),
        ("Lambda invocation #2", "invocation (replay)", "returned"),
    ]
    assert rows[0]["at_s"] == 0.1 and rows[0]["took_s"] == 0.9
    assert rows[2]["at_s"] == 0.8 and rows[2]["took_s"] == 4.4


def test_an_outcome_that_has_not_started_or_ended_says_what_to_do() -> None:
    assert "type a question" in chat.Outcome(None, "NOT STARTED").headline()
    running = chat.Outcome("arn:aws:lambda:r:1:function:f:live/durable-execution/n/i", "RUNNING")
    assert "answer its requests" in running.headline()
    assert "No report yet" in chat.report_of(running).data


# -- end to end on the local cloud ---------------------------------------------------------
@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(tmp_path_factory.mktemp("chat-cloud")) as local:
        yield local


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    return tmp_path / "state"


@pytest.mark.slow
def test_notebook_04_cells_against_the_local_cloud(
    target: Target, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = Names.for_target(target, "t-chat")
    try:
        # No state from notebook 03: the chatbot is deployed on the spot, and saved.
        deployed = chat.deployed_chatbot(target, names)
        assert "deploying the chatbot now" in capsys.readouterr().out
        assert state.load("t-chat")["function"] == names.function
        assert function_config(target, names)["DurableConfig"]["RetentionPeriodInDays"] == 7
        # The second time it comes from the state file.
        assert chat.deployed_chatbot(target, names) == deployed
        assert "Using the chatbot notebook 03 deployed" in capsys.readouterr().out

        panel = ApprovalPanel(
            Inbox.for_target(target, deployed.queue_url),
            start=chat.chat_starter(target, names),
            approval_mode="auto",
            decisions=DECISIONS,
            question=QUERY,
        )
        chat.pace_reviewer(panel, 0.6)
        result = panel.run_if_auto(timeout=120)
        assert [d["decision"] for d in result["decisions"]] == DECISIONS

        outcome = chat.outcome_of(panel)
        assert outcome.succeeded and outcome.seconds and outcome.seconds > 3 * 0.6
        assert history.execution_name(outcome.execution_arn).startswith("chat-")
        shown = outcome._repr_markdown_()
        assert "[Open the report](" in shown and "| calculate | DENY |" in shown
        report = chat.report_of(outcome).data
        assert "52.1 / 4" in report and "DENY" in report

        rows = chat.brief_history(
            target.client("lambda").get_durable_execution_history(
                DurableExecutionArn=outcome.execution_arn, IncludeExecutionData=True
            )["Events"]
        )
        approvals = [r for r in rows if r["kind"] == "wait_for_callback"]
        assert [r["outcome"] for r in approvals] == DECISIONS
        # Paced answers come after the invocation ended: one replay per approval.
        assert sum(r["kind"].startswith("invocation") for r in rows) == 4
        assert "approve #2" in chat.history_brief(target, outcome.execution_arn).data

        assert chat.wait_for_report_records(target, outcome.execution_arn, timeout_s=20) == 0
        fresh = chat.costs_since_deploy(target, names, chat.qualifier_of(outcome.execution_arn))
        assert [len(e.invocations) for e in fresh.executions] == [4]
        assert fresh.executions[0].complete and fresh.executions[0].billed_ms > 0

        chat.remember_conversation(target, "t-chat", outcome)
        assert chat.conversation_to_analyse(target, names) == outcome.execution_arn
        # Lost: the newest one is found. It ran on the version behind the alias, so this
        # holds on AWS (a listing without a Qualifier shows $LATEST's only) only because the
        # kit asks each version by name.
        state.save("t-chat", execution_arn="")
        assert chat.conversation_to_analyse(target, names) == outcome.execution_arn
    finally:
        cleanup(target, "t-chat")
    with pytest.raises(ParameterError, match="run notebook 04 first"):
        chat.conversation_to_analyse(target, names)


@pytest.mark.slow
def test_costs_since_deploy_leave_out_an_earlier_function_of_the_same_name(
    target: Target, state_dir: Path
) -> None:
    names = Names.for_target(target, "t-again")
    try:
        chat.deployed_chatbot(target, names)
        old = chat.wait_for_execution(target, chat.chat_starter(target, names)("Hello!"))
        time.sleep(chat.SKEW_S + 0.2)  # in a workshop, minutes pass between two deploys
        cleanup(target, "t-again")  # the function and its logs go; its execution stays listed
        chat.deployed_chatbot(target, names)
        new = chat.wait_for_execution(target, chat.chat_starter(target, names)("Hi again!"))
        qualifier = chat.qualifier_of(new.execution_arn or "")
        assert qualifier == chat.qualifier_of(old.execution_arn or "")  # version 1, twice
        # Logs arrive late, as on AWS: notebook 05 waits for the conversation's records first.
        assert chat.wait_for_report_records(target, new.execution_arn or "", timeout_s=60) == 0
        costs = chat.costs_since_deploy(target, names, qualifier)
        assert [e.execution_arn for e in costs.executions] == [new.execution_arn]
        assert costs.executions[0].complete
    finally:
        cleanup(target, "t-again")


class VersionedLambda(Paginated):
    """ListDurableExecutionsByFunction as AWS answers it: without a Qualifier, $LATEST's
    executions only. The chatbot's one conversation ran on version 2, behind ``live``."""

    service = "lambda"

    def __init__(self, function: str) -> None:
        self.function, self.listed = function, []
        self.arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function}:2"
            "/durable-execution/chat-1/0f6c2b7e"
        )

    def get_function(self, FunctionName: str) -> dict[str, Any]:
        return {"Configuration": {"FunctionName": FunctionName}}

    def list_versions_by_function(self, FunctionName: str, **_: Any) -> dict[str, Any]:
        return {"Versions": [{"Version": v} for v in ("$LATEST", "1", "2")]}

    def list_durable_executions_by_function(
        self, FunctionName: str, Qualifier: str = "$LATEST", **_: Any
    ) -> dict[str, Any]:
        self.listed.append(Qualifier)
        found = {
            "DurableExecutionArn": self.arn,
            "Status": "SUCCEEDED",
            "StartTimestamp": datetime(2026, 12, 1, tzinfo=UTC),
        }
        return {"DurableExecutions": [found] if Qualifier == "2" else []}


def test_the_newest_conversation_is_found_on_the_version_it_ran_on(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = Names("t-versions", "123456789012", "us-east-1")
    lam = VersionedLambda(names.function)
    fake = Target("aws", "us-east-1", None, None)  # type: ignore[arg-type]
    fake.client = lambda service, **_: lam  # type: ignore[method-assign]
    assert chat.conversation_to_analyse(fake, names) == lam.arn
    assert "newest finished execution" in capsys.readouterr().out
    assert sorted(lam.listed) == ["$LATEST", "1", "2"]  # every version asked by name


def test_wait_for_execution_and_an_expired_or_broken_report_link(target: Target) -> None:
    with pytest.raises(chat.ReportError, match="Could not reach"):
        chat.fetch_report("http://127.0.0.1:9/nothing", timeout=2)
    with pytest.raises(chat.ReportError, match="S3 answered 404"):
        chat.fetch_report(f"{target.endpoint}/no-such-bucket-here/x.md", timeout=5)


def test_stop_local_cloud_leaves_other_clouds_alone(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test's in-process cloud is not the kit's background one: never stopped here.
    teardown.stop_local_cloud(target, stop=True)
    assert "Stopped" not in capsys.readouterr().out
    aws = Target("aws", "us-east-1", None, None)  # type: ignore[arg-type]
    teardown.stop_local_cloud(aws, stop=True)
    assert "no local cloud" in capsys.readouterr().out
    with pytest.raises(ParameterError, match="STOP_LOCAL_CLOUD"):
        teardown.stop_local_cloud(target, stop="yes")  # type: ignore[arg-type]


def test_forget_state_keeps_another_targets_state(
    target: Target, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teardown.forget_state("t-forget", target)
    assert "Nothing saved" in capsys.readouterr().out
    elsewhere = {"target": "aws", "region": "us-east-2", "endpoint": ""}
    state.save("t-forget", **elsewhere, function="t-forget-chatbot")
    teardown.forget_state("t-forget", target)
    assert "Kept" in capsys.readouterr().out and state.load("t-forget")
    state.save("t-forget", **chat.where(target))
    teardown.forget_state("t-forget", target)
    assert "Forgot" in capsys.readouterr().out and state.load("t-forget") == {}


# -- the model of the deployment (MODEL_ID in notebooks 03 and 04) --------------------------
@pytest.mark.slow
def test_deployed_chatbot_deploys_again_when_model_id_asks_for_another_model(
    target: Target,
    state_dir: Path,
    real_bundle: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers.deploy import chatbot as deploy
    from helpers.regions import default_model_id

    monkeypatch.setattr(deploy, "build_zip", lambda *args, **kwargs: real_bundle)
    names = Names.for_target(target, "t-model")
    lam = target.client("lambda")

    def model_behind_the_alias() -> str:
        conf = lam.get_function_configuration(FunctionName=names.function, Qualifier=names.alias)
        return str(conf["Environment"]["Variables"]["MODEL_ID"])

    regions_model = default_model_id(names.region)
    try:
        first = chat.deployed_chatbot(target, names)  # MODEL_ID "": the Region's model
        assert f"model {regions_model}" in capsys.readouterr().out
        assert model_behind_the_alias() == regions_model
        assert state.load("t-model")["model_id"] == regions_model
        assert chat.deployed_chatbot(target, names, "") == first
        assert "Using the chatbot notebook 03 deployed" in capsys.readouterr().out

        again = chat.deployed_chatbot(target, names, "amazon.nova-lite-v1:0")
        assert capsys.readouterr().out.startswith(
            f"Notebook 03 deployed the chatbot with model {regions_model}, and MODEL_ID asks "
            "for amazon.nova-lite-v1:0: deploying it again"
        )
        assert again.version == "2" and model_behind_the_alias() == "amazon.nova-lite-v1:0"
        assert state.load("t-model")["model_id"] == "amazon.nova-lite-v1:0"
    finally:
        cleanup(target, "t-model")


# -- under a model that decides for itself (the local cloud's live model) -----------------
GREETING = "Hello! What can you do?"
BY_TOOL = {"search_docs": "APPROVE", "calculate": "DENY", "estimate_lambda_cost": "APPROVE"}
CHATBOT_TOOLS = set(BY_TOOL)


@pytest.fixture
def live_model() -> Iterator[Any]:
    previous = model.ACTIVE

    def use(seed: int) -> None:
        model.configure(model.ModelSettings(model.LIVE, seed))

    yield use
    model.configure(previous)


def live_seed(question: str, wanted: Any) -> int:
    return next(s for s in range(200) if wanted(model.live_plan(s, question, CHATBOT_TOOLS)))


@pytest.mark.slow
def test_a_greeting_that_asks_for_a_tool_is_said_in_plain_words_and_answered_by_hand(
    target: Target, state_dir: Path, live_model: Any
) -> None:
    live_model(live_seed(GREETING, lambda plan: bool(plan.turns)))
    names = Names.for_target(target, "t-greet")
    lam, sqs = target.client("lambda"), target.client("sqs")
    try:
        deployed = chat.deployed_chatbot(target, names)
        arn = chat.chat_starter(target, names)(GREETING)

        deadline = time.monotonic() + 60
        while not open_callbacks(lam, arn):  # the approval request is out: it waits now
            assert time.monotonic() < deadline, "no approval requested within 60 s"
            time.sleep(0.2)

        first = chat.wait_for_execution(target, arn, timeout=1)  # notebook 03's first invoke

        assert first.status == "RUNNING" and first.waiting is not None
        said = first.headline()
        assert "is waiting for an approval" in said and "asked to use search_docs" in said
        assert "(approve #1)" in said and "Traceback" not in str(first)
        assert "No figures yet" in chat.figures_of(target, first).data
        (request,) = approval_requests(lam, sqs, deployed.queue_url, arn)
        assert request.tool == "search_docs" and request.receipts
        lam.send_durable_execution_callback_success(
            CallbackId=request.callback_id,
            Result=json.dumps({"decision": "DENY", "comment": "a greeting needs no tool"}),
        )
        for receipt in request.receipts.values():
            sqs.delete_message(QueueUrl=deployed.queue_url, ReceiptHandle=receipt)

        done = chat.wait_for_execution(target, arn, timeout=60)

        assert done.succeeded and done.waiting is None
        assert [(d["tool"], d["decision"]) for d in done.decisions] == [("search_docs", "DENY")]
        figures = chat.figures_of(target, done).data
        assert "**Approval requests:** 1: `search_docs` → DENY" in figures
        assert "**Denied, so not run:** `search_docs`" in figures
        assert "**Lambda invocations:** 2 " in figures and "**Model turns:** 2;" in figures
        assert not sqs.receive_message(QueueUrl=deployed.queue_url).get("Messages")
    finally:
        cleanup(target, "t-greet")


@pytest.mark.slow
def test_decisions_by_tool_hold_whatever_order_the_model_proposes(
    target: Target, state_dir: Path, live_model: Any
) -> None:
    def reordered_and_together(plan: model.LivePlan) -> bool:
        order = [c.name for turn in plan.turns for c in turn]
        return order[:1] != ["search_docs"] and any(len(t) > 1 for t in plan.turns)

    live_model(live_seed(QUERY, reordered_and_together))
    names = Names.for_target(target, "t-bytool")
    try:
        deployed = chat.deployed_chatbot(target, names)
        panel = ApprovalPanel(
            Inbox.for_target(target, deployed.queue_url),
            start=chat.chat_starter(target, names),
            approval_mode="auto",
            decisions=json.dumps(BY_TOOL),  # as papermill passes it
            question=QUERY,
        )
        chat.pace_reviewer(panel, 0.3)
        result = panel.run_if_auto(timeout=120)

        decided = [(d["tool"], d["decision"]) for d in result["decisions"]]
        assert sorted(decided) == sorted(BY_TOOL.items()) and decided[0][0] != "search_docs"
        outcome = chat.outcome_of(panel)
        figures = chat.figures_of(target, outcome).data
        assert "in one turn" in figures and "**Denied, so not run:** `calculate`" in figures
        assert "**Approval requests:** 3" in figures and "13.025" not in result["answer"]
    finally:
        cleanup(target, "t-bytool")


class _Busy(Paginated):
    """A lambda client whose execution stays RUNNING, at work, with no callback open."""

    service = "lambda"

    def get_durable_execution(self, **_: Any) -> dict[str, Any]:
        return {"Status": "RUNNING"}

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        return {"Events": [{"EventType": "StepStarted", "Id": "s1", "Name": "think #1"}]}


class _BusyTarget:
    def client(self, service: str) -> Any:
        assert service == "lambda"
        return _Busy()


def test_an_execution_still_at_work_is_not_mistaken_for_one_waiting() -> None:
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    with pytest.raises(history.ExecutionTimeout, match="still RUNNING"):
        chat.wait_for_execution(_BusyTarget(), arn, timeout=0.05)  # type: ignore[arg-type]


class _History(Paginated):
    service = "lambda"

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def client(self, service: str) -> Any:
        return self

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        return {"Events": self.events}


def test_figures_of_a_conversation_without_tools_say_so_plainly() -> None:
    answer = {"message": {"role": "assistant", "content": [{"text": "52.1 / 4 is 13.025"}]}}
    think = {"Result": {"Payload": json.dumps(answer)}}
    events = [
        _event("ExecutionStarted", 0.0, Id="x"),
        _event("StepStarted", 0.05, Id="s1", Name="think #1", SubType="Step"),
        _event("StepSucceeded", 0.1, Id="s1", Name="think #1", StepSucceededDetails=think),
        _event("StepStarted", 0.11, Id="s2", Name="report", SubType="Step"),
        _event("StepSucceeded", 0.12, Id="s2", Name="report"),
        _invocation(0.0, 0.15),
    ]
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    result = {"answer": "52.1 / 4 is 13.025", "report_url": "", "decisions": []}
    done = chat.Outcome(arn, "SUCCEEDED", result, seconds=0.14)

    shown = chat.figures_of(_History(events), done).data  # type: ignore[arg-type]

    assert "**Model turns:** 1; the model asked for no tool: it answered directly." in shown
    assert "**Approval requests:** 0 (nobody was asked)" in shown and "Denied" not in shown
    assert "**Lambda invocations:** 1 (the first run did everything" in shown
    assert "**Durable operations:** 2 (2 steps)" in shown
    assert "it never waited" in shown
    assert "Nobody was in the loop this time" in shown and "send the question again" in shown
