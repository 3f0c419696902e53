"""The chatbot's settings and its whole deployment: ``deploy_chatbot`` runs every step of
the package's docstring (``helpers.deploy``) in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..regions import default_model_id
from ..target import Target
from .bucket import ensure_bucket
from .bundle import Bundle, build_zip
from .function import FunctionConfig, ensure_function
from .log_group import ensure_log_group
from .names import Names
from .policies import execution_policy
from .queue import ensure_queue
from .role import ensure_role
from .versions import point_alias, publish_version

# Room beyond the approval waits for the model calls, tools and replays of each turn.
EXECUTION_MARGIN_S = 15 * 60


@dataclass(frozen=True)
class ChatbotSettings:
    """What the chatbot's environment and durable configuration are made of."""

    # No default: a model id exists only in some Regions (a "us." profile nowhere outside
    # the US). Notebooks pass params.model_id; ChatbotSettings.for_region derives one.
    model_id: str
    approval_timeout_s: int = 900  # a proposal nobody answers in time counts as denied
    max_turns: int = 6
    report_url_expires_s: int = 900  # the report link is for the person who asked, now
    timeout_s: int = 120  # one invocation: a model call, a tool, a report upload
    memory_mb: int = 256
    retention_days: int = 7  # durable execution history

    @classmethod
    def for_region(cls, region: str, model_id: str = "", **settings: Any) -> ChatbotSettings:
        """Settings whose model is ``model_id``, or the workshop's model in ``region``
        (``helpers.regions.default_model_id``) when it is empty."""
        return cls(model_id=model_id or default_model_id(region), **settings)

    @property
    def execution_timeout_s(self) -> int:
        # Every turn may wait out the full approval timeout: the whole execution must
        # outlast all of them, or it times out while a person still has time to answer.
        return self.max_turns * self.approval_timeout_s + EXECUTION_MARGIN_S


def chatbot_environment(names: Names, queue_url: str, settings: ChatbotSettings) -> dict[str, str]:
    """The environment variables the chatbot's handler reads."""
    return {
        "MODEL_ID": settings.model_id,
        "QUEUE_URL": queue_url,
        "BUCKET": names.bucket,
        "APPROVAL_TIMEOUT_SECONDS": str(settings.approval_timeout_s),
        "MAX_TURNS": str(settings.max_turns),
        "REPORT_URL_EXPIRES": str(settings.report_url_expires_s),
    }


def chatbot_config(
    names: Names, queue_url: str, settings: ChatbotSettings | None = None
) -> FunctionConfig:
    """The chatbot's function configuration: its environment, and sizes and timeouts from
    ``settings`` (the Region's model and the defaults when None)."""
    settings = settings or ChatbotSettings.for_region(names.region)
    return FunctionConfig(
        environment=chatbot_environment(names, queue_url, settings),
        timeout_s=settings.timeout_s,
        memory_mb=settings.memory_mb,
        execution_timeout_s=settings.execution_timeout_s,
        retention_days=settings.retention_days,
    )


@dataclass(frozen=True)
class Deployment:
    """What a deployed chatbot is made of, for the notebooks that use it."""

    names: Names
    role_arn: str
    queue_url: str
    bucket: str
    function_arn: str
    version: str
    alias_arn: str


def deploy_chatbot(
    target: Target,
    names: Names,
    settings: ChatbotSettings | None = None,
    bundle: Bundle | None = None,
) -> Deployment:
    """Every step of this module's docstring in order: what notebook 03 walks through one
    cell at a time."""
    settings = settings or ChatbotSettings.for_region(names.region)
    role_arn = ensure_role(target, names, execution_policy(names, settings.model_id))
    queue_url = ensure_queue(target, names)
    bucket = ensure_bucket(target, names)
    ensure_log_group(target, names)
    bundle = bundle or build_zip()
    function_arn = ensure_function(
        target, names, bundle, role_arn, chatbot_config(names, queue_url, settings)
    )
    version = publish_version(target, names)
    alias_arn = point_alias(target, names, version)
    return Deployment(names, role_arn, queue_url, bucket, function_arn, version, alias_arn)
