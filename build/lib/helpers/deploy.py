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

``deploy_chatbot`` runs them all in that order.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from .bundle import ARCHITECTURE, RUNTIME, Bundle, build_zip
from .naming import BOUNDARY_ENV, BoundaryError, Names, permissions_boundary, redact_account
from .regions import default_model_id
from .target import Target

HANDLER = "lambda_fn.app.handler"  # the lambda_fn package sits at the zip's root
DURABLE_POLICY_ARN = (
    "arn:{partition}:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
)
DURABLE_ACTIONS = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
# Geography prefixes of Bedrock's system-defined (cross-Region) inference profiles.
PROFILE_GEOS = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
# Room beyond the approval waits for the model calls, tools and replays of each turn.
EXECUTION_MARGIN_S = 15 * 60
IAM_PROPAGATION_S = 90  # how long create_function keeps retrying a role Lambda cannot see yet
# SQS CreateQueue: a deleted queue's name is reserved for 60 s. S3 documents no figure for a
# deleted bucket's name; a minute covers what is commonly seen. Past these, the step stops
# with a plain message instead of waiting on.
QUEUE_NAME_WAIT_S = 75
BUCKET_NAME_WAIT_S = 75
WAIT_POLL_S = (1, 2, 3, 5)  # between tries of a name being released (then 5 s each)
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")


class NameNotReleasedError(RuntimeError):
    """AWS still holds a just-deleted name; the message says how long to wait, or what else."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"NameNotReleasedError: {self}"]


def _pause(attempt: int) -> float:
    delay = WAIT_POLL_S[min(attempt, len(WAIT_POLL_S) - 1)]
    time.sleep(delay)
    return delay


def say(kind: str, name: str, what: str) -> None:
    """The one line each step prints (account ids masked: notebooks get shared)."""
    print(redact_account(f"{kind} {name}: {what}"))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# -- settings -----------------------------------------------------------------------------
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
    settings = settings or ChatbotSettings.for_region(names.region)
    return FunctionConfig(
        environment=chatbot_environment(names, queue_url, settings),
        timeout_s=settings.timeout_s,
        memory_mb=settings.memory_mb,
        execution_timeout_s=settings.execution_timeout_s,
        retention_days=settings.retention_days,
    )


# -- policies -----------------------------------------------------------------------------
def trust_policy() -> dict[str, Any]:
    """Who may assume the execution role: the Lambda service."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def model_statements(names: Names, model_id: str) -> list[dict[str, Any]]:
    """bedrock:InvokeModel (the permission Converse needs) on exactly the model in use.

    A foundation model id (``amazon.nova-lite-v1:0``) is one ARN in this region. A
    cross-Region inference profile id (``us.amazon.nova-lite-v1:0``) needs the profile and
    the foundation model in every Region the profile routes to; the Region part of that
    ARN is ``*``, fenced by a condition so that the model is reachable only through this
    profile. A global profile also routes to the Region-less model ARN.
    """
    p = names.partition
    geo, _, base = model_id.partition(".")
    if geo not in PROFILE_GEOS or not base:
        return [
            {
                "Sid": "InvokeTheModel",
                "Effect": "Allow",
                "Action": "bedrock:InvokeModel",
                "Resource": f"arn:{p}:bedrock:{names.region}::foundation-model/{model_id}",
            }
        ]
    profile = f"arn:{p}:bedrock:{names.region}:{names.account}:inference-profile/{model_id}"
    models = [f"arn:{p}:bedrock:*::foundation-model/{base}"]
    if geo == "global":
        models.append(f"arn:{p}:bedrock:::foundation-model/{base}")
    return [
        {
            "Sid": "InvokeTheInferenceProfile",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": profile,
        },
        {
            "Sid": "InvokeItsModelOnlyThroughTheProfile",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": models,
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profile}},
        },
    ]


