"""The notebooks run headless with papermill, as `make workshop` and CI run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import learner_visible_problems, local_cloud_process

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


@pytest.mark.slow
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


# -- the series as a room meets it: other Regions, AWS's delays and quotas, a real-ish model --
# (issue "Meet AWS as it really is"). Each run starts its own local cloud process with the
# profile and model named by the binding names (``--realism``, ``LOCALCLOUD_MODEL`` and
# ``LOCALCLOUD_MODEL_SEED``), exactly as an attendee's shell would.
SERIES = [
    # (REGION, realism profile, model, seed)
    pytest.param("us-east-2", "fast", "live", 1, id="us-east-2-fast-live1"),
    pytest.param("ap-northeast-1", "fast", "live", 2, id="ap-northeast-1-fast-live2"),
    pytest.param("us-east-2", "aws", "workshop", None, id="us-east-2-aws-workshop"),
    pytest.param("ap-northeast-1", "aws", "live", 3, id="ap-northeast-1-aws-live3"),
]


@pytest.mark.slow
@pytest.mark.series
@pytest.mark.timeout(1200)
@pytest.mark.parametrize(("region", "realism", "model", "seed"), SERIES)
def test_the_series_holds_in_other_regions_profiles_and_models(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    region: str,
    realism: str,
    model: str,
    seed: int | None,
) -> None:
    env = {"LOCALCLOUD_REALISM": realism, "LOCALCLOUD_MODEL": model}
    if seed is not None:
        env["LOCALCLOUD_MODEL_SEED"] = str(seed)
    with local_cloud_process(tmp_path / "state", env) as served:
        monkeypatch.setenv("AWS_ENDPOINT_URL", served.endpoint)
        prefix = f"mx-{region.split('-')[1][:2]}{seed or 0}"
        code = workshop.run(tmp_path / "out", NOTEBOOKS, {"REGION": region, "PREFIX": prefix})
    shown = {
        nb.name: learner_visible_problems(json.loads((tmp_path / "out" / nb.name).read_text()))
        for nb in NOTEBOOKS
        if (tmp_path / "out" / nb.name).exists()
    }
    assert code == 0, shown
    assert not any(shown.values()), shown
