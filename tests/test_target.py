"""helpers.target against a local cloud started by the test, and the clients' config.

(The preflight's tests are in tests/test_preflight.py.)
"""

from __future__ import annotations

import pytest

from helpers import target as targets
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


# -- every client: a room of thirty in one account, on venue Wi-Fi ----------------------------
@pytest.mark.parametrize("name", ["local", "aws"])
def test_every_client_retries_adaptively_with_room_to_wait(
    name: str, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One configuration on both targets (the local cloud throttles as AWS does)."""
    for variable in targets.RETRY_ENV.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    target = connect(name, "ap-northeast-1")
    for service in ("lambda", "logs", "sqs", "s3", "bedrock-runtime"):
        config = target.client(service).meta.config
        assert config.retries == {"mode": "adaptive", "total_max_attempts": 8}, service
        assert (config.connect_timeout, config.read_timeout) == (10, 45), service
    # The longest wait the kit asks for on purpose, an SQS long poll, fits in a read.
    assert targets.READ_TIMEOUT_S > 20
    # A caller's own setting goes on top, the retries stay.
    tuned = target.client("bedrock-runtime", read_timeout=120).meta.config
    assert tuned.read_timeout == 120 and tuned.retries["mode"] == "adaptive"


def test_botocores_own_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    config = connect("aws", "us-east-2").client("lambda").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
