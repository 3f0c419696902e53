"""Notebooks 04 and 05 as executed, as a browser shows them: dollars, never math.

Notebooks 00, 03, 04 and 05 run headless (papermill) against an in-process local cloud;
JupyterLab on loopback opens the executed 04 and 05 in Debian's Chromium (Playwright for
Python, the system browser), renders every saved output and typesets with MathJax as it
does for an attendee. No output may hold a MathJax element, and every dollar amount the
outputs hold ("$0.2169") must be in the page as text. A control cell appended to each
copy holds real math: it must be typeset, or the check above would prove nothing.

Outputs are found by their content, not their position, so that the notebooks' cells may
move. Full-page screenshots, and one per output with a dollar amount, are kept under
outputs/browser/ for review.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_lab import (
    NO_NEWS,
    Lab,
    browser_fixture,  # noqa: F401  (the browser fixture)
    browser_or_skip,
    jupyter_env,
    notebooks_run,
    running_lab,
)

from helpers.localcloud import LocalCloud

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "outputs" / "browser"  # gitignored; kept for review
SERIES = ["00_setup", "03_deploy", "04_chatbot_with_approvals", "05_billed_vs_wallclock"]
SHOWN = {"04_chatbot_with_approvals": "04-outcome", "05_billed_vs_wallclock": "05-cost"}
PREFIX = "render-test"
UI_TIMEOUT_MS = 90_000  # the first page load fetches MathJax's chunks too
MAX_SHOT_HEIGHT = 30_000  # px: a whole notebook in one picture, within Chromium's limits
CONTROL = "MathJax control (added by the render test): $e^{i\\pi} + 1 = 0$"
CONTROL_CELL = "# mathjax control cell, added by tests/test_browser_render.py"
CONTROL_MARK = "mathjax control cell"  # how the page's cell is told apart
MATH = "mjx-container, .MathJax"
# A dollar amount as a learner reads it: $0.2169, $4.20, $1,000, $0.
DOLLARS = re.compile(r"\$\d[\d,]*(?:\.\d+)?")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


# ---------------------------------------------------------------------------------------
# The executed notebooks and what their outputs say


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def dollar_figures(nb: Any) -> tuple[set[str], set[str]]:
    """The dollar amounts in the notebook's outputs: (in markdown or HTML outputs, the ones
    MathJax could garble; in any output), as the page should show them."""
    rich: set[str] = set()
    every: set[str] = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("text/markdown", "text/html"):
                if mime in data:
                    found = DOLLARS.findall(_text(data[mime]).replace("\\$", "$"))
                    rich.update(found)
                    every.update(found)
                    break
            else:
                every.update(DOLLARS.findall(_text(output.get("text", data.get("text/plain", "")))))
    return rich, every


def shown_outputs(nb: Any) -> int:
    """How many output areas JupyterLab shows: consecutive stream outputs of one name merge."""
    count = 0
    for cell in nb.cells:
        previous = None
        for output in cell.get("outputs", []):
            stream = output.get("name") if output.get("output_type") == "stream" else None
            if stream is None or stream != previous:
                count += 1
            previous = stream
    return count


@pytest.fixture(scope="module")
def executed(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """00, 03, 04 and 05 run by papermill, as ``make workshop`` runs them, in a temp dir."""
    browser_or_skip()  # no point in running the notebooks without a browser to look
    out = tmp_path_factory.mktemp("executed")
    # APPROVAL_MODE: whatever a saved edit left in 04. (04 saves its conversation for 05.)
    with notebooks_run(cloud, out, PREFIX, SERIES, APPROVAL_MODE="auto"):
        pass
    return out


# ---------------------------------------------------------------------------------------
# JupyterLab on the executed copies, and Chromium


@pytest.fixture(scope="module")
def lab(executed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab (loopback, a token) serving copies of the executed 04 and 05, each with a
    control cell at the end, trusted as notebooks one has run oneself are."""
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    root.mkdir()
    for name in SHOWN:
        nb = nbformat.read(executed / f"{name}.ipynb", as_version=4)
        control = nbformat.v4.new_code_cell(CONTROL_CELL)
        control.outputs = [
            nbformat.v4.new_output(
                "display_data", data={"text/markdown": CONTROL, "text/plain": "control"}
            )
        ]
        nb.cells.append(control)
        nbformat.write(nb, root / f"{name}.ipynb")
    paths = [str(root / f"{name}.ipynb") for name in SHOWN]
    subprocess.run(
        [sys.executable, "-m", "jupyter", "trust", *paths],
        env=jupyter_env(home),
        check=True,
        capture_output=True,
    )
    # Every cell in the DOM, rendered at once: the whole notebook is checked and pictured.
    every_cell = {"notebook-extension/tracker": {"windowingMode": "none"}}
    with running_lab(root, home, {**NO_NEWS, **every_cell}) as server:
        yield server


