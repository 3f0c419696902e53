"""Notebook 04 in a real browser, clicked as a person would.

JupyterLab runs on loopback against an in-process local cloud; Debian's Chromium, driven by
Playwright for Python (the system browser: no browser download), opens notebook 04 in
widget mode and runs all cells: a cell starts the conversation and answers its first
request (DECISIONS: the search approved), then the test clicks Deny and Approve on the
panel's cards, with Send disabled meanwhile. The page must show the answer and the
decisions, and boto3 must see the execution SUCCEEDED with the same decisions. Screenshots
of the panel are kept under outputs/browser/ for review.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_lab import (
    Lab,
    browser_fixture,  # noqa: F401  (the browser fixture)
    browser_or_skip,
    notebooks_run,
    running_lab,
)
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from helpers.approvals.contract import short_id
from helpers.cost import list_executions
from helpers.deploy import Names
from helpers.localcloud import LocalCloud
from helpers.target import Target, connect

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "outputs" / "tmp"  # gitignored; CI keeps them next to the log
KEPT = ROOT / "outputs" / "browser"  # the screenshots for review (gitignored, kept)
KERNEL_IDLE = re.compile(r"\(ipykernel\) \| Idle")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
UI_TIMEOUT_MS = 60_000  # one wait in the page: the first kernel start takes the longest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


# ---------------------------------------------------------------------------------------
# JupyterLab and Chromium (tests/browser_lab.py)


@pytest.fixture(scope="module")
def lab(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 with a token, the repo as its root, its kernels pointed at
    the test's local cloud; every Jupyter dir it writes is temporary."""
    browser_or_skip()
    home = tmp_path_factory.mktemp("jupyter")
    with running_lab(ROOT, home, AWS_ENDPOINT_URL=cloud.endpoint) as server:
        yield server


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        # A picture of the page however the test ended: the first thing to look at.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # never hide the test's own failure
            page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()


@pytest.fixture
def notebook_copy() -> Iterator[Any]:
    """``notebook_copy(source, parameters) -> path``: a parameterized copy beside the
    notebooks (same working directory, so relative paths in it still hold), removed after.
    Its name keeps it out of ``make workshop``'s glob."""
    made: list[Path] = []

    def make(source: Path, parameters: dict[str, Any]) -> Path:
        # papermill's own injection (an "injected-parameters" cell after the tagged one),
        # without executing anything: JupyterLab runs it.
        nb = parameterize_notebook(load_notebook_node(str(source)), parameters)
        path = NOTEBOOKS / f"_browser_test_{uuid.uuid4().hex[:8]}.ipynb"
        made.append(path)
        nbformat.write(nb, path)
        return path

    try:
        yield make
    finally:
        for path in made:
            path.unlink(missing_ok=True)
            checkpoint = NOTEBOOKS / ".ipynb_checkpoints" / f"{path.stem}-checkpoint.ipynb"
            checkpoint.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # JupyterLab made it; only if nothing else is in it
            (NOTEBOOKS / ".ipynb_checkpoints").rmdir()


def open_and_run_all(page: Any, lab: Lab, notebook: Path) -> None:
    """Open the notebook, wait for its kernel, then Run > Run All Cells from the menu."""
    page.goto(lab.open_url(notebook))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
    # The status bar reads "No Kernel | Initializing", "... | Connecting", then "Python 3
    # (ipykernel) | Idle": only then does Run All reach a kernel. (The execution indicator's
    # data-status already says idle before any kernel exists.)
    wait_kernel_idle(page)
    # Fold the file browser away (click its active tab), as a person makes room.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_kernel_idle(page: Any) -> None:
    page.locator("#jp-main-statusbar").get_by_text(KERNEL_IDLE).wait_for()


# ---------------------------------------------------------------------------------------
# The stack alone: JupyterLab renders ipywidgets and a click reaches the kernel


def _widget_notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('MODE = "auto"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import ipywidgets as w\n"
            "box = w.Text(placeholder='your name')\n"
            "out = w.HTML('nothing yet')\n"
            "go = w.Button(description='Go')\n"
            "go.on_click(lambda _b: setattr(out, 'value', f'hello {box.value} ({MODE})'))\n"
            "w.VBox([w.HBox([box, go]), out])"
        ),
    ]
    return nb


