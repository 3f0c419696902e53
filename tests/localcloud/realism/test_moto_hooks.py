"""SQS and S3 names after a delete, in front of moto (realism/moto_hooks.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from realism_cases import code, message

from helpers.localcloud.realism import FAST


# -- 6. a deleted queue lingers ---------------------------------------------------------------
def test_a_deleted_queue_lingers_and_its_name_is_reserved(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    sqs, queue = client("sqs"), name("lingers")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    assert sqs.get_queue_url(QueueName=queue)["QueueUrl"] == url  # still found for a while
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="{}")  # but it is on its way out
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as refused:
        sqs.create_queue(QueueName=queue)
    assert "wait 60 seconds" in message(refused.value)
    time.sleep(FAST.queue_linger_s)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=queue)
    time.sleep(FAST.queue_name_reserved_s - FAST.queue_linger_s)
    assert sqs.create_queue(QueueName=queue)["QueueUrl"] == url


# -- 7. a deleted bucket's name ---------------------------------------------------------------
def test_a_deleted_bucket_name_cannot_be_taken_back_at_once(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    s3, bucket = client("s3"), name("bucket")
    s3.create_bucket(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as refused:
        s3.create_bucket(Bucket=bucket)
    assert code(refused.value) == "OperationAborted"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert message(refused.value).startswith("A conflicting conditional operation")
    time.sleep(FAST.bucket_name_reserved_s)
    s3.create_bucket(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
