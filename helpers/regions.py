"""Where Lambda durable functions and the workshop's Bedrock model exist: one dated list.

The kit (parameter checks, preflight, deploy) and the local cloud (which answers as AWS
does outside these Regions) read the same table, so the two targets cannot disagree.

Sources, checked on ``AS_OF``:
- Lambda durable functions: launched in us-east-2 on 2025-12-02 (AWS What's New,
  "lambda-durable-multi-step-applications-ai-workflows"); 14 more Regions in December 2025;
  16 more on 2026-04-22 (AWS What's New, "lambda-durable-functions-16-new-regions"). The
  Lambda team's roadmap issue (github.com/aws/aws-lambda-roadmap issue 80, comment of
  2026-04-23) confirms the total: "we are now in 31 AWS regions". The count below is that
  31; which Region came in which wave is second-hand (the What's New posts themselves were
  not readable here). Not in the list: ca-west-1, ap-east-2, ap-southeast-6 (the three
  commercial Regions the 31 leave out); no later expansion was found by ``AS_OF``.
- Bedrock models and inference profiles: see ``helpers/localcloud/bedrock.py`` (the
  catalogue the local cloud enforces); ``default_model_id`` picks from it.
"""

from __future__ import annotations

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

# The workshop model: Amazon Nova Lite, through the geographic cross-Region inference profile
# whose source Regions include the caller's Region; where none does, Amazon Nova 2 Lite
# through its global profile (bedrock.py lists both, with their sources).
MODEL = "amazon.nova-lite-v1:0"
FALLBACK_MODEL = "amazon.nova-2-lite-v1:0"


def offers_durable_functions(region: str) -> bool:
    """True where AWS offers Lambda durable functions."""
    return region in DURABLE_REGIONS


def suggested_regions() -> str:
    """A short, human list for messages: the Regions people at a session pick first."""
    return "us-east-2 (Ohio), us-east-1 (N. Virginia), ap-northeast-1 (Tokyo), eu-central-1"


def profile_geography(region: str) -> str | None:
    """The inference-profile geography (``us``, ``eu``, ``apac``, ``jp``) through which the
    workshop model (``MODEL``) is callable from ``region``; None where no profile of it is.

    A Region that is a source of two (Tokyo: ``apac`` and ``jp``) gets the wider one, the
    profile with the most capacity behind it.
    """
    from helpers.localcloud.bedrock import profiles_from  # the catalogue; no moto import

    for geo in ("us", "eu", "apac", "jp", "au", "ca"):
        if geo in profiles_from(MODEL, region):
            return geo
    return None


def default_model_id(region: str) -> str:
    """The workshop model's id for ``region``: Nova Lite through its geography's inference
    profile, else Nova Lite in-Region where it is offered so, else Nova 2 Lite's global
    profile (every durable Region is a source of it)."""
    from helpers.localcloud.bedrock import in_region, profiles_from

    geo = profile_geography(region)
    if geo:
        return f"{geo}.{MODEL}"
    if in_region(MODEL, region):
        return MODEL
    if "global" in profiles_from(FALLBACK_MODEL, region):
        return f"global.{FALLBACK_MODEL}"
    raise ValueError(f"No workshop model is offered from {region} (catalogue as of {AS_OF}).")
