"""environment.yml and pyproject.toml name the same dependencies with the same ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_CONDA = {"jupyterlab", "ipywidgets", "boto3", "matplotlib", "papermill"}
REQUIRED_PIP = {"aws-durable-execution-sdk-python"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", requirement.strip())
    assert match, requirement
    return match.group(1).lower(), match.group(3).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(_split(r) for r in data["project"]["dependencies"])


def _environment() -> tuple[dict, dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            name, spec = _split(dep.replace("=", "==", 1) if re.match(r"^python=", dep) else dep)
            conda[name] = spec
    return env, conda, pip


def test_environment_is_a_conda_forge_python_313_env() -> None:
    env, conda, pip = _environment()
    assert env["channels"] == ["conda-forge"]
    assert conda["python"] == "==3.13"
    assert "pip" in conda
    assert any(line.startswith("-e .") for line in pip), "the pip section installs the kit"


def test_environment_names_the_workshop_packages() -> None:
    _, conda, pip = _environment()
    pip_names = {_split(p)[0] for p in pip if not p.startswith("-")}
    assert conda.keys() >= REQUIRED_CONDA
    assert pip_names >= REQUIRED_PIP


def test_every_dependency_agrees_with_pyproject() -> None:
    _, conda, pip = _environment()
    declared = {**conda, **dict(_split(p) for p in pip if not p.startswith("-"))}
    declared.pop("python")
    declared.pop("pip")
    assert declared == _pyproject()
