"""Dollar signs that show as dollars, never as MathJax math: ``no_math`` for markdown,
``no_math_html`` for HTML.

A module of its own, below everything that renders (``show``, ``history``, ``cost.join``,
``brief``, ``outcome``): ``helpers.show`` imports ``helpers.cost``, so the cost package
could not import the escaping from ``show`` at import time.
"""

from __future__ import annotations

import re

# Fenced code blocks and inline code spans: JupyterLab's markdown renderer and MathJax
# leave them alone, and an escaped dollar sign there would show its backslash.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)

# MathJax 3 (JupyterLab 4) typesets nothing inside an element of class mathjax_ignore (its
# ignoreHtmlClass); tex2jax_ignore is the same for MathJax 2 (the classic Notebook).
NO_MATH_CLASS = "tex2jax_ignore mathjax_ignore"
_NO_MATH_OPEN = f'<div class="{NO_MATH_CLASS}">'


def no_math(markdown: str) -> str:
    """``markdown`` that JupyterLab shows with its dollar signs, never as math: "$0.2169 in
    all: compute $0.2167" would be typeset by MathJax, and in a table break it.

    Both steps are needed in JupyterLab 4: each ``$`` outside code becomes ``\\$`` (else its
    markdown renderer lifts "$...$" out as math before parsing the markdown, which breaks
    tables), and the text is wrapped in a ``mathjax_ignore`` container (else MathJax
    typesets the dollar pairs that the rendered markdown shows, escaped or not)."""
    if markdown.startswith(_NO_MATH_OPEN):
        return markdown
    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # the even parts are outside code
        parts[i] = re.sub(r"(?<!\\)\$", r"\\$", parts[i])
    pieces = _text_and_code("".join(parts))
    # A blank line after the tag: the markdown inside is parsed as markdown (CommonMark).
    return "\n\n".join(
        piece if code else f"{_NO_MATH_OPEN}\n\n{piece.strip(chr(10))}\n\n</div>"
        for code, piece in pieces
        if code or piece.strip()
    )


_HTML_OPEN = re.compile(r"<(?:details|div)\b", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"</(?:details|div)>", re.IGNORECASE)


def _text_and_code(markdown: str) -> list[tuple[bool, str]]:
    """``markdown`` cut into text and the fenced code blocks at its top level, in order.

    Those code blocks stay outside the no-math container: MathJax skips code anyway, and
    JupyterLab's stylesheet spaces a code block only as a direct child of the output
    (``.jp-RenderedHTMLCommon > pre``). A fence inside an HTML block (``<details>``) stays
    where it is, in the text."""
    pieces: list[tuple[bool, list[str]]] = [(False, [])]
    fence = ""  # the open fence's backticks, if any
    depth = 0  # HTML blocks open around this line
    for line in markdown.split("\n"):
        opening = re.match(r"`{3,}", line)
        if not fence and opening:
            fence = opening.group(0)
            if depth == 0:
                pieces.append((True, []))
        elif fence:
            if line.strip() == fence:
                fence = ""
                pieces[-1][1].append(line)
                if pieces[-1][0]:
                    pieces.append((False, []))
                continue
        else:
            depth = max(depth + len(_HTML_OPEN.findall(line)) - len(_HTML_CLOSE.findall(line)), 0)
        pieces[-1][1].append(line)
    return [(code, "\n".join(lines)) for code, lines in pieces]


def no_math_html(html: str) -> str:
    """``html`` in a container that MathJax leaves alone: its dollar signs show as typed."""
    return f"{_NO_MATH_OPEN}{html}</div>"
