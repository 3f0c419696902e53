"""helpers.teardown: the end of the series (notebook 99)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import state, teardown
from helpers.chatbot import where
from helpers.params import ParameterError
from helpers.target import Target


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    return tmp_path / "state"


def test_stop_local_cloud_leaves_other_clouds_alone(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test's in-process cloud is not the kit's background one: never stopped here.
    teardown.stop_local_cloud(target, stop=True)
    assert "Stopped" not in capsys.readouterr().out
    aws = Target("aws", "us-east-1", None, None)  # type: ignore[arg-type]
    teardown.stop_local_cloud(aws, stop=True)
    assert "no local cloud" in capsys.readouterr().out
    with pytest.raises(ParameterError, match="STOP_LOCAL_CLOUD"):
        teardown.stop_local_cloud(target, stop="yes")  # type: ignore[arg-type]


def test_forget_state_keeps_another_targets_state(
    target: Target, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teardown.forget_state("t-forget", target)
    assert "Nothing saved" in capsys.readouterr().out
    elsewhere = {"target": "aws", "region": "us-east-2", "endpoint": ""}
    state.save("t-forget", **elsewhere, function="t-forget-chatbot")
    teardown.forget_state("t-forget", target)
    assert "Kept" in capsys.readouterr().out and state.load("t-forget")
    state.save("t-forget", **where(target))
    teardown.forget_state("t-forget", target)
    assert "Forgot" in capsys.readouterr().out and state.load("t-forget") == {}
