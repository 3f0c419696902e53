"""Where Lambda durable functions and the workshop's Bedrock models exist: one dated table.

The kit (parameter checks, preflight, deploy) and the local cloud (which answers as AWS
does outside these Regions, and refuses a model id as Bedrock does: see
``helpers/localcloud/bedrock.py``) read the same table, so the two targets cannot disagree.

Lambda durable functions, checked on ``AS_OF``: launched in us-east-2 on 2025-12-02 (AWS
What's New, "lambda-durable-multi-step-applications-ai-workflows"); 14 more Regions in
December 2025; 16 more on 2026-04-22 (AWS What's New, "lambda-durable-functions-16-new-
regions"). The Lambda team's roadmap issue (github.com/aws/aws-lambda-roadmap issue 80,
comment of 2026-04-23) confirms the total: "we are now in 31 AWS regions". The list below
is those 31; which Region came in which wave is second-hand (the What's New posts were not
readable here). Left out: ca-west-1, ap-east-2, ap-southeast-6, the three commercial
Regions the 31 do not cover; no later expansion was found by ``AS_OF``.

Bedrock models, as of ``AS_OF`` (Amazon Bedrock user guide unless said otherwise):
- "Supported Regions and models for batch inference" / "... for model copy": Amazon Nova
  Micro, Lite and Pro are offered in-Region (foundation-model id) in us-east-1 (and
  us-gov-west-1), and through inference profiles from us-east-1, us-east-2, us-west-2,
  ap-northeast-1, ap-northeast-2, ap-south-1, ap-southeast-1, ap-southeast-2, eu-central-1,
  eu-north-1, eu-south-1, eu-south-2, eu-west-1 and eu-west-3.
- "Supported Regions and models for inference profiles" / "Regional availability": a
  geographic profile (``us.``, ``eu.``, ``apac.``, ``jp.``, ``au.``) is callable only from
  the source Regions of its geography; a ``global.`` profile routes across all commercial
  Regions. So the Regions above split by geography into ``us``/``eu``/``apac`` sources.
- Japan profiles ``jp.amazon.nova-lite-v1:0`` (Micro and Pro too) and
  ``jp.amazon.nova-2-lite-v1:0`` serve Tokyo and Osaka (the "JP" geography of the user
  guide and of the AWS CDK's CrossRegionInferenceProfileRegion; the ids from a public
  Japan-residency survey of Bedrock models, 2026-09): second-hand.
- Claude Haiku 4.5 model card: id ``anthropic.claude-haiku-4-5-20251001-v1:0``,
  geographic ids ``us.``/``eu.``/``jp.``/``au.`` and a global id; served through inference
  profiles only (its plain id answers Bedrock's on-demand ValidationException).
- Inferred, the per-model tables not being readable here: the source Regions of the
  ``global.`` profiles (Nova 2 Lite, Claude Haiku 4.5), taken as every durable Region; the
  Claude ``us``/``eu``/``au`` and Nova 2 Lite ``us`` source lists, taken from the
  geographies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import tr

AS_OF = "2026-12-02"

# Every Region where AWS offers Lambda durable functions (see the module docstring).
DURABLE_REGIONS: frozenset[str] = frozenset(
    {
        # 2025-12-02: launch
        "us-east-2",
        # December 2025: 14 more
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "eu-west-2",
        "eu-north-1",
        "ap-northeast-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-south-1",
        "ap-northeast-2",
        "ca-central-1",
        "sa-east-1",
        "eu-west-3",
        # 2026-04-22: 16 more (31 in all)
        "us-west-1",
        "ap-northeast-3",
        "ap-east-1",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ap-south-2",
        "eu-south-1",
        "eu-south-2",
        "eu-central-2",
        "me-south-1",
        "me-central-1",
        "il-central-1",
        "af-south-1",
        "mx-central-1",
    }
)

# -- Bedrock: which model id exists from which Region (see the module docstring) --------

# Geography prefixes of cross-Region inference profiles (us-gov before us: longest first).
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
_GLOBAL = DURABLE_REGIONS  # inferred (module docstring)


@dataclass(frozen=True)
class Model:
    """A foundation model: the Regions where its plain id is offered, its profiles' source
    Regions by geography, and whether an account needs to be granted access first."""

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


# The models the kit and its tests use.
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
            profiles={"us": _US, "jp": _JP, "global": _GLOBAL},
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
                "global": _GLOBAL,
            },
            # Anthropic models need a one-time use-case submission before first use (user
            # guide, "Access Amazon Bedrock foundation models"); Amazon's are enabled on use.
            needs_access=True,
        ),
    )
}

# The workshop model: Amazon Nova Lite, through the geographic inference profile whose
# source Regions include the caller's; where none does, Amazon Nova 2 Lite's global profile.
MODEL = "amazon.nova-lite-v1:0"
FALLBACK_MODEL = "amazon.nova-2-lite-v1:0"


def offers_durable_functions(region: str) -> bool:
    """True where AWS offers Lambda durable functions."""
    return region in DURABLE_REGIONS


def suggested_regions() -> str:
    """A short, human list for messages: the Regions people at a session pick first."""
    return "us-east-2 (Ohio), us-east-1 (N. Virginia), ap-northeast-1 (Tokyo), eu-central-1"


def region_advice() -> str:
    """``suggested_regions`` in the learner's language (the local cloud, which answers as
    AWS does, keeps AWS's English)."""
    return tr(
        suggested_regions(),
        "us-east-2（オハイオ）、us-east-1（バージニア北部）、ap-northeast-1（東京）、"
        "eu-central-1（フランクフルト）",
    )


def profiles_from(model_id: str, region: str) -> set[str]:
    """The geographies whose inference profile of ``model_id`` (a foundation-model id) is
    callable from ``region``."""
    model = CATALOGUE.get(model_id)
    if model is None:
        return set()
    return {geo for geo, sources in model.profiles.items() if region in sources}


def in_region(model_id: str, region: str) -> bool:
    """True where ``model_id`` (a foundation-model id) is offered in ``region`` itself."""
    model = CATALOGUE.get(model_id)
    return model is not None and region in model.in_region


def profile_geography(region: str) -> str | None:
    """The inference-profile geography (``us``, ``eu``, ``apac``, ``jp``) through which the
    workshop model (``MODEL``) is callable from ``region``; None where no profile of it is.

    A Region that is a source of two (Tokyo: ``apac`` and ``jp``) gets the wider one, the
    profile with the most capacity behind it.
    """
    offered = profiles_from(MODEL, region)
    return next((geo for geo in ("us", "eu", "apac", "jp", "au", "ca") if geo in offered), None)


def default_model_id(region: str) -> str:
    """The workshop model's id for ``region``: Nova Lite through its geography's inference
    profile, else Nova Lite in-Region where it is offered so, else Nova 2 Lite's global
    profile (every durable Region is a source of it)."""
    geo = profile_geography(region)
    if geo:
        return f"{geo}.{MODEL}"
    if in_region(MODEL, region):
        return MODEL
    if "global" in profiles_from(FALLBACK_MODEL, region):
        return f"global.{FALLBACK_MODEL}"
    raise ValueError(f"No workshop model is offered from {region} (as of {AS_OF}).")