def _settle(page: Any, expected_outputs: int) -> None:
    """Wait until every output is rendered and MathJax is done: the control's math is
    typeset (MathJax typesets outputs in the order they render; the control is last),
    then the counts of outputs and of typeset formulas hold still."""
    notebook = page.locator(".jp-Notebook")
    notebook.locator(".jp-Cell", has_text=CONTROL_MARK).locator(MATH).first.wait_for()
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    last: tuple[int, int] | None = None
    while True:
        counts = (notebook.locator(".jp-OutputArea-output").count(), notebook.locator(MATH).count())
        if counts == last and counts[0] >= expected_outputs:
            return
        assert time.monotonic() < deadline, (
            f"outputs still changing: {counts} (expected {expected_outputs} outputs)"
        )
        last = counts
        time.sleep(1.0)


# The bottom of the notebook's last cell in the scrolled panel (not its scrollHeight, which
# adds JupyterLab's room to scroll past the end).
_CONTENT_HEIGHT = """() => {
  const panel = document.querySelector('.jp-WindowedPanel-outer');
  const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
  const last = cells[cells.length - 1];
  return last.getBoundingClientRect().bottom + (panel ? panel.scrollTop : 0);
}"""
_TO_TOP = "document.querySelectorAll('.jp-WindowedPanel-outer').forEach(e => e.scrollTop = 0)"


def _as_tall_as_the_notebook(page: Any) -> None:
    """The page as tall as the notebook's content: one picture holds it all, and a tall
    output is pictured whole rather than cut at the viewport."""
    height = page.evaluate(_CONTENT_HEIGHT)
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 60, MAX_SHOT_HEIGHT)})
    time.sleep(1.0)  # the layout follows the new size
    page.evaluate(_TO_TOP)


@pytest.mark.parametrize("name", list(SHOWN))
def test_dollar_amounts_show_as_dollars_not_math(
    name: str, executed: Path, lab: Lab, browser: Any
) -> None:
    notebook = lab.root / f"{name}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    rich, every = dollar_figures(nb)
    assert rich, f"{name} as executed shows no dollar amount in a rich output: nothing to check"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob(f"{SHOWN[name]}-output-*.png"):  # an earlier run's
        stale.unlink()
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(lab.open_url(notebook))
        _settle(page, shown_outputs(nb))
        # Fold the file browser away (click its active tab): the notebook gets the width.
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        outputs = page.locator(".jp-Notebook .jp-Cell").filter(has_not_text=CONTROL_MARK)
        typeset = outputs.locator(".jp-OutputArea-output").filter(has=page.locator(MATH))
        garbled = [
            " ".join(typeset.nth(i).inner_text().split())[:300] for i in range(typeset.count())
        ]
        text = page.locator(".jp-Notebook").inner_text()
        # Each amount whole: "$0.2" is not found inside "$0.2169".
        missing = sorted(f for f in every if not re.search(re.escape(f) + r"(?!\d|[,.]\d)", text))
        # A picture of each rendered markdown/HTML output with an amount (or with math).
        _as_tall_as_the_notebook(page)
        rendered = outputs.locator(".jp-OutputArea-output.jp-RenderedHTMLCommon")
        shot = 0
        for i in range(rendered.count()):
            output = rendered.nth(i)
            shown = output.inner_text()
            if output.locator(MATH).count() or any(f in shown for f in rich):
                shot += 1
                output.screenshot(path=str(SCREENSHOTS / f"{SHOWN[name]}-output-{shot}.png"))
        prose = page.locator(".jp-MarkdownCell").filter(has=page.locator(MATH)).count()
        if prose:  # the notebook's own text, not an output: its author's to escape
            print(f"{name}: {prose} markdown cell(s) hold typeset math")
        assert not garbled, f"MathJax typeset {len(garbled)} output(s) of {name}: {garbled}"
        assert not missing, f"{name}: these amounts are not in the page as text: {missing}"
        print(f"{name}: {len(every)} dollar amounts shown as text, e.g. {sorted(rich)[:4]}")
    finally:
        with contextlib.suppress(Exception):  # never hide the test's own failure
            _as_tall_as_the_notebook(page)
            page.screenshot(path=str(SCREENSHOTS / f"{SHOWN[name]}.png"), full_page=True)
        context.close()
