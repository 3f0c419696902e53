"""The handler's code and environment, as Lambda sets them (lambda_host/code.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_host_cases import Client, invoke, plain_fixture  # noqa: F401  (fixtures)


def test_environment_and_context(client: Client, plain: Callable[..., Any]) -> None:
    source = """
import os

def handler(event, context):
    return {
        "greeting": os.environ.get("GREETING"),
        "name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "region": os.environ.get("AWS_REGION"),
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(),
        "memory": context.memory_limit_in_mb,
    }
"""
    fn, version = plain(source, Environment={"Variables": {"GREETING": "konnichiwa"}}, Timeout=7)
    reply, body = invoke(client("lambda"), fn, {}, Qualifier=version)
    assert "FunctionError" not in reply, body
    assert body["greeting"] == "konnichiwa"
    assert body["name"] == fn
    assert body["version"] == version
    assert body["region"] == "us-east-1"
    assert body["arn"].endswith(f":function:{fn}:{version}")
    assert 0 < body["remaining"] <= 7000
    assert str(body["memory"]) == "128"


def test_handler_boto3_calls_reach_local_cloud(client: Client, plain: Callable[..., Any]) -> None:
    source = """
import boto3

def handler(event, context):
    boto3.client("s3").put_object(Bucket=event["bucket"], Key="from-lambda.txt",
                                  Body=b"written by " + context.function_name.encode())
    return "ok"
"""
    fn, version = plain(source)
    s3 = client("s3")
    bucket = fn.lower()
    s3.create_bucket(Bucket=bucket)
    reply, body = invoke(client("lambda"), fn, {"bucket": bucket}, Qualifier=version)
    assert "FunctionError" not in reply, body
    assert (
        s3.get_object(Bucket=bucket, Key="from-lambda.txt")["Body"].read()
        == f"written by {fn}".encode()
    )
