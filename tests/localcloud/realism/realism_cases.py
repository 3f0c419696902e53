"""What the realism tests share: a Region, a role, a function spec, error codes."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.deploy import trust_policy

REGION = "us-east-1"
ASSUME_LAMBDA = json.dumps(trust_policy())
DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"


def make_zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def message(exc: ClientError) -> str:
    return str(exc.response["Error"]["Message"])


def retrying(endpoint: str, service: str) -> Any:
    """A client as the kit makes them: botocore's standard retries (throttles included)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


def new_role(client: Callable[[str], Any], name: str) -> str:
    iam = client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ASSUME_LAMBDA)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=DURABLE_POLICY_ARN)
    return str(arn)


def create_when_role_ready(lam: Any, **spec: Any) -> dict[str, Any]:
    """create_function, retried while Lambda cannot assume the new role yet (as on AWS)."""
    for _ in range(100):
        try:
            return dict(lam.create_function(**spec))
        except ClientError as exc:
            if "cannot be assumed" not in message(exc):
                raise
            time.sleep(0.1)
    raise AssertionError("the role never became assumable")


def function_spec(name: str, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "Runtime": "python3.13",
        "Role": role,
        "Handler": "app.handler",
        "Code": {"ZipFile": make_zip(HANDLER)},
        **extra,
    }
