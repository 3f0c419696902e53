"""helpers.show: tables, JSON blocks and dollar signs as notebooks show them."""

from __future__ import annotations

import cost_samples as s

from helpers.cost import analyse_records
from helpers.show import alternatives, json_block, no_math, table


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


def test_alternatives_show_retention_priced_from_the_start() -> None:
    cost = analyse_records(s.execution(end_s=3 * 86_400), s.history(), s.text_log())
    shown = alternatives(cost).data
    assert "72 h 00 min while it ran or waited, then 7 days after the end: 10.00 days" in shown
    assert json_block({"b": 1}).data == '```json\n{\n  "b": 1\n}\n```'
