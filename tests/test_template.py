"""infra/template.yaml: valid for cfn-lint, and true to the boto3 path in helpers/deploy.py.

The template is resolved here for one set of parameters (a small evaluator for the
intrinsic functions it uses) and compared with what the deploy helpers create for the
same prefix, account and region: policies, names, DurableConfig, runtime, handler,
environment, tags.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file

from helpers import deploy, regions
from helpers.deploy import Names
from helpers.deploy import names as naming
from helpers.deploy.bundle import ARCHITECTURE, BUILD_DIR, RUNTIME

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "template.yaml"
ACCOUNT, REGION, PREFIX = "123456789012", "us-east-2", "hitl-alice"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{PREFIX}-approvals"
NO_VALUE = object()


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, !If...) as their long forms."""


def _intrinsic(loader: _Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):  # their long forms have no "Fn::"
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


class Resolved:
    """The template's values for given parameters; ``refs`` stands in for what AWS returns."""

    def __init__(
        self,
        template: dict[str, Any],
        params: dict[str, Any],
        refs: dict[str, Any],
        region: str = REGION,
    ):
        self.template = template
        defaults = {k: p.get("Default") for k, p in template["Parameters"].items()}
        self.values = {**defaults, **params, **refs, "AWS::AccountId": ACCOUNT,
                       "AWS::Region": region, "AWS::Partition": "aws"}  # fmt: skip
        self.conditions: dict[str, bool] = {}
        for name, condition in template.get("Conditions", {}).items():  # in order: may refer back
            self.conditions[name] = self(condition)

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in map(self, node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()  # fmt: skip
            if key == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self.values[arg]
            if key == "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self(arg[1]))
                values = {**self.values, **local}
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(values[m.group(1)]), text)
            if key == "Fn::FindInMap":
                mapping, top, second = (self(part) for part in arg)
                return self.template["Mappings"][mapping][top][second]
            if key == "Condition":
                return self.conditions[arg]
            if key == "Fn::And":
                return all(self(part) for part in arg)
            if key == "Fn::Or":
                return any(self(part) for part in arg)
            if key == "Fn::GetAtt":
                return self.values[".".join(arg)]
            if key == "Fn::If":
                condition = self.conditions[arg[0]]
                return self(arg[1] if condition else arg[2])
            if key == "Fn::Equals":
                return self(arg[0]) == self(arg[1])
            if key == "Fn::Not":
                return not self(arg[0])
            if key.startswith("Fn::"):  # never read an unknown function as a plain value
                raise AssertionError(f"the resolver does not know {key}")
        resolved = {k: self(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def resource(self, name: str) -> dict[str, Any]:
        return self(self.template["Resources"][name]["Properties"])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_Loader)  # _Loader is a SafeLoader


def resolve(template: dict[str, Any], region: str = REGION, **params: Any) -> Resolved:
    names = Names(PREFIX, ACCOUNT, region)
    refs = {
        "Prefix": PREFIX,
        "ApprovalQueue": QUEUE_URL,
        "ReportBucket": names.bucket,
        "LogGroup": names.log_group,
        "ExecutionRole.Arn": names.role_arn,
    }
    return Resolved(template, params, refs, region)


def tags_of(properties: dict[str, Any]) -> dict[str, str]:
    tags = properties["Tags"]
    return tags if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}


def test_cfn_lint_finds_nothing() -> None:
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["us-east-1", "us-east-2"]))
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize(
    ("geo", "model_id"),
    [("us", "us.amazon.nova-lite-v1:0"), ("none", "amazon.nova-lite-v1:0"),
     ("global", "global.amazon.nova-lite-v1:0"), ("auto", "us.amazon.nova-lite-v1:0")],
)  # fmt: skip
def test_the_role_has_the_boto3_policies(template: dict[str, Any], geo: str, model_id: str) -> None:
    names = Names(PREFIX, ACCOUNT, REGION)
    role = resolve(template, ModelGeo=geo).resource("ExecutionRole")
    assert role["RoleName"] == names.role
    assert role["AssumeRolePolicyDocument"] == deploy.trust_policy()
    assert role["ManagedPolicyArns"] == [deploy.DURABLE_POLICY_ARN.format(partition="aws")]
    (inline,) = role["Policies"]
    assert inline["PolicyName"] == names.inline_policy
    assert inline["PolicyDocument"] == deploy.execution_policy(names, model_id)
    assert tags_of(role) == names.tags


def test_the_role_takes_the_permissions_boundary_ensure_role_gives(
    template: dict[str, Any],
) -> None:
    names = Names(PREFIX, ACCOUNT, REGION)
    assert "PermissionsBoundary" not in resolve(template).resource("ExecutionRole")
    bounded = resolve(template, PermissionsBoundary=names.boundary_arn).resource("ExecutionRole")
    assert bounded["PermissionsBoundary"] == names.boundary_arn


