"""Deploy the durable chatbot step by step with boto3: one function per notebook cell.

Each step is idempotent (run it twice, the second run changes nothing) and prints one
line saying what it did: ``created``, ``already there`` or ``updated``. They take the
``Target`` (where the calls go) and the ``Names`` (what the resources are called), and
make the same boto3 calls on the local cloud and on AWS.

    names = Names.for_target(target, PREFIX)
    settings = ChatbotSettings(model_id=params.model_id)  # MODEL_ID, or REGION's model
    role_arn = ensure_role(target, names, execution_policy(names, settings.model_id))
    queue_url = ensure_queue(target, names)
    ensure_bucket(target, names)
    ensure_log_group(target, names)
    bundle = build_zip()
    ensure_function(target, names, bundle, role_arn, chatbot_config(names, queue_url, settings))
    version = publish_version(target, names)
    point_alias(target, names, version)
    arn = start_execution(target, names, {"query": "..."})

``deploy_chatbot`` runs them all in that order. One module per resource: ``names`` (every
name from one PREFIX), ``bundle`` (the zip), ``policies`` and ``role``, ``queue``,
``bucket``, ``log_group``, ``function``, ``versions`` (and the alias), ``executions``;
``chatbot`` puts them together; ``steps`` is what every step shares.
"""

from .bucket import PUBLIC_ACCESS_BLOCK, ensure_bucket
from .bundle import ARCHITECTURE, RUNTIME, Bundle, build_zip
from .chatbot import ChatbotSettings, Deployment, chatbot_config, deploy_chatbot
from .executions import fresh_execution_name, start_execution
from .function import (
    HANDLER,
    FunctionConfig,
    ensure_function,
    on_create_error,
    placeholder_zip,
    update_function,
)
from .log_group import ensure_log_group
from .names import WORKSHOP_TAG, Names, PrefixError, redact_account, validate_prefix
from .policies import (
    BOUNDARY_ENV,
    DURABLE_ACTIONS,
    DURABLE_POLICY_ARN,
    LOG_ACTIONS,
    PROFILE_GEOS,
    BoundaryError,
    chatbot_statements,
    execution_policy,
    model_statements,
    permissions_boundary,
    trust_policy,
)
from .queue import QUEUE_ATTRIBUTES, ensure_queue
from .role import RoleError, ensure_role, on_role_error, trusts_lambda
from .steps import ACCESS_DENIED, NameNotReleasedError
from .versions import point_alias, publish_version, update_code

__all__ = [
    "ACCESS_DENIED",
    "ARCHITECTURE",
    "BOUNDARY_ENV",
    "DURABLE_ACTIONS",
    "DURABLE_POLICY_ARN",
    "HANDLER",
    "LOG_ACTIONS",
    "PROFILE_GEOS",
    "PUBLIC_ACCESS_BLOCK",
    "QUEUE_ATTRIBUTES",
    "RUNTIME",
    "WORKSHOP_TAG",
    "BoundaryError",
    "Bundle",
    "ChatbotSettings",
    "Deployment",
    "FunctionConfig",
    "NameNotReleasedError",
    "Names",
    "PrefixError",
    "RoleError",
    "build_zip",
    "chatbot_config",
    "chatbot_statements",
    "deploy_chatbot",
    "ensure_bucket",
    "ensure_function",
    "ensure_log_group",
    "ensure_queue",
    "ensure_role",
    "execution_policy",
    "fresh_execution_name",
    "model_statements",
    "on_create_error",
    "on_role_error",
    "permissions_boundary",
    "placeholder_zip",
    "point_alias",
    "publish_version",
    "redact_account",
    "start_execution",
    "trust_policy",
    "trusts_lambda",
    "update_code",
    "update_function",
    "validate_prefix",
]
