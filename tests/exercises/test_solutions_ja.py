"""notebooks/ja/solutions/: every solution in Japanese, with the English one's code (comments
may be translated), linked from the Japanese notebooks' exercises; its code runs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cost_samples as s
import pytest

from helpers.cost import analyse_records
from helpers.cost.breakeven import BreakEven
from helpers.cost.exercise import check_cost_exercise

from .solutions import JA_SOLUTIONS, NOTEBOOKS, SOLUTIONS, block, code_tokens, run

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = sorted(p.name for p in SOLUTIONS.glob("0*.md"))


def test_every_english_solution_has_a_japanese_twin_and_no_other() -> None:
    assert ENGLISH and sorted(p.name for p in JA_SOLUTIONS.glob("0*.md")) == ENGLISH


@pytest.mark.parametrize("name", ENGLISH)
def test_the_twin_is_the_same_code_with_japanese_prose(name: str) -> None:
    english, japanese = SOLUTIONS / name, JA_SOLUTIONS / name
    assert code_tokens(block(japanese)) == code_tokens(block(english))
    prose = re.sub(r"```.*?```", "", japanese.read_text(encoding="utf-8"), flags=re.S)
    assert JAPANESE.search(prose)
    # Every API name the English prose shows in a code span is there in Japanese too.
    spans = re.compile(r"`([^`]+)`")
    english_prose = re.sub(r"```.*?```", "", english.read_text(encoding="utf-8"), flags=re.S)
    assert set(spans.findall(english_prose)) <= set(spans.findall(prose))


@pytest.mark.parametrize("folder", [SOLUTIONS, JA_SOLUTIONS], ids=["en", "ja"])
def test_each_readme_lists_every_solution(folder: Path) -> None:
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert sorted(re.findall(r"\]\((0[^)]+\.md)\)", readme)) == ENGLISH


@pytest.mark.parametrize("notebook", sorted((NOTEBOOKS / "ja").glob("0[1-5]_*.ipynb")))
def test_a_japanese_exercise_links_its_japanese_solution(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    prose = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "markdown" and re.match(r"#+ 演習", "".join(c["source"]))
    ]
    assert len(prose) == 1, notebook.name
    # Relative to notebooks/ja/: the Japanese solution, not the English one.
    (link,) = re.findall(r"\]\((solutions/[\w.]+)\)", prose[0])
    assert (notebook.parent / link).is_file() and "`notebooks/`" not in prose[0]
    english = (NOTEBOOKS / notebook.name).read_text(encoding="utf-8")
    assert link in english  # the same solution as the English exercise names


def test_the_japanese_solutions_run() -> None:
    """The blocks that need no cloud, run as pasted: 01 on two events, 02 defines the
    handler, 05 passes its check (03 and 04 are the English code, run in their tests
    through ``solution()``)."""
    t0 = datetime(2026, 12, 3, tzinfo=UTC)
    events: list[dict[str, Any]] = [
        {"EventType": "WaitStarted", "EventTimestamp": t0},
        {"EventType": "WaitSucceeded", "EventTimestamp": t0 + timedelta(seconds=10.25)},
    ]
    assert run(block(JA_SOLUTIONS / "01_wait_gap.md"), events=events)["waited_seconds"] == 10.25
    handler = run(block(JA_SOLUTIONS / "02_one_email.md"))["MY_HANDLER"]
    assert handler == run(block(SOLUTIONS / "02_one_email.md"))["MY_HANDLER"]
    even = BreakEven.of(analyse_records(s.execution(), s.history(), s.json_log()))
    space = run(block(JA_SOLUTIONS / "05_price_a_month.md"), even=even)
    check = check_cost_exercise(
        even, 10_000, 300, space["my_durable_usd"], space["my_blocking_usd"]
    )
    assert check.ok is True, check
