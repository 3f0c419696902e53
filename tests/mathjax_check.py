"""What JupyterLab 4 would typeset as math in an output: a model of its pipeline, for tests.

JupyterLab (4.6, its MathJax 3 typesetter; read in .venv/share/jupyter/lab/static) shows
a ``text/markdown`` output in three steps, and a ``text/html`` one in the last:

1. ``removeMath`` (``@jupyterlab/rendermime``'s latex.ts) lifts ``$...$``, ``$$...$$``,
   ``\\(...\\)``, ``\\[...\\]`` and ``\\begin{..}...\\end{..}`` out of the markdown source
   (outside code spans and fenced blocks; ``\\$`` is left alone; a blank line ends a
   candidate), so they are not parsed as markdown (a "$" in a table cell breaks the table);
2. marked renders the rest (``\\$`` becomes ``$``), the lifted math goes back in verbatim;
3. MathJax typesets the host element: every text run between two element boundaries (any
   tag but ``br``/``wbr``) is searched for the same delimiters (with ``\\$`` and ``\\\\`` as
   escapes), skipping ``pre``, ``code``, ``script``, ``style``, ``textarea`` and anything
   inside an element of class ``mathjax_ignore`` (MathJax 3's ignoreHtmlClass;
   ``tex2jax_ignore`` alone is MathJax 2's and no longer honoured).

``math_in_markdown`` and ``math_in_html`` return what would be lifted out or typeset (empty:
the output shows as written). Step 2 is played by mistune, a CommonMark renderer as marked is.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import mistune

# -- step 1: JupyterLab's removeMath ---------------------------------------------------------
_SPLIT = re.compile(
    r"(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\\\[()[\]])",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^(?P<fence>`{3,}|(?:~T){3,})[^`\n]*\n[\s\S]*?^(?P=fence)`*$", re.MULTILINE)
_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.MULTILINE)


def removed_math(markdown: str) -> list[str]:
    """The segments JupyterLab's removeMath lifts out of ``markdown`` as math."""
    text = markdown
    if "`" in text or "~~~" in text:  # code: its dollars hidden, as removeMath does
        text = text.replace("~", "~T")
        text = _FENCE.sub(lambda m: m.group(0).replace("$", "~D"), text)
        text = _SPAN.sub(lambda m: m.group(0).replace("$", "~D"), text)
    blocks = _SPLIT.split(re.sub(r"\r\n?", "\n", text))
    found: list[str] = []
    start: int | None = None
    end = ""
    last: int | None = None
    braces = 0
    i = 1
    while i < len(blocks):
        block = blocks[i]
        if block.startswith("@"):
            pass
        elif start is not None:
            if block == end:
                if braces:
                    last = i
                else:
                    found.append("".join(blocks[start : i + 1]))
                    start, last = None, None
            elif re.search(r"\n.*\n", block):  # a blank line: not math after all
                if last is not None:
                    found.append("".join(blocks[start : last + 1]))
                    i = last
                start, last, braces = None, None, 0
            elif block == "{":
                braces += 1
            elif block == "}" and braces:
                braces -= 1
        elif block in ("$", "$$"):
            start, end, braces = i, block, 0
        elif block in ("\\\\(", "\\\\["):
            start, end, braces = i, "\\\\)" if block.endswith("(") else "\\\\]", 0
        elif block[1:6] == "begin":
            start, end, braces = i, "\\end" + block[6:], 0
        i += 2
    if start is not None and last is not None:
        found.append("".join(blocks[start : last + 1]))
    return found


# -- step 3: MathJax's FindTeX over the DOM's text runs ---------------------------------------
_SKIP = {"script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml"}
_INCLUDED = {"br": "\n", "wbr": ""}
_VOID = {"area", "base", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track"}
_IGNORE = re.compile(r"(?:^| )mathjax_ignore(?: |$)")
_PROCESS = re.compile(r"(?:^| )mathjax_process(?: |$)")
# inlineMath $ and \( ; displayMath $$ and \[ ; environments ; the escapes \$ and \\ .
_OPEN = re.compile(r"\$\$|\$|\\\(|\\\[|\\begin\s*\{([^}]*)\}|\\([\\$])")
_CLOSE = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


def _typeset(run: str) -> list[str]:
    found: list[str] = []
    pos = 0
    while (m := _OPEN.search(run, pos)) is not None:
        if m.group(2) is not None:  # an escape: shown as the character
            pos = m.end()
            continue
        close = f"\\end{{{m.group(1)}}}" if m.group(1) is not None else _CLOSE[m.group(0)]
        braces = 0
        for e in re.finditer(re.escape(close) + r"|\\.|[{}]", run[m.end() :], re.DOTALL):
            token = e.group(0)
            if token == close and braces == 0:
                found.append(run[m.start() : m.end() + e.end()])
                pos = m.end() + e.end()
                break
            if token == "{":
                braces += 1
            elif token == "}" and braces:
                braces -= 1
        else:
            pos = m.end()  # no end: not math
    return found


class _Runs(HTMLParser):
    """The text runs MathJax searches: split at element boundaries, minus skipped ones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.current = ""
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, ignored, skipped)

    def _push(self) -> None:
        if self.current.strip():
            self.runs.append(self.current)
        self.current = ""

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else (False, False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ignored, skipped = self._state()
        if tag in _INCLUDED:
            if not (ignored or skipped):
                self.current += _INCLUDED[tag]
            return
        self._push()
        if tag in _VOID:
            return
        cls = dict(attrs).get("class") or ""
        process = bool(_PROCESS.search(cls))
        self.stack.append(
            (
                tag,
                (ignored or bool(_IGNORE.search(cls))) and not process,
                skipped or (tag in _SKIP and not process),
            )
        )

    def handle_endtag(self, tag: str) -> None:
        if tag in _INCLUDED or tag in _VOID:
            return
        self._push()
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        ignored, skipped = self._state()
        if not (ignored or skipped):
            self.current += data

    def handle_comment(self, data: str) -> None:
        pass  # MathJax includes a comment as nothing: the run goes on

    def close(self) -> None:
        super().close()
        self._push()


def math_in_html(html: str) -> list[str]:
    """What MathJax would typeset in an HTML output (or in rendered markdown)."""
    runs = _Runs()
    runs.feed(html)
    runs.close()
    return [math for run in runs.runs for math in _typeset(run)]


_MARKDOWN = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


def math_in_markdown(markdown: str) -> list[str]:
    """What JupyterLab would lift out of a markdown output as math, or typeset in it."""
    lifted = removed_math(markdown)
    if lifted:
        return lifted
    return math_in_html(str(_MARKDOWN(markdown)))


def math_in_output(data: dict[str, object]) -> list[str]:
    """What JupyterLab would typeset in an output's mime bundle (the richest it shows)."""

    def text(value: object) -> str:
        return "".join(value) if isinstance(value, list) else str(value)

    if "text/html" in data:
        return math_in_html(text(data["text/html"]))
    if "text/markdown" in data:
        return math_in_markdown(text(data["text/markdown"]))
    return []  # text/plain and images: never typeset
