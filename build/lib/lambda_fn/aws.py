"""boto3 clients for the handler's own calls (SQS, S3, Bedrock), made once per environment.

Clients are created on first use and kept for the warm execution environment, as Lambda
best practice goes. boto3 reads the endpoint (``AWS_ENDPOINT_URL``) and the region from the
environment: on the local target the very same calls reach the local cloud. The cache is
keyed on both, so that tests pointing the environment at another endpoint get fresh clients.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Converse can take a while for a long answer; the other calls are quick.
_READ_TIMEOUT = {"bedrock-runtime": 120}


def client(service: str) -> Any:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return _client(service, os.environ.get("AWS_ENDPOINT_URL"), region)


@cache
def _client(service: str, endpoint: str | None, region: str | None) -> Any:
    config = Config(
        retries={"mode": "standard"},
        read_timeout=_READ_TIMEOUT.get(service, 30),
        # Presigned S3 URLs must be SigV4 to work in every region.
        signature_version="s3v4" if service == "s3" else None,
    )
    return boto3.client(service, endpoint_url=endpoint, region_name=region, config=config)
