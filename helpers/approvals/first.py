"""The wait before notebook 04 answers its first approval request by hand.

``wait_for_request`` long-polls the queue until a message of the given execution arrives and
returns it as SQS gave it (``Body``, ``ReceiptHandle``), or None when the execution ended
without asking: the notebook parses the body and answers in its own cells. Another
execution's message goes back to the queue at once (visibility 0) for whoever owns it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..durable import has_ended
from ..i18n import tr


class NoRequestError(TimeoutError):
    """No approval request of the execution arrived in time; the message says what to check."""


def _execution_of(body: object) -> str | None:
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return None
    arn = data.get("execution_arn") if isinstance(data, dict) else None
    return arn if isinstance(arn, str) else None


def wait_for_request(
    target: Any, queue_url: str, execution_arn: str, timeout: float = 180
) -> dict[str, Any] | None:
    """The first SQS message holding an approval request of ``execution_arn``, or None
    (with a line saying so) when the execution ended without asking: a model may answer
    without any tool.

    Raises NoRequestError after ``timeout`` seconds of a running execution that asks
    nothing."""
    sqs, lam = target.client("sqs"), target.client("lambda")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wait = max(1, min(5, int(deadline - time.monotonic())))
        reply = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        )
        found = None
        others = False
        for message in reply.get("Messages", []):
            if found is None and _execution_of(message.get("Body")) == execution_arn:
                found = message
            else:  # not ours, or a second one: back to the queue for its reader
                others = True
                sqs.change_message_visibility(
                    QueueUrl=queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
        if found is not None:
            return dict(found)
        status = str(lam.get_durable_execution(DurableExecutionArn=execution_arn)["Status"])
        if has_ended(status):
            print(
                tr(
                    f"The execution ended {status} without asking for approval (the model "
                    "answered without a tool): nothing to answer; the panel shows the outcome.",
                    f"実行は承認を求めずに {status} で終わりました（モデルがツールを使わずに"
                    "回答しました）。回答するものはありません。結果はパネルに表示されます。",
                )
            )
            return None
        if others:
            time.sleep(1)  # only other executions' messages: do not spin on them
    raise NoRequestError(
        tr(
            f"No approval request of this conversation arrived within {timeout:g} s, and "
            "it is still running: run the cells from 'The outcome' on to see where it is.",
            f"{timeout:g} 秒以内にこの会話の承認リクエストが届かず、実行はまだ続いています。"
            "「The outcome」以降のセルを実行して、状況を確認してください。",
        )
    )
