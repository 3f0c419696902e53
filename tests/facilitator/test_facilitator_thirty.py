"""A room of thirty against the local cloud, through notebook 90 (papermill, one kernel per
STEP) and its helpers.

The facilitator provisions the room; thirty attendees then deploy the chatbot and hold a
conversation, each with the access key from their own handout and every call decided by
the kit's IAM evaluator under their own attendee policy (``tests/iam_eval.py``), so a
permission the series needs and the policy lacks fails the test. While some wait for an
approval, watch must say so, attendee by attendee; the bill must be the sum of the
per-execution analyses; the sweep must leave nothing of any prefix (boto3 listings), also
after a sweep that failed half-way. Provision and sweep times are printed, not asserted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import learner_visible_problems
from iam_eval import Recorder, attendee_recorder

from helpers import permissions
from helpers.approvals import Inbox
from helpers.chatbot import chat_starter
from helpers.cost import analyse_execution, list_executions
from helpers.deploy import BOUNDARY_ENV, Names, build_zip, start_execution
from helpers.deploy.chatbot import Deployment, deploy_chatbot
from helpers.durable import WAITING_FOR_CALLBACK, read_phase
from helpers.facilitator import (
    RoomWatch,
    check_room,
    provision,
    read_room,
    room_bill,
    room_leftovers,
    sweep,
    sweeping,
)
from helpers.localcloud import LocalCloud
from helpers.target import Target

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COUNT = int(os.environ.get("FACILITATOR_ATTENDEES", "30"))
ROOM = "hitl"
NAMES = [f"p{i:02d}" for i in range(1, COUNT + 1)]
WAITING = set(NAMES[::5])  # every fifth attendee has an approval waiting while watch runs
FAILING = NAMES[1]  # this one also starts a conversation without a question: it FAILS
QUESTION = "What is 6 * 7?"  # the workshop model proposes one calculation: one approval
DEADLINE_S = 240


def papermill(
    cloud: LocalCloud,
    out: Path,
    step: str,
    notebook: str = "90_facilitator.ipynb",
    **parameters: Any,
) -> str:
    """Notebook 90 (or its Japanese twin, ``notebook="ja/..."``) run headless for ``step``;
    returns every text it showed."""
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"90-{step}-{len(list(out.glob('90-*')))}.ipynb"
    values = {
        "TARGET": "local",
        "REGION": cloud.region,
        "ROOM": ROOM,
        "ATTENDEES": NAMES,
        "STEP": step,
        "OUTPUT_DIR": str(out),
        "REFRESH_SECONDS": 0,
        **parameters,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(ROOT / "notebooks" / notebook),
            str(executed),
            "--cwd",
            str(ROOT / "notebooks"),
            "--no-progress-bar",
            "--start-timeout",
            "180",
            "-y",
            json.dumps(values),
        ],
        env={**os.environ, "AWS_ENDPOINT_URL": cloud.endpoint},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    notebook = json.loads(executed.read_text())
    assert learner_visible_problems(notebook) == []
    shown = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            text = output.get("text") or data.get("text/markdown") or data.get("text/plain", "")
            shown.append("".join(text) if isinstance(text, list) else str(text))
    return "".join(shown)


def seconds_said(text: str, what: str) -> float:
    match = re.search(rf"{what} \d+ attendee\(s\) in ([0-9.]+) s", text)
    assert match, text[-2000:]
    return float(match.group(1))


@dataclass
class AttendeeTarget(Target):
    """An attendee's target: their own credentials, every client's calls decided by their
    recorder (the helpers reach AWS only through ``Target.client``)."""

    recorder: Recorder | None = field(default=None, repr=False)

    def client(self, service: str, **config: Any) -> Any:
        made = super().client(service, **config)
        return self.recorder.hook(made) if self.recorder else made


def handout_key(out: Path, prefix: str) -> tuple[str, str]:
    text = (out / "handouts" / f"{prefix}.md").read_text()
    key = re.search(r"aws_access_key_id (\S+)", text)
    secret = re.search(r"aws_secret_access_key (\S+)", text)
    assert key and secret, text
    return key.group(1), secret.group(1)


def attendee(cloud: LocalCloud, out: Path, prefix: str, admin_iam: Any, drop: str = "") -> Any:
    """The attendee as they sign in with their handout; ``drop``: an action taken out of
    the policy their calls are decided under."""
    key, secret = handout_key(out, prefix)
    session = boto3.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name=cloud.region
    )
    target = AttendeeTarget("local", cloud.region, cloud.endpoint, session)
    names = Names.for_target(target, prefix)
    assert (
        names.account
        == admin_iam.get_user(UserName=f"{prefix}-attendee")["User"]["Arn"].split(":")[4]
    )
    policy = permissions.user_policy(names)
    if drop:
        for statement in policy["Statement"]:
            actions = statement["Action"]
            if isinstance(actions, list) and drop in actions:
                statement["Action"] = [a for a in actions if a != drop]
    target.recorder = attendee_recorder(names, admin_iam, policy)
    return target, names


def calls_allowed(recorder: Recorder) -> None:
    """Every call was mapped and allowed under the attendee's policy."""
    assert recorder.problems() == []
    denied = [f"{call}: {request}" for call, request in recorder.denied()]
    assert denied == [], denied


