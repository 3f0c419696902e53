"""The exercises as the notebooks give them and as the solutions answer them, read from
the committed files: the tests check what a learner sees, not a copy."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
JA_SOLUTIONS = NOTEBOOKS / "ja" / "solutions"  # the same code, the prose in Japanese


def block(path: Path) -> str:
    """The one Python block of a solution file."""
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, f"{path.name} holds one python block"
    return str(blocks[0])


def code_tokens(code: str) -> list[tuple[int, str]]:
    """The code's tokens, comments and blank lines left out (a comment may be translated)."""
    skipped = {tokenize.COMMENT, tokenize.NL}
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [(t.type, t.string) for t in tokens if t.type not in skipped]


def solution(name: str) -> str:
    """The Python block of ``solutions/<name>.md``; the Japanese twin's block is checked to
    be the same code, so whatever runs this one runs the Japanese solution too."""
    english = block(SOLUTIONS / f"{name}.md")
    japanese = block(JA_SOLUTIONS / f"{name}.md")
    assert code_tokens(japanese) == code_tokens(english), f"ja/solutions/{name}.md differs"
    return english


def code_cell(notebook: str, starts_with: str) -> str:
    """The one code cell of ``notebook`` that starts with ``starts_with``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    found = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and "".join(c["source"]).startswith(starts_with)
    ]
    assert len(found) == 1, (notebook, starts_with, len(found))
    return found[0]


def run(code: str, **names: object) -> dict[str, object]:
    """Execute ``code`` with ``names`` defined, as a notebook cell would; its namespace."""
    namespace: dict[str, object] = dict(names)
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace
