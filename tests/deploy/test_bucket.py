"""The report bucket (helpers.deploy.bucket) in a Region other than us-east-1."""

from __future__ import annotations

from typing import Any

import pytest
from deploying import printed

from helpers import deploy
from helpers.deploy import Names, redact_account
from helpers.localcloud import LocalCloud
from helpers.target import connect
from helpers.teardown import cleanup, leftovers


def test_a_bucket_outside_us_east_1_names_its_region(cloud: LocalCloud, capsys: Any) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        frankfurt = connect("local", "eu-central-1")
    names = Names.for_target(frankfurt, "dt-eu")
    try:
        assert deploy.ensure_bucket(frankfurt, names) == names.bucket
        assert names.bucket.endswith("-eu-central-1")
        location = frankfurt.client("s3").get_bucket_location(Bucket=names.bucket)
        assert location["LocationConstraint"] == "eu-central-1"
        deploy.ensure_bucket(frankfurt, names)
        # Printed with the account masked (notebooks get shared).
        assert printed(capsys)[-1] == f"bucket {redact_account(names.bucket)}: already there"
    finally:
        cleanup(frankfurt, "dt-eu")
    assert leftovers(frankfurt, "dt-eu") == []
