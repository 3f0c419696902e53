"""Security: what the deploy creates is private and narrow, and nothing secret is committed.

The generated policy itself is checked in tests/test_deploy.py
(test_no_resource_is_wider_than_aws_allows, test_the_policy_grants_only_used_actions);
here the same rule is checked on what lands in IAM after a real deploy, and on the SAM
template. Then the bucket (public access block, encryption), the queue (SSE), the
report's presigned URL (at most an hour), the committed notebooks (no access keys, no
account ids) and the document search (nothing outside lambda_fn/docs).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.target import Target
from helpers.teardown import cleanup
from lambda_fn.config import REPORT_URL_EXPIRES_LIMIT, Settings, SettingsError
from lambda_fn.tools import run_tool
from lambda_fn.tools import search as search_tool

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "rel-sec"
MOTO_ACCOUNT = "123456789012"  # moto's documented default account: the local cloud's ids
ONE_HOUR = 3600


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def deployed(target: Target, real_bundle: Bundle) -> Any:
    names = Names.for_target(target, PREFIX)
    try:
        yield deploy.deploy_chatbot(target, names, bundle=real_bundle)
    finally:
        cleanup(target, PREFIX)


# -- IAM -------------------------------------------------------------------------------------
def test_the_deployed_role_has_no_star_resource(target: Target, deployed: Any) -> None:
    iam = target.client("iam")
    role = deployed.role_arn.rsplit("/", 1)[-1]
    inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
    assert inline == [deployed.names.inline_policy]
    document = iam.get_role_policy(RoleName=role, PolicyName=inline[0])["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    resources = [r for s in as_list(document["Statement"]) for r in as_list(s["Resource"])]
    assert resources and "*" not in resources
    # A wildcard only inside an ARN of this prefix's own resources or the model's regions.
    for resource in resources:
        if "*" in resource:
            assert PREFIX in resource or ":bedrock:*::foundation-model/" in resource, resource
    # The trust policy lets only Lambda assume the role.
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(urllib.parse.unquote(trust))
    principals = [s["Principal"] for s in as_list(trust["Statement"])]
    assert principals == [{"Service": "lambda.amazonaws.com"}]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: f"!{suffix}")


def test_the_sam_template_has_no_star_resource() -> None:
    template = yaml.load((ROOT / "infra" / "template.yaml").read_text(), Loader=_Loader)

    def resources(node: Any) -> list[Any]:
        found: list[Any] = []
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Resource":
                    found.extend(as_list(value))
                else:
                    found.extend(resources(value))
        elif isinstance(node, list):
            for item in node:
                found.extend(resources(item))
        return found

    found = resources(template["Resources"])
    assert found
    assert "*" not in found


# -- storage and queue -----------------------------------------------------------------------
def test_the_report_bucket_is_private_and_encrypted(target: Target, deployed: Any) -> None:
    s3 = target.client("s3")
    block = s3.get_public_access_block(Bucket=deployed.bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    rules = s3.get_bucket_encryption(Bucket=deployed.bucket)["ServerSideEncryptionConfiguration"]
    algorithms = {r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules["Rules"]}
    assert algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}


def test_the_approval_queue_is_encrypted(target: Target, deployed: Any) -> None:
    attributes = target.client("sqs").get_queue_attributes(
        QueueUrl=deployed.queue_url, AttributeNames=["All"]
    )["Attributes"]
    assert attributes.get("SqsManagedSseEnabled") == "true"


# -- the report's presigned URL ----------------------------------------------------------------
def test_the_report_url_expires_within_an_hour(target: Target, deployed: Any) -> None:
    lam, sqs = target.client("lambda"), target.client("sqs")
    arn = deploy.start_execution(target, deployed.names, {"query": "What is 2 + 2?"})
    deadline = time.monotonic() + 60
    while lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
        assert time.monotonic() < deadline, "the conversation did not end within 60 s"
        reply = sqs.receive_message(
            QueueUrl=deployed.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in reply.get("Messages", []):
            request = json.loads(message["Body"])
            with contextlib.suppress(lam.exceptions.ClientError):  # a duplicate, answered
                lam.send_durable_execution_callback_success(
                    CallbackId=request["callback_id"], Result=b'{"decision": "APPROVE"}'
                )
            sqs.delete_message(QueueUrl=deployed.queue_url, ReceiptHandle=message["ReceiptHandle"])
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "SUCCEEDED", details.get("Error")
    url = json.loads(details["Result"])["report_url"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    if "X-Amz-Expires" in query:  # SigV4
        assert 0 < int(query["X-Amz-Expires"][0]) <= ONE_HOUR, url
    else:  # SigV2: an absolute Expires
        assert int(query["Expires"][0]) - time.time() <= ONE_HOUR, url
    assert "X-Amz-Signature" in query or "Signature" in query


@pytest.mark.parametrize("seconds", ["3601", "86400", "604800", "0", "-1"])
def test_a_longer_url_lifetime_is_refused(seconds: str) -> None:
    assert REPORT_URL_EXPIRES_LIMIT <= ONE_HOUR
    environ = {"MODEL_ID": "m", "QUEUE_URL": "q", "BUCKET": "b", "REPORT_URL_EXPIRES": seconds}
    with pytest.raises(SettingsError, match="REPORT_URL_EXPIRES"):
        Settings.from_env(environ)


# -- committed notebooks ---------------------------------------------------------------------
ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")
ACCOUNT_ID = re.compile(r"(?<![\w.-])\d{12}(?![\w.-])")
SECRET = re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}")


@pytest.mark.parametrize(
    "notebook", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")), ids=str
)
def test_no_credentials_or_account_ids_in_committed_notebooks(notebook: str) -> None:
    text = (ROOT / "notebooks" / notebook).read_text(encoding="utf-8")
    cells = json.loads(text)["cells"]
    # Sources and any saved outputs: a committed output may carry a real account's ARNs.
    blobs = ["".join(c.get("source", "")) for c in cells]
    blobs += [json.dumps(c.get("outputs", [])) for c in cells]
    for blob in blobs:
        assert not ACCESS_KEY.search(blob), ACCESS_KEY.search(blob)
        assert not SECRET.search(blob)
        accounts = set(ACCOUNT_ID.findall(blob)) - {MOTO_ACCOUNT}
        assert not accounts, f"{notebook}: 12-digit account id(s) {sorted(accounts)}"


# -- the document search ---------------------------------------------------------------------
TRAVERSALS = [
    "../../../../etc/passwd",
    "/etc/passwd root",
    "..\\..\\windows\\system32",
    "file:///etc/shadow",
    "../app.py handler durable",
    "~/.aws/credentials aws_secret_access_key",
    "docs/../../pyproject.toml",
]


def test_the_search_reads_only_lambda_fn_docs() -> None:
    docs = (ROOT / "lambda_fn" / "docs").resolve()
    assert search_tool.DOCS_DIR.resolve() == docs
    stems = {p.stem for p in docs.glob("*.md")}
    assert stems and {p.doc for p in search_tool.passages()} <= stems
    forbidden = ["root:x:0:0", "aws_secret_access_key", "[project]", "def handler("]
    for query in TRAVERSALS:
        result = run_tool("search_docs", {"query": query})
        assert result["status"] in ("success", "error"), result
        if result["status"] == "success":
            for hit in result["content"]["results"]:
                assert hit["doc"] in stems, hit
                assert not any(f in hit["text"] for f in forbidden), hit
