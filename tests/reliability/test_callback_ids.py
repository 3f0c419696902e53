"""Callback ids cannot be derived from the execution ARN (patches/callback_ids.py).

The testing SDK's ids are base64 of the execution ARN and the operation id, both of
which a caller can know: anyone could answer anyone's approval. On AWS the id is an
opaque token; here only the id the runner issued is taken, also after a restart.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import boto_client, deploy_function, find_callback_id, wait_execution_done
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse)

from helpers.localcloud import LocalCloud

WAITS = """
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
"""


def derived(arn: str, operation_id: str) -> str:
    """The id the testing SDK would make: what a caller who knows the ARN can build."""
    data = json.dumps({"arn": arn, "op": operation_id}, separators=(",", ":"))
    return base64.b64encode(data.encode()).decode()


def started_callback(lam: Any, arn: str) -> tuple[str, str]:
    """(callback id, operation id) of the execution's started callback."""
    callback = find_callback_id(lam, arn)
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    [op] = [e["Id"] for e in events if e.get("CallbackStartedDetails")]
    return callback, op


def test_a_callback_id_derived_from_the_arn_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with LocalCloud(state) as cloud:
        client: Callable[[str], Any] = lambda service: boto_client(cloud.endpoint, service)  # noqa: E731
        lam = client("lambda")
        version = deploy_function(client, "waits", WAITS)
        arn = lam.invoke(
            FunctionName="waits", Qualifier=version, InvocationType="Event", Payload=b"{}"
        )["DurableExecutionArn"]
        issued, op = started_callback(lam, arn)

        forged = derived(arn, op)
        assert forged != issued
        with pytest.raises(ClientError):
            lam.send_durable_execution_callback_success(CallbackId=forged, Result=b'"forged"')

    with LocalCloud(state) as cloud:  # the issued id still works after a restart
        lam = boto_client(cloud.endpoint, "lambda")
        assert started_callback(lam, arn)[0] == issued
        lam.send_durable_execution_callback_success(CallbackId=issued, Result=b'"approved"')
        done = wait_execution_done(lam, arn)
        assert done["Status"] == "SUCCEEDED" and "approved" in done["Result"]
