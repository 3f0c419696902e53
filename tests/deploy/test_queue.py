"""The approval queue (helpers.deploy.queue) while SQS still holds a deleted queue's name."""

from __future__ import annotations

from typing import Any

from helpers import deploy
from helpers.deploy import Names
from helpers.target import Target


def test_a_queue_being_deleted_is_not_already_there(
    target: Target, names: Names, capsys: Any
) -> None:
    sqs = target.client("sqs")
    url = deploy.ensure_queue(target, names)
    sqs.delete_queue(QueueUrl=url)
    assert sqs.get_queue_url(QueueName=names.queue)["QueueUrl"] == url  # SQS still finds it
    capsys.readouterr()
    assert deploy.ensure_queue(target, names) == url
    out = capsys.readouterr().out
    assert "already there" not in out
    assert "SQS keeps its name for 60 s" in out and "or stop and use another PREFIX" in out
    assert out.splitlines()[-1].startswith(f"queue {names.queue}: created")
    assert (
        "SqsManagedSseEnabled"
        in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    )
