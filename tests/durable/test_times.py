"""Durations as a learner reads them: never a 60 in the seconds or minutes place."""

from __future__ import annotations

import pytest

from helpers.durable import duration_text, execution_seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.042, "42 ms"),
        (1.534, "1.53 s"),
        (372.4, "6 min 12 s"),
        (299.99, "5 min 00 s"),  # was "4 min 60 s"
        (3599.7, "1 h 00 min"),  # was "59 min 60 s"
        (7199.9, "2 h 00 min"),  # was "1 h 59 min"
        (7500, "2 h 05 min"),
    ],
)
def test_duration_text_rounds_before_it_splits(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_an_executions_duration_comes_from_its_own_stamps() -> None:
    ended = {
        "StartTimestamp": "2026-12-03T07:21:21.000Z",
        "EndTimestamp": "2026-12-03T07:21:22.030Z",
    }
    assert execution_seconds(ended) == pytest.approx(1.03)
    assert execution_seconds({"StartTimestamp": ended["StartTimestamp"]}) is None  # running
    assert execution_seconds({**ended, "EndTimestamp": "not a time"}) is None
    backwards = {"StartTimestamp": ended["EndTimestamp"], "EndTimestamp": ended["StartTimestamp"]}
    assert execution_seconds(backwards) is None
