"""What IAM would decide about the kit's calls: a small policy evaluator, the IAM actions
and resource ARNs each boto3 call needs, and a recorder that enforces a policy on the
calls the helpers make.

The evaluator knows Allow/Deny statements, ``*``/``?`` wildcards in Action (any case) and
Resource, and the condition keys the kit's policies use (``iam:PassedToService``,
``iam:PolicyARN``, ``iam:PermissionsBoundary``; ``bedrock:InferenceProfileArn`` in the
boundary); an unknown condition fails loudly rather than passing unchecked. A key the
request does not carry fails its condition, as in IAM.

``iam:PermissionsBoundary`` is the boundary a CreateRole or PutRolePermissionsBoundary
call sets, and for the calls that change a role's policies the boundary the role carries
now: the recorder asks the cloud (``Place.boundary_of``), as IAM knows it.

The call map follows the Service Authorization Reference (its "API operations" table:
which actions an operation authorizes, and with which parameters); every operation the
kit calls must be in it, so a new call fails the permission test until it is mapped.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.awsrequest import AWSResponse

from helpers import permissions
from helpers.deploy import PROFILE_GEOS, Names
from helpers.target import Target


# -- policies -----------------------------------------------------------------------------
def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return list(policy["Statement"])


def actions_of(policy: dict[str, Any]) -> set[str]:
    return {a for s in statements(policy) for a in as_list(s["Action"])}


def resources_of(policy: dict[str, Any]) -> list[str]:
    return [r for s in statements(policy) for r in as_list(s["Resource"])]


def wildcard_resources(policy: dict[str, Any]) -> set[str]:
    """Resources that are patterns (narrower than "*", wider than one ARN)."""
    return {r for r in resources_of(policy) if "*" in r and r != "*"}


@cache
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob
    )  # IAM's "*" spans ":" and "/" too
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def matches(glob: str, value: str, ignore_case: bool = False) -> bool:
    return _pattern(glob, ignore_case).match(value) is not None


@dataclass(frozen=True)
class Request:
    """One authorization IAM makes for a call: an action on a resource, with context."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        extra = "".join(f" [{k}={v}]" for k, v in self.context)
        return f"{self.action} on {self.resource}{extra}"


CONDITION_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, have: want == have,
    "ArnEquals": lambda want, have: want == have,
    "StringLike": matches,
    "ArnLike": matches,
}
KNOWN_CONDITION_KEYS = {
    "iam:PassedToService",
    "iam:PolicyARN",
    "iam:PermissionsBoundary",
    "bedrock:InferenceProfileArn",
}


