"""Deploy one of the small lesson handlers of ``lambda_fn/`` as a durable function of its own.

The lessons' samples ship in the chatbot's zip and differ only by ``Handler``; each gets
its own function, role and log group (``Names`` with another ``app``), deployed with the
same idempotent steps as the chatbot (``helpers.deploy``):

    names = Names.for_target(target, PREFIX, app="first")
    sample = deploy_sample(target, names, FIRST_DURABLE)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from IPython.display import Code

from .deploy import (
    Bundle,
    FunctionConfig,
    Names,
    build_zip,
    ensure_function,
    ensure_log_group,
    ensure_role,
    execution_policy,
    point_alias,
    publish_version,
)
from .deploy.bundle import SOURCE
from .params import ParameterError
from .target import Target

FIRST_DURABLE = "lambda_fn.first_durable.lambda_handler"
PARALLEL_REPLAY = "lambda_fn.parallel_replay.lambda_handler"
EXECUTION_TIMEOUT_S = 300  # bounds a whole sample execution, waits included
MAX_WAIT_S = EXECUTION_TIMEOUT_S - 60  # leaves room for the invocations around the wait


def check_wait_seconds(value: object, name: str = "WAIT_SECONDS") -> int:
    """``value`` as the seconds a sample may wait, or a ParameterError saying what fits."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WAIT_S:
        raise ParameterError(
            [
                f"{name} is {value!r}: give a whole number of seconds from 1 to {MAX_WAIT_S} "
                f"(a durable wait lasts at least 1 s; the sample's whole execution may "
                f"last {EXECUTION_TIMEOUT_S} s)."
            ]
        )
    return value


@dataclass(frozen=True)
class SampleDeployment:
    names: Names
    handler: str
    function_arn: str
    version: str
    alias_arn: str


def sample_config(handler: str) -> FunctionConfig:
    """A lesson's function: short invocations, small memory, an execution bounded to
    5 minutes and a history kept 1 day (enough to read it in the next notebooks)."""
    return FunctionConfig(
        handler=handler,
        timeout_s=30,
        memory_mb=128,
        execution_timeout_s=EXECUTION_TIMEOUT_S,
        retention_days=1,
    )


def deploy_sample(
    target: Target, names: Names, handler: str, bundle: Bundle | None = None
) -> SampleDeployment:
    """Role, log group, zip, function, version and the alias ``live`` for ``handler``.

    The role gets only the durable checkpoint and log permissions (no model, queue or
    bucket): the samples call nothing else.
    """
    role_arn = ensure_role(target, names, execution_policy(names))
    ensure_log_group(target, names, retention_days=1)
    bundle = bundle or build_zip()
    function_arn = ensure_function(target, names, bundle, role_arn, sample_config(handler))
    version = publish_version(target, names)
    alias_arn = point_alias(target, names, version)
    return SampleDeployment(names, handler, function_arn, version, alias_arn)


def source_path(handler: str) -> Path:
    """The file of ``lambda_fn.<module>.<function>``."""
    module = handler.rsplit(".", 1)[0]
    return SOURCE.parent.joinpath(*module.split(".")).with_suffix(".py")


def source(handler: str) -> Code:
    """The handler's module, syntax-highlighted in a notebook (plain text elsewhere)."""
    return Code(filename=str(source_path(handler)), language="python")
