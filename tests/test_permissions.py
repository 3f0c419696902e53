"""The notebook user's least-privilege policy (helpers.permissions).

Static: no "*" resource where AWS accepts a narrower one, every resource is the prefix's,
durable actions only on qualified ARNs, PassRole only to Lambda and only the prefix's roles,
another prefix (even one that starts alike) out of reach.

Dynamic: the notebooks run in this process against the local cloud, while every call the
helpers make is mapped to its IAM action and resource and decided under the policy (a
denied call gets AWS's AccessDenied): the whole series must work, and every action the
policy grants must have been used. An attendee whose prefix extends ours shares the
account, so cleanup meets resources it may not read.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from iam_eval import (
    Place,
    Recorder,
    Request,
    actions_of,
    allows,
    as_list,
    matches,
    resources_of,
    statements,
    wildcard_resources,
)

from helpers import bundle as bundling
from helpers import deploy, permissions, samples, state
from helpers.approvals import Inbox
from helpers.bundle import Bundle, build_zip
from helpers.chat import chat_starter
from helpers.cleanup import cleanup
from helpers.localcloud import LocalCloud
from helpers.naming import Names, PrefixError, validate_prefix
from helpers.samples import FIRST_DURABLE, deploy_sample
from helpers.target import Target, connect

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "111122223333"
NAMES = Names("hitl-alice", ACCOUNT, "us-east-2")
POLICY = permissions.user_policy(NAMES)
APPS = [NAMES.for_app(app) for app in permissions.APPS]
EXECUTION = f"{NAMES.function_arn}:3/durable-execution/chat-1/0f3c9a"
MANAGED_DURABLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"


# -- static -------------------------------------------------------------------------------
def test_star_only_for_actions_aws_authorizes_on_star_alone() -> None:
    for statement in statements(POLICY):
        if "*" in as_list(statement["Resource"]):
            assert as_list(statement["Resource"]) == ["*"]
            assert set(as_list(statement["Action"])) == set(permissions.ACCOUNT_WIDE)
        else:
            assert not set(as_list(statement["Action"])) & set(permissions.ACCOUNT_WIDE)
    assert all(reason.strip() for reason in permissions.ACCOUNT_WIDE.values())
    assert not [a for a in actions_of(POLICY) if "*" in a or "?" in a]
    assert all(s["Effect"] == "Allow" and s["Sid"].isalnum() for s in statements(POLICY))
    assert len({s["Sid"] for s in statements(POLICY)}) == len(statements(POLICY))


def test_every_resource_is_one_of_the_prefixs_arns() -> None:
    mine = {NAMES.queue_arn, NAMES.bucket_arn, f"{NAMES.bucket_arn}/*"}
    for n in APPS:
        mine |= {n.function_arn, n.executions_arn, n.role_arn}
        mine |= {n.log_group_arn, f"{n.log_group_arn}:*"}
    assert {r for r in resources_of(POLICY) if r != "*"} == mine
    # Each pattern is the narrowest form of what it stands for (as in the execution role):
    assert wildcard_resources(POLICY) == {
        *(n.executions_arn for n in APPS),  # versions, aliases and their executions
        *(f"{n.log_group_arn}:*" for n in APPS),  # the group, as DescribeLogGroups spells it
        f"{NAMES.bucket_arn}/*",  # the report objects
    }


def test_durable_actions_are_granted_on_qualified_arns_only() -> None:
    for statement in statements(POLICY):
        if set(as_list(statement["Action"])) & set(permissions.EXECUTION_ACTIONS):
            assert all(re.search(r":function:[^:]+:\*$", r) for r in statement["Resource"])
    for action in permissions.EXECUTION_ACTIONS:
        assert allows(
            POLICY,
            Request(action, EXECUTION if "Durable" in action else f"{NAMES.function_arn}:live"),
        )
        # The unqualified ARN is what such a grant would wrongly name; never needed.
        assert not allows(POLICY, Request(action, NAMES.function_arn))


def test_pass_role_goes_to_lambda_only_and_only_the_prefixs_roles() -> None:
    passing = [s for s in statements(POLICY) if "iam:PassRole" in as_list(s["Action"])]
    assert len(passing) == 1
    assert passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    assert passing[0]["Resource"] == [n.role_arn for n in APPS]
    to = (("iam:PassedToService", "lambda.amazonaws.com"),)
    assert allows(POLICY, Request("iam:PassRole", NAMES.role_arn, to))
    assert not allows(POLICY, Request("iam:PassRole", NAMES.role_arn))
    ec2 = (("iam:PassedToService", "ec2.amazonaws.com"),)
    assert not allows(POLICY, Request("iam:PassRole", NAMES.role_arn, ec2))
    admin = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
    assert not allows(POLICY, Request("iam:PassRole", admin, to))


def test_only_the_managed_durable_policy_can_be_attached() -> None:
    def attach(policy_arn: str) -> Request:
        return Request("iam:AttachRolePolicy", NAMES.role_arn, (("iam:PolicyARN", policy_arn),))

    assert allows(POLICY, attach(MANAGED_DURABLE))
    assert not allows(POLICY, attach("arn:aws:iam::aws:policy/AdministratorAccess"))


@pytest.mark.parametrize("other", ["hitl-alice-2", "hitl", "alice", "hitl-alicex"])
def test_another_prefix_is_out_of_reach(other: str) -> None:
    """Names that start alike ("hitl-alice-2" vs "hitl-alice") must not match."""
    theirs = Names(other, ACCOUNT, "us-east-2")
    arns = [theirs.queue_arn, theirs.bucket_arn, f"{theirs.bucket_arn}/reports/a.md"]
    for n in (theirs.for_app(app) for app in (*permissions.APPS, "other")):
        arns += [n.function_arn, f"{n.function_arn}:live", n.role_arn, n.log_group_arn]
        arns += [f"{n.function_arn}:1/durable-execution/x/y", f"{n.log_group_arn}:*"]
    granted = actions_of(POLICY) - set(permissions.ACCOUNT_WIDE)
    context = (
        ("iam:PassedToService", "lambda.amazonaws.com"),
        ("iam:PolicyARN", MANAGED_DURABLE),
    )
    reachable = [
        f"{action} on {arn}"
        for action in sorted(granted)
        for arn in arns
        if allows(POLICY, Request(action, arn, context))
    ]
    assert reachable == []


def test_the_policy_fits_a_managed_policy_even_for_the_longest_names() -> None:
    # 6,144 characters (whitespace not counted) is IAM's limit for a managed policy.
    for region in ("us-gov-west-1", "ap-southeast-5"):
        policy = permissions.user_policy(Names("a" * 20, ACCOUNT, region))
        assert len(json.dumps(policy, separators=(",", ":"))) <= 6144


def test_the_apps_are_the_functions_the_notebooks_deploy() -> None:
    sources = [p.read_text() for p in (ROOT / "notebooks").glob("*.ipynb")]
    sources += [p.read_text() for p in (ROOT / "helpers").glob("*.py")]
    named = {m for s in sources for m in re.findall(r'app=\\?"([a-z0-9-]+)\\?"', s)}
    assert named | {"chatbot"} == set(permissions.APPS)  # the chatbot: Names' default app


def test_the_evaluator_follows_iam_wildcards_and_denies() -> None:
    assert matches("arn:aws:lambda:*:function:f:*", "arn:aws:lambda:r:1:function:f:3/d/x/y")
    assert not matches("arn:aws:lambda:r:1:function:f:*", "arn:aws:lambda:r:1:function:f")
    assert matches("s3:Get?bject", "s3:GetObject") and not matches("s3:Get?bject", "s3:Getbject")
    assert matches("S3:getobject", "s3:GetObject", ignore_case=True)
    deny = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"},
        ]
    }
    assert allows(deny, Request("s3:PutObject", "arn:aws:s3:::b/k"))
    assert not allows(deny, Request("s3:DeleteBucket", "arn:aws:s3:::b"))
    odd = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}}]}  # fmt: skip
    with pytest.raises(AssertionError, match="condition key"):
        allows(odd, Request("s3:GetObject", "arn:aws:s3:::b/k"))


# -- the command line ---------------------------------------------------------------------
def test_the_command_prints_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--prefix", "hitl-alice", "--region", "us-east-2", "--account", ACCOUNT]
    assert permissions.main(argv) == 0
    assert json.loads(capsys.readouterr().out) == POLICY


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--prefix", "Hitl_Alice", None),  # the kit's own message, see below
        ("--prefix", "xn--alice", None),
        ("--region", "mars", "is not a region name"),
        ("--account", "1234", "is not a 12-digit AWS account id"),
    ],
)
def test_the_command_refuses_bad_values(
    flag: str, value: str, says: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--prefix": "hitl-alice", "--region": "us-east-2", "--account": ACCOUNT, flag: value}
    with pytest.raises(SystemExit) as exit_:
        permissions.main([part for pair in args.items() for part in pair])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    if says is None:
        with pytest.raises(PrefixError) as refused:
            validate_prefix(value)
        says = str(refused.value)
    assert says in err


# -- dynamic: the notebooks under the policy ---------------------------------------------
PREFIX = "pt-alice"
NEIGHBOR = "pt-alice-2"  # another attendee, whose names start like ours
FIRST_HOUR = (
    "00_setup.ipynb",
    "01_first_durable_function.ipynb",
    "02_parallel_and_replay.ipynb",
    "03_deploy.ipynb",
    "04_chatbot_with_approvals.ipynb",
    "05_billed_vs_wallclock.ipynb",
)


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The same directory as tests/test_deploy.py's: the pinned packages install once.
    return tmp_path_factory.getbasetemp() / "lambda-build"


@pytest.fixture(scope="session")
def real_bundle(build_dir: Path) -> Bundle:
    return build_zip(bundling.SOURCE, build_dir, quiet=True)


@pytest.fixture(scope="module")
def target(cloud: LocalCloud) -> Target:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        return connect("local", cloud.region)


def run_notebook(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The notebook's code cells, in order, in this process (papermill's way: its
    parameters are set right after the cell tagged ``parameters``); returns its names."""
    notebook = json.loads((ROOT / "notebooks" / name).read_text())
    namespace: dict[str, Any] = {"__name__": "__notebook__"}
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells):
        lines = "".join(cell["source"]).splitlines()
        code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
        exec(compile(code, f"{name} cell {number}", "exec"), namespace)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update({k: v for k, v in parameters.items() if k in namespace})
    return namespace


