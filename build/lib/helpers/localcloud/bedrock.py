"""Bedrock's answer to a model id, before any model runs: exists from this Region? access?

The local model endpoint (``POST /model/{modelId}/converse``) checks the model id as
Bedrock does, against the catalogue in ``helpers/regions.py`` (the models the kit and its
tests use, with the Regions each is offered from, dated and sourced there). The Region is
the one of the request's SigV4 credential scope.

Model access (a decided rule): since late 2025 Bedrock enables serverless models for an
account on first use, except that Anthropic models need a one-time use-case submission
first (Bedrock user guide, "Access Amazon Bedrock foundation models"). The local account
has made none: a model with ``needs_access`` answers AccessDeniedException unless
``LOCALCLOUD_MODEL_ACCESS`` (read on every call; comma-separated) names its model id, its
provider (``anthropic``) or ``all``.
"""

from __future__ import annotations

import os

from helpers.regions import CATALOGUE, GEOGRAPHIES, Model

from .errors import AwsError

ACCESS_ENV = "LOCALCLOUD_MODEL_ACCESS"
# Bedrock Runtime's words (Converse / InvokeModel error responses).
INVALID = "The provided model identifier is invalid."
NO_ACCESS = "You don't have access to the model with the specified model ID."


def _validation(message: str) -> AwsError:
    return AwsError(400, "ValidationException", message)


def _split(model_id: str, region: str) -> tuple[str | None, str]:
    """(geography or None, foundation-model id) of a model id, profile id or either's ARN.

    An ARN names its Region; another Region's model does not exist from this one.
    """
    if model_id.startswith("arn:"):
        parts = model_id.split(":", 5)
        if len(parts) < 6 or parts[2] != "bedrock" or parts[3] != region:
            raise _validation(INVALID)
        kind, _, model_id = parts[5].partition("/")
        if kind == "foundation-model":
            return None, model_id
        if kind != "inference-profile":
            raise _validation(INVALID)
    for geo in GEOGRAPHIES:
        if model_id.startswith(f"{geo}."):
            return geo, model_id[len(geo) + 1 :]
    return None, model_id


def _granted(model: Model) -> bool:
    granted = {g.strip() for g in os.environ.get(ACCESS_ENV, "").split(",") if g.strip()}
    return bool(granted & {"all", model.provider, model.model_id})


def check_model(model_id: str, region: str) -> Model:
    """The catalogue's model for ``model_id`` called from ``region``, or Bedrock's error.

    * a profile id whose geography's source Regions leave ``region`` out, a foundation-model
      id not offered in ``region``, an id Bedrock does not know: ValidationException "The
      provided model identifier is invalid." (Bedrock's answer for a model id that does not
      exist from the calling Region);
    * a model served through inference profiles only, called by its plain id from a Region
      with a profile of it: Bedrock's on-demand ValidationException, which names the fix;
    * a model the account has no access to: AccessDeniedException (403), Bedrock's words.
      The Region check comes first: an id that does not exist is invalid, access or not.
    """
    geo, base = _split(model_id, region)
    model = CATALOGUE.get(base)
    if model is None:
        raise _validation(INVALID)
    if geo is not None:
        if region not in model.profiles.get(geo, frozenset()):
            raise _validation(INVALID)
    elif region not in model.in_region:
        if any(region in sources for sources in model.profiles.values()):
            raise _validation(
                f"Invocation of model ID {base} with on-demand throughput isn't supported. "
                "Retry your request with the ID or ARN of an inference profile that contains "
                "this model."
            )
        raise _validation(INVALID)
    if model.needs_access and not _granted(model):
        raise AwsError(403, "AccessDeniedException", NO_ACCESS)
    return model
