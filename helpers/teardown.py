"""The end of the series (notebook 99): remove what one PREFIX owns, forget what the
notebooks saved, and stop the kit's background local cloud if asked to.

``cleanup`` removes everything one PREFIX owns in the target's region, idempotently. The
order matters: running executions are stopped first (or their replays would call a function
that is gone), then the functions (aliases and versions with them) and their log groups,
then the queue and the bucket the functions wrote to, and the roles last.

A resource is removed only if its name derives from the prefix *and* it carries the tag
``prefix=<PREFIX>``: the prefix ``ws`` never removes ``ws-2``'s resources, although their
names start alike. In a shared account whose users may touch only their own prefix's
resources (``helpers.permissions``), reading ``ws-2``'s tags is denied to ``ws``: such a
resource is skipped as not ours.

``planned`` is cleanup's dry run: what it would remove now, by the same checks (notebook
90's sweep lists it for every attendee first).

The local cloud outlives kernels on purpose (every notebook shares it). Stopping it is
optional: its state dir keeps everything, so the next notebook that needs it starts it
again with functions, queues, buckets, logs and executions intact.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from . import state
from .chatbot import where
from .deploy import ACCESS_DENIED, WORKSHOP_TAG, Names, redact_account
from .i18n import tr
from .params import ParameterError
from .removals import removal_text as removal_text
from .target import Target, background_cloud, stop_background_cloud

# SQS DeleteQueue: "The deletion process takes up to 60 seconds"; S3 documents no figure for
# a deleted bucket to stop answering. Cleanup waits until each is gone, at most this long.
GONE_WAIT_S = 90


def _owned(tags: dict[str, str], names: Names) -> bool:
    return tags.get("prefix") == names.prefix and tags.get("workshop") == WORKSHOP_TAG


def _tags(read: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any] | None:
    """``read(**kwargs)`` (a tag listing), or None when it is denied: under a least-privilege
    policy, a resource whose name starts like the prefix's but is another prefix's."""
    try:
        return read(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ACCESS_DENIED:
            return None
        raise


def _functions(lam: Any, names: Names) -> Iterator[str]:
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            if not fn["FunctionName"].startswith(f"{names.prefix}-"):
                continue
            tags = _tags(lam.list_tags, Resource=fn["FunctionArn"])
            if tags is not None and _owned(tags.get("Tags", {}), names):
                yield str(fn["FunctionName"])


def _running(lam: Any, function: str, qualifier: str) -> Iterator[str]:
    pages = lam.get_paginator("list_durable_executions_by_function").paginate(
        FunctionName=function, Qualifier=qualifier, Statuses=["RUNNING"]
    )
    for page in pages:
        for execution in page.get("DurableExecutions", []):
            yield str(execution["DurableExecutionArn"])


def _stop_executions(lam: Any, function: str, qualifiers: list[str]) -> int:
    # Without a Qualifier the listing covers $LATEST only: ask each version and alias.
    running = {arn for q in ["$LATEST", *qualifiers] for arn in _running(lam, function, q)}
    for arn in sorted(running):
        # It may finish between the listing and the stop: that is as good as stopped.
        with contextlib.suppress(
            lam.exceptions.ResourceNotFoundException,
            lam.exceptions.InvalidParameterValueException,
        ):
            lam.stop_durable_execution(DurableExecutionArn=arn)
    return len(running)


def _qualifiers(lam: Any, function: str) -> tuple[list[str], list[str]]:
    """The function's aliases and published versions."""
    aliases = [
        a["Name"]
        for page in lam.get_paginator("list_aliases").paginate(FunctionName=function)
        for a in page["Aliases"]
    ]
    versions = [
        v["Version"]
        for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function)
        for v in page["Versions"]
        if v["Version"] != "$LATEST"
    ]
    return aliases, versions


def _remove_function(lam: Any, function: str) -> str:
    aliases, versions = _qualifiers(lam, function)
    stopped = _stop_executions(lam, function, versions + aliases)
    for alias in aliases:
        lam.delete_alias(FunctionName=function, Name=alias)
    lam.delete_function(FunctionName=function)  # with every version still there
    parts = [f"{stopped} running execution(s) stopped"] if stopped else []
    if aliases:
        parts.append("alias " + ", ".join(aliases))
    if versions:
        parts.append("version(s) " + ", ".join(versions))
    return f"function {function}" + (f" ({'; '.join(parts)})" if parts else "")