def answer_until_done(inbox: Inbox, arn: str, deadline: float) -> None:
    while not inbox.executions[arn].done:
        assert time.monotonic() < deadline, inbox.status_text
        for request in inbox.pending():
            if request.state == "open":
                inbox.answer(request.callback_id, "APPROVE", "the facilitator's test")
        inbox.poll(wait_seconds=1)
        inbox.refresh()


def wait_until_waiting(inbox: Inbox, lam: Any, arn: str, deadline: float) -> None:
    while not (inbox.pending() and read_phase(lam, arn) == WAITING_FOR_CALLBACK):
        assert time.monotonic() < deadline, inbox.status_text
        inbox.poll(wait_seconds=1)


@dataclass
class Conversation:
    prefix: str
    target: Any
    deployment: Deployment
    inbox: Inbox
    arn: str


def converse(
    cloud: LocalCloud, out: Path, prefix: str, admin_iam: Any, bundle: Any
) -> Conversation:
    """What an attendee does in 03 and 04: deploy the chatbot, ask, approve (or leave the
    approval waiting, for the ones in WAITING)."""
    target, names = attendee(cloud, out, prefix, admin_iam)
    deployment = deploy_chatbot(target, names, bundle=bundle)
    arn = chat_starter(target, names)(QUESTION)
    inbox = Inbox.for_target(target, deployment.queue_url)
    inbox.track(arn)
    deadline = time.monotonic() + DEADLINE_S
    if prefix.removeprefix(f"{ROOM}-") in WAITING:
        wait_until_waiting(inbox, target.client("lambda"), arn, deadline)
    else:
        answer_until_done(inbox, arn, deadline)
    if prefix == f"{ROOM}-{FAILING}":
        start_execution(target, names, {"query": ""})
    return Conversation(prefix, target, deployment, inbox, arn)


@contextlib.contextmanager
def boundary_auto() -> Iterator[None]:
    before = os.environ.get(BOUNDARY_ENV)
    os.environ[BOUNDARY_ENV] = "auto"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(BOUNDARY_ENV, None)
        else:
            os.environ[BOUNDARY_ENV] = before