def test_the_function_matches_create_function(template: dict[str, Any]) -> None:
    names = Names(PREFIX, ACCOUNT, REGION)
    resolved = resolve(template)
    fn = resolved.resource("ChatbotFunction")
    settings = deploy.ChatbotSettings.for_region(REGION)
    spec = deploy.chatbot_config(names, QUEUE_URL, settings).spec(names, names.role_arn)
    assert fn["FunctionName"] == names.function
    assert (fn["Runtime"], fn["Handler"]) == (RUNTIME, deploy.HANDLER)
    assert (spec["Runtime"], spec["Handler"]) == (RUNTIME, deploy.HANDLER)
    assert fn["Architectures"] == [ARCHITECTURE]
    assert fn["Role"] == spec["Role"]
    assert (fn["Timeout"], fn["MemorySize"]) == (spec["Timeout"], spec["MemorySize"])
    assert fn["DurableConfig"] == spec["DurableConfig"]
    assert fn["LoggingConfig"] == spec["LoggingConfig"]
    environment = {k: str(v) for k, v in fn["Environment"]["Variables"].items()}
    assert environment == spec["Environment"]["Variables"]
    assert fn["AutoPublishAlias"] == names.alias
    assert (TEMPLATE.parent / fn["CodeUri"]).resolve() == BUILD_DIR / "lambda_fn.zip"
    assert tags_of(fn) == names.tags


def test_the_parameters_default_to_the_helpers_defaults(template: dict[str, Any]) -> None:
    params = {k: p.get("Default") for k, p in template["Parameters"].items()}
    settings = deploy.ChatbotSettings.for_region(REGION)
    # The model: MODEL_ID "" in the notebooks, the Region's profile of the workshop's model.
    assert (params["ModelGeo"], params["FoundationModelId"]) == ("auto", regions.MODEL)
    assert params["ApprovalTimeoutSeconds"] == settings.approval_timeout_s
    assert params["MaxTurns"] == settings.max_turns
    assert params["ReportUrlExpires"] == settings.report_url_expires_s
    assert params["ExecutionTimeout"] == settings.execution_timeout_s
    assert params["RetentionPeriodInDays"] == settings.retention_days
    assert template["Parameters"]["Prefix"]["AllowedPattern"] == naming.PREFIX_PATTERN.pattern
    assert set(template["Parameters"]["ModelGeo"]["AllowedValues"]) == {
        "auto",
        "none",
        *deploy.PROFILE_GEOS,
    }


def test_the_region_map_is_the_helpers_table(template: dict[str, Any]) -> None:
    def geo_and_model(model_id: str) -> dict[str, str]:
        geo, _, model = model_id.partition(".")
        if geo in regions.GEOGRAPHIES and model:
            return {"Geo": geo, "Model": model}
        return {"Geo": "none", "Model": model_id}

    assert template["Mappings"]["ModelGeoByRegion"] == {
        region: geo_and_model(regions.default_model_id(region))
        for region in regions.DURABLE_REGIONS
    }


@pytest.mark.parametrize(
    "region", ["us-east-2", "ap-northeast-1", "ap-northeast-3", "eu-central-1", "sa-east-1"]
)
def test_by_default_the_function_calls_the_regions_model(
    template: dict[str, Any], region: str
) -> None:
    """As MODEL_ID "" in notebook 03: the workshop's model through the Region's profile,
    and a role allowed that model only."""
    names, model_id = Names(PREFIX, ACCOUNT, region), regions.default_model_id(region)
    resolved = resolve(template, region)
    assert resolved.resource("ChatbotFunction")["Environment"]["Variables"]["MODEL_ID"] == model_id
    (inline,) = resolved.resource("ExecutionRole")["Policies"]
    assert inline["PolicyDocument"] == deploy.execution_policy(names, model_id)


def test_queue_bucket_and_log_group_match(template: dict[str, Any]) -> None:
    names = Names(PREFIX, ACCOUNT, REGION)
    resolved = resolve(template)
    queue = resolved.resource("ApprovalQueue")
    assert queue["QueueName"] == names.queue
    assert (
        str(queue["SqsManagedSseEnabled"]).lower()
        == deploy.QUEUE_ATTRIBUTES["SqsManagedSseEnabled"]
    )
    bucket = resolved.resource("ReportBucket")
    assert bucket["BucketName"] == names.bucket
    assert bucket["PublicAccessBlockConfiguration"] == deploy.PUBLIC_ACCESS_BLOCK
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    group = resolved.resource("LogGroup")
    assert group["LogGroupName"] == names.log_group
    assert group["RetentionInDays"] == 7
    for properties in (queue, bucket, group):
        assert tags_of(properties) == names.tags
