"""`make workshop` runs what is committed: it injects its own value of every parameter (a
saved edit such as APPROVAL_MODE = "widget" changes nothing) and fails loudly when 04 or
05 ran without error but their lesson did not happen (checked from outside)."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from helpers import state, workshop
from helpers.localcloud import LocalCloud
from helpers.target import connect

NOTEBOOKS = workshop.NOTEBOOKS


def _parameters_cell(nb: dict) -> dict:
    (cell,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    return cell


def committed_values(notebook: Path) -> dict[str, object]:
    source = "".join(_parameters_cell(json.loads(notebook.read_text()))["source"])
    values: dict[str, object] = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign)
        for t in node.targets:
            assert isinstance(t, ast.Name)
            values[t.id] = ast.literal_eval(node.value)
    return values


def saved_edit(source: Path, into: Path, edits: dict[str, str], code: str | None = None) -> Path:
    """A copy of ``source`` with ``edits`` appended to its parameters cell (as JupyterLab's
    autosave keeps them), and its other code cells replaced by ``code`` if given."""
    nb = json.loads(source.read_text())
    cell = _parameters_cell(nb)
    cell["source"] = "".join(cell["source"]) + "".join(f"\n{k} = {v}" for k, v in edits.items())
    if code is not None:
        nb["cells"] = [cell, {**cell, "metadata": {}, "source": code, "id": "only"}]
    into.mkdir(parents=True, exist_ok=True)
    target = into / source.name
    target.write_text(json.dumps(nb))
    return target


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=str)
def test_headless_values_are_the_committed_notebooks_own(notebook: Path) -> None:
    # Also fails when a saved edit (APPROVAL_MODE = "widget") is committed.
    committed = committed_values(notebook)
    injected = workshop.headless_parameters(notebook, {"OUTPUT_DIR": "/tmp/x"})
    assert list(injected) == list(committed)
    assert {k: v for k, v in injected.items() if k != "OUTPUT_DIR"} == {
        k: v for k, v in committed.items() if k != "OUTPUT_DIR"
    }


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb")), ids=str)
def test_the_japanese_series_headless_values_are_its_own(notebook: Path) -> None:
    committed = committed_values(notebook)
    given = {"OUTPUT_DIR": "/tmp/x", "LANGUAGE": "ja"}
    injected = workshop.headless_parameters(notebook, given)
    assert {k: v for k, v in injected.items() if k != "OUTPUT_DIR"} == {
        k: v for k, v in committed.items() if k != "OUTPUT_DIR"
    }


def test_the_japanese_question(tmp_path: Path) -> None:
    edited = saved_edit(NOTEBOOKS / "04_chatbot_with_approvals.ipynb", tmp_path, {})
    query = workshop.headless_parameters(edited, {"OUTPUT_DIR": "o", "LANGUAGE": "ja"})["QUERY"]
    assert "コールバック" in str(query)
    english = workshop.headless_parameters(edited, {"OUTPUT_DIR": "o"})["QUERY"]
    assert english == committed_values(NOTEBOOKS / "04_chatbot_with_approvals.ipynb")["QUERY"]


def test_a_saved_edit_is_overridden(tmp_path: Path) -> None:
    edited = saved_edit(
        NOTEBOOKS / "04_chatbot_with_approvals.ipynb",
        tmp_path,
        {"APPROVAL_MODE": '"widget"', "REVIEW_SECONDS": "60", "DECISIONS": '["DENY"]'},
    )
    injected = workshop.headless_parameters(edited, {"PREFIX": "ci-alt", "OUTPUT_DIR": "o"})
    assert injected["APPROVAL_MODE"] == "auto" and injected["REVIEW_SECONDS"] == 3
    assert injected["DECISIONS"] == workshop.HEADLESS["DECISIONS"]
    assert injected["PREFIX"] == "ci-alt"  # what the run itself is given still wins
    ignored = workshop.ignored_edits(edited, injected, {"PREFIX": "ci-alt", "OUTPUT_DIR": "o"})
    assert ignored == "APPROVAL_MODE = 'widget', DECISIONS = ['DENY'], REVIEW_SECONDS = 60"
    committed = NOTEBOOKS / "04_chatbot_with_approvals.ipynb"
    assert (
        workshop.ignored_edits(
            committed,
            workshop.headless_parameters(committed, {"OUTPUT_DIR": "o"}),
            {"OUTPUT_DIR": "o"},
        )
        == ""
    )


def test_a_parameter_without_a_headless_value_is_refused(tmp_path: Path) -> None:
    edited = saved_edit(NOTEBOOKS / "05_billed_vs_wallclock.ipynb", tmp_path, {"SHOW_ALL": "1"})
    with pytest.raises(workshop.HeadlessError, match=r"SHOW_ALL.*helpers/workshop\.py"):
        workshop.headless_parameters(edited, {"OUTPUT_DIR": "o"})


# -- the lesson did not happen: the notebook ran without error, the run still fails -----
@pytest.fixture
def prefix() -> object:
    name = "w3-lesson"
    state.forget(name)
    yield name
    state.forget(name)


def _fails(notebook: Path, tmp_path: Path, prefix: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert workshop.run(tmp_path / "out", [notebook], {"PREFIX": prefix}) == 1
    out = capsys.readouterr()
    assert "FAILED" in out.out
    return out.err


@pytest.mark.slow
def test_04_without_a_conversation_fails_the_run(
    tmp_path: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The autosave case: an old conversation is saved, 04 ran "ok" and started none.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached
    state.save(prefix, execution_arn="arn:aws:lambda:us-east-1:123456789012:function:f:1/x")
    quiet = saved_edit(
        NOTEBOOKS / "04_chatbot_with_approvals.ipynb",
        tmp_path / "nb",
        {},
        code="print('nothing happens here')",
    )
    err = _fails(quiet, tmp_path, prefix, capsys)
    assert "no conversation was started" in err and "lesson of 04" in err
    assert "git checkout -- notebooks/" in err


@pytest.mark.slow
def test_05_with_nothing_to_analyse_fails_the_run(
    tmp_path: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    quiet = saved_edit(
        NOTEBOOKS / "05_billed_vs_wallclock.ipynb", tmp_path / "nb", {}, code="print('no')"
    )
    err = _fails(quiet, tmp_path, prefix, capsys)
    assert "had no conversation to analyse" in err and "Run 04 first" in err


# -- the real notebooks, 04 saved in widget mode -----------------------------------------
@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):
    with LocalCloud(tmp_path_factory.mktemp("headless-cloud")) as cloud:
        yield cloud.endpoint


@pytest.mark.slow
def test_a_widget_mode_saved_into_04_still_runs_the_conversation(
    endpoint: str,
    tmp_path: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    copies = tmp_path / "notebooks"
    notebooks = [
        saved_edit(NOTEBOOKS / "03_deploy.ipynb", copies, {}),
        saved_edit(
            NOTEBOOKS / "04_chatbot_with_approvals.ipynb", copies, {"APPROVAL_MODE": '"widget"'}
        ),
        saved_edit(NOTEBOOKS / "05_billed_vs_wallclock.ipynb", copies, {}),
    ]
    assert workshop.run(tmp_path / "out", notebooks, {"PREFIX": prefix}) == 0
    assert "(saved APPROVAL_MODE = 'widget': not used headless)" in capsys.readouterr().out
    arn = state.load(prefix)["execution_arn"]
    lam = connect("local", "us-east-1").client("lambda")
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"
    assert (tmp_path / "out" / "05-breakeven.png").is_file()
    shutil.rmtree(copies)
