"""What the realism hooks read from a request: its Region, service and account."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from werkzeug.wrappers import Response

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[\w-]+)/")


def scope(environ: dict[str, Any]) -> tuple[str, str]:
    """(region, service) of a SigV4-signed request, or ("", "")."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group("region"), match.group("service")) if match else ("", "")


def account(environ: dict[str, Any]) -> str:
    """The account moto files the request under."""
    from ..journal import moto_account  # imports moto: only once the local cloud runs

    return moto_account(environ)


def json_response(status: int, payload: Any, headers: dict[str, str]) -> Response:
    """A JSON error or answer, with a request id as AWS gives one."""
    return Response(json.dumps(payload), status, {"x-amzn-RequestId": str(uuid.uuid4()), **headers})
