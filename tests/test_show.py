"""helpers.show: tables, JSON blocks and dollar signs as notebooks show them."""

from __future__ import annotations

import cost_samples as s
from mathjax_check import math_in_html, math_in_markdown

from helpers.cost import analyse_records
from helpers.show import alternatives, json_block, no_math, no_math_html, table


def test_table_and_json_block() -> None:
    md = table([{"a": 1, "b": "x|y"}, {"a": 2.5, "c": {"k": 1}}]).data
    assert md.splitlines()[2] == "| a | b | c |"  # after the no_math container
    assert "x\\|y" in md and '{"k": 1}' in md and "| 2.5 |" in md
    assert table([]).data == "*(nothing to show)*"
    # A pair of "$" would be typeset as math in JupyterLab: escaped, they show as dollars.
    shown = table([{"cost": "$0.20 and $3", "code": "`$LATEST`"}]).data
    assert "| \\$0.20 and \\$3 | `$LATEST` |" in shown
    assert math_in_markdown(shown) == []


def test_dollar_signs_outside_code_are_escaped_for_mathjax() -> None:
    text = "cost $0.2169 in all: compute $0.2167, already \\$1; `$HOME` and\n```\n$x\n```"
    assert math_in_markdown(text) == ["$0.2169 in all: compute $"]
    assert no_math(text) == (
        '<div class="tex2jax_ignore mathjax_ignore">\n\n'
        "cost \\$0.2169 in all: compute \\$0.2167, already \\$1; `$HOME` and\n```\n$x\n```"
        "\n\n</div>"
    )
    assert math_in_markdown(no_math(text)) == []
    assert no_math(no_math(text)) == no_math(text)  # once is enough: parts can be nested
    # Escaped but not wrapped, JupyterLab's marked shows "$...$" and MathJax typesets it.
    assert math_in_markdown("cost \\$0.2169 in all: compute \\$0.2167") != []


def test_html_in_a_container_mathjax_leaves_alone() -> None:
    html = "<p>$0.2169 in all: compute $0.2167</p>"
    assert math_in_html(html) == ["$0.2169 in all: compute $"]
    assert math_in_html(no_math_html(html)) == []


def test_the_alternatives_table_shows_its_dollars_as_dollars() -> None:
    cost = analyse_records(s.execution(end_s=600), s.history(), s.text_log())
    shown = alternatives(cost).data
    # Several amounts in one cell (its assumptions, joined by <br>) among them.
    assert shown.count("\\$") >= 8
    assert math_in_markdown(shown) == []


def test_alternatives_show_retention_priced_from_the_start() -> None:
    cost = analyse_records(s.execution(end_s=3 * 86_400), s.history(), s.text_log())
    shown = alternatives(cost).data
    assert "72 h 00 min while it ran or waited, then 7 days after the end: 10.00 days" in shown
    assert json_block({"b": 1}).data == '```json\n{\n  "b": 1\n}\n```'
    # In a fenced block dollars are code: neither lifted out nor typeset, nor escaped.
    assert math_in_markdown(json_block({"v": "$LATEST and $1"}).data) == []
