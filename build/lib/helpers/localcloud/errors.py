"""AWS-style errors of the kit's own routes (Lambda Invoke, the workshop model)."""

from __future__ import annotations

import json


class AwsError(Exception):
    """An error answered as the AWS REST-JSON protocols answer it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> bytes:
        return json.dumps({"Type": "User", "message": self.message, "__type": self.code}).encode()

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}


def not_found(what: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", what)


def invalid(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterValueException", message)
