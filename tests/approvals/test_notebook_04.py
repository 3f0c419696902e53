"""Notebook 04 teaches the chatbot's real approval code and the real answering call.

The cells that show the handler's code hold it verbatim (so they cannot drift from
``lambda_fn/``) and run harmlessly (they only define the functions); the cell that answers
the first request makes the call a learner would type, with the request's callback id.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [ROOT / "notebooks" / "04_chatbot_with_approvals.ipynb"]
if (ROOT / "notebooks" / "ja" / "04_chatbot_with_approvals.ipynb").exists():
    NOTEBOOKS.append(ROOT / "notebooks" / "ja" / "04_chatbot_with_approvals.ipynb")
FUTURE = "from __future__ import annotations"
SOURCE_HEADER = re.compile(r"#\s*(lambda_fn/[a-z_]+\.py)\b")


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def handler_cells(notebook: Path) -> list[tuple[str, str]]:
    """(file, code) for each cell that shows a file of lambda_fn/: its first line names the
    file; the code is what follows the cell's own future import."""
    shown = []
    for source in code_cells(notebook):
        first, _, rest = source.partition("\n")
        named = SOURCE_HEADER.fullmatch(first.strip())
        if named is None:
            continue
        assert rest.lstrip().startswith(FUTURE), f"{named.group(1)}: {FUTURE} first"
        shown.append((named.group(1), rest.lstrip()[len(FUTURE) :].strip("\n")))
    return shown


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_the_handler_code_in_04_is_verbatim_from_lambda_fn(notebook: Path) -> None:
    shown = handler_cells(notebook)
    assert [file for file, _ in shown] == ["lambda_fn/approvals.py", "lambda_fn/app.py"]
    for file, code in shown:
        assert code and code in (ROOT / file).read_text(encoding="utf-8"), file
    app_code = dict(shown)["lambda_fn/app.py"]
    assert "context.wait_for_callback(" in app_code and "approvals.submitter(" in app_code
    assert "send_message(" in dict(shown)["lambda_fn/approvals.py"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_the_handler_cells_only_define_functions(notebook: Path) -> None:
    namespace: dict[str, object] = {}
    for source in code_cells(notebook):
        if SOURCE_HEADER.fullmatch(source.partition("\n")[0].strip()):
            tree = ast.parse(source)
            assert all(isinstance(node, ast.FunctionDef | ast.ImportFrom) for node in tree.body), (
                source[:80]
            )
            exec(compile(tree, "<04 cell>", "exec"), namespace)  # as the kernel runs it
    assert callable(namespace["submitter"]) and callable(namespace["settle"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_04_answers_the_first_request_with_the_raw_calls(notebook: Path) -> None:
    code = "\n".join(code_cells(notebook))
    for line in (
        "message = wait_for_request(target, deployed.queue_url, execution_arn)",
        'request = json.loads(message["Body"])',
        'decision, comment = panel.decision_for(request["tool"])',
        "lam.send_durable_execution_callback_success(",
        'CallbackId=request["callback_id"],',
        'Result=json.dumps({"decision": decision, "comment": comment}),',
        'sqs.delete_message(QueueUrl=deployed.queue_url, ReceiptHandle=message["ReceiptHandle"])',
        "DurableExecutionName=name,",
        "result = panel.follow(execution_arn, timeout=180)",
    ):
        assert line in code, line
    # The cell answers before the panel takes over.
    assert code.index("send_durable_execution_callback_success(") < code.index("panel.follow(")
