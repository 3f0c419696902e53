"""A synchronous invocation's answer is bounded as Lambda bounds it: 6 MB, then a function
error (200, ``X-Amz-Function-Error``), never a 7 MB body passed on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud.lambda_host import MAX_RESPONSE

SOURCE = """
def handler(event, context):
    return "A" * event["size"]
"""


def test_a_response_over_6_mb_is_a_function_error_and_one_under_passes(
    client: Callable[[str], Any], deploy: Callable[..., str], name: Callable[..., str]
) -> None:
    function = name("big-answer")
    version = deploy(function, SOURCE, DurableConfig=None, MemorySize=512)
    lam = client("lambda")

    def invoke(size: int) -> dict[str, Any]:
        return dict(
            lam.invoke(FunctionName=function, Qualifier=version, Payload=json.dumps({"size": size}))
        )

    too_big = invoke(7_000_000)
    assert too_big["StatusCode"] == 200 and too_big["FunctionError"] == "Unhandled"
    error = json.loads(too_big["Payload"].read())
    assert error["errorType"] == "Function.ResponseSizeTooLarge"
    assert f"({MAX_RESPONSE} bytes)" in error["errorMessage"]

    fits = invoke(MAX_RESPONSE - 2)  # the two quotes of the JSON string count too
    assert "FunctionError" not in fits
    assert len(fits["Payload"].read()) == MAX_RESPONSE