def everything_of_the_room(client: Callable[[str], Any]) -> list[str]:
    """Every resource in the account named after the room, by plain boto3 listings."""
    start = f"{ROOM}-"
    lam, iam = client("lambda"), client("iam")
    found = [
        f["FunctionName"]
        for p in lam.get_paginator("list_functions").paginate()
        for f in p["Functions"]
    ]
    found += [r["RoleName"] for p in iam.get_paginator("list_roles").paginate() for r in p["Roles"]]
    found += [u["UserName"] for p in iam.get_paginator("list_users").paginate() for u in p["Users"]]
    found += [
        x["PolicyName"]
        for p in iam.get_paginator("list_policies").paginate(Scope="Local")
        for x in p["Policies"]
    ]
    found += [u.rsplit("/", 1)[-1] for u in client("sqs").list_queues().get("QueueUrls", [])]
    found += [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    found += [
        g["logGroupName"].removeprefix("/aws/lambda/")
        for p in client("logs").get_paginator("describe_log_groups").paginate()
        for g in p["logGroups"]
    ]
    return sorted(name for name in found if name.startswith(start))


def test_a_room_of_thirty_from_notebook_90(
    cloud: LocalCloud,
    target: Target,
    client: Callable[[str], Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    out = tmp_path / "facilitator"
    room = check_room(NAMES, ROOM, "watch")
    prefixes = room.prefixes
    iam = client("iam")
    bundle = build_zip(quiet=True)  # the room's zip, built before the session

    # -- provision: the notebook, then again (idempotent) --------------------------------
    shown = papermill(cloud, out, "provision")
    provision_s = seconds_said(shown, "provisioned")
    assert all(f"{p}: policy {p}-boundary created" in shown for p in prefixes), shown
    again = papermill(cloud, out, "provision")
    assert all(f"{p}: already there" in again for p in prefixes), again
    for prefix in prefixes:
        attached = iam.list_attached_user_policies(UserName=f"{prefix}-attendee")[
            "AttachedPolicies"
        ]
        assert [a["PolicyName"] for a in attached] == [f"{prefix}-attendee"]
        assert (out / "handouts" / f"{prefix}.md").stat().st_mode & 0o077 == 0

    # -- thirty conversations, each under its attendee's own policy ----------------------
    with boundary_auto(), ThreadPoolExecutor(max_workers=6) as pool:
        conversations = list(pool.map(lambda p: converse(cloud, out, p, iam, bundle), prefixes))
    for conversation in conversations:
        calls_allowed(conversation.target.recorder)
    used = set().union(*(c.target.recorder.used_actions() for c in conversations))
    assert {"iam:CreateRole", "lambda:InvokeFunction", "sqs:ReceiveMessage"} <= used

    # -- watch: the notebook and the read model agree with what each attendee did ---------
    waiting = {f"{ROOM}-{n}" for n in WAITING}
    failing = f"{ROOM}-{FAILING}"
    deadline = time.monotonic() + 60
    while True:  # the failing conversation ends, and the last REPORT records come, soon
        states = {s.prefix: s for s in read_room(target, room)}
        settled = all(not s.missing_reports for s in states.values())
        if (states[failing].statuses.get("FAILED") and settled) or time.monotonic() > deadline:
            break
        time.sleep(1)
    for prefix, state in states.items():
        assert state.notebooks == ["03"], state
        if prefix in waiting:
            assert (state.running, state.waiting, state.succeeded) == (1, 1, 0), state
        else:
            assert (state.running, state.waiting, state.succeeded) == (0, 0, 1), state
            assert state.cost_usd > 0 and state.missing_reports == 0, state
    assert states[failing].statuses.get("FAILED") == 1
    # The SDK's record of the handler's exception: its message and the exception.
    assert states[failing].last_error == (
        'Execution failed: ValueError: the event must be {"query": "<your question>"}'
    ), states[failing]
    assert [p for p, s in states.items() if s.last_error] == [failing]
    watched = papermill(cloud, out, "watch")
    for prefix in prefixes:  # the static table: a row per attendee, its state as read above
        state = states[prefix]
        row = f"| {prefix} | 03 | {state.running} | {state.waiting} | {state.succeeded} |"
        assert row in watched, (row, watched)
    assert f"{len(prefixes) - len(waiting)} finished a conversation" in watched, watched
    assert f"{len(waiting)} waiting for approval" in watched, watched
    assert (out / "90-room-progress.png").stat().st_size > 0
    [reading] = [json.loads(x) for x in (out / "90-room-progress.jsonl").read_text().splitlines()]
    assert reading["counts"] == [len(prefixes), len(waiting), len(prefixes) - len(waiting)]
    # In a live kernel the table is a widget the watch reads again on a timer.
    watch = RoomWatch(target, room)
    view = watch.live(every_s=0.2)
    deadline = time.monotonic() + 120
    while len(watch.snapshots) < 3:  # the widget shows the second reading, at least
        assert time.monotonic() < deadline
        time.sleep(0.2)
    watch.stop()
    assert f"{len(waiting)} waiting for approval" in view.value, view.value
    assert all(f"<td>{p}</td>" in view.value for p in prefixes)
    assert watch.plot(out, "live.png") and (out / "live.png").exists()

    # The waiting ones are answered; then the bill is the sum of the per-execution figures.
    finish = time.monotonic() + DEADLINE_S
    for conversation in conversations:
        if conversation.prefix in waiting:
            answer_until_done(conversation.inbox, conversation.arn, finish)
    for conversation in conversations:
        calls_allowed(conversation.target.recorder)
    with capsys.disabled():
        bill = room_bill(target, room)
    lam, logs = client("lambda"), client("logs")
    per_execution = []
    for prefix in prefixes:
        for execution in list_executions(lam, f"{prefix}-chatbot"):
            arn = execution["DurableExecutionArn"]
            per_execution.append(analyse_execution(lam, logs, arn, timeout_s=30))
    assert len(per_execution) == len(prefixes) + 1 == bill.total.executions
    total = bill.total
    assert total.total == pytest.approx(sum(c.durable.total_usd for c in per_execution), rel=1e-9)
    for part, attr in (
        ("compute", "compute_usd"),
        ("requests", "requests_usd"),
        ("operations", "operations_usd"),
        ("data_written", "data_written_usd"),
        ("retention", "data_retained_usd"),
    ):
        expected = sum(getattr(c.durable, attr) for c in per_execution)
        assert getattr(total, part) == pytest.approx(expected, rel=1e-9), part
    assert total.blocking == pytest.approx(
        sum(c.blocking.cost_usd for c in per_execution), rel=1e-9
    )
    assert total.missing_reports == 0
    billed = papermill(cloud, out, "bill")
    assert f"{total.executions} executions of {len(prefixes)} attendee(s)" in billed, billed

    # -- sweep: two conversations left waiting; a sweep that fails half-way; then 90's ---
    left_waiting = [c for c in conversations[:2]]
    stranded = []
    for conversation in left_waiting:
        arn = chat_starter(conversation.target, Names.for_target(target, conversation.prefix))(
            QUESTION
        )
        inbox = Inbox.for_target(conversation.target, conversation.deployment.queue_url)
        inbox.track(arn)
        wait_until_waiting(inbox, lam, arn, time.monotonic() + DEADLINE_S)
        stranded.append(arn)
    dry = sweep(target, room, dry_run=True)
    assert all(f"function {p}-chatbot" in "\n".join(dry) for p in prefixes), dry
    assert "(1 running)" in dry[0]
    assert everything_of_the_room(client)  # a dry run removes nothing

    original = sweeping._remove_identity
    calls = {"n": 0}

    def breaks_once(iam_client: Any, kind: str, name: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first attendee's user is gone, its policies not yet
            raise RuntimeError("the network dropped")
        original(iam_client, kind, name)

    sweeping._remove_identity = breaks_once
    try:
        with pytest.raises(RuntimeError, match="network dropped"):
            sweep(target, room, dry_run=False)
    finally:
        sweeping._remove_identity = original
    swept_text = papermill(cloud, out, "sweep", DRY_RUN=False)
    sweep_s = seconds_said(swept_text, "swept")
    assert f"Nothing named after the room's {len(prefixes)} prefix(es) is left." in swept_text
    assert everything_of_the_room(client) == []
    assert room_leftovers(target, room) == []
    for arn in stranded:
        assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"
    again_text = papermill(cloud, out, "sweep", DRY_RUN=False)
    assert all(f"{p}: nothing left" in again_text for p in prefixes), again_text

    with capsys.disabled():
        print(
            f"\nfacilitator: {len(prefixes)} attendees; provision {provision_s:.1f} s, "
            f"sweep {sweep_s:.1f} s (as notebook 90 printed them); whole test "
            f"{time.monotonic() - started:.0f} s"
        )


def test_a_permission_the_policy_lacks_fails(
    cloud: LocalCloud, target: Target, client: Callable[[str], Any], tmp_path: Path
) -> None:
    """The same attendee path with one action the series needs taken out of the policy:
    the evaluator refuses the call as IAM would, and the check above would fail."""
    out = tmp_path / "lacking"
    room = check_room(["lacking"], ROOM, "provision")
    provision(target, room, out)
    try:
        attendee_target, names = attendee(
            cloud, out, room.prefixes[0], client("iam"), drop="lambda:PublishVersion"
        )
        with boundary_auto(), pytest.raises(ClientError, match="AccessDenied"):
            deploy_chatbot(attendee_target, names, bundle=build_zip(quiet=True))
        with pytest.raises(AssertionError, match="lambda:PublishVersion"):
            calls_allowed(attendee_target.recorder)
    finally:
        sweep(target, room, dry_run=False)
    assert room_leftovers(target, room) == []


def test_provision_repairs_and_sweep_keeps_what_is_not_the_rooms(
    cloud: LocalCloud, target: Target, client: Callable[[str], Any], tmp_path: Path
) -> None:
    """Run again, provision puts back what changed behind its back (a policy edited, a
    handout lost: its key replaced); the sweep removes only what carries a prefix's tags;
    the Japanese notebook does the same sweep, in Japanese."""
    out = tmp_path / "again"
    iam = client("iam")
    room = check_room(["ren", "mio"], ROOM, "provision", "role")
    provision(target, room, out)
    names = Names.for_target(target, "hitl-ren")
    attendee_policy = names.boundary_arn.replace("-boundary", "-attendee")
    iam.create_policy_version(
        PolicyArn=attendee_policy,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        SetAsDefault=True,
    )  # fmt: skip
    assumed = iam.get_role(RoleName="hitl-ren-attendee")["Role"]
    assert assumed["MaxSessionDuration"] == 12 * 3600
    users = check_room(["ren"], ROOM, "provision", "user")
    first = provision(target, users, out)[0]
    assert first.done == [
        "policy hitl-ren-attendee updated",  # the edit behind provision's back, undone
        "user hitl-ren-attendee created",
        "policy attached",
        "access key created",
        "handout written",
    ], first
    (out / "handouts" / "hitl-ren.md").unlink()
    again = provision(target, room, out)
    assert [a.done for a in again] == [["handout written"], []], again
    document = iam.get_policy_version(
        PolicyArn=attendee_policy,
        VersionId=iam.get_policy(PolicyArn=attendee_policy)["Policy"]["DefaultVersionId"],
    )["PolicyVersion"]["Document"]
    assert document == permissions.user_policy(names)
    old_key = iam.list_access_keys(UserName="hitl-ren-attendee")["AccessKeyMetadata"]
    replaced = provision(target, users, out)[0]
    assert replaced.done == ["access key replaced", "handout written"], replaced
    new_key = iam.list_access_keys(UserName="hitl-ren-attendee")["AccessKeyMetadata"]
    assert len(new_key) == 1 and new_key[0]["AccessKeyId"] != old_key[0]["AccessKeyId"]
    # Someone else's, with room-like names and no tags (a user, a policy, and a queue under
    # the very name of mio's): the dry run does not list them, the sweep keeps them.
    iam.create_user(UserName="hitl-mio-attendee-x")
    sqs = client("sqs")
    sqs.create_queue(QueueName="hitl-mio-approvals")
    dry = sweep(target, room, dry_run=True)
    assert dry[1].startswith("hitl-mio: ") and "queue" not in dry[1], dry
    iam.create_policy(PolicyName="hitl-mio-notes", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))  # fmt: skip
    try:
        shown = papermill(
            cloud, out, "sweep", "ja/90_facilitator.ipynb",
            ATTENDEES=["ren", "mio"], DRY_RUN=False,
        )  # fmt: skip
        assert "ドライラン: 何も削除していません" in shown and "片付けが" in shown, shown
        assert "キュー hitl-mio-approvals は残しました: prefix=hitl-mio のタグがありません" in shown
        left = everything_of_the_room(client)
        assert left == ["hitl-mio-approvals", "hitl-mio-attendee-x", "hitl-mio-notes"], left
    finally:
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="hitl-mio-approvals")["QueueUrl"])
        iam.delete_user(UserName="hitl-mio-attendee-x")
        iam.delete_policy(PolicyArn=names.boundary_arn.replace("ren-boundary", "mio-notes"))
    deadline = time.monotonic() + 90  # SQS takes a moment to forget a deleted queue
    while everything_of_the_room(client):
        assert time.monotonic() < deadline, everything_of_the_room(client)
        time.sleep(0.5)
