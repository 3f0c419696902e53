"""The calls the workshop teaches stand in the notebooks' code cells, as a learner types them.

A helper may keep the plumbing (idempotency, waiting, rendering), but the AWS call or the
handler line a notebook teaches must be in one of its code cells: hidden inside a helper, an
attendee could not write it after the session.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def code_cells(name: str, folder: Path = NOTEBOOKS) -> list[str]:
    notebook = json.loads((folder / name).read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def calls_in(source: str) -> set[str]:
    """The names of the functions and methods called in ``source`` (IPython magics dropped)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def notebook_named(prefix: str) -> str:
    (path,) = NOTEBOOKS.glob(f"{prefix}_*.ipynb")
    return path.name


# (notebook, call made in one of its code cells, words its code cells must show)
TAUGHT = [
    ("01", "get_durable_execution_history", ()),
    ("03", "create_role", ("AssumeRolePolicyDocument", "PermissionsBoundary", "Tags")),
    ("03", "attach_role_policy", ("AWSLambdaBasicDurableExecutionRolePolicy",)),
    ("03", "put_role_policy", ("PolicyDocument",)),
    ("03", "create_function", ("DurableConfig", "LoggingConfig", "Role")),
    ("03", "publish_version", ()),
    ("03", "create_alias", ()),
    ("04", "send_durable_execution_callback_success", ("CallbackId",)),
    ("04", "wait_for_callback", ()),
    ("05", "get_durable_execution_history", ()),
]


@pytest.mark.parametrize(("number", "call", "words"), TAUGHT)
def test_the_taught_call_is_in_a_code_cell(number: str, call: str, words: tuple[str, ...]) -> None:
    name = notebook_named(number)
    cells = [cell for cell in code_cells(name) if call in calls_in(cell)]
    assert cells, f"{name}: no code cell calls {call}(...): it is the lesson, show it"
    code = "\n".join(code_cells(name))
    missing = [word for word in words if word not in code]
    assert not missing, f"{name}: the request of {call}(...) should show {', '.join(missing)}"


def test_the_handler_code_shown_in_04_is_the_deployed_one() -> None:
    """04's copy of the approval code is verbatim in lambda_fn/app.py: it cannot drift."""
    app = (NOTEBOOKS.parent / "lambda_fn" / "app.py").read_text(encoding="utf-8")
    shown = [cell for cell in code_cells(notebook_named("04")) if "wait_for_callback(" in cell]
    assert shown
    for cell in shown:
        body = [line for line in cell.splitlines() if line.strip() and not line.startswith("#")]
        assert "\n".join(body) in app or all(line in app for line in body), (
            "04 shows approval code that is not lambda_fn/app.py's"
        )


def test_the_checker_sees_a_call_only_where_it_is_made() -> None:
    assert "create_function" in calls_in("lam.create_function(**request)")
    assert "create_function" not in calls_in("# lam.create_function(**request)")
    assert "create_function" not in calls_in("text = 'create_function('")