def test_jupyterlab_renders_widgets_and_clicks_reach_the_kernel(
    notebook_copy: Any, page: Any, lab: Lab, tmp_path: Path
) -> None:
    """A few seconds that tell a broken browser stack apart from a broken notebook 04."""
    nbformat.write(_widget_notebook(), tmp_path / "widgets.ipynb")
    path = notebook_copy(tmp_path / "widgets.ipynb", {"MODE": "widget"})
    open_and_run_all(page, lab, path)
    page.get_by_placeholder("your name").fill("jaws")
    page.locator("button.jupyter-button", has_text="Go").click()
    page.get_by_text("hello jaws (widget)").wait_for()


# ---------------------------------------------------------------------------------------
# Notebook 04, as a person uses it

NOTEBOOK_04 = NOTEBOOKS / "04_chatbot_with_approvals.ipynb"
PREFIX = "browser-test"  # fixed: a rerun overwrites its state file instead of adding one
# The workshop model plans one tool per part of this question, in this order.
QUESTION = (
    "What happens to a durable execution while a callback waits for approval, "
    "what is 3 * 17.5, and what would 1000 executions at 512 MB cost?"
)
TOOLS = ["search_docs", "calculate", "estimate_lambda_cost"]
# The notebook's own cell answers the first request with DECISIONS (by tool: search_docs
# APPROVE); the person clicks the panel's cards: Deny the calculation, then Approve.
CELL_DECISION = "APPROVE"
CLICKS = ["DENY"]  # the first card; Approve on every card after it
DENY_COMMENT = "not this one, thanks"
FINISH_S = 90  # from the first card to the result in the page (about 10 s here)


def decision_for(card: int) -> str:
    return CLICKS[card] if card < len(CLICKS) else "APPROVE"


def keep_screenshot(target: Any, name: str) -> Path:
    """A screenshot kept for review: outputs/browser/<name>.png."""
    KEPT.mkdir(parents=True, exist_ok=True)
    path = KEPT / f"{name}.png"
    target.screenshot(path=str(path))
    return path


