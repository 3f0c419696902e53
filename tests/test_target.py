"""helpers.target and helpers.preflight against a local cloud started by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import preflight
from helpers.localcloud import LocalCloud
from helpers.target import TargetError, connect


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):
    with LocalCloud(tmp_path_factory.mktemp("target-cloud")) as cloud:
        yield cloud.endpoint


def test_local_target_uses_aws_endpoint_url(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    target = connect("local", "us-east-1")
    assert target.endpoint == endpoint
    assert target.client("s3").meta.endpoint_url == endpoint
    assert endpoint in target.describe()


def test_aws_target_has_no_endpoint_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    target = connect("aws", "us-east-2")
    assert target.endpoint is None
    assert target.client("lambda").meta.region_name == "us-east-2"


@pytest.mark.parametrize("bad", ["Local", "prod", ""])
def test_unknown_target_is_refused_with_what_to_set(bad: str) -> None:
    with pytest.raises(TargetError, match="TARGET must be one of"):
        connect(bad)


def test_preflight_passes_on_the_local_cloud(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    checks = preflight.run(connect("local"))
    assert [c.name for c in checks] == [
        "identity",
        "lambda",
        "durable executions",
        "s3",
        "sqs",
        "logs",
    ]
    assert all(c.ok for c in checks), [str(c) for c in checks]


def test_preflight_reports_a_dead_endpoint_with_a_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    checks = preflight.run(connect("local"))
    assert not any(c.ok for c in checks)
    assert "TARGET='local'" in str(checks[0]) or "Configure credentials" in str(checks[0])