def changed_bundle(build_dir: Path, tmp: Path) -> Bundle:
    """lambda_fn/ with one more file: what an attendee's edit looks like to deploy."""
    source = tmp / "edited" / "lambda_fn"
    shutil.copytree(bundling.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "edited.py").write_text("EDITED = True\n")
    return build_zip(source, build_dir, quiet=True)


def second_session(
    target: Target,
    names: Names,
    queue_url: str,
    run: Callable[[str], dict[str, Any]],
    admin: Callable[[str], Any],
    callback_id: Callable[..., str],
) -> dict[str, Any]:
    """What a workshop's second hour looks like: things changed behind the kit's back, the
    attendee edits lambda_fn/ and runs 03 again, then a conversation whose kernel restarts
    while a request waits (the old panel hands its message back, a new one recovers it),
    and loose ends for cleanup."""
    admin("iam").untag_role(RoleName=names.role, TagKeys=["workshop", "prefix"])
    admin("sqs").set_queue_attributes(
        QueueUrl=queue_url, Attributes={"SqsManagedSseEnabled": "false"}
    )
    lam = admin("lambda")
    lam.update_function_configuration(FunctionName=names.function, MemorySize=512)
    lam.get_waiter("function_updated_v2").wait(FunctionName=names.function)
    rerun = run("03_deploy.ipynb")

    arn = chat_starter(target, names)("What is 6 * 7?")
    before = Inbox.for_target(target, queue_url)
    before.track(arn)
    deadline = time.monotonic() + 120
    while not before.pending():
        assert time.monotonic() < deadline, before.status_text
        before.poll(wait_seconds=1)
    handed_back = before.release()  # the kernel is about to restart

    after = Inbox.for_target(target, queue_url)
    after.recover(function_name=names.function, qualifier=names.alias)
    while not after.executions[arn].done:
        assert time.monotonic() < deadline, after.status_text
        for request in after.pending():
            if request.state == "open":
                after.answer(request.callback_id, "APPROVE", "approved after a restart")
        after.poll(wait_seconds=1)
        after.refresh()
    # The end of the hour: a question left unanswered (cleanup must stop it), and the
    # replay sample's function already gone, as if an earlier cleanup had been cut short
    # (its log group is then known by its tags only).
    waiting = chat_starter(target, names)("What is 2 + 2?")
    callback_id(waiting, timeout=60)  # it waits for the person now
    lam.delete_function(FunctionName=names.for_app("replay").function)
    return {
        "rerun": rerun,
        "handed_back": handed_back,
        "outcome": after.executions[arn],
        "waiting": waiting,
    }