def chatbot_statements(names: Names) -> list[dict[str, Any]]:
    """What the chatbot does besides checkpoints, logs and the model: SQS send on the
    approval queue, S3 put/get on the report objects (get: the presigned URL is signed
    with the function's role)."""
    return [
        {
            "Sid": "SendApprovalRequests",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": names.queue_arn,
        },
        {
            "Sid": "WriteAndShareReports",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"{names.bucket_arn}/*",
        },
    ]


def execution_policy(names: Names, model_id: str | None = None) -> dict[str, Any]:
    """The role's inline policy: only the actions the function uses, on its own resources.

    The first two statements are what the managed durable policy grants on every
    resource, scoped to this function: checkpoints act on execution ARNs, which always
    carry a qualifier (``function:NAME:*``); logs go to the function's own log group,
    which ``ensure_log_group`` creates. With a ``model_id`` (the chatbot), the policy
    adds SQS send on the approval queue, S3 put/get on the report objects (get: the
    presigned URL is signed with the function's role) and Bedrock invoke on the model.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CheckpointItsOwnExecutions",
            "Effect": "Allow",
            "Action": DURABLE_ACTIONS,
            "Resource": names.executions_arn,
        },
        {
            "Sid": "WriteItsOwnLogs",
            "Effect": "Allow",
            "Action": LOG_ACTIONS,
            "Resource": f"{names.log_group_arn}:*",
        },
    ]
    if model_id is not None:
        statements += [
            *chatbot_statements(names),
            *model_statements(names, model_id),
        ]
    return {"Version": "2012-10-17", "Statement": statements}


# -- role ---------------------------------------------------------------------------------
def _create_denied(names: Names, boundary: str | None) -> BoundaryError:
    if boundary is None:
        said = (
            f"IAM denied CreateRole for {names.role}: in a shared workshop account, set "
            f"{BOUNDARY_ENV}=auto (README, 'Running on a shared AWS account') and run this "
            "cell again; otherwise this identity may not create IAM roles."
        )
    else:
        said = (
            f"IAM denied CreateRole for {names.role} with the permissions boundary {boundary}: "
            f"check that {BOUNDARY_ENV} names the boundary your facilitator created "
            f"('auto' means {names.boundary_policy})."
        )
    return BoundaryError(redact_account(said))


def _boundary_denied(names: Names, boundary: str, current: str | None) -> BoundaryError:
    has = "no permissions boundary" if current is None else "another permissions boundary"
    return BoundaryError(
        redact_account(
            f"role {names.role} has {has} and this identity may not set {boundary}: ask the "
            f"facilitator to run 'aws iam put-role-permissions-boundary --role-name "
            f"{names.role} --permissions-boundary {boundary}' (or to delete the role), "
            "then run this cell again."
        )
    )


def ensure_role(
    target: Target, names: Names, policy: dict[str, Any], managed_policy: bool = True
) -> str:
    """The execution role with ``policy`` inline and, unless ``managed_policy`` is False,
    AWS's managed ``AWSLambdaBasicDurableExecutionRolePolicy``; returns its ARN.

    The inline policy covers everything the function does, so a team that forbids
    managed policies with ``*`` resources can pass ``managed_policy=False``.

    With ``WORKSHOP_PERMISSIONS_BOUNDARY`` set (a shared account: ``helpers.permissions``)
    the role carries that permissions boundary, from its creation or put on an existing
    role that lacks it: the attendee's policy allows role changes only on such roles.
    """
    iam = target.client("iam")
    managed_arn = DURABLE_POLICY_ARN.format(partition=names.partition)
    boundary = permissions_boundary(names)
    changes: list[str] = []
    try:
        role = iam.get_role(RoleName=names.role)["Role"]
    except iam.exceptions.NoSuchEntityException:
        try:
            role = iam.create_role(
                RoleName=names.role,
                AssumeRolePolicyDocument=json.dumps(trust_policy()),
                Description=f"Execution role of {names.function} (durable-hitl workshop)",
                Tags=names.tag_list(),
                **({"PermissionsBoundary": boundary} if boundary else {}),
            )["Role"]
        except ClientError as exc:
            if _code(exc) not in ACCESS_DENIED:
                raise
            raise _create_denied(names, boundary) from exc
        iam.get_waiter("role_exists").wait(
            RoleName=names.role, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        changes.append("created")
        if boundary:
            changes.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]}")
    else:
        carried = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary and carried != boundary:
            # A role made before the boundary was configured: until it carries the boundary,
            # the attendee's policy refuses every change to it (its policy, cleanup's too).
            try:
                iam.put_role_permissions_boundary(RoleName=names.role, PermissionsBoundary=boundary)
            except ClientError as exc:
                if _code(exc) not in ACCESS_DENIED:
                    raise
                raise _boundary_denied(names, boundary, carried) from exc
            changes.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]} set")
    attached = {
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]
    }
    if managed_policy and managed_arn not in attached:
        iam.attach_role_policy(RoleName=names.role, PolicyArn=managed_arn)
        changes.append("attached the managed durable policy")
    if not managed_policy and managed_arn in attached:
        iam.detach_role_policy(RoleName=names.role, PolicyArn=managed_arn)
        changes.append("detached the managed durable policy")
    try:
        current = iam.get_role_policy(RoleName=names.role, PolicyName=names.inline_policy)[
            "PolicyDocument"
        ]
    except iam.exceptions.NoSuchEntityException:
        current = None
    if current != policy:
        iam.put_role_policy(
            RoleName=names.role, PolicyName=names.inline_policy, PolicyDocument=json.dumps(policy)
        )
        changes.append(
            f"inline policy {names.inline_policy} " + ("written" if current is None else "updated")
        )
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    if "created" not in changes and not tags.items() >= names.tags.items():
        iam.tag_role(RoleName=names.role, Tags=names.tag_list())
    say("role", names.role, ", ".join(changes) if changes else "already there")
    return str(role["Arn"])


# -- queue, bucket, log group -------------------------------------------------------------
QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled": "true"}  # encrypted at rest with SQS-owned keys


def ensure_queue(target: Target, names: Names) -> str:
    """The approval queue, encrypted at rest; returns its URL.

    A queue being deleted (SQS takes up to 60 s, and GetQueueUrl may still find it) is not
    "already there": its name is created again once SQS releases it, waiting up to
    ``QUEUE_NAME_WAIT_S`` with a line saying so, then stopping with what to do.
    """
    sqs = target.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        url = None
    if url is not None:
        try:
            current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        except sqs.exceptions.QueueDoesNotExist:
            url = None  # found by name, gone by URL: a queue on its way out
    if url is not None:
        if all(current.get(k) == v for k, v in QUEUE_ATTRIBUTES.items()):
            say("queue", names.queue, "already there")
        else:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=QUEUE_ATTRIBUTES)
            say("queue", names.queue, "updated (encryption at rest on)")
        return str(url)
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            url = sqs.create_queue(
                QueueName=names.queue, Attributes=QUEUE_ATTRIBUTES, tags=names.tags
            )["QueueUrl"]
            break
        except sqs.exceptions.QueueDeletedRecently as exc:
            waited = time.monotonic() - started
            if waited > QUEUE_NAME_WAIT_S:
                raise NameNotReleasedError(
                    f"SQS has not released the queue name {names.queue} yet (a queue of that "
                    f"name was deleted less than 60 s ago): wait 60 s and run this cell "
                    "again, or use another PREFIX."
                ) from exc
            if attempt == 0:
                print(
                    f"  (queue {names.queue} was deleted moments ago and SQS keeps its name "
                    f"for 60 s: waiting up to {QUEUE_NAME_WAIT_S} s; or stop and use "
                    "another PREFIX)"
                )
            _pause(attempt)
            attempt += 1
    waited_note = (
        f", after waiting {time.monotonic() - started:.0f} s for the name" if attempt else ""
    )
    say("queue", names.queue, f"created (encryption at rest on{waited_note})")
    return str(url)


PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def _create_bucket(s3: Any, names: Names, location: dict[str, Any]) -> None:
    """create_bucket, waiting (bounded, said) while S3 still releases a just-deleted name:
    it answers 409 OperationAborted meanwhile."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            s3.create_bucket(Bucket=names.bucket, **location)
            return
        except ClientError as exc:
            if _code(exc) != "OperationAborted":
                raise
            if time.monotonic() - started > BUCKET_NAME_WAIT_S:
                raise NameNotReleasedError(
                    redact_account(
                        f"S3 has not released the bucket name {names.bucket} yet (it was "
                        "deleted moments ago): wait a minute or two and run this cell again, "
                        "or use another PREFIX."
                    )
                ) from exc
            if attempt == 0:
                print(
                    redact_account(
                        f"  (bucket {names.bucket} was deleted moments ago and S3 is still "
                        f"releasing its name: waiting up to {BUCKET_NAME_WAIT_S} s; or stop "
                        "and use another PREFIX)"
                    )
                )
            _pause(attempt)
            attempt += 1


