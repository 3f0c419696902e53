"""Invoke: a handler run by the Lambda host, or a durable execution started in the runner."""

from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from ..errors import AwsError, invalid
from ..lambda_host import (
    MARKER_HEADER,
    MAX_ASYNC_PAYLOAD,
    MAX_PAYLOAD,
    MAX_RESPONSE,
    FunctionVersion,
)
from .durable_apis import TERMINAL, DurableApis
from .runner_client import SYNC_LIMIT_S
from .scope import account_of, region_of, split_function_ref

INVOKE = re.compile(r"^/2015-03-31/functions/(?P<fn>[^/]+)/invocations/?$")
NAME_OK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Invoke(DurableApis):
    """POST /2015-03-31/functions/{fn}/invocations."""

    def _invoke(self, request: Request, ref: str) -> Response:
        assert self.host is not None
        region = region_of(request, self.region)
        name, qualifier = split_function_ref(ref, request.args.get("Qualifier"))
        fn = self.resolve(name, qualifier, region, account_of(request))
        if self.realism is not None:  # a function still Pending refuses invocations
            self.realism.check_invoke(fn.name, region, fn.account)
        payload = request.get_data()
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            raise invalid(f"Invalid InvocationType: {invocation_type}.")
        limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_PAYLOAD
        if len(payload) > limit:
            raise AwsError(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the Invoke operation",
            )
        if payload:
            try:
                json.loads(payload)
            except ValueError as exc:
                raise AwsError(
                    400,
                    "InvalidRequestContentException",
                    "Could not parse request body into json: Unexpected character in the payload.",
                ) from exc
        invoked_arn = fn.arn + (f":{qualifier}" if qualifier else "")
        marked = request.headers.get(MARKER_HEADER) == "true"
        durable_start = bool(fn.durable) and not marked
        if durable_start and not qualifier:
            raise invalid(
                "You cannot invoke a durable function using an unqualified ARN. "
                "Add a version, alias or $LATEST as qualifier."
            )
        if invocation_type == "DryRun":
            return Response(b"", 204, {"X-Amz-Executed-Version": fn.version})
        if durable_start:
            assert qualifier is not None
            return self._start_durable(request, fn, qualifier, payload, invocation_type)
        tenant = request.headers.get("X-Amz-Tenant-Id")
        if invocation_type == "Event":
            request_id = str(uuid.uuid4())
            # The 202's request id is the invocation's own, as on AWS (logs join on it).
            self.host.submit_event(fn, invoked_arn, payload, tenant, request_id)
            return Response(b"", 202, {"X-Amzn-RequestId": request_id})
        result = self.host.run(fn, invoked_arn, payload, tenant)
        if len(result.payload) > MAX_RESPONSE:
            # Lambda answers 200 with a function error, not an API error: the call itself
            # worked, the function's answer is what it refuses to pass on.
            too_large = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            headers = {**result.headers, "X-Amz-Function-Error": "Unhandled"}
            return Response(
                json.dumps(too_large), 200, {**headers, "Content-Type": "application/json"}
            )
        return Response(
            result.payload, result.status, {**result.headers, "Content-Type": "application/json"}
        )

    def _start_durable(
        self,
        request: Request,
        fn: FunctionVersion,
        qualifier: str,
        payload: bytes,
        invocation_type: str,
    ) -> Response:
        name = request.headers.get("X-Amz-Durable-Execution-Name") or str(uuid.uuid4())
        if not NAME_OK.match(name):
            raise invalid(
                "DurableExecutionName must be 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'."
            )
        text = payload.decode() if payload else "{}"
        assert fn.durable is not None
        with self.start_lock:  # the name check and the start are one step
            arn = self._existing_execution(fn, name, text)
            if arn is None:
                status, started = self.runner.json(
                    "POST",
                    "/start-durable-execution",
                    {
                        "AccountId": fn.account,
                        # The execution lives in its function's Region (patches/testing_sdk.py).
                        "Region": fn.region,
                        # Upstream rebuilds a start without one, dropping the Region.
                        "InvocationId": str(uuid.uuid4()),
                        "FunctionName": fn.name,
                        # Replays run the version the execution started on, as on AWS.
                        "FunctionQualifier": fn.version,
                        "ExecutionName": name,
                        "ExecutionTimeoutSeconds": fn.durable["ExecutionTimeout"],
                        "ExecutionRetentionPeriodDays": fn.durable.get("RetentionPeriodInDays", 14),
                        "Input": text,
                    },
                )
                if status >= 300:
                    raise AwsError(500, "ServiceException", f"could not start execution: {started}")
                arn = started["ExecutionArn"]
        headers = {
            "X-Amz-Durable-Execution-Arn": arn,
            "X-Amz-Executed-Version": fn.version,
            "X-Amzn-RequestId": str(uuid.uuid4()),
        }
        if invocation_type == "Event":
            return Response(b"", 202, headers)
        return self._wait_for_result(arn, headers)

    def _existing_execution(self, fn: FunctionVersion, name: str, text: str) -> str | None:
        for item in self.executions_of(
            fn.name, {"DurableExecutionName": name}, fn.region, fn.account
        ):
            if item.get("DurableExecutionName") != name:
                continue
            arn: str = item["DurableExecutionArn"]
            _, details = self.runner.json(
                "GET", f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
            )
            if (details.get("InputPayload") or "{}") == text:
                return arn
            raise AwsError(
                409,
                "DurableExecutionAlreadyStartedException",
                f"A durable execution named {name} was already started with a different payload.",
            )
        return None

    def _wait_for_result(self, arn: str, headers: dict[str, str]) -> Response:
        deadline = time.monotonic() + SYNC_LIMIT_S
        delay = 0.01
        path = f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
        while time.monotonic() < deadline:
            _, details = self.runner.json("GET", path)
            status = details.get("Status")
            if status == "SUCCEEDED":
                return Response(
                    (details.get("Result") or "null").encode(),
                    200,
                    {**headers, "Content-Type": "application/json"},
                )
            if status in TERMINAL:
                error = details.get("Error") or {}
                body = {
                    "errorMessage": error.get("ErrorMessage", status),
                    "errorType": error.get("ErrorType", status),
                }
                return Response(
                    json.dumps(body),
                    200,
                    {
                        **headers,
                        "X-Amz-Function-Error": "Unhandled",
                        "Content-Type": "application/json",
                    },
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)
        body = {
            "errorMessage": "The synchronous invocation exceeded 15 minutes; the execution "
            "goes on. Use InvocationType='Event' for executions that wait on people.",
            "errorType": "Sandbox.Timedout",
        }
        return Response(json.dumps(body), 200, {**headers, "X-Amz-Function-Error": "Unhandled"})
