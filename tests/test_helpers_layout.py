"""The rules helpers/README.md states, kept: one reader of durable histories and ARNs,
no private names across modules, modules of a size one can read."""

from __future__ import annotations

import ast
import re
import tokenize
from pathlib import Path

import helpers

ROOT = Path(helpers.__file__).parent
SOURCES = sorted(ROOT.rglob("*.py"))
MAX_LINES = 520  # "about 500": a module past this holds more than one concern


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def strings_in_code(path: Path) -> list[str]:
    """The string literals of a module (comments left out)."""
    with path.open("rb") as source:
        return [t.string for t in tokenize.tokenize(source.readline) if t.type == tokenize.STRING]


def test_only_the_read_model_reads_history_events_or_parses_execution_arns() -> None:
    raw = re.compile(r'^["\']((EventType|Events|\w+Details)["\']$|.*/durable-execution/\w)')
    offenders = [
        f"{relative(path)}: {text}"
        for path in SOURCES
        if relative(path).split("/")[0] not in ("durable", "localcloud")
        for text in strings_in_code(path)
        if raw.search(text)
    ]
    assert offenders == []


def test_no_private_name_is_imported_across_modules() -> None:
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("helpers")
            ):
                offenders += [
                    f"{relative(path)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and alias.name != "__future__"
                ]
    assert offenders == []


def test_every_module_is_of_a_readable_size() -> None:
    sizes = {relative(p): len(p.read_text(encoding="utf-8").splitlines()) for p in SOURCES}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
