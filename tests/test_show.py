"""helpers.show: tables, JSON blocks and dollar signs as notebooks show them."""

from __future__ import annotations

import ast
from pathlib import Path

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
        "cost \\$0.2169 in all: compute \\$0.2167, already \\$1; `$HOME` and"
        "\n\n</div>\n\n"
        "```\n$x\n```"  # a code block stays out of the container, as it was
    )
    assert math_in_markdown(no_math(text)) == []
    assert no_math(no_math(text)) == no_math(text)  # once is enough: parts can be nested
    # Escaped but not wrapped, JupyterLab's marked shows "$...$" and MathJax typesets it.
    assert math_in_markdown("cost \\$0.2169 in all: compute \\$0.2167") != []


def test_code_blocks_stay_direct_children_of_the_output_unless_in_html() -> None:
    # JupyterLab spaces a code block as ".jp-RenderedHTMLCommon > pre": not in the container.
    text = "In $1 and $2\n```json\n{}\n```\n<details>\n\n```text\nlog $3 $4\n```\n</details>"
    shown = no_math(text)
    assert "</div>\n\n```json\n{}\n```\n\n<div" in shown
    assert "<details>\n\n```text\nlog $3 $4\n```\n</details>\n\n</div>" in shown
    assert math_in_markdown(shown) == []


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


HELPERS = Path(__file__).resolve().parents[1] / "helpers"
SAFE_CALLS = {"no_math", "no_math_html"}


def _escaped(node: ast.expr | None) -> bool:
    """Passed through no_math/no_math_html, a fixed text with no "$", or a fenced block."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in SAFE_CALLS
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and "$" not in node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return isinstance(first, ast.Constant) and str(first.value).startswith("```")
    return False


def test_every_markdown_and_html_output_of_the_helpers_goes_through_no_math() -> None:
    """What a notebook cell shows as markdown or HTML: IPython's Markdown(...)/HTML(...)
    and the _repr_markdown_/_repr_html_ of helper objects. (The approval panel's widgets
    are the panel's own, tested in the browser.)"""
    unescaped = []
    for path in sorted(HELPERS.rglob("*.py")):
        if "localcloud" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(HELPERS.parent)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("Markdown", "HTML")
                and not _escaped(node.args[0] if node.args else None)
            ):
                unescaped.append(f"{where}:{node.lineno} {node.func.id}(...)")
            if isinstance(node, ast.FunctionDef) and node.name in (
                "_repr_markdown_",
                "_repr_html_",
            ):
                returns = [r for r in ast.walk(node) if isinstance(r, ast.Return)]
                unescaped += [
                    f"{where}:{r.lineno} {node.name} returns"
                    for r in returns
                    if not _escaped(r.value)
                ]
    assert not unescaped, "pass these through show.no_math/no_math_html: " + ", ".join(unescaped)
