"""Where the workshop runs: the local cloud or a real AWS account, and boto3 clients for it.

The notebooks make the same boto3 calls on both targets; only the endpoint differs.
For ``local`` it is ``AWS_ENDPOINT_URL`` when that is set, else the kit's own local cloud
(started in the background on first use). For ``aws`` it is AWS's own, with the default
credential chain.

Every client gets one configuration (``CLIENT_CONFIG``), the same on both targets: the local
cloud throttles as AWS does, so the retry path that a room of thirty attendees in one account
needs runs on every local run too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .i18n import tr
from .localcloud import background

TARGETS = ("local", "aws")
LOCAL_CREDENTIALS = {"aws_access_key_id": "localcloud", "aws_secret_access_key": "localcloud"}

# Thirty attendees in one account share its per-account request quotas (CloudWatch Logs
# FilterLogEvents, the durable execution read APIs: low, fixed rates, Lambda and CloudWatch
# Logs quotas pages). "adaptive" is botocore's standard retry mode (exponential backoff with
# jitter, retry quota) plus a client-side rate limiter that slows this client down after a
# throttle instead of retrying at full speed (boto3 guide, "Retries").
RETRY_MODE = "adaptive"
# Total attempts, the first included. A throttled retry waits rand(0, 1) x min(2^i, 20) s
# (botocore's backoff): 7 retries may wait up to 1+2+4+8+16+20+20 = 71 s, about 35 s on
# average, enough to ride out a burst of the whole room calling at once (the facilitator
# says "run the next cell"), while an outage still surfaces within a minute or so. Standard
# mode's default of 3 gives up after at most 3 s.
MAX_ATTEMPTS = 8
# Venue Wi-Fi drops packets: a connection attempt that is lost is better retried after 10 s
# than after botocore's default 60 s (connection errors are retried quickly). Reads: the
# longest answer the kit waits for on purpose is a 20 s SQS long poll (ReceiveMessage
# WaitTimeSeconds); 45 s leaves room for a slow network, and a stalled read is given up
# and retried 15 s sooner than the default.
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 45
# botocore's own variables (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS), when set, win over the kit's
# choice: whoever sets them (a CI job, a test that wants one attempt) means it.
RETRY_ENV = {"mode": "AWS_RETRY_MODE", "total_max_attempts": "AWS_MAX_ATTEMPTS"}


def client_config(**overrides: Any) -> Config:
    """The configuration of every client of the kit, with ``overrides`` on top."""
    defaults = {"mode": RETRY_MODE, "total_max_attempts": MAX_ATTEMPTS}
    retries = {key: value for key, value in defaults.items() if not os.environ.get(RETRY_ENV[key])}
    base = Config(retries=retries, connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S)
    return base.merge(Config(**overrides)) if overrides else base


class TargetError(ValueError):
    """A parameter that cannot work; the message says what to set instead."""


@dataclass
class Target:
    name: str
    region: str
    endpoint: str | None
    _session: boto3.Session = field(repr=False)

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` on this target (``client_config``, with
        ``config`` on top: any ``botocore.config.Config`` field)."""
        return self._session.client(
            service, endpoint_url=self.endpoint, config=client_config(**config)
        )

    def describe(self) -> str:
        where = self.endpoint or f"AWS ({self.region})"
        return f"target={self.name} region={self.region} endpoint={where}"


def connect(target: str = "local", region: str = "us-east-1") -> Target:
    """The target named by the notebook's TARGET and REGION parameters."""
    if target not in TARGETS:
        raise TargetError(
            tr(
                f"TARGET must be one of {TARGETS}, got {target!r}.",
                f"TARGET は {TARGETS} のどれかです（{target!r} が渡されました）。",
            )
        )
    if not region or not isinstance(region, str):
        raise TargetError(
            tr(
                "REGION must be an AWS Region name such as 'us-east-1', 'us-east-2' (Ohio) or "
                "'ap-northeast-1' (Tokyo).",
                "REGION には 'us-east-1'、'us-east-2'（オハイオ）、'ap-northeast-1'（東京）の"
                "ような AWS リージョンの名前を指定してください。",
            )
        )
    if target == "aws":
        return Target("aws", region, None, boto3.Session(region_name=region))
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or background.ensure_running()
    has_credentials = boto3.Session().get_credentials() is not None
    session = boto3.Session(region_name=region, **({} if has_credentials else LOCAL_CREDENTIALS))
    return Target("local", region, endpoint, session)


def background_cloud() -> str | None:
    """The endpoint of the kit's background local cloud when it runs, else None."""
    return background.running_endpoint()


def start_background_cloud() -> str:
    """The kit's background local cloud's endpoint, starting it if it is not running."""
    return background.ensure_running()


def stop_background_cloud() -> bool:
    """Stop the kit's background local cloud; False when it was not running."""
    return background.stop()