@pytest.mark.slow
def test_every_notebook_runs_under_the_user_policy_and_uses_all_of_it(
    cloud: LocalCloud,
    target: Target,
    client: Callable[[str], Any],
    callback_id: Callable[..., str],
    real_bundle: Bundle,
    build_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    names = Names.for_target(target, PREFIX)
    neighbor = Names.for_target(target, NEIGHBOR, app="first")
    deploy_sample(target, neighbor, FIRST_DURABLE, bundle=real_bundle)  # theirs, as admin
    edited = changed_bundle(build_dir, tmp_path)

    bundles = [real_bundle]
    for module in (bundling, deploy, samples):
        monkeypatch.setattr(module, "build_zip", lambda *a, **k: bundles[-1])
    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
    parameters = {
        "TARGET": "local",
        "REGION": cloud.region,
        "PREFIX": PREFIX,
        "OUTPUT_DIR": str(tmp_path / "outputs"),
        "WAIT_SECONDS": 1,
        "APPROVAL_MODE": "auto",
        "DECISIONS": ["APPROVE", "DENY", "APPROVE"],
        "REVIEW_SECONDS": 0,
        "EXECUTION_ARN": "",
        "STOP_LOCAL_CLOUD": False,
    }

    def run(name: str) -> dict[str, Any]:
        return run_notebook(name, parameters)

    policy = permissions.user_policy(names)
    recorder = Recorder(policy, Place(names.account, names.region, names.partition))
    try:
        with recorder.installed(monkeypatch):
            seen = {notebook: run(notebook) for notebook in FIRST_HOUR}
            bundles.append(edited)
            queue_url = seen["03_deploy.ipynb"]["queue_url"]
            again = second_session(target, names, queue_url, run, client, callback_id)
            seen["99_cleanup.ipynb"] = run("99_cleanup.ipynb")
    finally:
        cleanup(target, NEIGHBOR)
        cleanup(target, PREFIX)  # as admin, if the run stopped half-way

    # The series worked: every notebook, the re-deploy, the recovered conversation.
    assert all(c.ok for c in seen["00_setup.ipynb"]["checks"])
    chat = seen["04_chatbot_with_approvals.ipynb"]["result"]
    assert [d["decision"] for d in chat["decisions"]] == ["APPROVE", "DENY", "APPROVE"]
    assert seen["05_billed_vs_wallclock.ipynb"]["cost"].complete
    assert again["rerun"]["version"] == "2"  # the edited code, published and aliased
    assert again["handed_back"] >= 1 and again["outcome"].status == "SUCCEEDED"
    removed = seen["99_cleanup.ipynb"]["removed"]
    assert Counter(r.split()[0] for r in removed) == Counter(
        {"function": 2, "log": 3, "role": 3, "queue": 1, "bucket": 1}
    ), removed
    assert f"function {names.function} (1 running execution(s) stopped;" in "\n".join(removed)
    assert (
        client("lambda").get_durable_execution(DurableExecutionArn=again["waiting"])["Status"]
        == "STOPPED"
    )
    # The neighbor's resources were out of reach, and are what is left under our prefix.
    assert sorted(seen["99_cleanup.ipynb"]["left"]) == sorted(
        [
            f"function {neighbor.function}",
            f"log group {neighbor.log_group}",
            f"role {neighbor.role}",
        ]
    )

    # Every call was mapped; the only refusals were the neighbor's tags, which cleanup reads
    # to tell whose a resource is, and skips.
    assert recorder.problems() == []
    denied = recorder.denied()
    assert {(call, r.action) for call, r in denied} == {
        ("lambda.ListTags", "lambda:ListTags"),
        ("logs.ListTagsForResource", "logs:ListTagsForResource"),
        ("iam.ListRoleTags", "iam:ListRoleTags"),
    }
    assert all(NEIGHBOR in r.resource for _, r in denied), denied
    # Durable calls named executions (qualified ARNs), never a bare function.
    durable = [
        r
        for c in recorder.calls
        for r in c.requests
        if r.action in permissions.EXECUTION_ACTIONS and r.action != "lambda:InvokeFunction"
    ]
    assert durable and all(
        re.search(r":function:[a-z0-9-]+:[^:/]+/durable-execution/", r.resource) for r in durable
    )
    # ... and the policy has no action the series did not use.
    assert recorder.used_actions() == actions_of(policy)

    calls = Counter(c.name for c in recorder.calls)
    print(
        f"\n{sum(calls.values())} calls, {len(calls)} operations, "
        f"{len(recorder.used_actions())} IAM actions, {len(denied)} denied "
        f"(the neighbor's tags), {time.monotonic() - started:.0f} s"
    )
