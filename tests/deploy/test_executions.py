"""Starting a durable execution of ``live`` (helpers.deploy.executions)."""

from __future__ import annotations

import json
from typing import Any

from deploying import deploy_steps, printed

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.target import Target


def test_start_execution_runs_live_with_a_fresh_name(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    first = deploy.start_execution(target, names, {"query": "hello"})
    second = deploy.start_execution(target, names, {"query": "hello"})
    assert first != second  # a fresh DurableExecutionName each time
    again = deploy.start_execution(target, names, {"query": "hello"}, "fixed-name")
    assert deploy.start_execution(target, names, {"query": "hello"}, "fixed-name") == again
    assert printed(capsys)[-1] == "execution fixed-name: started (Event, status 202)"
    details = target.client("lambda").get_durable_execution(DurableExecutionArn=first)
    assert details["Status"] == "RUNNING"
    assert details["DurableExecutionName"].startswith("chatbot-")
    assert json.loads(details["InputPayload"]) == {"query": "hello"}
