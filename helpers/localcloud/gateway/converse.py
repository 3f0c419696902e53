"""Bedrock Converse, answered by the local model after Bedrock's own checks."""

from __future__ import annotations

import json
import re

from werkzeug.wrappers import Request, Response

from .. import bedrock, model
from . import edge
from .scope import region_of

CONVERSE = re.compile(r"^/model/(?P<model>.+)/converse/?$")


def converse(request: Request, model_id: str, default_region: str) -> Response:
    """A Converse answer from the local model (``helpers/localcloud/model/``)."""
    # Bedrock refuses a model id that does not exist from the calling Region, or one the
    # account has no access to, before it reads the request (bedrock.py).
    bedrock.check_model(model_id, region_of(request, default_region))
    body = edge.parse_json_object(request.get_data(), "ValidationException", "request body")
    return Response(
        json.dumps(model.answer(model_id, body)), 200, {"Content-Type": "application/json"}
    )
