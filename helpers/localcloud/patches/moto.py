"""The patches of moto's internals: deterministic ids, seeded backend creation, one IAM
partition, a cached backend lookup and CloudWatch Logs filter patterns.

Determinism: moto draws ids (SQS MessageId, Lambda RevisionId, IAM RoleId...) from its
``mock_random`` singleton. The journal runs each journaled call under `seeded` with the
seed it records, drawing from its own ``random.Random(seed)`` (thread-local, so that
concurrent read-only calls such as a long-polling ReceiveMessage cannot consume from it),
and replay uses the same seed: ids come back identical. A moto backend created on first
use (IAM loads 1,500 managed policies with random ids) draws from a generator seeded by
its own name, so it does not matter whether a read-only or a journaled call created it.

All patches are process-wide and idempotent. tests/localcloud/test_foundations.py names
every internal they rely on.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import random
import threading
from collections.abc import Iterator
from typing import Any

from moto.core.base_backend import AccountSpecificBackend
from moto.iam.models import IAMBackend
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.responses import S3Response

from . import log_filter

_tls = threading.local()


class _PerThreadRandom(MotoRandom):
    """mock_random that draws from the calling thread's generator when one is set.

    Every other method of `random.Random` (choice, uuid4, ...) goes through these two,
    so overriding them redirects all of moto's draws.
    """

    def random(self) -> float:
        rng: random.Random | None = getattr(_tls, "rng", None)
        return super().random() if rng is None else rng.random()

    def getrandbits(self, k: int) -> int:
        rng: random.Random | None = getattr(_tls, "rng", None)
        return super().getrandbits(k) if rng is None else rng.getrandbits(k)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """moto's random draws in this thread come from ``random.Random(seed)`` meanwhile."""
    previous = getattr(_tls, "rng", None)
    _tls.rng = random.Random(seed)
    try:
        yield
    finally:
        _tls.rng = previous


def _name_seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


_original_getitem = AccountSpecificBackend.__getitem__


def _getitem_seeded_creation(self: AccountSpecificBackend[Any], region_name: str) -> Any:
    key = "aws" if region_name == "global" else region_name
    if dict.__contains__(self, key):
        return dict.__getitem__(self, key)
    with seeded(_name_seed(f"{self.service_name}/{self.account_id}/{key}")):
        return _original_getitem(self, region_name)


_original_init_aws_policies = IAMBackend._init_aws_policies


def _aws_partition_policies_only(self: IAMBackend) -> list[Any]:
    # moto creates the IAM backend of all 6 partitions on the first call of any service
    # (to look up the caller's access key), each parsing and building ~1,600 managed
    # policies: ~1.1 s. The kit only lives in the "aws" partition: ~0.2 s.
    return _original_init_aws_policies(self) if self.region_name == "aws" else []


def install() -> None:
    """Apply the process-wide patches (idempotent)."""
    # moto imports mock_random by reference everywhere, so swapping its class is enough.
    if not isinstance(mock_random, _PerThreadRandom):
        mock_random.__class__ = _PerThreadRandom
    if AccountSpecificBackend.__getitem__ is not _getitem_seeded_creation:
        AccountSpecificBackend.__getitem__ = _getitem_seeded_creation  # type: ignore[method-assign]
    if IAMBackend._init_aws_policies is not _aws_partition_policies_only:
        IAMBackend._init_aws_policies = _aws_partition_policies_only  # type: ignore[method-assign]
    log_filter.install()  # FilterLogEvents patterns as CloudWatch Logs applies them
    if S3Response._get_param is not _s3_param_without_deep_json:
        S3Response._get_param = _s3_param_without_deep_json  # type: ignore[method-assign,assignment]


_original_s3_get_param = S3Response._get_param


def _s3_param_without_deep_json(self: S3Response, param_name: str, if_none: Any = None) -> Any:
    """moto looks for S3 parameters in a JSON body too (S3 takes none) and catches only
    ValueError: a deeply nested body raised RecursionError (a 500). S3 ignores such a
    body, and so does this."""
    try:
        return _original_s3_get_param(self, param_name, if_none)
    except RecursionError:
        return if_none


def cache_backend_lookup(app: DomainDispatcherApplication) -> None:
    """Cache ``app``'s host-to-backend lookup.

    moto resolves the host of every request by listing its package directory (~175 stat
    calls, ~2 ms); the answer only depends on the host string.
    """
    app.get_backend_for_host = functools.lru_cache(maxsize=1024)(  # type: ignore[method-assign]
        app.get_backend_for_host
    )
