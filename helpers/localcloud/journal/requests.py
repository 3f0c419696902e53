"""What the journal reads from a request: its operation, account, credentials and function,
and whether it changes state worth replaying."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.core.responses import BaseResponse
from moto.iam.models import get_account_id_from

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST/PUT calls of JSON and query protocols that change nothing worth keeping.
_READ_PREFIXES = ("Get", "List", "Describe", "Filter", "Test", "Simulate", "Assume")
_SKIPPED_OPS = frozenset(
    {"ReceiveMessage", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}
)
SQS_DELETES = frozenset({"DeleteMessage", "DeleteMessageBatch"})
# Lambda data plane: running code is the Lambda host's business, never state to replay.
_LAMBDA_INVOKE = re.compile(
    r"^/\d{4}-\d{2}-\d{2}/functions/[^/]+/"
    r"(invocations|invoke-async/?|response-streaming-invocations)$"
)
UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
# Lambda control-plane paths that name a function (by name, name:qualifier or ARN).
_FUNCTION_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/([^/]+)(/.*)?$")
_CREATE_FUNCTION_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/?$")
_TAGS_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/tags/(.+)$")
# Hop-by-hop or per-attempt headers: useless to moto at replay, and they bloat lines.
DROPPED_HEADERS = frozenset(
    {
        "HTTP_CONNECTION",
        "HTTP_KEEP_ALIVE",
        "HTTP_TRANSFER_ENCODING",
        "HTTP_EXPECT",
        "HTTP_USER_AGENT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_AMZ_SDK_INVOCATION_ID",
        "HTTP_AMZ_SDK_REQUEST",
        "HTTP_CONTENT_LENGTH",
    }
)

# The caller's credentials never reach the disk (a user's real session token must not sit
# in .state/ because they ran the local target with their AWS profile): replay needs the
# credential scope (region, service) and the account, not the key, token or signature.
_CREDENTIAL_HEADERS = frozenset({"HTTP_X_AMZ_SECURITY_TOKEN"})
_KEY_OR_SIGNATURE = re.compile(r"(?<=Credential=)[^/,\s]+|(?<=Signature=)[^,\s]+")
# The same in a presigned URL's query (SigV4 and SigV2): the key id (in the credential
# scope, whose region and service replay needs), the signature and the session token.
_QUERY_KEY_OR_SIGNATURE = re.compile(
    r"(?i)(?<![^&])(x-amz-credential=)[^&%/]+(?=%2F|/)"
    r"|(?<![^&])(x-amz-signature=|awsaccesskeyid=|signature=)[^&]*"
)
_QUERY_TOKEN = re.compile(r"(?i)(?<![^&])(x-amz-security-token|security-token)=[^&]*&?")


def form(data: bytes | str) -> dict[str, list[str]]:
    """A form-encoded body or query string, parsed (blank values kept)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return parse_qs(text, keep_blank_values=True)


def is_form(environ: dict[str, Any]) -> bool:
    """Whether the request carries a form-encoded body."""
    content_type: str = environ.get("CONTENT_TYPE", "")
    return content_type.startswith("application/x-www-form-urlencoded")


def operation(environ: dict[str, Any], body: bytes) -> str | None:
    """The API operation of a JSON-protocol (X-Amz-Target) or query-protocol call."""
    target: str | None = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    action = form(environ.get("QUERY_STRING", "")).get("Action")
    if not action and is_form(environ):
        action = form(body).get("Action")
    return action[0] if action else None


def credential_scope(environ: dict[str, Any]) -> list[str]:
    """[access key, date, region, service, "aws4_request"] of a SigV4 request, or []."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
    else:  # presigned URL
        scope = form(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    parts = scope.strip().split("/")
    return parts if len(parts) == 5 else []


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 request is signed for, or None."""
    scope = credential_scope(environ)
    return scope[3].lower() if scope else None


