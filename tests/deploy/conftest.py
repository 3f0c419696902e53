"""The deploy tests' fixtures: the small app's two bundles, and fresh names per test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploying import build_fake_bundles

from helpers.deploy import Bundle, Names
from helpers.target import Target
from helpers.teardown import cleanup


@pytest.fixture(scope="package")
def fake_bundles(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Bundle]:
    """Two versions of the small handler, zipped with the real bundled packages (once for
    all the deploy tests: a Bundle keeps its bytes)."""
    return build_fake_bundles(build_dir, tmp_path_factory.mktemp("fake-src"))


_count = iter(range(1000))


@pytest.fixture
def names(target: Target) -> Iterator[Names]:
    """Fresh names per test; whatever the test leaves is removed afterwards."""
    prefix = f"dt-{next(_count)}-{int(time.time()) % 10000}"
    yield Names.for_target(target, prefix)
    cleanup(target, prefix)
