"""The per-PREFIX state file that passes values between notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import state
from helpers.deploy import PrefixError


def test_save_merges_and_load_reads(tmp_path: Path) -> None:
    assert state.load("ws-a", tmp_path) == {}
    state.save("ws-a", tmp_path, function="ws-a-chatbot", alias="live")
    whole = state.save("ws-a", tmp_path, execution_arn="arn:x")
    assert whole == {"function": "ws-a-chatbot", "alias": "live", "execution_arn": "arn:x"}
    assert state.load("ws-a", tmp_path) == whole
    assert state.load("ws-b", tmp_path) == {}  # prefixes never share
    assert not list(tmp_path.glob("*.tmp"))


def test_unreadable_state_is_empty_and_forget_removes(tmp_path: Path) -> None:
    state.path("ws-a", tmp_path).parent.mkdir(parents=True, exist_ok=True)
    state.path("ws-a", tmp_path).write_text("{not json")
    assert state.load("ws-a", tmp_path) == {}
    state.save("ws-a", tmp_path, x=1)
    assert state.forget("ws-a", tmp_path) is True
    assert state.forget("ws-a", tmp_path) is False


def test_a_bad_prefix_never_names_a_file(tmp_path: Path) -> None:
    with pytest.raises(PrefixError):
        state.path("../etc", tmp_path)