def _log_groups(logs: Any, names: Names, functions: list[str]) -> Iterator[str]:
    pages = logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=f"/aws/lambda/{names.prefix}-"
    )
    for page in pages:
        for group in page["logGroups"]:
            name = group["logGroupName"]
            # Lambda creates a function's group itself when it is missing: such a group is
            # untagged, and it is the prefix's if its function was.
            if name.removeprefix("/aws/lambda/") in functions:
                yield name
                continue
            arn = group["arn"].removesuffix(":*")
            tags = _tags(logs.list_tags_for_resource, resourceArn=arn)
            if tags is not None and _owned(tags.get("tags", {}), names):
                yield name


def _empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; the bucket must be empty to go."""
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if keys:  # a page holds at most 1000 keys, as much as delete_objects takes
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            removed += len(keys)
    return removed


def _bucket_tags(s3: Any, names: Names) -> dict[str, str] | None:
    """The report bucket's tags ({} untagged), or None when there is no such bucket."""
    try:
        return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=names.bucket)["TagSet"]}
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchBucket", "404"):
            return None
        if exc.response["Error"]["Code"] != "NoSuchTagSet":
            raise
        return {}


def _remove_bucket(s3: Any, names: Names) -> str | None:
    tags = _bucket_tags(s3, names)
    if tags is None:
        return None
    if not _owned(tags, names):
        print(
            redact_account(
                tr(
                    f"kept bucket {names.bucket}: it is not tagged prefix={names.prefix}",
                    f"バケット {names.bucket} は残しました: "
                    f"prefix={names.prefix} のタグがありません",
                )
            )
        )
        return None
    objects = _empty_bucket(s3, names.bucket)
    s3.delete_bucket(Bucket=names.bucket)

    def gone() -> bool:
        try:
            s3.head_bucket(Bucket=names.bucket)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
                return True
            raise
        return False

    _wait_gone(redact_account(tr(f"bucket {names.bucket}", f"バケット {names.bucket}")), gone)
    return f"bucket {names.bucket} ({objects} object version(s))"


def _remove_queue(sqs: Any, names: Names) -> str | None:
    try:
        url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None

    def gone() -> bool:
        try:
            sqs.get_queue_url(QueueName=names.queue)
        except sqs.exceptions.QueueDoesNotExist:
            return True
        return False

    try:
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    except sqs.exceptions.QueueDoesNotExist:
        tags = None  # found by name, gone by URL: already being deleted
    if tags is not None and not _owned(tags, names):
        print(
            tr(
                f"kept queue {names.queue}: it is not tagged prefix={names.prefix}",
                f"キュー {names.queue} は残しました: prefix={names.prefix} のタグがありません",
            )
        )
        return None
    if tags is not None:
        with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=url)
    # Until then SQS may still hand out its URL, and a deploy would take it for a live queue.
    _wait_gone(
        tr(f"queue {names.queue}", f"キュー {names.queue}"),
        gone,
        tr("SQS takes up to 60 s to delete a queue", "SQS のキュー削除には最大 60 秒かかります"),
    )
    return f"queue {names.queue}" if tags is not None else None


def _wait_gone(what: str, gone: Callable[[], bool], why: str = "") -> None:
    """Poll ``gone`` until True (bounded), saying in a line what is being waited for."""
    started = time.monotonic()
    delay = 0.5
    told = False
    while not gone():
        waited = time.monotonic() - started
        if waited > GONE_WAIT_S:
            print(
                tr(
                    f"  {what} is still being deleted after {waited:.0f} s; AWS finishes it on "
                    "its own. A deploy with this PREFIX may have to wait for the name.",
                    f"  {what} は {waited:.0f} 秒たってもまだ削除中です。削除は AWS が自分で"
                    "終えます。この PREFIX でのデプロイは、名前が空くのを待つことがあります。",
                )
            )
            return
        if not told:
            print(
                tr(
                    f"  waiting until {what} is really gone"
                    + (f" ({why})" if why else "")
                    + " ...",
                    f"  {what} が本当になくなるまで待っています"
                    + (f"（{why}）" if why else "")
                    + "…",
                )
            )
            told = True
        time.sleep(delay)
        delay = min(delay * 2, 5.0)
    if told:
        took = f"{time.monotonic() - started:.0f}"
        print(tr(f"  {what} is gone after {took} s", f"  {what} は {took} 秒でなくなりました"))


