"""Notebook 04's exercise: the solution, run as the exercise cell, makes the check pass; an
answered approval, or no execution at all, does not. Against the real chatbot on the local
cloud."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from helpers import deploy
from helpers.approvals.first import wait_for_request
from helpers.chatbot import conversation_name
from helpers.deploy import Bundle, Names
from helpers.exercises import check_approval_timeout
from helpers.target import Target
from helpers.teardown import cleanup

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "notebooks" / "solutions" / "04_approval_timeout.py"
PREFIX = "ex-timeout"
QUERY = "What is 52.1 / 4?"

pytestmark = pytest.mark.slow


def test_the_solution_passes_the_check_and_an_answered_approval_does_not(
    target: Target, real_bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    names = Names.for_target(target, PREFIX)
    lam = target.client("lambda")
    try:
        deployed = deploy.deploy_chatbot(target, names, bundle=real_bundle)
        assert check_approval_timeout(target, None, True) is False
        assert "exercise_arn is None" in capsys.readouterr().out

        # The exercise cell, with the solution pasted in (the notebook's names in scope).
        cell: dict[str, Any] = {
            "lam": lam,
            "deployed": SimpleNamespace(function=names.function),
            "params": SimpleNamespace(query=QUERY),
            "json": json,
            "conversation_name": conversation_name,
        }
        exec(compile(SOLUTION.read_text(encoding="utf-8"), str(SOLUTION), "exec"), cell)
        assert check_approval_timeout(target, cell["exercise_arn"], True) is True
        assert "TIMED_OUT" in capsys.readouterr().out

        # A conversation on live (900 s) whose request is answered: not what was asked.
        answered = deploy.start_execution(target, names, {"query": QUERY})
        message = wait_for_request(target, deployed.queue_url, answered)
        assert message is not None
        request = json.loads(message["Body"])
        lam.send_durable_execution_callback_success(
            CallbackId=request["callback_id"], Result=json.dumps({"decision": "APPROVE"})
        )
        assert check_approval_timeout(target, answered, True) is False
        assert "did not time out" in capsys.readouterr().out
        assert check_approval_timeout(target, answered, "auto") is None  # headless: skipped
    finally:
        cleanup(target, PREFIX)
