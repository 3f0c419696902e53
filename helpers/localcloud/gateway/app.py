"""`Gateway`: the WSGI application, routing each call to the part that serves it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationNotFoundError
from werkzeug.wrappers import Request, Response

from helpers.regions import offers_durable_functions

from ..errors import (
    AwsError,
    is_html,
    is_s3,
    not_found,
    protocol_error,
    request_is_json_object,
    s3_client_error,
    s3_method_not_allowed,
    service_failure,
)
from ..lambda_host import MAX_ASYNC_PAYLOAD, MAX_PAYLOAD
from ..wsgi import call_wsgi, raw_path, read_body
from . import edge
from .control_plane import FUNCTIONS
from .converse import CONVERSE, converse
from .durable_apis import EXECUTION_IN_PATH, LIST_BY_FUNCTION
from .invoke import INVOKE, Invoke
from .scope import execution_scope, not_offered_here, region_of

log = logging.getLogger(__name__)
READS = ("GET", "HEAD", "OPTIONS")


class Gateway(Invoke):
    """The WSGI application the local cloud serves."""

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The error boundary: every answer is AWS-shaped, every unexpected failure is
        logged and answered as the service's own failure, and the server keeps serving."""
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        chunked = bool(environ.get("wsgi.input_terminated"))
        try:
            self._check_edge(environ, path, method)  # Content-Length judged, nothing read
            if not edge.take_body(environ, cap := edge.body_cap(environ, path, method)):
                status, reply_headers, body = edge.body_too_large(environ, path, cap)
                start_response(status, reply_headers)
                edge.stop_reading(environ)
                return [body]
            if chunked:  # its length is known now: judged as if it had been declared
                self._check_edge(environ, path, method)
        except AwsError as err:
            if err.status == 413:  # refused unread: nor read after the answer
                edge.stop_reading(environ)
            return Response(err.body(), err.status, err.headers())(environ, start_response)
        if self.realism is not None and (refused := self.realism.refuse(environ)) is not None:
            return refused(environ, start_response)  # over a quota: throttled as AWS does
        if not (
            path.startswith(("/2025-12-01/", "/2015-03-31/functions", "/model/", "/_localcloud/"))
        ):
            return self._guarded_moto(environ, start_response)
        request = Request(environ)
        try:
            response = self._route(request, environ, start_response)
        except AwsError as err:
            response = Response(err.body(), err.status, err.headers())
        except Exception:
            log.exception("gateway error on %s %s", method, path)
            failure = service_failure()
            response = Response(failure.body(), failure.status, failure.headers())
        if isinstance(response, Response):
            return response(environ, start_response)
        return response

    def _check_edge(self, environ: dict[str, Any], path: str, method: str) -> None:
        """What AWS refuses before it reads a body or looks anything up (edge.py)."""
        if (error := edge.too_large(environ, path, method)) is not None:
            raise error
        if method == "POST" and INVOKE.match(path):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            event = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "Event"
            limit = MAX_ASYNC_PAYLOAD if event else MAX_PAYLOAD
            if length > limit:
                raise AwsError(
                    413,
                    "RequestTooLargeException",
                    f"Request must be smaller than {limit} bytes for the Invoke operation",
                )
        if path.rstrip("/") == "" and method == "POST" and not edge.names_a_service(environ):
            raise AwsError(
                400, "UnknownOperationException", "The request names no AWS service or operation."
            )
        raw = raw_path(environ)
        if (name := edge.name_in_path(raw)) is not None and name:
            edge.check_function_name(name)
        if path.startswith("/2025-12-01/") and not edge.is_known_durable_route(method, raw):
            raise edge.unknown_operation(method, path)

    def _guarded_moto(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """moto's answer, unless it is an HTML page or a 500 without an AWS error: those
        become the call's protocol error (errors.protocol_error), the cause logged."""
        json_call = bool(environ.get("HTTP_X_AMZ_TARGET"))
        if json_call and not request_is_json_object(environ, read_body(environ)):
            # The JSON protocols refuse a body that is no JSON object before any operation.
            status, headers, body = protocol_error(
                environ, 400, "SerializationException", "The request body is not a JSON object."
            )
            start_response(status, headers)
            return [body]
        method = environ.get("REQUEST_METHOD")
        if is_s3(environ) and environ.get("PATH_INFO") in ("", "/") and method not in READS:
            # S3's service endpoint has one operation, ListBuckets (GET); moto lists for any.
            status, headers, body = s3_method_not_allowed(environ)
            start_response(status, headers)
            return [body]
        failure: Exception | None = None
        try:
            status, headers, body = call_wsgi(self.moto, environ)
        except Exception as exc:
            log.exception("moto failed on %s %s", environ.get("REQUEST_METHOD"), raw_path(environ))
            failure = exc
            status, headers, body = "500 Internal Server Error", [], b""
        code = int(status.split()[0])
        empty_error = code >= 400 and not body.strip() and environ.get("REQUEST_METHOD") != "HEAD"
        if is_html(dict(headers), body) or empty_error:
            log.warning(
                "moto answered %s to %s %s",
                status,
                environ.get("REQUEST_METHOD"),
                raw_path(environ)[:200],
            )
            status, headers, body = self._moto_failure(environ, code, failure)
        start_response(status, headers)
        return [body]

    @staticmethod
    def _moto_failure(
        environ: dict[str, Any], code: int, failure: Exception | None
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        """The AWS error for a moto page or crash (AWS general reference, "Common errors")."""
        json_call = bool(environ.get("HTTP_X_AMZ_TARGET"))
        if is_s3(environ) and (s3 := s3_client_error(environ, failure)) is not None:
            return s3
        if code in (404, 405):
            return protocol_error(environ, 404, "UnknownOperationException", "Unknown operation.")
        if isinstance(failure, NotImplementedError | OperationNotFoundError):
            # moto: "action has not been implemented" / an Action its service model lacks
            unknown = "UnknownOperationException" if json_call else "InvalidAction"
            return protocol_error(environ, 400, unknown, "The operation is not valid.")
        if json_call and isinstance(failure, TypeError | AttributeError):
            # A member of the wrong JSON type: the JSON protocols cannot read the request.
            return protocol_error(
                environ, 400, "SerializationException", "A member has the wrong type."
            )
        if code >= 500:
            return protocol_error(
                environ,
                500,
                "InternalFailure",
                "The request processing has failed because of an unknown error.",
            )
        return protocol_error(environ, code, "ValidationError", "The request is not valid.")

    def _route(
        self, request: Request, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Response | Iterable[bytes]:
        path = request.path
        if path.startswith("/2025-12-01/"):
            region = region_of(request, self.region)
            # Durable functions exist only in the Regions AWS offers them in (regions.py).
            if not offers_durable_functions(region):
                raise not_offered_here(region)
            # The path as sent: the ARN's own slashes are encoded there (request.path has
            # them decoded, which cuts the ARN at its first slash).
            if (match := EXECUTION_IN_PATH.match(raw_path(environ))) and execution_scope(
                unquote(match.group("arn"))
            )[0] not in ("", region):
                # An execution lives in its function's Region; another Region's endpoint
                # does not know it (inferred: Lambda's answer to any unknown execution).
                raise not_found(f"Durable execution not found: {unquote(match.group('arn'))}")
        if (match := LIST_BY_FUNCTION.match(path)) and request.method == "GET":
            return self._list_by_function(request, match.group("fn"))
        if path.startswith("/2025-12-01/"):
            return self._to_runner(request, environ)
        if (match := INVOKE.match(path)) and request.method == "POST":
            return self._invoke(request, match.group("fn"))
        if (match := CONVERSE.match(path)) and request.method == "POST":
            return converse(request, unquote(match.group("model")), self.region)
        if path == "/_localcloud/health":
            health = {
                "status": "ok",
                "realism": self.realism.name if self.realism else "off",
                # calls answered with a throttling error so far: clients' retries absorb them
                "throttled": self.realism.throttled if self.realism else 0,
            }
            return Response(json.dumps(health), 200, {"Content-Type": "application/json"})
        if path.startswith(("/model/", "/_localcloud/")):
            raise edge.unknown_operation(request.method, path)  # no other operation lives here
        if FUNCTIONS.match(path):
            if request.method not in ("GET", "POST", "PUT", "DELETE"):
                raise edge.unknown_operation(request.method, path)
            return self._lambda_control(request, environ)
        return self._guarded_moto(environ, start_response)