def _conditions_hold(condition: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        if operator not in CONDITION_OPERATORS:
            raise AssertionError(f"the evaluator does not know the operator {operator}")
        for key, wanted in tests.items():
            if key not in KNOWN_CONDITION_KEYS:
                raise AssertionError(f"the evaluator does not know the condition key {key}")
            have = context.get(key)
            if have is None or not any(
                CONDITION_OPERATORS[operator](w, have) for w in as_list(wanted)
            ):
                return False
    return True


def _applies(statement: dict[str, Any], request: Request) -> bool:
    context = dict(request.context)
    return (
        any(matches(a, request.action, ignore_case=True) for a in as_list(statement["Action"]))
        and any(matches(r, request.resource) for r in as_list(statement["Resource"]))
        and _conditions_hold(statement.get("Condition", {}), context)
    )


def allows(policy: dict[str, Any], request: Request) -> bool:
    """IAM's answer for one request under an identity policy alone: an explicit Deny wins,
    then any Allow; nothing else is allowed."""
    applying = [s for s in statements(policy) if _applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return False
    return any(s["Effect"] == "Allow" for s in applying)


# -- the IAM side of each call ---------------------------------------------------------------
class UnmappedCall(KeyError):
    """An operation the map below does not know: add it (from the Service Authorization
    Reference) before the policy can be checked against it."""


@dataclass
class Place:
    """Where calls go: the partition, account and region that complete the ARNs, the
    execution each callback id belongs to (seen on the queue or in a history), and how to
    learn the permissions boundary a role carries now (None: none, or no such role)."""

    account: str
    region: str
    partition: str = "aws"
    callbacks: dict[str, str] = field(default_factory=dict)
    boundary_of: Callable[[str], str | None] = lambda role_name: None

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


def _function(place: Place, params: dict[str, Any], qualifier_key: str = "Qualifier") -> str:
    name = str(params.get("FunctionName") or params["Resource"])
    if name.startswith("arn:"):
        base = name
    else:
        function, _, inline = name.partition(":")
        base = place.arn("lambda", f"function:{function}")
        if inline:
            base = f"{base}:{inline}"
    qualifier = params.get(qualifier_key)
    return f"{base}:{qualifier}" if qualifier else base


def _pass_role(role_arn: str) -> Request:
    return Request("iam:PassRole", role_arn, (("iam:PassedToService", "lambda.amazonaws.com"),))


def _lambda(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "ListFunctions":
        return [Request("lambda:ListFunctions", "*")]
    if op in ("GetDurableExecution", "GetDurableExecutionHistory", "StopDurableExecution"):
        return [Request(f"lambda:{op}", params["DurableExecutionArn"])]
    if op.startswith("SendDurableExecutionCallback"):
        # The callback id is opaque; IAM checks the execution it belongs to.
        execution = place.callbacks.get(params["CallbackId"])
        if execution is None:
            raise UnmappedCall(f"callback {params['CallbackId'][:16]}… of an unknown execution")
        return [Request(f"lambda:{op}", execution)]
    if op == "ListTags":
        return [Request("lambda:ListTags", params["Resource"])]
    fn = _function(place, params)
    if op == "Invoke":
        return [Request("lambda:InvokeFunction", fn)]
    if op == "GetFunction":  # returns the tags too
        return [Request("lambda:GetFunction", fn), Request("lambda:ListTags", fn)]
    if op == "CreateFunction":
        found = [Request("lambda:CreateFunction", fn), _pass_role(params["Role"])]
        if params.get("Tags"):
            found.append(Request("lambda:TagResource", fn))
        if params.get("Layers"):
            found.append(Request("lambda:GetLayerVersion", "layers"))  # the kit uses none
        return found
    if op == "UpdateFunctionConfiguration":
        found = [Request("lambda:UpdateFunctionConfiguration", fn)]
        return found + ([_pass_role(params["Role"])] if params.get("Role") else [])
    if op in (
        "GetFunctionConfiguration",
        "UpdateFunctionCode",
        "DeleteFunction",
        "PublishVersion",
        "ListVersionsByFunction",
        "ListAliases",
        "CreateAlias",
        "GetAlias",
        "UpdateAlias",
        "DeleteAlias",
        "ListDurableExecutionsByFunction",
    ):
        return [Request(f"lambda:{op}", fn)]
    raise UnmappedCall(f"lambda.{op}")


def _queue_arn(place: Place, params: dict[str, Any]) -> str:
    if "QueueUrl" in params:
        account, name = urlparse(params["QueueUrl"]).path.strip("/").split("/")[-2:]
    else:
        account, name = params.get("QueueOwnerAWSAccountId") or place.account, params["QueueName"]
    return f"arn:{place.partition}:sqs:{place.region}:{account}:{name}"


def _sqs(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "ListQueues":
        return [Request("sqs:ListQueues", "*")]
    queue = _queue_arn(place, params)
    if op == "CreateQueue":
        found = [Request("sqs:CreateQueue", queue)]
        return found + ([Request("sqs:TagQueue", queue)] if params.get("tags") else [])
    if op in (
        "GetQueueUrl",
        "GetQueueAttributes",
        "SetQueueAttributes",
        "ListQueueTags",
        "DeleteQueue",
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "ChangeMessageVisibility",
    ):
        return [Request(f"sqs:{op}", queue)]
    raise UnmappedCall(f"sqs.{op}")


S3_BUCKET_ACTIONS = {
    "HeadBucket": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "DeleteBucket": "s3:DeleteBucket",
    "GetBucketLocation": "s3:GetBucketLocation",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "GetBucketTagging": "s3:GetBucketTagging",
    "PutBucketTagging": "s3:PutBucketTagging",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListObjectsV2": "s3:ListBucket",
}
S3_OBJECT_ACTIONS = {
    "PutObject": "s3:PutObject",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
}


def _s3(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "ListBuckets":
        return [Request("s3:ListAllMyBuckets", "*")]
    bucket = f"arn:{place.partition}:s3:::{params['Bucket']}"
    if op == "CreateBucket" and (params.get("ACL") or params.get("ObjectLockEnabledForBucket")):
        raise UnmappedCall("s3.CreateBucket with an ACL or object lock")  # more actions then
    if op in S3_BUCKET_ACTIONS:
        return [Request(S3_BUCKET_ACTIONS[op], bucket)]
    if op in S3_OBJECT_ACTIONS:
        return [Request(S3_OBJECT_ACTIONS[op], f"{bucket}/{params['Key']}")]
    if op == "DeleteObjects":
        found = []
        for item in params["Delete"]["Objects"]:
            found.append(Request("s3:DeleteObject", f"{bucket}/{item['Key']}"))
            if item.get("VersionId"):
                found.append(Request("s3:DeleteObjectVersion", f"{bucket}/{item['Key']}"))
        return found
    raise UnmappedCall(f"s3.{op}")


def _logs(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "DescribeLogGroups":
        return [Request("logs:DescribeLogGroups", "*")]
    if op in ("ListTagsForResource", "TagResource"):
        return [Request(f"logs:{op}", params["resourceArn"])]
    name = params.get("logGroupName") or params.get("logGroupIdentifier")
    if name is None:
        raise UnmappedCall(f"logs.{op} without a log group")
    group = name if name.startswith("arn:") else place.arn("logs", f"log-group:{name}:*")
    if op == "CreateLogGroup":
        found = [Request("logs:CreateLogGroup", group)]
        if params.get("tags"):
            found += [Request("logs:TagResource", group), Request("logs:TagLogGroup", group)]
        return found
    if op in ("PutRetentionPolicy", "DeleteLogGroup", "FilterLogEvents"):
        return [Request(f"logs:{op}", group)]
    raise UnmappedCall(f"logs.{op}")


def _iam(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "ListRoles":
        return [Request("iam:ListRoles", "*")]
    role = place.arn("iam", f"role/{params['RoleName']}", region=False)

    def boundary(arn: str | None) -> tuple[tuple[str, str], ...]:
        return (("iam:PermissionsBoundary", arn),) if arn else ()

    if op == "CreateRole":
        found = [Request("iam:CreateRole", role, boundary(params.get("PermissionsBoundary")))]
        return found + ([Request("iam:TagRole", role)] if params.get("Tags") else [])
    if op == "PutRolePermissionsBoundary":
        return [Request(f"iam:{op}", role, boundary(params["PermissionsBoundary"]))]
    if op in ("AttachRolePolicy", "DetachRolePolicy"):
        carried = boundary(place.boundary_of(params["RoleName"]))
        return [Request(f"iam:{op}", role, (("iam:PolicyARN", params["PolicyArn"]), *carried))]
    if op in ("PutRolePolicy", "DeleteRolePolicy", "DeleteRolePermissionsBoundary"):
        return [Request(f"iam:{op}", role, boundary(place.boundary_of(params["RoleName"])))]
    if op in (
        "GetRole",
        "TagRole",
        "DeleteRole",
        "GetRolePolicy",
        "ListRolePolicies",
        "ListAttachedRolePolicies",
        "ListRoleTags",
    ):
        return [Request(f"iam:{op}", role)]
    raise UnmappedCall(f"iam.{op}")


def _sts(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "GetCallerIdentity":
        return []  # no permission needed: every identity may ask who it is
    raise UnmappedCall(f"sts.{op}")


def _bedrock_runtime(op: str, params: dict[str, Any], place: Place) -> list[Request]:
    if op == "Converse":  # authorized as bedrock:InvokeModel
        model = str(params["modelId"])
        geo, _, base = model.partition(".")
        if geo not in PROFILE_GEOS or not base:
            return [
                Request(
                    "bedrock:InvokeModel",
                    place.arn("bedrock", f"foundation-model/{model}", account=False),
                )
            ]
        # Through an inference profile IAM authorizes the profile, and the model in the
        # Region the profile routes to (here: the source Region, one of them) with the
        # profile as bedrock:InferenceProfileArn.
        profile = place.arn("bedrock", f"inference-profile/{model}")
        routed = place.arn("bedrock", f"foundation-model/{base}", account=False)
        return [
            Request("bedrock:InvokeModel", profile),
            Request("bedrock:InvokeModel", routed, (("bedrock:InferenceProfileArn", profile),)),
        ]
    raise UnmappedCall(f"bedrock-runtime.{op}")


SERVICES: dict[str, Callable[[str, dict[str, Any], Place], list[Request]]] = {
    "lambda": _lambda,
    "sqs": _sqs,
    "s3": _s3,
    "logs": _logs,
    "iam": _iam,
    "sts": _sts,
    "bedrock-runtime": _bedrock_runtime,
}


def requests_for(
    service: str, operation: str, params: dict[str, Any], place: Place
) -> list[Request]:
    """The authorizations IAM makes for one call (service as botocore names it)."""
    if service not in SERVICES:
        raise UnmappedCall(f"{service}.{operation}")
    return SERVICES[service](operation, params, place)


# -- recording (and enforcing) the helpers' calls ------------------------------------------
DENIED_CODES = {
    "lambda": "AccessDeniedException",
    "logs": "AccessDeniedException",
    "bedrock-runtime": "AccessDeniedException",
}


@dataclass
class Call:
    service: str
    operation: str
    requests: list[Request]
    denied: list[Request]
    problem: str = ""

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


class Recorder:
    """Every call made through ``Target.client`` clients (the helpers' and the notebooks'
    only way to AWS), mapped to IAM requests and decided under ``policy``: a denied call
    gets the AccessDenied error AWS would send, without reaching the cloud.

    Calls made by the Lambda function itself run in the local cloud's worker processes,
    with other clients: they are not the user's, and are not seen here.
    """

    def __init__(self, policy: dict[str, Any], place: Place) -> None:
        self.policy, self.place = policy, place
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    # botocore events; the API parameters ride in the request context from one to the next
    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["iam_eval_params"] = dict(params)

    def _decide(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        service, operation = model.service_model.service_name, model.name
        params = context.get("iam_eval_params", {})
        place = replace(self.place, region=context.get("client_region") or self.place.region)
        try:
            requests = requests_for(service, operation, params, place)
            denied = [r for r in requests if not allows(self.policy, r)]
            call = Call(service, operation, requests, denied)
        except Exception as exc:  # never into the kit's code: it may swallow it
            call = Call(service, operation, [], [], f"{type(exc).__name__}: {exc}")
        with self._lock:
            self.calls.append(call)
        if not call.denied:
            return None
        code = DENIED_CODES.get(service, "AccessDenied")
        message = f"not authorized to perform: {call.denied[0]}"
        http = AWSResponse("https://iam-eval.invalid", 403, {}, None)
        return http, {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }

    def _learn(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """Callback ids and their executions, from the queue and from histories."""
        params = context.get("iam_eval_params", {})
        if model.name == "GetDurableExecutionHistory":
            for event in parsed.get("Events", []):
                started = event.get("CallbackStartedDetails") or {}
                if started.get("CallbackId"):
                    self.place.callbacks[started["CallbackId"]] = params["DurableExecutionArn"]
        elif model.name == "ReceiveMessage":
            for message in parsed.get("Messages", []):
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    body = json.loads(message["Body"])
                    self.place.callbacks[body["callback_id"]] = body["execution_arn"]

    def hook(self, client: Any) -> Any:
        events = client.meta.events
        events.register("before-parameter-build", self._params)
        events.register("before-call", self._decide)
        events.register("after-call", self._learn)
        return client

    @contextlib.contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
        original = Target.client

        def client(target: Target, service: str, **config: Any) -> Any:
            return self.hook(original(target, service, **config))

        monkeypatch.setattr(Target, "client", client)
        try:
            yield self
        finally:
            monkeypatch.setattr(Target, "client", original)

    # -- what was seen ---------------------------------------------------------------------
    def problems(self) -> list[str]:
        return [f"{c.name}: {c.problem}" for c in self.calls if c.problem]

    def denied(self) -> list[tuple[str, Request]]:
        return [(c.name, r) for c in self.calls for r in c.denied]

    def used_actions(self) -> set[str]:
        """The actions of the requests that were allowed (and so went out)."""
        return {r.action for c in self.calls if not c.denied for r in c.requests}

    def requests(self, action: str) -> list[Request]:
        """Every request for ``action`` the calls made, allowed or not."""
        return [r for c in self.calls for r in c.requests if r.action == action]


# -- an attendee's recorder ---------------------------------------------------------------
def carried_boundary(iam: Any) -> Callable[[str], str | None]:
    """The boundary a role carries, as IAM knows it now (None: none, or no such role)."""

    def lookup(role: str) -> str | None:
        try:
            found = iam.get_role(RoleName=role)["Role"]
        except iam.exceptions.NoSuchEntityException:
            return None
        return (found.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")

    return lookup


def attendee_recorder(names: Names, iam: Any, policy: dict[str, Any] | None = None) -> Recorder:
    """Every call of the kit decided under the prefix's attendee policy (``policy``: that
    policy as a test changed it), as IAM would; a role's boundary is read with ``iam``."""
    place = Place(names.account, names.region, names.partition, boundary_of=carried_boundary(iam))
    return Recorder(permissions.user_policy(names) if policy is None else policy, place)
