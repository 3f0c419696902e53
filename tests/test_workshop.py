"""The notebooks run headless with papermill, as `make workshop` and CI run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import workshop
from helpers.localcloud import LocalCloud

NOTEBOOKS = sorted(workshop.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):
    with LocalCloud(tmp_path_factory.mktemp("workshop-cloud")) as cloud:
        yield cloud.endpoint


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds the workshop"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean_and_parameterised(notebook: Path) -> None:
    nb = json.loads(notebook.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(c.get("outputs") or c.get("execution_count") for c in code), "strip outputs"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert "TARGET" in "".join(tagged[0]["source"])


@pytest.mark.parametrize("prefix", [None, "ci-alt"])
def test_every_notebook_runs_against_the_local_cloud(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str | None
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    params: dict[str, object] = {"PREFIX": prefix} if prefix else {}
    assert workshop.run(tmp_path, NOTEBOOKS, params) == 0
    for notebook in NOTEBOOKS:
        executed = json.loads((tmp_path / notebook.name).read_text())
        errors = [
            o
            for c in executed["cells"]
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        assert not errors