@pytest.fixture(scope="module")
def deployed(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The chatbot deployed under PREFIX by notebook 03 itself (papermill), as an attendee
    has done before opening 04; its state file is removed afterwards."""
    out = tmp_path_factory.mktemp("notebook-03")
    with notebooks_run(cloud, out, PREFIX, ["03_deploy"]):
        yield connect("local", cloud.region)


def _executions(lam: Any, function: str) -> set[str]:
    # Every version's: a listing without a Qualifier covers $LATEST only, as on AWS.
    found = list_executions(lam, function, limit=10_000)
    return {str(item["DurableExecutionArn"]) for item in found}


def answer_cards(page: Any, deadline: float) -> list[str]:
    """Click on each card as it appears (CLICKS, then Approve), typing a comment before a
    Deny, until the panel shows the result; returns the decisions clicked, in order. Send
    stays disabled while the conversation runs."""
    open_card = page.locator(".widget-hbox").filter(
        has=page.locator("button.jupyter-button:not([disabled])", has_text="Approve")
    )
    answered = page.locator("button.jupyter-button[disabled]", has_text="Approve")
    result = page.locator(".widget-html", has_text="Decisions:")  # the panel's result area
    send = page.locator("button.jupyter-button", has_text="Send")
    clicked: list[str] = []
    while result.count() == 0:
        assert time.monotonic() < deadline, f"no result within {FINISH_S} s; clicked {clicked}"
        if open_card.count() == 0:
            time.sleep(0.2)  # the panel long-polls SQS: the next card or the result comes
            continue
        assert send.is_disabled(), "Send is enabled while the conversation runs"
        card = open_card.first
        if not clicked:
            card.scroll_into_view_if_needed()
            keep_screenshot(page, "04-first-card")
        decision = decision_for(len(clicked))
        if decision == "DENY":
            card.get_by_placeholder("comment (optional)").fill(DENY_COMMENT)
        card.locator("button.jupyter-button", has_text=decision.title()).click()
        clicked.append(decision)
        # The card greys out once the kernel has sent the answer: never click one twice.
        while answered.count() < len(clicked):
            assert time.monotonic() < deadline, f"card {len(clicked)} never greyed out"
            time.sleep(0.1)
    return clicked


def test_notebook_04_a_cell_answers_then_deny_approve_in_the_browser(
    notebook_copy: Any, page: Any, lab: Lab, deployed: Target, tmp_path: Path
) -> None:
    lam = deployed.client("lambda")
    function = Names.for_target(deployed, PREFIX).function
    before = _executions(lam, function)
    path = notebook_copy(
        NOTEBOOK_04,
        {
            "TARGET": "local",
            "REGION": deployed.region,
            "PREFIX": PREFIX,
            "APPROVAL_MODE": "widget",
            "QUERY": QUESTION,
            "OUTPUT_DIR": str(tmp_path),
        },
    )
    started = time.monotonic()
    open_and_run_all(page, lab, path)

    # The notebook's own cell answered the first request; the panel follows the execution.
    page.get_by_text(f"{CELL_DECISION} sent for approve #1 ({TOOLS[0]})").wait_for()
    page.locator(".approval-card").first.wait_for()
    clicked = answer_cards(page, time.monotonic() + FINISH_S)
    seconds = time.monotonic() - started
    expected = [CELL_DECISION] + [decision_for(card) for card in range(len(TOOLS) - 1)]
    assert clicked == expected[1:]

    # What the person sees: the execution ended, the answer, the report link, the decisions.
    new = _executions(lam, function) - before
    assert len(new) == 1, f"expected one new execution, found {sorted(new)}"
    arn = new.pop()
    shown = ", ".join(f"{tool} → {d}" for tool, d in zip(TOOLS, expected, strict=True))
    page.get_by_text(f"Decisions: {shown}").wait_for()
    page.get_by_text(f"DENY sent · {DENY_COMMENT}").wait_for()  # the panel's first card
    cards = page.locator(".approval-card")
    assert cards.count() == len(TOOLS) - 1
    assert cards.first.inner_text().startswith(f"#2 {TOOLS[1]}")  # numbered as the handler does
    status = page.locator(".widget-html", has_text=f"{short_id(arn)}: SUCCEEDED")
    assert f"0 waiting · {len(TOOLS) - 1} answered" in status.inner_text()
    assert page.locator("button.jupyter-button", has_text="Send").is_enabled()  # it ended
    result_area = page.locator(".widget-html", has_text="Decisions:").last
    assert result_area.inner_text().startswith("Answer")
    href = result_area.get_by_role("link", name="Open the report").get_attribute("href")
    assert (href or "").startswith(f"{deployed.endpoint}/")  # presigned, on the local cloud
    # The answer as markdown: its list rendered, its dollar figures as text, no MathJax.
    assert result_area.locator("li").count() >= 2
    assert re.search(r"\$\d+\.\d{4}", result_area.inner_text())
    assert page.locator(".jp-NotebookPanel mjx-container, .jp-NotebookPanel .MathJax").count() == 0
    result_area.scroll_into_view_if_needed()
    keep_screenshot(page, "04-result")
    keep_screenshot(page.locator(".approval-card").first, "04-card-answered")
    # The taught cells as the learner sees them: the handler's wait, the answer sent.
    for name, text in (
        ("04-handler-code", "# lambda_fn/app.py"),
        ("04-answer-cell", "lam.send_durable_execution_callback_success("),
    ):
        cell = page.locator(".jp-CodeCell", has_text=text).first
        cell.scroll_into_view_if_needed()
        keep_screenshot(cell, name)

    # What the cloud says.
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "SUCCEEDED", details.get("Error")
    result = json.loads(details["Result"])
    assert [(d["tool"], d["decision"]) for d in result["decisions"]] == list(
        zip(TOOLS, expected, strict=True)
    )
    assert result["decisions"][1]["comment"] == DENY_COMMENT  # typed in the Deny card
    assert "52.5" not in result["answer"]  # the denied calculation never ran
    print(f"Run All to result in the browser: {seconds:.1f} s")
