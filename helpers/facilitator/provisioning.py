"""Before the session: for each attendee, the permissions boundary of their roles, their
own policy (both from ``helpers.permissions``) and an identity to work as (an IAM user
with an access key, or a role to assume), all tagged with the attendee's PREFIX; and a
handout to give them. Idempotent: run it again and it changes only what differs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..deploy import WORKSHOP_TAG, Names, redact_account
from ..i18n import tr
from ..permissions import boundary_policy, user_policy
from ..target import Target
from .room import Room

# How long an attendee's role session lasts: an evening's session with room to spare.
ROLE_SESSION_S = 12 * 3600
# IAM keeps at most five versions of a managed policy.
MAX_POLICY_VERSIONS = 5


def identity_name(prefix: str) -> str:
    """The IAM user or role an attendee works as."""
    return f"{prefix}-attendee"


def attendee_policy_name(prefix: str) -> str:
    return f"{prefix}-attendee"


def room_tags(names: Names, room: str) -> list[dict[str, str]]:
    """The tags of everything provision makes: the kit's two (cleanup's check) and the room."""
    return [*names.tag_list(), {"Key": "room", "Value": room}]


def account_of(target: Target) -> str:
    return str(target.client("sts").get_caller_identity()["Account"])


@dataclass
class Provisioned:
    """What provision did for one attendee."""

    prefix: str
    identity: str  # the user's or role's ARN
    done: list[str]
    handout: Path

    def line(self) -> str:
        did = ", ".join(self.done) if self.done else tr("already there", "作成済み")
        return redact_account(f"{self.prefix}: {did}; {tr('handout', '配布資料')} {self.handout}")


def _ensure_policy(iam: Any, arn: str, name: str, document: dict[str, Any], tags: Any) -> str:
    """Create the managed policy, or make ``document`` its default version; '' when it
    already said that."""
    try:
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), Tags=tags)
        return tr(f"policy {name} created", f"ポリシー {name} を作成")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    current = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]
    if current["Document"] == document:
        return ""
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    old = sorted((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
    for version in old[: max(0, len(versions) - MAX_POLICY_VERSIONS + 1)]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    return tr(f"policy {name} updated", f"ポリシー {name} を更新")


def _ensure_user(
    iam: Any, names: Names, room: str, policy_arn: str, handout: Path
) -> tuple[str, list[str], dict[str, str] | None]:
    """The attendee's user, its policy attached; a new access key when it has none, or
    when the handout no longer holds its secret (lost, or written for a role): the old
    keys are then deleted."""
    user, done = identity_name(names.prefix), []
    try:
        arn = iam.create_user(UserName=user, Tags=room_tags(names, room))["User"]["Arn"]
        done.append(tr(f"user {user} created", f"ユーザー {user} を作成"))
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_user(UserName=user)["User"]["Arn"]
    attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    if policy_arn not in {p["PolicyArn"] for p in attached}:
        iam.attach_user_policy(UserName=user, PolicyArn=policy_arn)
        done.append(tr("policy attached", "ポリシーをアタッチ"))
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    given = handout.read_text(encoding="utf-8") if handout.exists() else ""
    if any(key["AccessKeyId"] in given for key in keys):
        return str(arn), done, None
    for key in keys:  # their secret is not in the handout (lost, or rewritten): replace them
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=user)["AccessKey"]
    done.append(
        tr("access key replaced", "アクセスキーを再発行")
        if keys
        else tr("access key created", "アクセスキーを作成")
    )
    return str(arn), done, {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def _ensure_role(iam: Any, names: Names, room: str, policy_arn: str) -> tuple[str, list[str]]:
    """The role the attendee assumes (trusted by the account: who may assume it is then
    the account's own IAM policy, e.g. an Identity Center permission set), policy attached."""
    role, done = identity_name(names.prefix), []
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{names.partition}:iam::{names.account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        arn = iam.create_role(
            RoleName=role,
            AssumeRolePolicyDocument=json.dumps(trust),
            MaxSessionDuration=ROLE_SESSION_S,
            Tags=room_tags(names, room),
        )["Role"]["Arn"]
        done.append(tr(f"role {role} created", f"ロール {role} を作成"))
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    if policy_arn not in {p["PolicyArn"] for p in attached}:
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
        done.append(tr("policy attached", "ポリシーをアタッチ"))
    return str(arn), done


def handout_text(
    target: Target, names: Names, name: str, identity: str, key: dict[str, str] | None
) -> str:
    """One attendee's page: PREFIX, REGION, how to sign in, the first command."""
    profile = names.prefix
    if identity.endswith(f":user/{identity_name(names.prefix)}"):
        secret = key["secret"] if key else tr("(in your earlier handout)", "(以前の配布資料に記載)")
        key_id = key["id"] if key else ""
        sign_in = tr(
            "Your IAM user's access key (keep it to yourself; it stops working after the session):",
            "あなたの IAM ユーザーのアクセスキーです(他の人に見せないでください。"
            "セッション後に無効になります):",
        ) + (
            f"\n\n```\naws configure set aws_access_key_id {key_id} --profile {profile}\n"
            f"aws configure set aws_secret_access_key {secret} --profile {profile}\n"
            f"aws configure set region {names.region} --profile {profile}\n```"
        )
    else:
        sign_in = tr(
            "Sign in to the account as the facilitator told you, then work as this role:",
            "ファシリテーターの案内どおりにアカウントへサインインし、このロールで作業します:",
        ) + (
            f"\n\n```\naws configure set role_arn {identity} --profile {profile}\n"
            f"aws configure set source_profile default --profile {profile}\n"
            f"aws configure set region {names.region} --profile {profile}\n```"
        )
    first = (
        f"export AWS_PROFILE={profile} WORKSHOP_PERMISSIONS_BOUNDARY=auto\n"
        f".venv/bin/python -m papermill notebooks/00_setup.ipynb /tmp/00_setup.ipynb "
        f"-p TARGET {target.name} -p REGION {names.region} -p PREFIX {names.prefix}"
    )
    return "\n".join(
        [
            tr(f"# Workshop handout: {name}", f"# ハンズオン配布資料: {name}"),
            "",
            f"- PREFIX: `{names.prefix}`",
            f"- REGION: `{names.region}`",
            f"- TARGET: `{target.name}`",
            "",
            tr("## Sign in", "## サインイン"),
            "",
            sign_in,
            "",
            tr("## The first command", "## 最初のコマンド"),
            "",
            tr(
                "In the kit's folder (or set the same values in each notebook's parameters "
                "cell and run it in JupyterLab):",
                "キットのフォルダで実行します(JupyterLab で各ノートブックのパラメーター"
                "セルに同じ値を設定して実行しても構いません):",
            ),
            "",
            f"```\n{first}\n```",
            "",
            tr(
                "Every notebook takes the PREFIX and REGION above; you can reach only what "
                "your PREFIX names.",
                "どのノートブックにも上の PREFIX と REGION を指定します。操作できるのは"
                "自分の PREFIX の付いたリソースだけです。",
            ),
            "",
        ]
    )


def _write_private(path: Path, text: str) -> None:
    """A handout may hold a secret: readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def provision(target: Target, room: Room, output_dir: Path | str) -> list[Provisioned]:
    """For each attendee: the boundary and attendee policies, the user or role, the handout
    (``<output_dir>/handouts/<PREFIX>.md``); prints one line per attendee."""
    started = time.monotonic()
    iam, account = target.client("iam"), account_of(target)
    folder = Path(output_dir) / "handouts"
    done: list[Provisioned] = []
    for attendee in room.attendees:
        names = Names(attendee.prefix, account, target.region)
        tags = room_tags(names, room.name)
        handout = folder / f"{attendee.prefix}.md"
        steps = [
            _ensure_policy(
                iam, names.boundary_arn, names.boundary_policy, boundary_policy(names), tags
            )
        ]
        policy_name = attendee_policy_name(attendee.prefix)
        policy_arn = names.boundary_arn.replace(names.boundary_policy, policy_name)
        steps.append(_ensure_policy(iam, policy_arn, policy_name, user_policy(names), tags))
        key: dict[str, str] | None = None
        if room.identity == "user":
            arn, more, key = _ensure_user(iam, names, room.name, policy_arn, handout)
        else:
            arn, more = _ensure_role(iam, names, room.name, policy_arn)
        steps += more
        if key is not None or not handout.exists():
            _write_private(handout, handout_text(target, names, attendee.name, arn, key))
            steps.append(tr("handout written", "配布資料を作成"))
        item = Provisioned(attendee.prefix, arn, [s for s in steps if s], handout)
        print(item.line())
        done.append(item)
    print(
        tr(
            f"provisioned {len(done)} attendee(s) in {time.monotonic() - started:.1f} s; "
            f"handouts in {folder}",
            f"{len(done)} 名の準備が {time.monotonic() - started:.1f} 秒で完了しました。"
            f"配布資料: {folder}",
        )
    )
    return done


def is_ours(tags: list[dict[str, str]], prefix: str) -> bool:
    """Tagged by provision for ``prefix`` (the same rule as cleanup's)."""
    found = {t["Key"]: t["Value"] for t in tags}
    return found.get("prefix") == prefix and found.get("workshop") == WORKSHOP_TAG