def _roles(iam: Any, names: Names) -> Iterator[str]:
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            if not (name.startswith(f"{names.prefix}-") and name.endswith(f"-{names.region}")):
                continue
            tags = _tags(iam.list_role_tags, RoleName=name)
            if tags is not None and _owned({t["Key"]: t["Value"] for t in tags["Tags"]}, names):
                yield name


def _remove_role(iam: Any, role: str) -> str:
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
    for policy in inline:
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    iam.delete_role(RoleName=role)
    return f"role {role}"


def cleanup(target: Target, prefix: str) -> list[str]:
    """Remove what ``prefix`` owns in the target's region; prints and returns each removal.

    Run it again and it finds nothing: it is safe to run twice, or after a failed deploy.
    """
    names = Names.for_target(target, prefix)
    lam, logs = target.client("lambda"), target.client("logs")
    removed: list[str] = []

    def done(what: str | None) -> None:
        if what:
            print(redact_account(tr(f"removed {what}", f"削除しました: {removal_text(what)}")))
            removed.append(what)

    functions = list(_functions(lam, names))
    for function in functions:
        done(_remove_function(lam, function))
    for group in list(_log_groups(logs, names, functions)):
        logs.delete_log_group(logGroupName=group)
        done(f"log group {group}")
    done(_remove_queue(target.client("sqs"), names))
    done(_remove_bucket(target.client("s3"), names))
    iam = target.client("iam")
    for role in list(_roles(iam, names)):
        done(_remove_role(iam, role))
    # An invocation still running when its function was deleted writes its last records
    # afterwards, and Lambda creates the log group again for them: remove it once more.
    for group in list(_log_groups(logs, names, functions)):
        logs.delete_log_group(logGroupName=group)
        print(
            redact_account(
                tr(
                    f"removed log group {group} again: the last invocation's records came late",
                    f"ロググループ {group} をもう一度削除しました: 最後の呼び出しのレコードが"
                    "遅れて届いたためです",
                )
            )
        )
    if removed:
        result = tr(f"removed {len(removed)} resource(s)", f"{len(removed)} 個のリソースを削除")
    else:
        result = tr("nothing left to remove", "削除するものは残っていません")
    print(
        tr(f"cleanup {prefix} in {names.region}: ", f"{names.region} の {prefix} の片付け: ")
        + result
    )
    return removed


def planned(target: Target, prefix: str) -> list[str]:
    """What ``cleanup(target, prefix)`` would remove now, found by the same name and tag
    checks, removing nothing: a dry run (each function with its running executions)."""
    names = Names.for_target(target, prefix)
    lam, sqs, iam = target.client("lambda"), target.client("sqs"), target.client("iam")
    found = []
    functions = list(_functions(lam, names))
    for function in functions:
        aliases, versions = _qualifiers(lam, function)
        qualifiers = ["$LATEST", *versions, *aliases]
        running = {arn for q in qualifiers for arn in _running(lam, function, q)}
        found.append(f"function {function}" + (f" ({len(running)} running)" if running else ""))
    found += [f"log group {g}" for g in _log_groups(target.client("logs"), names, functions)]
    try:
        url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
        if _owned(sqs.list_queue_tags(QueueUrl=url).get("Tags", {}), names):
            found.append(f"queue {names.queue}")
    except sqs.exceptions.QueueDoesNotExist:
        pass
    tags = _bucket_tags(target.client("s3"), names)
    if tags is not None and _owned(tags, names):
        found.append(f"bucket {names.bucket}")
    found += [f"role {role}" for role in _roles(iam, names)]
    return [redact_account(what) for what in found]


def leftovers(target: Target, prefix: str) -> list[str]:
    """Everything in the target's region (and IAM) whose name starts with ``<prefix>-``,
    described for display (account ids masked, as in a bucket's name).

    A check, by name only: after ``cleanup`` it should be empty. With a prefix that
    another one extends (``ws`` and ``ws-2``) it lists the other's resources too.
    """
    start = f"{prefix}-"
    lam, logs, iam = target.client("lambda"), target.client("logs"), target.client("iam")
    found = [
        f"function {fn['FunctionName']}"
        for page in lam.get_paginator("list_functions").paginate()
        for fn in page["Functions"]
        if fn["FunctionName"].startswith(start)
    ]
    found += [
        f"log group {group['logGroupName']}"
        for page in logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=f"/aws/lambda/{start}"
        )
        for group in page["logGroups"]
    ]
    queues = target.client("sqs").list_queues(QueueNamePrefix=start).get("QueueUrls", [])
    found += [f"queue {url.rsplit('/', 1)[-1]}" for url in queues]
    found += [
        f"bucket {bucket['Name']}"
        for bucket in target.client("s3").list_buckets()["Buckets"]
        if bucket["Name"].startswith(start)
    ]
    found += [
        f"role {role['RoleName']}"
        for page in iam.get_paginator("list_roles").paginate()
        for role in page["Roles"]
        if role["RoleName"].startswith(start)
    ]
    return [redact_account(what) for what in found]