def ensure_bucket(target: Target, names: Names) -> str:
    """The private report bucket: public access blocked, SSE-S3 by default; returns its name."""
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=names.bucket, ExpectedBucketOwner=names.account)
        created = False
    except ClientError as exc:
        if _code(exc) in ("403", "AccessDenied"):
            raise RuntimeError(
                f"bucket {names.bucket} exists but belongs to another account; "
                "choose another PREFIX."
            ) from exc
        if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        # us-east-1 is S3's default Region and refuses it as an explicit LocationConstraint.
        location = (
            {}
            if names.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": names.region}}
        )
        _create_bucket(s3, names, location)
        s3.get_waiter("bucket_exists").wait(
            Bucket=names.bucket, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        created = True
    changes = []
    try:
        block = s3.get_public_access_block(Bucket=names.bucket)["PublicAccessBlockConfiguration"]
    except ClientError:
        block = {}
    if block != PUBLIC_ACCESS_BLOCK:
        s3.put_public_access_block(
            Bucket=names.bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK
        )
        changes.append("public access blocked")
    try:
        rules = s3.get_bucket_encryption(Bucket=names.bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except (ClientError, IndexError, KeyError):
        algorithm = None
    if algorithm is None:  # keep a stronger default (SSE-KMS) someone chose; add one if none
        s3.put_bucket_encryption(Bucket=names.bucket, ServerSideEncryptionConfiguration=ENCRYPTION)
        changes.append("SSE-S3 encryption on")
    try:
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=names.bucket)["TagSet"]}
    except ClientError:
        tags = {}
    if not tags.items() >= names.tags.items():
        merged = {**tags, **names.tags}  # put_bucket_tagging replaces the whole set
        tag_set = [{"Key": k, "Value": v} for k, v in merged.items()]
        s3.put_bucket_tagging(Bucket=names.bucket, Tagging={"TagSet": tag_set})
        changes.append("tagged")
    if created:
        say("bucket", names.bucket, "created (private, SSE-S3)")
    else:
        say(
            "bucket",
            names.bucket,
            f"updated ({', '.join(changes)})" if changes else "already there",
        )
    return names.bucket


