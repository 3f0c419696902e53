"""helpers.approvals.contract: the request message and the answer."""

from __future__ import annotations

import json
import typing

import pytest

from helpers.approvals.contract import REQUIRED_FIELDS, parse_message, short_id
from lambda_fn.approvals import ApprovalRequest


def test_the_required_fields_are_the_chatbots_own() -> None:
    assert set(REQUIRED_FIELDS) <= set(typing.get_type_hints(ApprovalRequest))


def test_parse_message_names_what_is_wrong() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/chat-1/e1"
    good = {"execution_arn": arn, "callback_id": "c", "tool": "t", "input": {}}
    assert parse_message(json.dumps(good))["tool"] == "t"
    for body, reason in [
        ("hello", "not JSON"),
        ("[1, 2]", "JSON list, not an object"),
        (json.dumps({"callback_id": "c"}), "lacks execution_arn, tool, input"),
        (json.dumps({**good, "callback_id": 7}), "callback_id is 7"),
        (json.dumps({**good, "execution_arn": "exec-1"}), "not a durable execution's ARN"),
        (json.dumps({**good, "execution_arn": "arn:aws:lambda:x"}), "not a durable execution's"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_message(body)


def test_short_id() -> None:
    base = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution"
    assert short_id(f"{base}/6b3e7163-124a-449d-b1cf-4c8831654f02/998be70f") == "6b3e7163"
    assert short_id(f"{base}/chat-42/998be70f") == "chat-42"
    long_name = "chatbot-20261125T234500-1a2b3c4d"
    assert short_id(f"{base}/{long_name}/998be70f") == "chatbot-20…1a2b3c4d"
