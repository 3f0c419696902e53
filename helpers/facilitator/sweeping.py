"""After the session: a dry run that lists what would go, then the sweep itself. Every
prefix of the room goes through notebook 99's own ``teardown.cleanup`` (running executions
stopped first, then each resource that carries the prefix's name *and* tag), and then the
IAM users, roles and policies provision made, each only if it carries the prefix's tags.
Idempotent, and safe to run again after a failure half-way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from ..deploy import Names, redact_account
from ..i18n import tr
from ..target import Target
from ..teardown import cleanup, leftovers, planned
from .provisioning import account_of, attendee_policy_name, identity_name, is_ours
from .room import Room

MISSING = ("NoSuchEntity",)
# Attendees swept at once.
SWEEP_WORKERS = 8


def _gone(call: Callable[..., Any], **kwargs: Any) -> None:
    """``call(**kwargs)``; already gone is as good as done (a rerun after a failure)."""
    try:
        call(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in MISSING:
            raise


def _tags(call: Callable[..., dict[str, Any]], **kwargs: Any) -> list[dict[str, str]] | None:
    try:
        return list(call(**kwargs)["Tags"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in MISSING:
            return None
        raise


def identities(iam: Any, names: Names) -> Iterator[tuple[str, str]]:
    """Provision's user or role, and its two policies, that exist and carry the prefix's
    tags: (kind, name-or-ARN)."""
    who = identity_name(names.prefix)
    tags = _tags(iam.list_user_tags, UserName=who)
    if tags is not None and is_ours(tags, names.prefix):
        yield "user", who
    tags = _tags(iam.list_role_tags, RoleName=who)
    if tags is not None and is_ours(tags, names.prefix):
        yield "role", who
    attendee = names.boundary_arn.replace(names.boundary_policy, attendee_policy_name(names.prefix))
    for arn in (attendee, names.boundary_arn):
        tags = _tags(iam.list_policy_tags, PolicyArn=arn)
        if tags is not None and is_ours(tags, names.prefix):
            yield "policy", arn


def _remove_identity(iam: Any, kind: str, name: str) -> None:
    if kind == "user":
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            _gone(iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
        for policy in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            _gone(iam.detach_user_policy, UserName=name, PolicyArn=policy["PolicyArn"])
        _gone(iam.delete_login_profile, UserName=name)
        _gone(iam.delete_user, UserName=name)
    elif kind == "role":
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            _gone(iam.detach_role_policy, RoleName=name, PolicyArn=policy["PolicyArn"])
        _gone(iam.delete_role, RoleName=name)
    else:
        for version in iam.list_policy_versions(PolicyArn=name)["Versions"]:
            if not version["IsDefaultVersion"]:
                _gone(iam.delete_policy_version, PolicyArn=name, VersionId=version["VersionId"])
        _gone(iam.delete_policy, PolicyArn=name)


def sweep(target: Target, room: Room, dry_run: bool = True) -> list[str]:
    """With ``dry_run`` (the default) list, per attendee, what the sweep would remove;
    without, remove it: ``cleanup`` of each prefix (notebook 99's), then provision's IAM
    identities and policies. Returns the lines printed."""
    started = time.monotonic()
    iam, account = target.client("iam"), account_of(target)
    lines: list[str] = []

    def say(line: str) -> None:
        line = redact_account(line)
        print(line)
        lines.append(line)

    def one(prefix: str) -> str:
        names = Names(prefix, account, target.region)
        if dry_run:
            found = planned(target, prefix)
            found += [f"{kind} {name}" for kind, name in identities(iam, names)]
            return f"{prefix}: " + ("; ".join(found) if found else tr("nothing", "なし"))
        removed = cleanup(target, prefix)
        # Users and roles first: a policy still attached cannot be deleted.
        for kind, name in sorted(identities(iam, names), key=lambda item: item[0] == "policy"):
            _remove_identity(iam, kind, name)
            removed.append(f"{kind} {name}")
        done = tr(f"removed {len(removed)}", f"{len(removed)} 件を削除")
        return f"{prefix}: " + (done if removed else tr("nothing left", "残りなし"))

    # Attendees are independent, and most of a sweep is waiting (a queue takes seconds to
    # go): several at once. The clients' shared session is set up above, in this thread.
    for service in ("lambda", "logs", "sqs", "s3"):
        target.client(service)
    with ThreadPoolExecutor(max_workers=SWEEP_WORKERS) as pool:
        for line in pool.map(one, room.prefixes):
            say(line)
    seconds = time.monotonic() - started
    say(
        tr(
            f"dry run: nothing removed ({len(room.attendees)} attendee(s) read in "
            f"{seconds:.1f} s). Set DRY_RUN = False to sweep.",
            f"ドライラン: 何も削除していません({len(room.attendees)} 名分を {seconds:.1f} 秒で"
            "確認)。削除するには DRY_RUN = False にしてください。",
        )
        if dry_run
        else tr(
            f"swept {len(room.attendees)} attendee(s) in {seconds:.1f} s",
            f"{len(room.attendees)} 名分の片付けが {seconds:.1f} 秒で完了しました",
        )
    )
    return lines


def room_leftovers(target: Target, room: Room) -> list[str]:
    """Everything still named after a prefix of the room (by name: ``teardown.leftovers``),
    provision's users and roles, and the account's own policies named after a prefix;
    printed, and empty after a sweep."""
    iam = target.client("iam")
    policies = [
        str(p["PolicyName"])
        for page in iam.get_paginator("list_policies").paginate(Scope="Local")
        for p in page["Policies"]
    ]
    found: list[str] = []
    for attendee in room.attendees:
        start = f"{attendee.prefix}-"
        found += [f"{attendee.prefix}: {what}" for what in leftovers(target, attendee.prefix)]
        who = identity_name(attendee.prefix)
        for kind, read in (("user", iam.get_user), ("role", iam.get_role)):
            try:
                read(**{f"{kind.title()}Name": who})
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in MISSING:
                    raise
                continue
            if f"role {who}" not in " ".join(found):
                found.append(f"{attendee.prefix}: {kind} {who}")
        found += [f"{attendee.prefix}: policy {p}" for p in policies if p.startswith(start)]
    found = [redact_account(what) for what in found]
    print(
        "\n".join(found)
        if found
        else tr(
            f"Nothing named after the room's {len(room.attendees)} prefix(es) is left.",
            f"ルームの {len(room.attendees)} 個の PREFIX の名前が付いたものは残っていません。",
        )
    )
    return found
