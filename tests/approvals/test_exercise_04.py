"""Notebook 04's exercise: the solution, run as the exercise cell, makes the check pass; an
answered approval, or no execution at all, does not. Against the real chatbot on the local
cloud."""

from __future__ import annotations

import json
import re
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
SOLUTION = ROOT / "notebooks" / "solutions" / "04_approval_timeout.md"
PREFIX = "ex-timeout"
QUERY = "What is 52.1 / 4?"

pytestmark = pytest.mark.slow


def test_the_solution_passes_the_check_and_an_answered_approval_does_not(
    target: Target, real_bundle: Bundle
) -> None:
    names = Names.for_target(target, PREFIX)
    lam = target.client("lambda")
    try:
        deployed = deploy.deploy_chatbot(target, names, bundle=real_bundle)
        nothing = check_approval_timeout(target, None, True)
        assert nothing.ok is False and "exercise_arn is None" in repr(nothing)

        # The exercise cell, with the solution pasted in (the notebook's names in scope).
        cell: dict[str, Any] = {
            "lam": lam,
            "deployed": SimpleNamespace(function=names.function),
            "params": SimpleNamespace(query=QUERY),
            "json": json,
            "conversation_name": conversation_name,
        }
        (code,) = re.findall(r"```python\n(.*?)```", SOLUTION.read_text(encoding="utf-8"), re.S)
        exec(compile(code, str(SOLUTION), "exec"), cell)
        timed_out = check_approval_timeout(target, cell["exercise_arn"], True)
        assert timed_out.ok is True and "TIMED_OUT" in repr(timed_out), timed_out
        assert repr(timed_out).startswith("✓ ")
        # Step 4 put $LATEST back; the version the conversation ran on keeps its 20 s.
        latest = lam.get_function_configuration(FunctionName=names.function)
        assert latest["Environment"] == cell["config"]["Environment"]
        assert latest["Environment"]["Variables"]["APPROVAL_TIMEOUT_SECONDS"] != "20"

        # A conversation on live (900 s) whose request is answered: not what was asked.
        answered = deploy.start_execution(target, names, {"query": QUERY})
        message = wait_for_request(target, deployed.queue_url, answered)
        assert message is not None
        request = json.loads(message["Body"])
        lam.send_durable_execution_callback_success(
            CallbackId=request["callback_id"], Result=json.dumps({"decision": "APPROVE"})
        )
        answered_verdict = check_approval_timeout(target, answered, True)
        assert answered_verdict.ok is False and "did not time out" in repr(answered_verdict)
        assert check_approval_timeout(target, answered, "auto").ok is None  # headless: skipped
    finally:
        cleanup(target, PREFIX)
