"""Where Lambda durable functions and the workshop's Bedrock model exist: one dated list.

The kit (parameter checks, preflight, deploy) and the local cloud (which answers as AWS
does outside these Regions) read the same table, so the two targets cannot disagree.

Sources, as of ``AS_OF``:
- Lambda durable functions: launched in us-east-2 on 2025-12-02, 14 more Regions in
  December 2025 (Tokyo among them), 16 more on 2026-04-22 (AWS What's New; the Lambda
  endpoints and quotas page lists the Regions).
- Bedrock cross-Region inference profiles are geography-scoped (Bedrock user guide,
  "Supported Regions and models for inference profiles"): a ``us.`` profile is callable from
  US source Regions only, ``eu.`` from EU ones, ``apac.`` from Asia Pacific ones; a wrong
  pair answers ``ValidationException``.
"""

from __future__ import annotations

AS_OF = "2026-12-02"

# Every Region where AWS offers Lambda durable functions (see the module docstring).
DURABLE_REGIONS: frozenset[str] = frozenset(
    {
        # 2025-12-02: launch
        "us-east-2",
        # December 2025
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
        # 2026-04-22
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

# The workshop model, Amazon Nova Lite, through the cross-Region inference profile of the
# Region's geography (Bedrock user guide, inference profiles: source Regions per profile).
MODEL = "amazon.nova-lite-v1:0"
_PROFILE_OF_REGION_PREFIX = {
    "us-": "us",
    "ca-": "us",
    "eu-": "eu",
    "ap-": "apac",
}


def offers_durable_functions(region: str) -> bool:
    """True where AWS offers Lambda durable functions."""
    return region in DURABLE_REGIONS


def suggested_regions() -> str:
    """A short, human list for messages: the Regions people at a session pick first."""
    return "us-east-2 (Ohio), us-east-1 (N. Virginia), ap-northeast-1 (Tokyo), eu-central-1"


def profile_geography(region: str) -> str | None:
    """The inference-profile geography (``us``, ``eu``, ``apac``) callable from ``region``."""
    for prefix, geo in _PROFILE_OF_REGION_PREFIX.items():
        if region.startswith(prefix):
            return geo
    return None


def default_model_id(region: str) -> str:
    """The workshop model's id for ``region``: its geography's inference profile, or the
    foundation model id where no profile covers the Region (call it in-Region)."""
    geo = profile_geography(region)
    return f"{geo}.{MODEL}" if geo else MODEL
