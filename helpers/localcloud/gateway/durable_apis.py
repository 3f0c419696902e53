"""The durable execution APIs: passed to the runner, with what it does differently from AWS."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlencode

from werkzeug.wrappers import Request, Response

from ..errors import AwsError, invalid
from . import edge
from .control_plane import ControlPlane
from .runner_client import runner_error
from .scope import account_of, execution_scope, region_of, split_function_ref

LIST_BY_FUNCTION = re.compile(r"^/2025-12-01/functions/(?P<fn>[^/]+)/durable-executions/?$")
EXECUTION_IN_PATH = re.compile(r"^/2025-12-01/durable-executions/(?P<arn>[^/]+)")
# The runner's missing operations: DELETE on an execution, POST .../pause and .../resume.
_UNSERVED = re.compile(r"^/2025-12-01/durable-executions/[^/]+(/(?P<op>pause|resume))?/?$")
MAX_CALLBACK_RESULT = 256 * 1024
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}


# The POST operations whose JSON body the runner reads (botocore's names).
_BODY_OPERATIONS = {
    "checkpoint": "CheckpointDurableExecution",
    "stop": "StopDurableExecution",
    "pause": "PauseDurableExecution",
    "resume": "ResumeDurableExecution",
    "fail": "SendDurableExecutionCallbackFailure",
}


@functools.cache
def _input_shape(operation: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return model.operation_model(operation).input_shape


def _check_member_types(action: str, body: dict[str, Any]) -> None:
    """A body member of the wrong JSON type (a number for ``Updates``...), judged by the
    operation's shapes in the Lambda service model: Lambda cannot read such a body
    (InvalidRequestContentException); the runner failed on it (a 500). Missing and unknown
    members are left to the runner."""
    if (operation := _BODY_OPERATIONS.get(action)) is None:
        return
    from botocore.validate import ParamValidator

    shape = _input_shape(operation)
    # An operation whose body is one member (its payload) is checked as that member.
    payload = shape.serialization.get("payload")
    report = ParamValidator().validate({payload: body} if payload else body, shape)
    wrong = [error for error in report._errors if error[0] == "invalid type"]
    if wrong:
        raise AwsError(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: {wrong[0][1] or 'a member'} has the "
            "wrong type.",
        )


class DurableApis(ControlPlane):
    """The /2025-12-01/ paths (ListDurableExecutionsByFunction filtered here, as AWS lists)."""

    def _to_runner(self, request: Request, environ: dict[str, Any]) -> Response:
        # Keep the path as sent: execution ARNs and callback ids carry encoded slashes.
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        if "/durable-execution-callbacks/" in request.path and (
            len(request.get_data()) > MAX_CALLBACK_RESULT
        ):
            # The runner takes any size; AWS refuses a callback result over 256 KB, and a
            # workshop that passes locally must not fail there for it.
            raise invalid(f"The callback result must be at most {MAX_CALLBACK_RESULT} bytes.")
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        data = request.get_data()
        action = request.path.rstrip("/").rsplit("/", 1)[-1]
        on_execution = "/durable-executions/" in request.path
        if request.method == "POST" and (on_execution or action == "fail"):
            # Checkpoint, stop, pause, resume and a callback's failure (its ErrorObject) take
            # a JSON object (a callback's success is a raw payload); Lambda reads no other
            # (InvalidRequestContentException, as for every Lambda request body); the runner
            # failed on some (500s) and took others (an ErrorMessage that is a number).
            fields = edge.parse_json_object(
                request.get_data(), "InvalidRequestContentException", "request body"
            )
            _check_member_types(action if on_execution else "fail", fields)
            if on_execution and action == "stop" and fields:
                # StopDurableExecution's body is its ErrorObject (the model's payload, as
                # boto3 sends it); the runner reads it under "Error", and dropped it.
                data = json.dumps({"Error": fields}).encode()
        operation = _UNSERVED.match(raw.split("?", 1)[0])  # the ARN's slashes still encoded
        if operation and request.method in ("DELETE", "POST"):
            return self._unserved(raw, request.method, operation.group("op"))
        status, reply_headers, body = self.runner.request(request.method, raw, data, headers)
        error = runner_error(status, body, request.path)
        if error is not None:
            return Response(error.body(), error.status, error.headers())
        return Response(
            body, status, {"Content-Type": reply_headers.get("Content-Type", "application/json")}
        )

    def _unserved(self, raw: str, method: str, operation: str | None) -> Response:
        """DeleteDurableExecution, PauseDurableExecution and ResumeDurableExecution, which
        the runner lacks (it answered a 500): each answered as AWS answers it, as far as
        the local cloud can act on it, and with a 4xx where it cannot.

        Lambda API reference: DeleteDurableExecution deletes an execution in a terminal
        state (202 with ``DeletionRequestTimestamp``), otherwise ResourceConflictException;
        PauseDurableExecution pauses a running execution, ResumeDurableExecution resumes a
        paused one; all three answer ResourceNotFoundException for an unknown execution.
        """
        path = raw.split("?", 1)[0].removesuffix("/")
        arn_path = path.removesuffix(f"/{operation}") if operation else path
        status, _, body = self.runner.request("GET", arn_path)
        if (error := runner_error(status, body, arn_path)) is not None:
            return Response(error.body(), error.status, error.headers())
        execution = json.loads(body)
        arn = str(execution.get("DurableExecutionArn") or unquote(arn_path.rsplit("/", 1)[1]))
        finished = execution.get("Status") in TERMINAL
        if method == "DELETE":
            if not finished:
                raise AwsError(
                    409,
                    "ResourceConflictException",
                    f"The durable execution is {execution.get('Status')}: only an execution "
                    "in a terminal state (SUCCEEDED, FAILED, STOPPED, TIMED_OUT) can be deleted.",
                )
            assert self.delete_execution is not None
            self.delete_execution(arn)
            return Response(
                json.dumps({"DeletionRequestTimestamp": time.time()}),
                202,
                {"Content-Type": "application/json"},
            )
        if operation == "resume" or finished:
            # Nothing is ever paused here, and a finished execution can be neither paused
            # nor resumed: the execution is in the wrong state (inferred wording).
            raise AwsError(
                409,
                "ResourceConflictException",
                f"The durable execution is {execution.get('Status')}: "
                + (
                    "only a paused execution can be resumed."
                    if operation == "resume"
                    else "only a running execution can be paused."
                ),
            )
        # Pausing a running execution needs the runner to hold back its invocations, which
        # it cannot: refused as a 4xx that says so, never a 500 that clients retry.
        raise AwsError(
            400,
            "InvalidParameterValueException",
            "The local cloud cannot pause a running durable execution (AWS can: "
            "PauseDurableExecution). Stop it with StopDurableExecution instead.",
        )

    def _list_by_function(self, request: Request, ref: str) -> Response:
        """ListDurableExecutionsByFunction with the filters the runner drops, as AWS lists.

        The runner reads ``StatusFilter`` where boto3 sends ``Statuses`` (possibly
        several), ignores ``Qualifier``, and matches the function name literally (an ARN
        finds nothing) in every Region; so the gateway fetches the function's executions
        and filters and pages them itself (``Marker`` is an offset, as the runner's is).

        Qualifier semantics (Lambda API reference, ListDurableExecutionsByFunction:
        "Qualifier - the function version or alias. If not specified, lists executions for
        the $LATEST version"): without one, ``$LATEST``'s executions only; with a version,
        that version's; with an alias, the executions of the version the alias points to
        now. An execution ARN always names a version, never an alias (API reference,
        Execution: ``...:function:NAME:($LATEST|[0-9]+)/durable-execution/...``), so an
        execution started through an alias is the version's (inferred for aliases: the
        reference says no more). An unknown function, version or alias is
        ResourceNotFoundException, as for every Lambda call on a function.
        """
        name, qualifier = split_function_ref(ref, request.args.get("Qualifier"))
        region, account = region_of(request, self.region), account_of(request)
        version = self.resolve(name, qualifier or "$LATEST", region, account).version
        statuses = set(request.args.getlist("Statuses"))
        kept = ("DurableExecutionName", "StartedAfter", "StartedBefore", "ReverseOrder")
        query = {k: request.args[k] for k in kept if k in request.args}
        items = [
            item
            for item in self.executions_of(name, query, region, account)
            if execution_scope(item.get("DurableExecutionArn", ""))[3] == version
        ]
        if statuses:
            items = [item for item in items if item.get("Status") in statuses]
        try:
            offset = int(request.args.get("Marker") or 0)
            # MaxItems: 1 to 1000, default 100 (API reference).
            limit = int(request.args.get("MaxItems") or 100)
        except ValueError as exc:
            raise invalid("Marker and MaxItems must be integers.") from exc
        if not 1 <= limit <= 1000:
            raise invalid(f"MaxItems must be 1 to 1000, got {limit}.")
        result: dict[str, Any] = {"DurableExecutions": items[offset : offset + limit]}
        if offset + limit < len(items):
            result["NextMarker"] = str(offset + limit)
        return Response(json.dumps(result), 200, {"Content-Type": "application/json"})

    def executions_of(
        self, name: str, query: dict[str, str], region: str, account: str
    ) -> Iterator[dict[str, Any]]:
        """Every execution of function ``name`` in ``region`` and ``account`` that the runner
        lists for ``query``, page by page (the runner lists one name across all of them)."""
        path = f"/2025-12-01/functions/{quote(name, safe='')}/durable-executions"
        marker: str | None = None
        while True:
            page_query = {**query, "MaxItems": "1000", **({"Marker": marker} if marker else {})}
            status, _, body = self.runner.request("GET", f"{path}?{urlencode(page_query)}")
            error = runner_error(status, body, path)
            if error is not None:
                raise error
            page = json.loads(body)
            for item in page.get("DurableExecutions", []):
                scope = execution_scope(item.get("DurableExecutionArn", ""))
                if scope[:2] == (region, account):
                    yield item
            marker = page.get("NextMarker")
            if not marker:
                return
