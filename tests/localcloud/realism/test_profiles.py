"""The realism profiles (realism/profiles.py): chosen by flag, environment or default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from realism_cases import ASSUME_LAMBDA, function_spec

from helpers.localcloud import LocalCloud, realism
from helpers.localcloud.background import command, health
from helpers.localcloud.realism import FAST, RealismError, profile_named


# -- profiles -------------------------------------------------------------------------------
def test_profiles_by_flag_then_environment_then_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(realism.ENV, raising=False)
    assert profile_named().name == "fast"
    monkeypatch.setenv(realism.ENV, "aws")
    assert profile_named().name == "aws"
    assert profile_named("off").name == "off"
    monkeypatch.setenv(realism.ENV, "slow")
    with pytest.raises(RealismError, match="fast, aws, off"):
        profile_named()


def test_fast_is_short_and_aws_uses_aws_figures() -> None:
    aws = realism.AWS
    assert aws.queue_name_reserved_s == aws.queue_linger_s == 60  # SQS API reference
    assert aws.quotas["FilterLogEvents"] == 5 and aws.quotas["GetDurableExecutionHistory"] == 15
    for figure in ("function_pending_s", "update_in_progress_s", "role_propagation_s"):
        assert 0 < getattr(FAST, figure) < getattr(aws, figure)
    assert realism.OFF.quotas == {} and realism.OFF.function_pending_s == 0


def test_the_command_line_and_health_name_the_profile(cloud: LocalCloud, tmp_path: Path) -> None:
    assert health(cloud.endpoint)["realism"] == "fast"
    assert command(4566, tmp_path, "aws")[-2:] == ["--realism", "aws"]
    bad = subprocess.run(
        [*command(0, tmp_path), "--realism", "slow"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_off_has_no_delays(tmp_path: Path) -> None:
    with LocalCloud(tmp_path, realism="off") as off:
        lam, iam = off.client("lambda"), off.client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=ASSUME_LAMBDA)["Role"]
        created = lam.create_function(**function_spec("f", role["Arn"]))  # no propagation
        assert created["State"] == "Active"
        assert health(off.endpoint) == {"status": "ok", "realism": "off", "throttled": 0}


def test_the_cli_says_its_profile_just_after_ready(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*command(0, tmp_path, "aws")], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert first.startswith("ready http://127.0.0.1:")  # the contract's line, first
    assert second.startswith("realism aws: function Pending 3 s")
    assert sys.executable  # the same interpreter runs the CLI
