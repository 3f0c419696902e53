"""Which Bedrock model ids exist from which Region, and which need model access: a catalogue.

The local model endpoint (``POST /model/{modelId}/converse``) answers as Bedrock does before
it runs any model: a model id that does not exist from the calling Region (the Region of
the request's SigV4 credential scope) is refused, and so is a model the account has no
access to. The catalogue holds the models the kit and its tests use, dated, with sources.

Sources, as of ``AS_OF`` (Amazon Bedrock user guide):
- "Supported Regions and models for batch inference" / "... for model copy": Amazon Nova
  Micro, Lite and Pro are offered in-Region (foundation-model id) in us-east-1 (and
  us-gov-west-1); through inference profiles from us-east-1, us-east-2, us-west-2,
  ap-northeast-1, ap-northeast-2, ap-south-1, ap-southeast-1, ap-southeast-2, eu-central-1,
  eu-north-1, eu-south-1, eu-south-2, eu-west-1 and eu-west-3.
- "Supported Regions and models for inference profiles" / "Regional availability": a
  geographic profile (``us.``, ``eu.``, ``apac.``, ``jp.``, ``au.``) is callable only from
  the source Regions of its geography; a ``global.`` profile routes across all commercial
  Regions. So the Regions above split by geography into the ``us``/``eu``/``apac`` sources.
- Japan profiles ``jp.amazon.nova-lite-v1:0`` (Micro, Pro too) and
  ``jp.amazon.nova-2-lite-v1:0`` serve Tokyo and Osaka (the "JP" geography of the user
  guide and of the AWS CDK's CrossRegionInferenceProfileRegion; the ids from a public
  Japan-residency survey of Bedrock models, 2026-09). Second-hand.
- Claude Haiku 4.5 model card: model id ``anthropic.claude-haiku-4-5-20251001-v1:0``,
  geographic ids ``us.``/``eu.``/``jp.``/``au.`` and a global id; it is served through
  inference profiles only (the plain id answers the on-demand ValidationException below).
- Source Regions of the ``global.`` profiles (Nova 2 Lite, Claude Haiku 4.5): inferred as
  every commercial Region with Lambda durable functions; the per-model table was not
  readable here. The Claude ``us``/``eu``/``au`` source lists are inferred from the
  geographies likewise.

Model access (decided rule, documented): since late 2025 Bedrock serverless models are
enabled for an account on first use, except that Anthropic models need a one-time use-case
submission first (user guide, "Access Amazon Bedrock foundation models"). The local account
has made none: a model with ``needs_access`` answers AccessDeniedException unless
``LOCALCLOUD_MODEL_ACCESS`` (read on every call; comma-separated) names its model id, its
provider (``anthropic``) or ``all``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import AwsError

AS_OF = "2026-12-02"
ACCESS_ENV = "LOCALCLOUD_MODEL_ACCESS"

# Geography prefixes of cross-Region inference profiles (longest first: us-gov before us).
GEOGRAPHIES = ("us-gov", "us", "eu", "apac", "jp", "au", "ca", "global")

_US = frozenset({"us-east-1", "us-east-2", "us-west-2"})
_EU = frozenset(
    {"eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"}
)
_APAC = frozenset(
    {"ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"}
)
_JP = frozenset({"ap-northeast-1", "ap-northeast-3"})
_AU = frozenset({"ap-southeast-2", "ap-southeast-4"})


def _commercial() -> frozenset[str]:
    from helpers.regions import DURABLE_REGIONS

    return DURABLE_REGIONS


@dataclass(frozen=True)
class Model:
    """One foundation model: where its plain id works, and its profiles' source Regions."""

    model_id: str
    provider: str
    in_region: frozenset[str]
    profiles: dict[str, frozenset[str]] = field(default_factory=dict)
    needs_access: bool = False


def _nova_v1(name: str) -> Model:
    return Model(
        f"amazon.{name}-v1:0",
        "amazon",
        in_region=frozenset({"us-east-1", "us-gov-west-1"}),
        profiles={"us": _US, "eu": _EU, "apac": _APAC, "jp": _JP},
    )


CATALOGUE: dict[str, Model] = {
    m.model_id: m
    for m in (
        _nova_v1("nova-micro"),
        _nova_v1("nova-lite"),
        _nova_v1("nova-pro"),
        Model(
            "amazon.nova-2-lite-v1:0",
            "amazon",
            in_region=frozenset(),
            profiles={"us": _US, "jp": _JP, "global": _commercial()},
        ),
        Model(
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic",
            in_region=frozenset(),
            profiles={
                "us": _US | {"us-west-1"},
                "eu": _EU,
                "jp": _JP,
                "au": _AU,
                "global": _commercial(),
            },
            needs_access=True,
        ),
    )
}

INVALID = "The provided model identifier is invalid."
NO_ACCESS = "You don't have access to the model with the specified model ID."


def _validation(message: str) -> AwsError:
    return AwsError(400, "ValidationException", message)


def profiles_from(model_id: str, region: str) -> set[str]:
    """The geographies whose profile of ``model_id`` (a foundation-model id) is callable
    from ``region``."""
    model = CATALOGUE.get(model_id)
    if model is None:
        return set()
    return {geo for geo, sources in model.profiles.items() if region in sources}


def in_region(model_id: str, region: str) -> bool:
    """True where ``model_id`` (a foundation-model id) is offered in ``region`` itself."""
    model = CATALOGUE.get(model_id)
    return model is not None and region in model.in_region


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
      provided model identifier is invalid." (the answer Bedrock Runtime gives for a model
      id that does not exist from the calling Region);
    * a model served through inference profiles only, called by its plain id where a
      profile of it exists: Bedrock's on-demand ValidationException, which says to use a
      profile;
    * a model the account has no access to: AccessDeniedException (403), Bedrock's words.
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
