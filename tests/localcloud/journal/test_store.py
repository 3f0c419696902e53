"""The journal file: a torn last line is cut, a corrupt record skipped (journal/store.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from journal_cases import Cloud, aws_env_fixture, start_fixture  # noqa: F401  (fixtures)

from helpers.localcloud.journal import JOURNAL_NAME


def test_torn_last_line_is_dropped_with_a_warning(
    start: Callable[[], Cloud], caplog: pytest.LogCaptureFixture
) -> None:
    cloud = start()
    cloud.client("sqs").create_queue(QueueName="q1")
    cloud.stop()
    journal = cloud.state_dir / JOURNAL_NAME
    with journal.open("ab") as f:  # what a kill in the middle of a write leaves
        f.write(b'{"kind":"http","seed":1,"method":"POST","pa')

    with caplog.at_level(logging.WARNING, logger="helpers.localcloud.journal"):
        cloud = start()
    assert cloud.replayed == 1
    assert "torn" in caplog.text
    sqs = cloud.client("sqs")
    sqs.create_queue(QueueName="q2")  # appended after the cut, on a line of its own

    cloud = start()
    assert cloud.replayed == 2
    assert cloud.journal_lines() == 2
    assert sorted(u.rsplit("/", 1)[1] for u in cloud.client("sqs").list_queues()["QueueUrls"]) == [
        "q1",
        "q2",
    ]


def test_corrupt_record_is_skipped(start: Callable[[], Cloud]) -> None:
    cloud = start()
    cloud.client("sqs").create_queue(QueueName="q1")
    cloud.stop()
    journal = cloud.state_dir / JOURNAL_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"not json\n" + b"".join(lines))
    cloud = start()
    assert cloud.replayed == 1
    assert cloud.client("sqs").get_queue_url(QueueName="q1")["QueueUrl"]
