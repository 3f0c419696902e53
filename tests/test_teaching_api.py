"""helpers' teaching API: the names the notebooks call, each readable with ``?``."""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import helpers

NOTEBOOKS = sorted(Path(helpers.__file__).parent.parent.glob("notebooks/**/*.ipynb"))


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def imported_from_helpers(source: str) -> list[tuple[str, str]]:
    """(module, name) for every ``from helpers... import name`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            found += [(node.module or "", alias.name) for alias in node.names]
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("helpers")]
    return found


def test_all_is_exactly_what_the_api_imports_and_every_name_resolves() -> None:
    assert len(set(helpers.__all__)) == len(helpers.__all__)
    tree = ast.parse(Path(helpers.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    imported = {a.name for node in block.body for a in node.names}  # type: ignore[attr-defined]
    assert imported == set(helpers.__all__)
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = helpers.nothing_here  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", helpers.__all__)
def test_every_name_says_what_it_does(name: str) -> None:
    value = getattr(helpers, name)
    if isinstance(value, str):  # a constant: the API's docstring tells it
        assert f"``{name}``" in (helpers.__doc__ or "")
        return
    assert isinstance(value, ModuleType | type) or callable(value)
    doc = value.__doc__ if isinstance(value, ModuleType) else inspect.getdoc(value)
    assert doc and len(doc.split()) >= 5, f"{name} needs a docstring a learner can read"
    assert f"``{name}``" in (helpers.__doc__ or ""), f"{name} is missing from the API's list"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_notebooks_import_only_the_teaching_api(notebook: Path) -> None:
    for source in code_cells(notebook):
        for module, name in imported_from_helpers(source):
            assert module == "helpers" and name in helpers.__all__, (notebook.name, module, name)


def test_every_name_is_used_by_a_notebook() -> None:
    used = {
        name
        for notebook in NOTEBOOKS
        for source in code_cells(notebook)
        for _, name in imported_from_helpers(source)
    }
    assert set(helpers.__all__) <= used, set(helpers.__all__) - used


def test_importing_the_api_loads_nothing_heavy() -> None:
    # The local cloud's workers and the CLI tools import helpers first: it must stay cheap.
    heavy = ("matplotlib", "ipywidgets", "boto3", "moto")
    probe = f"import sys, helpers; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_layers_run_one_way() -> None:
    # Below the teaching API nothing imports it, and only target.py reaches the local cloud.
    root = Path(helpers.__file__).parent
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] == "localcloud" or path.name == "__main__.py":
            continue
        source = path.read_text(encoding="utf-8")
        for module, _ in imported_from_helpers(source):
            assert module != "helpers", f"{relative} imports the teaching API"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = re.sub(r"^\.+", "", "." * node.level + (node.module or ""))
                if target.startswith("localcloud"):
                    assert relative == Path("target.py"), f"{relative} imports the local cloud"
