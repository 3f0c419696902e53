"""One background local cloud per state dir, found again by the next notebook."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from helpers.localcloud import background
from helpers.localcloud.runner import free_port


def test_started_once_found_again_and_stopped(tmp_path: Path) -> None:
    port = free_port()
    endpoint = background.ensure_running(tmp_path, port)
    try:
        assert endpoint == f"http://127.0.0.1:{port}"
        assert background.ensure_running(tmp_path, free_port()) == endpoint  # not a second one
        assert background.running_endpoint(tmp_path) == endpoint
    finally:
        assert background.stop(tmp_path)
    assert background.running_endpoint(tmp_path) is None
    assert not background.stop(tmp_path)


def test_a_taken_port_gives_a_message_that_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        try:
            background.ensure_running(tmp_path, port)
        except background.LocalCloudError as exc:
            assert "port is taken" in str(exc)
        else:
            raise AssertionError("expected LocalCloudError")


def test_it_runs_the_profile_asked_and_warns_when_another_one_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOCALCLOUD_REALISM", "aws")
    endpoint = background.ensure_running(tmp_path, free_port())
    try:
        assert background.health(endpoint)["realism"] == "aws"
        assert capsys.readouterr().err == ""
        monkeypatch.setenv("LOCALCLOUD_REALISM", "fast")
        assert background.ensure_running(tmp_path, free_port()) == endpoint  # kept
        warning = capsys.readouterr().err
        assert "runs realism 'aws', not 'fast'" in warning and "background.stop()" in warning
    finally:
        background.stop(tmp_path)