def ensure_log_group(target: Target, names: Names, retention_days: int = 7) -> str:
    """The function's log group, created ahead of Lambda so it is tagged and expires."""
    logs = target.client("logs")
    found = logs.describe_log_groups(logGroupNamePrefix=names.log_group)["logGroups"]
    group = next((g for g in found if g["logGroupName"] == names.log_group), None)
    if group is None:
        logs.create_log_group(logGroupName=names.log_group, tags=names.tags)
        logs.put_retention_policy(logGroupName=names.log_group, retentionInDays=retention_days)
        say("log group", names.log_group, f"created ({retention_days}-day retention)")
    elif group.get("retentionInDays") != retention_days:
        logs.put_retention_policy(logGroupName=names.log_group, retentionInDays=retention_days)
        say("log group", names.log_group, f"updated ({retention_days}-day retention)")
    else:
        say("log group", names.log_group, "already there")
    return names.log_group


# -- function, version, alias -------------------------------------------------------------
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


def _wait_updated(lam: Any, name: str) -> None:
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


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _create_function(lam: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """create_function, retrying while Lambda cannot assume a role IAM has just created."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return dict(lam.create_function(**spec))
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if _code(exc) != "InvalidParameterValueException" or "cannot be assumed" not in message:
                raise
            if time.monotonic() - started > IAM_PROPAGATION_S:
                raise
            if attempt == 0:
                print(
                    "  (the new role is not visible to Lambda yet: IAM propagates in seconds; "
                    "retrying with a small placeholder, the code goes up once afterwards)"
                )
            _pause(attempt)
            attempt += 1


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
        _wait_updated(lam, names.function)
        say(
            "function",
            names.function,
            f"created ({RUNTIME}, durable, ExecutionTimeout {config.execution_timeout_s} s), "
            f"code uploaded ({bundle.size / 1e6:.1f} MB), active",
        )
        return str(created["FunctionArn"])
    if not current.get("DurableConfig"):
        raise RuntimeError(
            f"{names.function} exists without DurableConfig; durability can only "
            "be chosen at creation. Remove it (cleanup) and deploy again."
        )
    if current.get("State") == "Pending":  # created a moment ago
        _wait_active(lam, names.function)
    if current.get("LastUpdateStatus") == "InProgress":  # an update of a moment ago
        _wait_updated(lam, names.function)
    changes = []
    if current.get("CodeSha256") != bundle.code_sha256:
        lam.update_function_code(FunctionName=names.function, ZipFile=bundle.read())
        _wait_updated(lam, names.function)
        changes.append("code")
    different = _differences(current, spec)
    if different:
        lam.update_function_configuration(
            FunctionName=names.function, **{k: spec[k] for k in different}
        )
        _wait_updated(lam, names.function)
        changes.append("configuration (" + ", ".join(different) + ")")
    say(
        "function",
        names.function,
        "updated " + " and ".join(changes) if changes else "already there",
    )
    return str(current["FunctionArn"])


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
    _wait_updated(lam, names.function)  # PublishVersion during an update: ResourceConflict
    versions = _versions(lam, names.function)
    latest = next(v for v in versions if v["Version"] == "$LATEST")
    handler = str(latest.get("Handler", HANDLER))
    if latest.get("CodeSha256") == _sha256_b64(placeholder_zip(handler)):
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
        _wait_updated(lam, names.function)
        say("function", names.function, f"code updated ({bundle.size / 1e6:.1f} MB)")
    version = publish_version(target, names)
    point_alias(target, names, version)
    return version


# -- invoke -------------------------------------------------------------------------------
def fresh_execution_name(names: Names) -> str:
    """A new DurableExecutionName: names stay taken until retention ends, so never reuse."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{names.app}-{stamp}-{uuid.uuid4().hex[:8]}"


def start_execution(
    target: Target, names: Names, payload: dict[str, Any], execution_name: str | None = None
) -> str:
    """Start a durable execution of ``live`` without waiting for it; returns its ARN.

    ``Event``: a person may take longer than RequestResponse's 15 minutes to decide.
    The same name with the same payload returns the execution already started.
    """
    name = execution_name or fresh_execution_name(names)
    reply = target.client("lambda").invoke(
        FunctionName=names.function,
        Qualifier=names.alias,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=json.dumps(payload).encode(),
    )
    arn = str(reply["DurableExecutionArn"])
    say("execution", name, f"started (Event, status {reply['StatusCode']})")
    return arn


# -- everything at once -------------------------------------------------------------------
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
    """Every step above in order: what notebook 03 walks through one cell at a time."""
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
