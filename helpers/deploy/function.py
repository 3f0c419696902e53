"""The durable function: its configuration, its creation while a new role propagates
(with a placeholder zip), its updates, and the waits Lambda requires between them."""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ..i18n import tr
from ..target import Target
from .bundle import ARCHITECTURE, RUNTIME, Bundle, code_sha256
from .names import Names
from .steps import error_code, pause, say

HANDLER = "lambda_fn.app.handler"  # the lambda_fn package sits at the zip's root
IAM_PROPAGATION_S = 90  # how long create_function keeps retrying a role Lambda cannot see yet


@dataclass(frozen=True)
class FunctionConfig:
    """A durable function's configuration, as create_function takes it."""

    environment: dict[str, str] = field(default_factory=dict)
    handler: str = HANDLER
    timeout_s: int = 120
    memory_mb: int = 256
    execution_timeout_s: int = 3600
    retention_days: int = 7

    def spec(self, names: Names, role_arn: str) -> dict[str, Any]:
        """The configuration fields of create_function / update_function_configuration."""
        return {
            "Role": role_arn,
            "Runtime": RUNTIME,
            "Handler": self.handler,
            "Timeout": self.timeout_s,
            "MemorySize": self.memory_mb,
            "Environment": {"Variables": dict(self.environment)},
            "DurableConfig": {
                "ExecutionTimeout": self.execution_timeout_s,
                "RetentionPeriodInDays": self.retention_days,
            },
            # JSON records (platform.report among them) are what the cost notebook parses.
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": names.log_group},
        }


