"""helpers.regions: the dated list of durable Regions and the workshop model per Region."""

from __future__ import annotations

import pytest

from helpers import regions
from helpers.localcloud import bedrock


def test_the_list_has_the_31_regions_aws_announced() -> None:
    # 1 at launch, 14 in December 2025, 16 on 2026-04-22: "we are now in 31 AWS regions".
    assert len(regions.DURABLE_REGIONS) == 31
    for region in ("us-east-1", "us-east-2", "ap-northeast-1", "eu-central-1", "mx-central-1"):
        assert regions.offers_durable_functions(region)
    for region in ("ca-west-1", "ap-east-2", "ap-southeast-6", "cn-north-1", "us-gov-west-1"):
        assert not regions.offers_durable_functions(region)
    for suggested in ("us-east-2", "us-east-1", "ap-northeast-1", "eu-central-1"):
        assert suggested in regions.suggested_regions()
        assert regions.offers_durable_functions(suggested)


@pytest.mark.parametrize(
    ("region", "model_id", "geo"),
    [
        ("us-east-1", "us.amazon.nova-lite-v1:0", "us"),
        ("us-east-2", "us.amazon.nova-lite-v1:0", "us"),
        ("ap-northeast-1", "apac.amazon.nova-lite-v1:0", "apac"),
        ("ap-northeast-3", "jp.amazon.nova-lite-v1:0", "jp"),
        ("eu-central-1", "eu.amazon.nova-lite-v1:0", "eu"),
        ("eu-west-2", "global.amazon.nova-2-lite-v1:0", None),
        ("sa-east-1", "global.amazon.nova-2-lite-v1:0", None),
    ],
)
def test_default_model_id(region: str, model_id: str, geo: str | None) -> None:
    assert regions.default_model_id(region) == model_id
    assert regions.profile_geography(region) == geo


@pytest.mark.parametrize("region", sorted(regions.DURABLE_REGIONS))
def test_every_durable_region_has_a_default_model_bedrock_accepts(region: str) -> None:
    bedrock.check_model(regions.default_model_id(region), region)  # raises if it does not
