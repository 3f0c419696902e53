"""The zip and its cache (helpers.deploy.bundle): the real durable SDK and boto3 are
bundled (pip, once per session)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from deploying import own_build_dir, printed

from helpers.deploy import Bundle, build_zip
from helpers.deploy import bundle as bundling


def test_the_zip_bundles_the_sdk_and_boto3_beside_lambda_fn(real_bundle: Bundle) -> None:
    with zipfile.ZipFile(real_bundle.path) as archive:
        names = archive.namelist()
    assert "lambda_fn/__init__.py" in names  # the package at the root: lambda_fn.app.handler
    for package in ("aws_durable_execution_sdk_python", "boto3", "botocore"):
        assert f"{package}/__init__.py" in names
    for pin in bundling.BUNDLED:
        dist, version = pin.split("==")
        assert f"{dist.replace('-', '_')}-{version}.dist-info/METADATA" in names
    assert not [
        n for n in names if n.endswith(".pyc") or "__pycache__" in n or n.startswith("bin/")
    ]
    assert real_bundle.size == real_bundle.path.stat().st_size < bundling.DIRECT_UPLOAD_LIMIT


def test_a_second_build_is_a_cache_hit(real_bundle: Bundle, build_dir: Path, capsys: Any) -> None:
    again = build_zip(bundling.SOURCE, build_dir)
    assert again.cached and again.key == real_bundle.key
    assert again.code_sha256 == real_bundle.code_sha256
    assert again.seconds < 2
    assert re.match(r"^zip lambda_fn\.zip: cached \(\d+\.\d MB, inputs [0-9a-f]{12}\)$",
                    printed(capsys)[-1])  # fmt: skip


def test_a_source_change_rebuilds_the_zip_but_not_the_packages(
    real_bundle: Bundle, build_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "lambda_fn"
    shutil.copytree(bundling.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    build_dir = own_build_dir(build_dir, tmp_path)
    copy = build_zip(source, build_dir, quiet=True)
    assert copy.key == real_bundle.key  # the same inputs: where they live does not matter

    def no_pip(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pinned packages are already installed")

    monkeypatch.setattr(bundling.subprocess, "run", no_pip)
    (source / "extra.py").write_text("X = 1\n")
    changed = build_zip(source, build_dir, quiet=True)
    assert not changed.cached and changed.key != real_bundle.key
    assert "lambda_fn/extra.py" in zipfile.ZipFile(changed.path).namelist()
    # Reproducible: the same inputs give the same bytes, so the same CodeSha256.
    (changed.path.with_name("lambda_fn.zip.key")).unlink()
    assert build_zip(source, build_dir, quiet=True).code_sha256 == changed.code_sha256


def test_the_pins_are_part_of_the_key() -> None:
    other = ("aws-durable-execution-sdk-python==3.0.0", "boto3==1.44.7")
    assert bundling.inputs_key(requirements=other) != bundling.inputs_key()
