"""Versions and the alias ``live``: what executions run (``publish_version``,
``point_alias``), and how new code reaches them (``update_code``)."""

from __future__ import annotations

from typing import Any

from ..target import Target
from .bundle import Bundle, code_sha256
from .function import HANDLER, placeholder_zip, wait_updated
from .names import Names
from .steps import say

# What a version freezes of $LATEST: a newest version equal in all of these is published.
_VERSIONED = (
    "CodeSha256",
    "Handler",
    "Runtime",
    "Role",
    "Timeout",
    "MemorySize",
    "Environment",
    "DurableConfig",
    "LoggingConfig",
)


def _versions(lam: Any, name: str) -> list[dict[str, Any]]:
    pages = lam.get_paginator("list_versions_by_function").paginate(FunctionName=name)
    return [v for page in pages for v in page["Versions"]]


def publish_version(target: Target, names: Names) -> str:
    """A version of what $LATEST holds now; the newest one if it already holds just that.

    Executions replay on the version they started on, so a version is what an alias
    points at: changing $LATEST never changes a running execution's code.
    """
    lam = target.client("lambda")
    wait_updated(lam, names.function)  # PublishVersion during an update: ResourceConflict
    versions = _versions(lam, names.function)
    latest = next(v for v in versions if v["Version"] == "$LATEST")
    handler = str(latest.get("Handler", HANDLER))
    if latest.get("CodeSha256") == code_sha256(placeholder_zip(handler)):
        raise RuntimeError(
            f"{names.function} still holds the placeholder code of its creation: run the "
            "function cell (ensure_function) again to upload the code, then this one."
        )
    published = [v for v in versions if v["Version"] != "$LATEST"]
    newest = max(published, key=lambda v: int(v["Version"]), default=None)
    if newest is not None and all(newest.get(k) == latest.get(k) for k in _VERSIONED):
        say("version", f"{names.function}:{newest['Version']}", "already there")
        return str(newest["Version"])
    # CodeSha256: publish only the code checked here, never a concurrent update's.
    version = str(
        lam.publish_version(FunctionName=names.function, CodeSha256=latest["CodeSha256"])["Version"]
    )
    lam.get_waiter("published_version_active").wait(
        FunctionName=names.function,
        Qualifier=version,
        WaiterConfig={"Delay": 1, "MaxAttempts": 120},
    )
    say("version", f"{names.function}:{version}", "published")
    return version


def point_alias(target: Target, names: Names, version: str) -> str:
    """The alias ``live`` on ``version`` (created, moved or left); returns the alias ARN."""
    lam = target.client("lambda")
    label = f"{names.function}:{names.alias}"
    try:
        alias = lam.get_alias(FunctionName=names.function, Name=names.alias)
    except lam.exceptions.ResourceNotFoundException:
        alias = lam.create_alias(
            FunctionName=names.function, Name=names.alias, FunctionVersion=version
        )
        say("alias", label, f"created -> version {version}")
        return str(alias["AliasArn"])
    if alias["FunctionVersion"] == version:
        say("alias", label, f"already on version {version}")
    else:
        lam.update_alias(FunctionName=names.function, Name=names.alias, FunctionVersion=version)
        say("alias", label, f"moved version {alias['FunctionVersion']} -> {version}")
    return str(alias["AliasArn"])


def update_code(target: Target, names: Names, bundle: Bundle) -> str:
    """Ship new code: update $LATEST, publish a version, move ``live`` to it; returns it.

    Executions already running stay on their version; new ones start on the new code.
    """
    lam = target.client("lambda")
    current = lam.get_function_configuration(FunctionName=names.function)
    if current["CodeSha256"] == bundle.code_sha256:
        say("function", names.function, "code unchanged")
    else:
        lam.update_function_code(FunctionName=names.function, ZipFile=bundle.read())
        wait_updated(lam, names.function)
        say("function", names.function, f"code updated ({bundle.size / 1e6:.1f} MB)")
    version = publish_version(target, names)
    point_alias(target, names, version)
    return version