def forget_state(prefix: str, target: Target) -> None:
    """Remove what the notebooks saved for ``prefix`` (its state file), unless it records
    another target's resources (another cloud, region or endpoint): those are not gone."""
    saved = state.load(prefix)
    if not saved:
        message = tr(
            f"Nothing saved for PREFIX={prefix!r}: no state to forget.",
            f"PREFIX={prefix!r} には保存されたものがありません。消す状態はありません。",
        )
    elif any(saved.get(key, value) != value for key, value in where(target).items()):
        place = f"{saved.get('target')}/{saved.get('region')} {saved.get('endpoint') or ''}"
        message = tr(
            f"Kept {state.path(prefix)}: it describes resources on {place}, "
            "not the target cleaned up here.",
            f"{state.path(prefix)} は残しました: ここで片付けた場所ではなく、{place} の"
            "リソースを記録しているためです。",
        )
    else:
        state.forget(prefix)
        message = tr(
            f"Forgot what the notebooks saved for PREFIX={prefix!r} ({state.path(prefix)}).",
            f"ノートブックが PREFIX={prefix!r} について保存した内容を消しました"
            f"（{state.path(prefix)}）。",
        )
    print(message)


def stop_local_cloud(target: Target, stop: bool = False) -> None:
    """Stop the background local cloud when ``stop`` is True and this notebook uses it;
    prints what happened, or how to do it."""
    if not isinstance(stop, bool):
        raise ParameterError(
            [
                tr(
                    f"STOP_LOCAL_CLOUD is {stop!r}: set it to True or False.",
                    f"STOP_LOCAL_CLOUD が {stop!r} です。True か False にしてください。",
                )
            ]
        )
    running = background_cloud()
    if target.name != "local":
        message = tr(
            "TARGET is 'aws': there is no local cloud to stop.",
            "TARGET は 'aws' です。止めるローカルクラウドはありません。",
        )
    elif running is None:
        message = tr(
            "The kit's background local cloud is not running"
            + (f" (this notebook used {target.endpoint})." if target.endpoint else "."),
            "キットのバックグラウンドのローカルクラウドは動いていません"
            + (
                f"（このノートブックは {target.endpoint} を使いました）。"
                if target.endpoint
                else "。"
            ),
        )
    elif target.endpoint != running:
        message = tr(
            f"This notebook used another local cloud ({target.endpoint}, from "
            f"AWS_ENDPOINT_URL); the kit's background one at {running} is left as it is.",
            f"このノートブックは別のローカルクラウド（AWS_ENDPOINT_URL の {target.endpoint}）を"
            f"使いました。キットのバックグラウンドのもの（{running}）はそのままにします。",
        )
    elif not stop:
        message = tr(
            f"The local cloud at {running} keeps running for the next session. To stop it, "
            "set STOP_LOCAL_CLOUD = True and run this cell again, or call "
            "helpers.localcloud.background.stop(). Its state stays in .state/localcloud/.",
            f"{running} のローカルクラウドは次のセッションのために動き続けます。止めるには "
            "STOP_LOCAL_CLOUD = True にしてこのセルをもう一度実行するか、"
            "helpers.localcloud.background.stop() を呼んでください。状態は .state/localcloud/ "
            "に残ります。",
        )
    else:
        stopped = stop_background_cloud()
        message = (
            tr(
                f"Stopped the local cloud at {running}; its state stays in .state/localcloud/ "
                "for next time.",
                f"{running} のローカルクラウドを止めました。状態は次回のために "
                ".state/localcloud/ に残ります。",
            )
            if stopped
            else tr(
                f"The local cloud at {running} had already stopped.",
                f"{running} のローカルクラウドはすでに止まっていました。",
            )
        )
    print(message)
