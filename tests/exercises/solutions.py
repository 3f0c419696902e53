"""The exercises as the notebooks give them and as the solutions answer them, read from
the committed files: the tests check what a learner sees, not a copy."""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"


def solution(name: str) -> str:
    """The Python block of ``solutions/<name>.md``."""
    text = (SOLUTIONS / f"{name}.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, f"{name}.md holds one python block"
    return str(blocks[0])


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
