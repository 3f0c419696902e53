"""`Gateway`: the WSGI application, routing each call to the part that serves it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from helpers.regions import offers_durable_functions

from ..errors import AwsError, not_found
from ..wsgi import raw_path
from .control_plane import FUNCTIONS
from .converse import CONVERSE, converse
from .durable_apis import EXECUTION_IN_PATH, LIST_BY_FUNCTION
from .invoke import INVOKE, Invoke
from .scope import execution_scope, not_offered_here, region_of

log = logging.getLogger(__name__)


class Gateway(Invoke):
    """The WSGI application the local cloud serves."""

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.realism is not None and (refused := self.realism.refuse(environ)) is not None:
            return refused(environ, start_response)  # over a quota: throttled as AWS does
        if not (
            path.startswith(("/2025-12-01/", "/2015-03-31/functions", "/model/", "/_localcloud/"))
        ):
            return self.moto(environ, start_response)
        request = Request(environ)
        try:
            response = self._route(request, environ, start_response)
        except AwsError as err:
            response = Response(err.body(), err.status, err.headers())
        except Exception:
            log.exception("gateway error on %s %s", request.method, path)
            failure = AwsError(
                500,
                "ServiceException",
                "The local cloud failed on this call; see its log in the state dir.",
            )
            response = Response(failure.body(), failure.status, failure.headers())
        if isinstance(response, Response):
            return response(environ, start_response)
        return response

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
        if FUNCTIONS.match(path):
            return self._lambda_control(request, environ)
        return self.moto(environ, start_response)