def _differences(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """The configuration fields of ``wanted`` that ``current`` does not have."""
    different = []
    for key, value in wanted.items():
        have = current.get(key)
        if key == "Environment":
            have = {"Variables": (have or {}).get("Variables", {})}
        elif isinstance(value, dict) and isinstance(have, dict):
            have = {k: have.get(k) for k in value}
        if have != value:
            different.append(key)
    return different


def wait_updated(lam: Any, name: str) -> None:
    """Until ``LastUpdateStatus`` is Successful: Lambda refuses another update or a publish
    while one is InProgress (ResourceConflictException)."""
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def _wait_active(lam: Any, name: str) -> None:
    """Until ``State`` is Active: a new function is Pending, and refuses Invoke and updates."""
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def placeholder_zip(handler: str) -> bytes:
    """A few hundred bytes that stand in for the code while Lambda waits for a new role.

    ``create_function`` is retried until Lambda can assume the role, and each try uploads
    its code: with this placeholder the real zip (~18 MB) goes up once, afterwards, by
    ``update_function_code``. Its handler fails with a clear message if anyone invokes
    ``$LATEST`` in between; no version or alias ever points at it (``publish_version``
    refuses it). Byte-identical every time, so its SHA-256 identifies it.
    """
    module, _, function = handler.rpartition(".")
    parts = module.split(".")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for depth in range(1, len(parts)):
            package = "/".join(parts[:depth]) + "/__init__.py"
            archive.writestr(zipfile.ZipInfo(package, (2025, 1, 1, 0, 0, 0)), "")
        source = (
            f"def {function}(event, context):\n"
            "    raise RuntimeError('This function is being deployed: its code is not in yet. "
            "Run the deploy cell to the end, then invoke the alias.')\n"
        )
        archive.writestr(zipfile.ZipInfo("/".join(parts) + ".py", (2025, 1, 1, 0, 0, 0)), source)
    return buf.getvalue()


def _create_function(lam: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """create_function, retrying while Lambda cannot assume a role IAM has just created."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return dict(lam.create_function(**spec))
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if (
                error_code(exc) != "InvalidParameterValueException"
                or "cannot be assumed" not in message
            ):
                raise
            if time.monotonic() - started > IAM_PROPAGATION_S:
                raise
            if attempt == 0:
                print(
                    tr(
                        "  (the new role is not visible to Lambda yet: IAM propagates in "
                        "seconds; retrying the same request until Lambda accepts it)",
                        "  （新しいロールがまだ Lambda から見えません。IAM の反映には数秒"
                        "かかります。Lambda が受け付けるまで同じリクエストを再試行します）",
                    )
                )
            pause(attempt)
            attempt += 1


def update_function(
    lam: Any, current: dict[str, Any], zip_file: bytes, spec: dict[str, Any]
) -> list[str]:
    """Bring the existing function ``current`` (its ``Configuration``) to ``zip_file`` and
    the configuration fields of ``spec``; returns what changed (empty: already there).

    Durability is chosen at creation and cannot be added later: an existing function
    without DurableConfig is an error (remove it with cleanup first).
    """
    name = str(current["FunctionName"])
    if not current.get("DurableConfig"):
        raise RuntimeError(
            f"{name} exists without DurableConfig; durability can only "
            "be chosen at creation. Remove it (cleanup) and deploy again."
        )
    if current.get("State") == "Pending":  # created a moment ago
        _wait_active(lam, name)
    if current.get("LastUpdateStatus") == "InProgress":  # an update of a moment ago
        wait_updated(lam, name)
    changes = []
    if current.get("CodeSha256") != code_sha256(zip_file):
        lam.update_function_code(FunctionName=name, ZipFile=zip_file)
        wait_updated(lam, name)
        changes.append("code")
    different = _differences(current, spec)
    if different:
        lam.update_function_configuration(FunctionName=name, **{k: spec[k] for k in different})
        wait_updated(lam, name)
        changes.append("configuration (" + ", ".join(different) + ")")
    return changes


def ensure_function(
    target: Target, names: Names, bundle: Bundle, role_arn: str, config: FunctionConfig
) -> str:
    """The durable function with ``bundle``'s code and ``config``, active; returns its ARN.

    Durability is chosen at creation and cannot be added later: an existing function
    without DurableConfig is an error (remove it with cleanup first).
    """
    lam = target.client("lambda")
    spec = config.spec(names, role_arn)
    try:
        current = lam.get_function(FunctionName=names.function)["Configuration"]
    except lam.exceptions.ResourceNotFoundException:
        current = None
    if current is None:
        created = _create_function(
            lam,
            {
                "FunctionName": names.function,
                "Code": {"ZipFile": placeholder_zip(config.handler)},
                "Architectures": [ARCHITECTURE],
                "Tags": names.tags,
                "Description": f"Durable functions workshop (durable-hitl): {names.app}",
                **spec,
            },
        )
        _wait_active(lam, names.function)  # Pending until Active: no update before
        lam.update_function_code(FunctionName=names.function, ZipFile=bundle.read())
        wait_updated(lam, names.function)
        say(
            "function",
            names.function,
            f"created ({RUNTIME}, durable, ExecutionTimeout {config.execution_timeout_s} s), "
            f"code uploaded ({bundle.size / 1e6:.1f} MB), active",
        )
        return str(created["FunctionArn"])
    changes = update_function(lam, current, bundle.read(), spec)
    say(
        "function",
        names.function,
        "updated " + " and ".join(changes) if changes else "already there",
    )
    return str(current["FunctionArn"])


# What update_function_configuration takes of a create_function request (FunctionConfig.spec).
CONFIGURATION_FIELDS = (
    "Role",
    "Runtime",
    "Handler",
    "Timeout",
    "MemorySize",
    "Environment",
    "DurableConfig",
    "LoggingConfig",
)


def on_create_error(target: Target, request: dict[str, Any], error: ClientError) -> dict[str, Any]:
    """What notebook 03's ``lam.create_function(**request)`` cell does when Lambda refused it.

    ``ResourceConflictException`` (a rerun: the function exists) applies the same request
    to it: its code (``update_function_code``), its configuration
    (``update_function_configuration``) and its tags, each only if it differs, waiting
    for every update. A role IAM created seconds ago ("cannot be assumed") is retried
    while it propagates. Any other error is raised as it is. Returns the function's
    configuration, as ``create_function`` does.
    """
    lam = target.client("lambda")
    name = str(request["FunctionName"])
    if error_code(error) == "InvalidParameterValueException" and "cannot be assumed" in str(error):
        created = _create_function(lam, request)
        say("function", name, "created")  # the line the cell prints when the first try works
        return created
    if error_code(error) != "ResourceConflictException":
        raise error
    print(
        tr(
            f"{name} already exists: updating code and configuration",
            f"{name} はすでにあります。コードと設定を更新します",
        )
    )
    found = lam.get_function(FunctionName=name)
    current = found["Configuration"]
    spec = {k: request[k] for k in CONFIGURATION_FIELDS if k in request}
    changes = update_function(lam, current, request["Code"]["ZipFile"], spec)
    tags = found.get("Tags", {})
    missing = {k: v for k, v in request.get("Tags", {}).items() if tags.get(k) != v}
    if missing:
        lam.tag_resource(Resource=current["FunctionArn"], Tags=missing)
        changes.append("tags")
    say("function", name, "updated " + " and ".join(changes) if changes else "already there")
    return dict(lam.get_function_configuration(FunctionName=name))
