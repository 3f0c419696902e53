"""Notebooks 01 to 03 as a learner and a headless run meet them: the calls they teach
written out in code cells, an exercise each with a check and a solution, and a headless
run of 00 to 03 that skips the checks, deploys exactly what the helpers would, and can
run 03 again without changing anything."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers import state, workshop
from helpers.deploy import (
    ChatbotSettings,
    Names,
    build_zip,
    chatbot_config,
    ensure_function,
    point_alias,
    publish_version,
)
from helpers.localcloud import LocalCloud
from helpers.target import connect
from helpers.teardown import cleanup

from .solutions import NOTEBOOKS, SOLUTIONS

LESSONS = [
    NOTEBOOKS / "00_setup.ipynb",
    NOTEBOOKS / "01_first_durable_function.ipynb",
    NOTEBOOKS / "02_parallel_and_replay.ipynb",
    NOTEBOOKS / "03_deploy.ipynb",
]
REGION = "us-east-1"


def cells(notebook: Path, kind: str = "code") -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def test_the_taught_calls_are_written_out_in_code_cells() -> None:
    first, deploy = cells(LESSONS[1]), cells(LESSONS[3])
    assert any("lam.get_durable_execution_history(" in c for c in first)
    create = [c for c in deploy if "lam.create_function(**request)" in c]
    assert len(create) == 1
    request = next(c for c in deploy if c.startswith("request = {"))
    for field in ("DurableConfig", "ExecutionTimeout", "RetentionPeriodInDays", "LoggingConfig"):
        assert f'"{field}"' in request
    assert any("lam.publish_version(FunctionName=names.function)" in c for c in deploy)
    assert any("lam.create_alias(" in c and "lam.update_alias(" in c for c in deploy)
    assert any('lam.get_waiter("function_active_v2")' in c for c in deploy)


@pytest.mark.parametrize("notebook", LESSONS[1:], ids=lambda p: p.stem[:2])
def test_each_lesson_has_an_exercise_a_check_and_a_solution(notebook: Path) -> None:
    prose = [c for c in cells(notebook, "markdown") if c.startswith("## Exercise")]
    assert len(prose) == 1
    linked = re.findall(r"`solutions/([\w.]+)`", prose[0])
    assert len(linked) == 1 and (SOLUTIONS / linked[0]).is_file()
    checks = [c for c in cells(notebook) if "exercises.check_" in c]
    assert len(checks) == 1 and checks[0].rstrip().endswith("RUN_EXERCISES)")
    parameters = cells(notebook)[0]
    assert 'RUN_EXERCISES = "auto"' in parameters


def outputs(notebook: Path) -> list[tuple[str, str]]:
    """(source, text output) of each code cell of an executed notebook."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        texts = []
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (cell["source"], out)
            plain = out.get("data", {}).get("text/plain", "")
            texts.append("".join(out.get("text", "")) or "".join(plain))
        found.append(("".join(cell["source"]), "".join(texts)))
    return found


@pytest.mark.slow
def test_00_to_03_run_headless_skip_the_checks_and_deploy_what_the_helpers_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    prefix = "lessons"
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)  # as papermill runs it
    with LocalCloud(tmp_path / "cloud") as cloud:
        monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        try:
            assert workshop.run(tmp_path / "out", LESSONS, {"PREFIX": prefix}) == 0
            for notebook in LESSONS[1:]:
                executed = outputs(tmp_path / "out" / notebook.name)
                checked = [o for s, o in executed if "exercises.check_" in s]
                assert checked == [
                    "○ Exercise check skipped: this is a headless run (set RUN_EXERCISES = True "
                    "to check anyway)."
                ]
            raw = next(
                o
                for s, o in outputs(tmp_path / "out" / LESSONS[1].name)
                if "get_durable_execution_history(" in s
            )
            assert "WaitStarted" in raw and "WaitSucceeded" in raw and "StepSucceeded" in raw

            # The notebook's request is the chatbot the helpers deploy (04, 99 rely on it).
            target = connect("local", REGION)
            names = Names.for_target(target, prefix)
            saved = state.load(prefix)
            settings = ChatbotSettings.for_region(REGION, saved["model_id"])
            capsys.readouterr()
            config = chatbot_config(names, saved["queue_url"], settings)
            ensure_function(target, names, build_zip(quiet=True), names.role_arn, config)
            assert publish_version(target, names) == saved["version"] == "1"
            point_alias(target, names, saved["version"])
            assert capsys.readouterr().out.splitlines() == [
                f"function {names.function}: already there",
                f"version {names.function}:1: already there",
                f"alias {names.function}:live: already on version 1",
            ]
            lam = target.client("lambda")
            tags = lam.get_function(FunctionName=names.function)["Tags"]
            assert tags.items() >= names.tags.items()

            # Run again, 03 changes nothing: the same version, the alias still on it.
            assert workshop.run(tmp_path / "again", LESSONS[3:], {"PREFIX": prefix}) == 0
            rerun = dict(outputs(tmp_path / "again" / LESSONS[3].name))
            create = next(o for s, o in rerun.items() if "lam.create_function(**request)" in s)
            assert create.splitlines() == [
                f"{names.function} already exists: updating code and configuration",
                f"function {names.function}: already there",
            ]
            assert state.load(prefix)["version"] == "1"
            assert lam.get_alias(FunctionName=names.function, Name="live")["FunctionVersion"] == "1"
        finally:
            cleanup(connect("local", REGION), prefix)
            state.forget(prefix)
