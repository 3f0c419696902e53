"""Bedrock Converse, answered by the local model after Bedrock's own checks."""

from __future__ import annotations

import json
import re

from werkzeug.wrappers import Request, Response

from .. import bedrock, model
from ..errors import AwsError
from .scope import region_of

CONVERSE = re.compile(r"^/model/(?P<model>.+)/converse/?$")


def converse(request: Request, model_id: str, default_region: str) -> Response:
    """A Converse answer from the local model (``helpers/localcloud/model/``)."""
    # Bedrock refuses a model id that does not exist from the calling Region, or one the
    # account has no access to, before it reads the request (bedrock.py).
    bedrock.check_model(model_id, region_of(request, default_region))
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise AwsError(400, "ValidationException", "The request body is not JSON.") from exc
    return Response(
        json.dumps(model.answer(model_id, body)), 200, {"Content-Type": "application/json"}
    )
