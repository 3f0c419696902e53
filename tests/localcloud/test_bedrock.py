"""Bedrock model ids valid only where they exist, and model access, on the local cloud."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.localcloud import LocalCloud, bedrock
from helpers.regions import DURABLE_REGIONS, default_model_id

HELLO = [{"role": "user", "content": [{"text": "Hello!"}]}]
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with LocalCloud(tmp_path_factory.mktemp("bedrock-cloud")) as cloud:
        yield cloud.endpoint


def runtime(endpoint: str, region: str) -> Any:
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=endpoint,
        region_name=region,  # the SigV4 credential scope: the Region Bedrock sees
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def error_of(endpoint: str, region: str, model_id: str) -> tuple[str, str] | None:
    try:
        runtime(endpoint, region).converse(modelId=model_id, messages=HELLO)
    except ClientError as err:
        return err.response["Error"]["Code"], err.response["Error"]["Message"]
    return None


INVALID = ("ValidationException", "The provided model identifier is invalid.")


@pytest.mark.parametrize(
    ("region", "model_id", "expected"),
    [
        ("us-east-1", "us.amazon.nova-lite-v1:0", None),
        ("us-east-2", "us.amazon.nova-micro-v1:0", None),
        ("ap-northeast-1", "apac.amazon.nova-pro-v1:0", None),
        ("ap-northeast-1", "jp.amazon.nova-lite-v1:0", None),
        ("eu-central-1", "eu.amazon.nova-lite-v1:0", None),
        ("us-east-1", "amazon.nova-lite-v1:0", None),  # offered in-Region there
        # a profile from outside its geography's source Regions
        ("ap-northeast-1", "us.amazon.nova-lite-v1:0", INVALID),
        ("us-east-1", "eu.amazon.nova-lite-v1:0", INVALID),
        ("us-east-1", "jp.amazon.nova-lite-v1:0", INVALID),
        # unknown ids
        ("us-east-1", "us.amazon.nova-lite-v9:0", INVALID),
        ("us-east-1", "workshop-model", INVALID),
        # a Region's own ARN works, another Region's does not exist from here
        ("us-east-1", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", None),
        ("us-east-2", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", INVALID),
    ],
)
def test_model_ids_exist_only_from_their_regions(
    endpoint: str, region: str, model_id: str, expected: tuple[str, str] | None
) -> None:
    assert error_of(endpoint, region, model_id) == expected


def test_a_profile_only_model_by_its_plain_id_says_to_use_a_profile(endpoint: str) -> None:
    code, message = error_of(endpoint, "ap-northeast-1", "amazon.nova-lite-v1:0") or ("", "")
    assert code == "ValidationException"
    assert "on-demand throughput isn't supported" in message
    assert "inference profile" in message


def test_a_model_without_access_is_refused_until_granted(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented rule (bedrock.py): Anthropic models need access the local account has
    not been granted, unless LOCALCLOUD_MODEL_ACCESS names them."""
    monkeypatch.delenv(bedrock.ACCESS_ENV, raising=False)
    denied = (
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID.",
    )
    assert error_of(endpoint, "us-east-1", f"us.{HAIKU}") == denied
    assert error_of(endpoint, "ap-northeast-1", f"global.{HAIKU}") == denied
    # The Region check comes first: an id that does not exist is invalid, access or not.
    assert error_of(endpoint, "ap-northeast-1", f"us.{HAIKU}") == INVALID
    for grant in ("anthropic", HAIKU, "amazon,all"):
        monkeypatch.setenv(bedrock.ACCESS_ENV, grant)
        assert error_of(endpoint, "us-east-1", f"us.{HAIKU}") is None, grant
    monkeypatch.setenv(bedrock.ACCESS_ENV, "amazon.nova-pro-v1:0")
    assert error_of(endpoint, "us-east-1", f"us.{HAIKU}") == denied


@pytest.mark.parametrize("region", sorted(DURABLE_REGIONS))
def test_the_default_model_exists_from_every_durable_region(region: str) -> None:
    model = bedrock.check_model(default_model_id(region), region)
    assert not model.needs_access  # the workshop's default works without a model-access step


def test_the_default_model_answers_from_tokyo(endpoint: str) -> None:
    assert error_of(endpoint, "ap-northeast-1", default_model_id("ap-northeast-1")) is None
