"""helpers.chatbot, and notebook 04's cells end to end against an in-process local cloud.

The end-to-end test runs notebook 04's cells as functions: the chatbot deployed without
notebook 03 (no state), a paced auto reviewer that answers APPROVE, DENY, APPROVE, the
outcome, the report through its presigned URL, the history in brief, and the execution
ARN handed to notebook 05 through the state file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import state
from helpers.approvals import ApprovalPanel, Inbox, approval_requests, open_callbacks
from helpers.brief import brief_history, figures_of, history_brief
from helpers.chatbot import chat_starter, deployed_chatbot
from helpers.conversations import (
    conversation_to_analyse,
    costs_since_deploy,
    qualifier_of,
    remember_conversation,
    wait_for_report_records,
)
from helpers.deploy import Names
from helpers.durable import execution_name, fetch_history
from helpers.localcloud import model
from helpers.outcome import outcome_of, report_of, wait_for_execution
from helpers.params import ParameterError
from helpers.show import function_config
from helpers.target import Target
from helpers.teardown import cleanup

QUERY = "How are callbacks billed, what is 52.1 / 4, and what would 1000 executions at 1 GB and 13 s cost?"  # noqa: E501
DECISIONS = ["APPROVE", "DENY", "APPROVE"]


@pytest.mark.slow
def test_notebook_04_cells_against_the_local_cloud(
    target: Target, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = Names.for_target(target, "t-chat")
    try:
        # No state from notebook 03: the chatbot is deployed on the spot, and saved.
        deployed = deployed_chatbot(target, names)
        assert "deploying the chatbot now" in capsys.readouterr().out
        assert state.load("t-chat")["function"] == names.function
        assert function_config(target, names)["DurableConfig"]["RetentionPeriodInDays"] == 7
        # The second time it comes from the state file.
        assert deployed_chatbot(target, names) == deployed
        assert "Using the chatbot notebook 03 deployed" in capsys.readouterr().out

        panel = ApprovalPanel(
            Inbox.for_target(target, deployed.queue_url),
            start=chat_starter(target, names),
            approval_mode="auto",
            decisions=DECISIONS,
            question=QUERY,
            review_seconds=0.6,
        )
        result = panel.run_if_auto(timeout=120)
        assert [d["decision"] for d in result["decisions"]] == DECISIONS

        outcome = outcome_of(panel)
        assert outcome.succeeded and outcome.seconds and outcome.seconds > 3 * 0.6
        assert execution_name(outcome.execution_arn).startswith("chat-")
        shown = outcome._repr_markdown_()
        assert "[Open the report](" in shown and "| calculate | DENY |" in shown
        report = report_of(outcome).data
        assert "52.1 / 4" in report and "DENY" in report

        rows = brief_history(fetch_history(target.client("lambda"), outcome.execution_arn))
        approvals = [r for r in rows if r["kind"] == "wait_for_callback"]
        assert [r["outcome"] for r in approvals] == DECISIONS
        # Paced answers come after the invocation ended: one replay per approval.
        assert sum(r["kind"].startswith("invocation") for r in rows) == 4
        assert "approve #2" in history_brief(target, outcome.execution_arn).data

        assert wait_for_report_records(target, outcome.execution_arn, timeout_s=20) == 0
        fresh = costs_since_deploy(target, names, qualifier_of(outcome.execution_arn))
        assert [len(e.invocations) for e in fresh.executions] == [4]
        assert fresh.executions[0].complete and fresh.executions[0].billed_ms > 0

        remember_conversation(target, "t-chat", outcome)
        assert conversation_to_analyse(target, names) == outcome.execution_arn
        # Lost: the newest one is found. It ran on the version behind the alias, so this
        # holds on AWS (a listing without a Qualifier shows $LATEST's only) only because the
        # kit asks each version by name.
        state.save("t-chat", execution_arn="")
        assert conversation_to_analyse(target, names) == outcome.execution_arn
    finally:
        cleanup(target, "t-chat")
    with pytest.raises(ParameterError, match="run notebook 04 first"):
        conversation_to_analyse(target, names)


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
        first = deployed_chatbot(target, names)  # MODEL_ID "": the Region's model
        assert f"model {regions_model}" in capsys.readouterr().out
        assert model_behind_the_alias() == regions_model
        assert state.load("t-model")["model_id"] == regions_model
        assert deployed_chatbot(target, names, "") == first
        assert "Using the chatbot notebook 03 deployed" in capsys.readouterr().out

        again = deployed_chatbot(target, names, "amazon.nova-lite-v1:0")
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
        deployed = deployed_chatbot(target, names)
        arn = chat_starter(target, names)(GREETING)

        deadline = time.monotonic() + 60
        while not open_callbacks(lam, arn):  # the approval request is out: it waits now
            assert time.monotonic() < deadline, "no approval requested within 60 s"
            time.sleep(0.2)

        first = wait_for_execution(target, arn, timeout=1)  # notebook 03's first invoke

        assert first.status == "RUNNING" and first.waiting is not None
        said = first.headline()
        assert "is waiting for an approval" in said and "asked to use search_docs" in said
        assert "(approve #1)" in said and "Traceback" not in str(first)
        assert "No figures yet" in figures_of(target, first).data
        (request,) = approval_requests(lam, sqs, deployed.queue_url, arn)
        assert request.tool == "search_docs" and request.receipts
        lam.send_durable_execution_callback_success(
            CallbackId=request.callback_id,
            Result=json.dumps({"decision": "DENY", "comment": "a greeting needs no tool"}),
        )
        for receipt in request.receipts.values():
            sqs.delete_message(QueueUrl=deployed.queue_url, ReceiptHandle=receipt)

        done = wait_for_execution(target, arn, timeout=60)

        assert done.succeeded and done.waiting is None
        assert [(d["tool"], d["decision"]) for d in done.decisions] == [("search_docs", "DENY")]
        figures = figures_of(target, done).data
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
        deployed = deployed_chatbot(target, names)
        panel = ApprovalPanel(
            Inbox.for_target(target, deployed.queue_url),
            start=chat_starter(target, names),
            approval_mode="auto",
            decisions=json.dumps(BY_TOOL),  # as papermill passes it
            question=QUERY,
            review_seconds=0.3,
        )
        result = panel.run_if_auto(timeout=120)

        decided = [(d["tool"], d["decision"]) for d in result["decisions"]]
        assert sorted(decided) == sorted(BY_TOOL.items()) and decided[0][0] != "search_docs"
        outcome = outcome_of(panel)
        figures = figures_of(target, outcome).data
        assert "in one turn" in figures and "**Denied, so not run:** `calculate`" in figures
        assert "**Approval requests:** 3" in figures and "13.025" not in result["answer"]
    finally:
        cleanup(target, "t-bytool")
