"""The approval queue the chatbot sends its requests to: SQS, encrypted at rest."""

from __future__ import annotations

import time

from ..i18n import tr
from ..target import Target
from .names import Names
from .steps import NameNotReleasedError, pause, say

# SQS CreateQueue: a deleted queue's name is reserved for 60 s. Past this, the step stops
# with a plain message instead of waiting on.
QUEUE_NAME_WAIT_S = 75
QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled": "true"}  # encrypted at rest with SQS-owned keys


def ensure_queue(target: Target, names: Names) -> str:
    """The approval queue, encrypted at rest; returns its URL.

    A queue being deleted (SQS takes up to 60 s, and GetQueueUrl may still find it) is not
    "already there": its name is created again once SQS releases it, waiting up to
    ``QUEUE_NAME_WAIT_S`` with a line saying so, then stopping with what to do.
    """
    sqs = target.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        url = None
    if url is not None:
        try:
            current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        except sqs.exceptions.QueueDoesNotExist:
            url = None  # found by name, gone by URL: a queue on its way out
    if url is not None:
        if all(current.get(k) == v for k, v in QUEUE_ATTRIBUTES.items()):
            say("queue", names.queue, "already there")
        else:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=QUEUE_ATTRIBUTES)
            say("queue", names.queue, "updated (encryption at rest on)")
        return str(url)
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            url = sqs.create_queue(
                QueueName=names.queue, Attributes=QUEUE_ATTRIBUTES, tags=names.tags
            )["QueueUrl"]
            break
        except sqs.exceptions.QueueDeletedRecently as exc:
            waited = time.monotonic() - started
            if waited > QUEUE_NAME_WAIT_S:
                raise NameNotReleasedError(
                    f"SQS has not released the queue name {names.queue} yet (a queue of that "
                    f"name was deleted less than 60 s ago): wait 60 s and run this cell "
                    "again, or use another PREFIX."
                ) from exc
            if attempt == 0:
                print(
                    tr(
                        f"  (queue {names.queue} was deleted moments ago and SQS keeps its "
                        f"name for 60 s: waiting up to {QUEUE_NAME_WAIT_S} s; or stop and use "
                        "another PREFIX)",
                        f"  （キュー {names.queue} は削除されたばかりで、SQS はその名前を "
                        f"60 秒間保持します。最大 {QUEUE_NAME_WAIT_S} 秒待ちます。待たない"
                        "場合は止めて、別の PREFIX を使ってください）",
                    )
                )
            pause(attempt)
            attempt += 1
    waited_note = (
        f", after waiting {time.monotonic() - started:.0f} s for the name" if attempt else ""
    )
    say("queue", names.queue, f"created (encryption at rest on{waited_note})")
    return str(url)
