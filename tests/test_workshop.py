"""The notebooks run headless with papermill, as `make workshop` and CI run them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import learner_visible_problems, local_cloud_process

from helpers import i18n, workshop
from helpers.localcloud import LocalCloud

NOTEBOOKS = sorted(workshop.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


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


# -- the Japanese series: notebooks/ja, LANGUAGE="ja", into OUTPUT_DIR/ja --


def test_the_japanese_series_is_notebooks_ja_into_outputs_ja() -> None:
    assert workshop.series("ja", Path("out")) == (workshop.NOTEBOOKS / "ja", Path("out/ja"))
    assert workshop.series("en", Path("out")) == (workshop.NOTEBOOKS, Path("out"))


@pytest.mark.parametrize(
    ("argv", "environ", "folder", "language"),
    [
        (["--language", "ja"], {"LANG": "en_US.UTF-8"}, "ja", "ja"),
        ([], {"LANG": "ja_JP.UTF-8"}, "ja", "ja"),
        (["--language", "en"], {"LANG": "ja_JP.UTF-8"}, "notebooks", "en"),
        ([], {"LANG": "C.UTF-8"}, "notebooks", "en"),
    ],
)
def test_the_language_picks_the_series(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    environ: dict[str, str],
    folder: str,
    language: str,
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    calls: list[tuple[Path, list[Path], dict[str, object]]] = []

    def record(output_dir: Path, notebooks: list[Path], parameters: dict[str, object]) -> int:
        calls.append((output_dir, notebooks, parameters))
        return 0

    monkeypatch.setattr(workshop, "run", record)
    assert workshop.main(["--output-dir", str(tmp_path), *argv]) == 0
    [(output_dir, notebooks, parameters)] = calls
    assert {nb.parent.name for nb in notebooks} == {folder}
    assert [nb.name for nb in notebooks] == [nb.name for nb in NOTEBOOKS]
    assert output_dir == (tmp_path / "ja" if language == "ja" else tmp_path)
    assert parameters["LANGUAGE"] == language


@pytest.fixture
def _language_restored() -> Any:
    yield
    i18n.use_language(None)  # main() chose the run's language for the whole process


@pytest.mark.usefixtures("_language_restored")
@pytest.mark.parametrize(
    ("language", "expected", "unexpected"),
    [
        (
            "ja",
            ["ローカルクラウド:", "完了（", "個を", "実行済みのノートブックと図は"],
            ["local cloud:", " ok (", "executed notebooks"],
        ),
        (
            "en",
            ["local cloud:", " ok (", "executed notebooks and plots are in"],
            ["ローカルクラウド", "完了"],
        ),
    ],
)
def test_the_run_speaks_the_series_language(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    language: str,
    expected: list[str],
    unexpected: list[str],
) -> None:
    """make workshop LANG=ja reports its run in Japanese, LANG=en in English."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # no cloud starts
    monkeypatch.setattr(workshop.papermill, "execute_notebook", lambda *_, **__: None)
    folder, _ = workshop.series(language, tmp_path)
    first = str(sorted(folder.glob("0[0-1]_*.ipynb"))[0])  # no lesson check after 00
    assert workshop.main(["--output-dir", str(tmp_path), "--language", language, first]) == 0
    printed = capsys.readouterr().out
    for text in expected:
        assert text in printed, printed
    for text in unexpected:
        assert text not in printed, printed


@pytest.mark.usefixtures("_language_restored")
def test_a_missing_lesson_is_told_in_the_series_language(tmp_path: Path) -> None:
    """What make workshop LANG=ja says when 05 has nothing to analyse, in Japanese."""
    notebook = workshop.NOTEBOOKS / "ja" / "05_billed_vs_wallclock.ipynb"
    nothing_saved = {"PREFIX": f"w8-none-{tmp_path.name}"[:20]}
    i18n.use_language("ja")
    told = workshop.lesson_missing(notebook, nothing_saved, {}) or ""
    assert "分析する会話がありません" in told and "先に 04 を実行してください" in told
    i18n.use_language("en")
    assert "Run 04 first" in (workshop.lesson_missing(notebook, nothing_saved, {}) or "")


def _texts(executed: dict[str, Any]) -> str:
    shown = []
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") or (output.get("data") or {}).get("text/plain", "")
            shown.append("".join(text) if isinstance(text, list) else str(text))
    return "\n".join(shown)


@pytest.mark.slow
@pytest.mark.series
@pytest.mark.timeout(1200)
def test_the_japanese_notebooks_run_in_tokyo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """notebooks/ja headless, as make workshop LANG=ja runs them, in ap-northeast-1, on a
    local cloud of its own (as the series above): no error a learner would see, and the
    kit speaks Japanese to them."""
    folder, out = workshop.series("ja", tmp_path / "out")
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    assert [nb.name for nb in notebooks] == [nb.name for nb in NOTEBOOKS]
    parameters = {"REGION": "ap-northeast-1", "PREFIX": "ja-tokyo", "LANGUAGE": "ja"}
    with local_cloud_process(tmp_path / "state", {}) as served:
        monkeypatch.setenv("AWS_ENDPOINT_URL", served.endpoint)
        code = workshop.run(out, notebooks, parameters)
    executed = {
        nb.name: json.loads((out / nb.name).read_text())
        for nb in notebooks
        if (out / nb.name).exists()
    }
    shown = {name: learner_visible_problems(nb) for name, nb in executed.items()}
    assert code == 0, shown
    assert not any(shown.values()), shown
    setup = _texts(executed["00_setup.ipynb"])
    assert "ap-northeast-1" in setup
    assert JAPANESE.search(setup), "the parameters and preflight speak Japanese"


@pytest.mark.parametrize(
    "failure",
    [
        "Kernel died before replying to kernel_info",
        "Kernel didn't respond in 300 seconds",
    ],
)
def test_a_kernel_that_never_started_is_started_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failure: str
) -> None:
    calls: list[str] = []

    def execute_notebook(notebook: str, target: str, **_: Any) -> None:
        calls.append(notebook)
        if len(calls) == 1:
            raise RuntimeError(failure)

    monkeypatch.setattr(workshop.papermill, "execute_notebook", execute_notebook)
    workshop._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == 2


def test_a_failure_after_the_kernel_started_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []

    def execute_notebook(notebook: str, target: str, **_: Any) -> None:
        calls.append(notebook)
        raise RuntimeError("Kernel didn't respond to heartbeats in 60 seconds and timed out")

    monkeypatch.setattr(workshop.papermill, "execute_notebook", execute_notebook)
    with pytest.raises(RuntimeError, match="heartbeats"):
        workshop._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == 1


def test_a_kernel_that_never_starts_is_given_up_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []

    def execute_notebook(notebook: str, target: str, **_: Any) -> None:
        calls.append(notebook)
        raise RuntimeError("Kernel didn't respond in 300 seconds")

    monkeypatch.setattr(workshop.papermill, "execute_notebook", execute_notebook)
    with pytest.raises(RuntimeError, match="didn't respond"):
        workshop._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == workshop.KERNEL_START_ATTEMPTS
