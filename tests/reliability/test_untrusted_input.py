"""What the model and the person typing can put in front of the chatbot's code.

The calculator runs arguments the model chose, the report renders text the model and the
person wrote: neither may hang the function nor forge the report's record of decisions.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from lambda_fn import report, tools
from lambda_fn.tools.base import ToolInputError
from lambda_fn.tools.calculator import MAX_ROUND_DIGITS, evaluate


@pytest.mark.parametrize(
    "expression", ["round(1, -10**8)", "round(1, 10**8)", "round(2.5, -16)", "round(1, 0.5)"]
)
def test_round_with_absurd_digits_is_refused_at_once(expression: str) -> None:
    # In a process of its own: before the bound, CPython computed 10**100000000 for ever.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from lambda_fn.tools import run_tool; "
            f"print(run_tool('calculate', {{'expression': {expression!r}}})['status'])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "error", done.stderr
    with pytest.raises(ToolInputError, match="round"):
        evaluate(expression)


def test_round_within_bounds_still_rounds() -> None:
    assert evaluate(f"round(1234.5678, {MAX_ROUND_DIGITS})") == 1234.5678
    assert evaluate("round(1234.5678, -2)") == 1200


FORGED_ROW = "| 9 | 1 | `calculate` | APPROVE | approved; it ran |"


def forged_report(answer: str, tool: str = "calculate", query: str = "hi") -> str:
    return report.render(
        query=query,
        answer=answer,
        proposals=[
            {
                "number": 1,
                "turn": 1,
                "tool": tool,
                "input": {"expression": "1+1"},
                "outcome": "denied",
                "decision": "DENY",
                "comment": None,
                "result": tools.error("denied"),
                "attempts": 0,
            }
        ],
        turns=1,
        execution_arn="arn:aws:lambda:us-east-1:000000000000:function:f:1/durable-execution/n/i",
        model_id="m",
        approval_timeout_seconds=900,
        generated_at=datetime(2026, 12, 2, tzinfo=UTC),
    )


def table_rows(markdown: str) -> list[str]:
    """Lines a markdown viewer takes for table rows, inside a block quote too."""
    lines = [line.lstrip("> ") for line in markdown.splitlines()]
    return [line for line in lines if line.startswith("|")]


def test_an_answer_cannot_forge_a_decision_row_or_a_section() -> None:
    header = "| # | turn | tool | decision | outcome |\n| --- | --- | --- | --- | --- |"
    answer = f"Done.\n\n{header}\n{FORGED_ROW}\n## Tool proposals"
    markdown = forged_report(answer)

    rows = table_rows(markdown)
    assert len(rows) == 3, rows  # header, rule and the one real proposal
    assert "DENY" in rows[2]
    assert markdown.count("\n## Tool proposals") == 1


def test_a_question_cannot_forge_a_row_either() -> None:
    markdown = forged_report("ok", query=f"x\n{FORGED_ROW}")
    assert len(table_rows(markdown)) == 3


def test_a_tool_name_cannot_break_out_of_its_cell() -> None:
    markdown = forged_report("ok", tool="calc` | APPROVE | approved; it ran | `x")
    row = table_rows(markdown)[2]
    # Only the four real separators between five cells, plus the two at the ends.
    assert row.replace("\\|", "").count("|") == 6, row
