"""helpers.conversations: the conversation notebook 05 analyses, and costs since deploy."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_aws import Paginated

from helpers.chatbot import chat_starter, deployed_chatbot
from helpers.conversations import (
    conversation_to_analyse,
    costs_since_deploy,
    qualifier_of,
    wait_for_report_records,
)
from helpers.deploy import Names
from helpers.durable import CLOCK_SKEW_S
from helpers.outcome import wait_for_execution
from helpers.target import Target
from helpers.teardown import cleanup


@pytest.mark.slow
def test_costs_since_deploy_leave_out_an_earlier_function_of_the_same_name(
    target: Target, state_dir: Path
) -> None:
    names = Names.for_target(target, "t-again")
    try:
        deployed_chatbot(target, names)
        old = wait_for_execution(target, chat_starter(target, names)("Hello!"))
        time.sleep(CLOCK_SKEW_S + 0.2)  # in a workshop, minutes pass between two deploys
        cleanup(target, "t-again")  # the function and its logs go; its execution stays listed
        deployed_chatbot(target, names)
        new = wait_for_execution(target, chat_starter(target, names)("Hi again!"))
        qualifier = qualifier_of(new.execution_arn or "")
        assert qualifier == qualifier_of(old.execution_arn or "")  # version 1, twice
        # Logs arrive late, as on AWS: notebook 05 waits for the conversation's records first.
        assert wait_for_report_records(target, new.execution_arn or "", timeout_s=60) == 0
        costs = costs_since_deploy(target, names, qualifier)
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
    assert conversation_to_analyse(fake, names) == lam.arn
    assert "newest finished execution" in capsys.readouterr().out
    assert sorted(lam.listed) == ["$LATEST", "1", "2"]  # every version asked by name
