"""tests/mathjax_check.py: its verdicts are the ones JupyterLab 4.6 gave in Chromium.

Each case below was rendered by JupyterLab in headless Chromium (a notebook of saved
outputs) and its ``mjx-container`` elements counted; the checker must agree, so that the
escaping tests that rely on it say what a browser would show. tests/test_browser_render.py
checks the executed notebooks 04 and 05 in the browser itself.
"""

from __future__ import annotations

import pytest
from mathjax_check import math_in_html, math_in_markdown, math_in_output, removed_math

IGNORE = '<div class="tex2jax_ignore mathjax_ignore">\n\n{}\n\n</div>'

# (markdown, typeset in the browser?)
MARKDOWN = [
    ("A $0.2169 in all: compute $0.2167 B", True),
    # Escaped, the dollars still reach MathJax: marked turns "\$" into "$".
    ("C \\$0.2169 in all: compute \\$0.2167 D", True),
    ("| a | b |\n|---|---|\n| \\$0.1 | \\$0.2 |", False),  # one dollar per cell
    (IGNORE.format("**M** \\$0.2169 in all: compute \\$0.2167 N"), False),
    (IGNORE.format("| a | b |\n|---|---|\n| \\$0.1 and \\$0.3 | \\$0.2 |"), False),
    ("Q \\\\$0.2169 in all: compute \\\\$0.2167 R", False),  # "\$" reaches MathJax: an escape
    ("`$HOME` and `$PATH`", False),
    ("```\n$x and $y\n```", False),
]
# (html, typeset in the browser?)
HTML = [
    ("<p>E $1 and $2 F</p>", True),
    ("<div class='tex2jax_ignore mathjax_ignore'><p>G $1 and $2 H</p></div>", False),
    ("<div class='tex2jax_ignore'><p>G2 $1 and $2 H2</p></div>", True),  # MathJax 2's only
    ("<p>I \\$1 and \\$2 J</p>", False),
    ("<table><tr><td>$1</td><td>$2</td></tr></table>", False),  # two runs of text
    ("<table><tr><td>$1<br>and $2</td></tr></table>", True),  # a <br> does not end a run
    ("<pre>$1 and $2</pre>", False),
]


@pytest.mark.parametrize(("markdown", "typeset"), MARKDOWN)
def test_markdown_verdicts_match_the_browser(markdown: str, typeset: bool) -> None:
    assert bool(math_in_markdown(markdown)) is typeset


@pytest.mark.parametrize(("html", "typeset"), HTML)
def test_html_verdicts_match_the_browser(html: str, typeset: bool) -> None:
    assert bool(math_in_html(html)) is typeset


def test_raw_dollars_are_lifted_out_of_markdown_even_in_an_ignored_container() -> None:
    # The browser shows them, but as a verbatim piece that was never parsed as markdown:
    # in a table row that piece takes the cell separators with it.
    assert removed_math("| $0.1 | $0.2 |") == ["$0.1 | $"]
    assert math_in_markdown(IGNORE.format("O $0.2169 in all: compute $0.2167")) == [
        "$0.2169 in all: compute $"
    ]
    assert removed_math("$1\n\nand $2") == []  # a blank line ends a candidate


def test_an_output_is_judged_by_what_jupyterlab_shows_of_it() -> None:
    pair = "$1 and $2"
    assert math_in_output({"text/plain": pair}) == []  # plain text is never typeset
    assert math_in_output({"text/markdown": pair, "text/plain": "x"}) == ["$1 and $"]
    assert math_in_output({"text/html": [f"<p>{pair}</p>"]}) == ["$1 and $"]
