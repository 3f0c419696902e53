"""Where the workshop runs: the local cloud or a real AWS account, and boto3 clients for it.

The notebooks make the same boto3 calls on both targets; only the endpoint differs.
For ``local`` it is ``AWS_ENDPOINT_URL`` when that is set, else the kit's own local cloud
(started in the background on first use). For ``aws`` it is AWS's own, with the default
credential chain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .localcloud import background

TARGETS = ("local", "aws")
LOCAL_CREDENTIALS = {"aws_access_key_id": "localcloud", "aws_secret_access_key": "localcloud"}


class TargetError(ValueError):
    """A parameter that cannot work; the message says what to set instead."""


@dataclass
class Target:
    name: str
    region: str
    endpoint: str | None
    _session: boto3.Session = field(repr=False)

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` on this target."""
        return self._session.client(
            service,
            endpoint_url=self.endpoint,
            config=Config(retries={"mode": "standard"}, **config),
        )

    def describe(self) -> str:
        where = self.endpoint or f"AWS ({self.region})"
        return f"target={self.name} region={self.region} endpoint={where}"


def connect(target: str = "local", region: str = "us-east-1") -> Target:
    """The target named by the notebook's TARGET and REGION parameters."""
    if target not in TARGETS:
        raise TargetError(f"TARGET must be one of {TARGETS}, got {target!r}.")
    if not region or not isinstance(region, str):
        raise TargetError("REGION must be an AWS region name such as 'us-east-2'.")
    if target == "aws":
        return Target("aws", region, None, boto3.Session(region_name=region))
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or background.ensure_running()
    has_credentials = boto3.Session().get_credentials() is not None
    session = boto3.Session(region_name=region, **({} if has_credentials else LOCAL_CREDENTIALS))
    return Target("local", region, endpoint, session)