def moto_account(environ: dict[str, Any]) -> str:
    """The account moto files a request under (``BaseResponse.get_current_account``):
    ``MOTO_ACCOUNT_ID``, else the ``x-moto-account-id`` header, else the owner of the
    access key (moto's default account for a key its IAM never issued)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    match = BaseResponse.access_key_regex.search(environ.get("HTTP_AUTHORIZATION", ""))
    presigned = form(environ.get("QUERY_STRING", "")).get("AWSAccessKeyId", ["AKIAEXAMPLE"])
    return str(get_account_id_from(match.group(1) if match else presigned[0]))


def without_credentials(headers: dict[str, Any], account: str) -> dict[str, Any]:
    """``headers`` as the journal keeps them: no access key, signature or session token;
    the account moto resolved from the key instead."""
    kept = {k: v for k, v in headers.items() if k not in _CREDENTIAL_HEADERS}
    if "HTTP_AUTHORIZATION" in kept:
        kept["HTTP_AUTHORIZATION"] = _KEY_OR_SIGNATURE.sub("journal", kept["HTTP_AUTHORIZATION"])
    kept.setdefault("HTTP_X_MOTO_ACCOUNT_ID", account)
    return kept


def query_without_credentials(query: str) -> str:
    """A query string as the journal keeps it: a presigned URL's key id and signature
    replaced, its session token dropped (moto checks none of them at replay)."""
    query = _QUERY_TOKEN.sub("", query).rstrip("&")
    return _QUERY_KEY_OR_SIGNATURE.sub(lambda m: (m.group(1) or m.group(2)) + "journal", query)


def function_key(name: str, headers: dict[str, Any]) -> str:
    """``account/region/name``: what a journaled Lambda call's function is in moto, which
    files functions per account and Region (two of one name are two functions)."""
    scope = credential_scope(headers)
    region = scope[2] if scope else ""
    return f"{headers.get('HTTP_X_MOTO_ACCOUNT_ID', '')}/{region}/{name}"


def is_journaled(environ: dict[str, Any], body: bytes) -> bool:
    """Whether a successful call with this request changes state worth replaying."""
    if environ["REQUEST_METHOD"] in READ_METHODS:
        return False
    if _LAMBDA_INVOKE.match(environ.get("PATH_INFO", "")):
        return False
    if "select-type" in environ.get("QUERY_STRING", ""):  # S3 SelectObjectContent
        return False
    if signing_service(environ) == "sts":  # STS keeps nothing the kit needs
        return False
    op = operation(environ, body)
    return not (op and (op in _SKIPPED_OPS or op.startswith(_READ_PREFIXES)))


# --- SQS receipt handles ----------------------------------------------------------------


def ok(status: str) -> bool:
    """Whether a WSGI status line is a success (2xx)."""
    return status[:1] == "2"


def function_name(reference: str) -> str:
    """``name``, ``name:qualifier`` or a function ARN, as the function's name."""
    reference = unquote(reference)
    if ":function:" in reference:
        reference = reference.split(":function:", 1)[1]
    return reference.split(":", 1)[0]


def function_of(
    method: str, path: str, headers: dict[str, Any], body: Callable[[], bytes]
) -> str | None:
    """The Lambda function a journaled call acts on, or None (``body`` is read only for
    CreateFunction, whose path does not name the function)."""
    if signing_service(headers) != "lambda":
        return None
    if match := _FUNCTION_PATH.match(path):
        return function_name(match.group(1))
    if match := _TAGS_PATH.match(path):
        arn = unquote(match.group(1))
        return function_name(arn) if ":function:" in arn else None
    if method == "POST" and _CREATE_FUNCTION_PATH.match(path):
        try:
            name = json.loads(body()).get("FunctionName")
        except (ValueError, AttributeError):
            return None
        return function_name(name) if isinstance(name, str) else None
    return None


def deleted_function(method: str, path: str, query: str, headers: dict[str, Any]) -> str | None:
    """The function a DeleteFunction of the whole function (no Qualifier) removes."""
    if method != "DELETE" or signing_service(headers) != "lambda":
        return None
    match = _FUNCTION_PATH.match(path)
    if match is None or match.group(2) not in (None, "/"):
        return None
    reference = unquote(match.group(1))
    qualified = ":" in reference.split(":function:", 1)[-1]
    if qualified or form(query).get("Qualifier"):
        return None
    return function_name(reference)
