"""The exercises' checks, each run against the local cloud with a right and a wrong
attempt (the right one being the committed solution), and their gate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import exercises, history
from helpers.deploy import Names, start_execution
from helpers.i18n import use_language
from helpers.params import ParameterError
from helpers.samples import FIRST_DURABLE, deploy_sample
from helpers.target import Target
from helpers.teardown import cleanup

from .solutions import code_cell, run, solution

_count = iter(range(1000))


@pytest.fixture
def names(target: Target) -> Iterator[Names]:
    prefix = f"ex-{next(_count)}-{int(time.time()) % 10000}"
    yield Names.for_target(target, prefix, app="first")
    cleanup(target, prefix)


def test_the_gate_checks_in_jupyterlab_and_skips_headless_runs() -> None:
    assert exercises.exercises_on(True, {}) is True
    assert exercises.exercises_on(False, {"JPY_SESSION_NAME": "01.ipynb"}) is False
    assert exercises.exercises_on("auto", {"JPY_SESSION_NAME": "01.ipynb"}) is True
    assert exercises.exercises_on("auto", {}) is False  # papermill starts kernels without it
    with pytest.raises(ParameterError, match="RUN_EXERCISES is 'yes'"):
        exercises.exercises_on("yes", {})


def test_a_skipped_check_says_so_in_one_line_in_the_learners_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    skipped = exercises.check_wait_gap(None, 10, "auto")  # type: ignore[arg-type]
    assert skipped.ok is None
    assert repr(skipped).startswith("○ Exercise check skipped: this is a headless run")
    use_language("ja")
    try:
        said = repr(exercises.check_wait_gap(None, 10, False))  # type: ignore[arg-type]
    finally:
        use_language("en")
    assert said == "○ 演習の確認を飛ばしました（RUN_EXERCISES が False です）。"


def test_the_wait_gap_is_checked_against_the_raw_events(target: Target, names: Names) -> None:
    deploy_sample(target, names, FIRST_DURABLE)
    arn = start_execution(target, names, {"wait_seconds": 1})
    lam = target.client("lambda")
    history.wait_for(lam, arn, expected_s=3)
    run_history = history.fetch(lam, arn)
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]

    answer = run(solution("01_wait_gap"), events=events)["waited_seconds"]
    right = exercises.check_wait_gap(run_history, answer, True)
    assert right.ok is True, right
    assert repr(right).startswith("✓ Right: the execution slept 1.")

    assert isinstance(answer, float)
    wrong = exercises.check_wait_gap(run_history, answer + 1, True)
    assert wrong.ok is False and "WaitStarted" in wrong.text
    untried = exercises.check_wait_gap(run_history, None, True)
    assert untried.ok is False and "still None" in untried.text
    not_a_number = exercises.check_wait_gap(run_history, "10 s", True)
    assert not_a_number.ok is False and "a number of seconds" in not_a_number.text


def test_one_email_fails_outside_a_step_and_passes_in_one(target: Target, names: Names) -> None:
    starter = run(code_cell("02_parallel_and_replay.ipynb", "MY_HANDLER ="))["MY_HANDLER"]
    wrong = exercises.check_one_email(target, names, starter, 1, True)
    assert wrong.ok is False, wrong
    assert wrong.text.startswith("2 e-mails in 2 invocations")

    answer = run(solution("02_one_email"))["MY_HANDLER"]
    right = exercises.check_one_email(target, names, answer, 1, True)
    assert right.ok is True, right
    assert right.text.startswith("One e-mail in 2 invocations")


def test_a_handler_that_cannot_run_is_answered_before_any_deploy(
    target: Target, names: Names
) -> None:
    broken = exercises.check_one_email(target, names, "def lambda_handler(:\n", 1, True)
    assert broken.ok is False and "does not compile, line 1" in broken.text
    renamed = exercises.check_one_email(target, names, "def handler(e, c):\n    pass\n", 1, True)
    assert renamed.ok is False and "no lambda_handler" in renamed.text
    lam = target.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=names.for_app("exercise").function)


def test_the_retention_is_read_from_lambda(target: Target, names: Names) -> None:
    deploy_sample(target, names, FIRST_DURABLE)  # a sample keeps its histories 1 day
    lam = target.client("lambda")
    before = exercises.check_retention(target, names, 14, True)
    assert before.ok is False and "keeps histories 1 days, not 14" in before.text

    durable: Any = lam.get_function_configuration(FunctionName=names.function)["DurableConfig"]
    run(solution("03_retention"), lam=lam, names=names, request={"DurableConfig": durable})
    after = exercises.check_retention(target, names, 14, True)
    assert after.ok is True, after
    kept = lam.get_function_configuration(FunctionName=names.function)["DurableConfig"]
    assert kept == {**durable, "RetentionPeriodInDays": 14}  # ExecutionTimeout kept
