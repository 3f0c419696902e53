"""Notebook 05's exercise: the check cell tells a right answer from a wrong one, and the
committed solution passes it."""

from __future__ import annotations

import json
from pathlib import Path

import cost_samples as s
import pytest

from helpers import exercises
from helpers.cost import analyse_records
from helpers.cost.breakeven import BreakEven
from helpers.cost.exercise import check_cost_exercise
from helpers.exercises.checks import skipped
from helpers.params import ParameterError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOLUTION = NOTEBOOKS / "solutions" / "05_price_a_month.md"
EXERCISE = NOTEBOOKS / "05_billed_vs_wallclock.ipynb"


@pytest.fixture
def even() -> BreakEven:
    return BreakEven.of(analyse_records(s.execution(), s.history(), s.json_log()))


def _solution() -> str:
    text = SOLUTION.read_text()
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def _code(notebook: Path, containing: str) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    (cell,) = [c for c in cells if c["cell_type"] == "code" and containing in "".join(c["source"])]
    return "".join(cell["source"])


def test_the_solution_passes(even: BreakEven) -> None:
    space: dict[str, object] = {"even": even}
    exec(_solution(), space)
    check = check_cost_exercise(
        even, 10_000, 300, space["my_durable_usd"], space["my_blocking_usd"]
    )
    assert check.ok is True
    assert "Both right" in check.text and "could not even run" in check.text  # 3 x 5 min
    assert repr(check).startswith("✓ ")


def test_the_unanswered_exercise_says_what_to_do(even: BreakEven) -> None:
    space: dict[str, object] = {"even": even}
    exec(_code(EXERCISE, "my_durable_usd = None"), space)
    check = check_cost_exercise(
        even,
        space["CONVERSATIONS"],  # type: ignore[arg-type]
        space["THINK_S"],  # type: ignore[arg-type]
        space["my_durable_usd"],
        space["my_blocking_usd"],
    )
    assert check.ok is False and "set it to a number" in check.text


def test_a_wrong_answer_gets_a_hint(even: BreakEven) -> None:
    run, p = even.run, even.prices
    gb = run.memory_mb / 1024
    # Forgot the durable operations, and billed the blocking Lambda only for its work.
    durable = 10_000 * (
        run.invocations * p.lambda_requests_per_million / 1e6
        + run.billed_ms / 1000 * gb * p.lambda_gb_second
    )
    blocking = 10_000 * (p.lambda_requests_per_million / 1e6 + run.work_s * gb * p.lambda_gb_second)
    check = check_cost_exercise(even, 10_000, 300, durable, blocking)
    assert check.ok is False and repr(check).startswith("✗ ")
    assert "operations x operation price" in check.text and "approvals x think_s" in check.text


def test_a_boolean_is_not_an_answer(even: BreakEven) -> None:
    assert check_cost_exercise(even, 10, 300, True, 1.0).ok is False


def test_run_exercises_auto_skips_headless_and_checks_in_jupyterlab(
    even: BreakEven, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    skipped = check_cost_exercise(even, 10, 300, None, None, "auto")
    assert skipped.ok is None and "headless run" in skipped.text
    assert "\n" not in skipped.text  # one line
    monkeypatch.setenv("JPY_SESSION_NAME", "05_billed_vs_wallclock.ipynb")
    assert check_cost_exercise(even, 10, 300, None, None, "auto").ok is False
    assert "is False" in check_cost_exercise(even, 10, 300, None, None, False).text
    # A setting that is none of those: the ParameterError every exercise check raises
    # (one line in a notebook), saying what to write.
    with pytest.raises(ParameterError, match='use "auto"'):
        check_cost_exercise(even, 10, 300, 1.0, 1.0, "yes")


def test_the_check_shares_the_other_exercises_gate_and_verdict(
    even: BreakEven, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    for setting in ("auto", False):
        assert check_cost_exercise(even, 10, 300, None, None, setting) == skipped(setting)
    assert isinstance(check_cost_exercise(even, 10, 300, True, 1.0), exercises.Verdict)
