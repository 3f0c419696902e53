"""The function's log group, made before Lambda would make it: tagged, and expiring."""

from __future__ import annotations

from ..target import Target
from .names import Names
from .steps import say


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
