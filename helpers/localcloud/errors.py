"""AWS-style errors of the kit's own routes, and the error boundary's answers for the rest."""

from __future__ import annotations

import json
from typing import Any
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape


class AwsError(Exception):
    """An error answered as the AWS REST-JSON protocols answer it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> bytes:
        # Lambda's error body: "Type" is "User" for a caller's fault, "Service" for its own
        # (Lambda API reference, Errors: ServiceException, 500).
        kind = "Service" if self.status >= 500 else "User"
        return json.dumps({"Type": kind, "message": self.message, "__type": self.code}).encode()

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}


def not_found(what: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", what)


def invalid(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterValueException", message)


def service_failure() -> AwsError:
    """Lambda's answer when it fails on its own (the cause goes to the local cloud's log)."""
    return AwsError(
        500,
        "ServiceException",
        "The local cloud failed on this call; see its log in the state dir.",
    )


def is_html(headers: dict[str, str], body: bytes) -> bool:
    """An HTML page (werkzeug's 404/405/500): judged by the body, as moto labels its JSON
    answers text/html too."""
    head = body.lstrip()[:32].lower()
    return head.startswith((b"<!doctype html", b"<html"))


Wsgi = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body


def protocol_error(environ: dict[str, Any], status: int, code: str, message: str) -> Wsgi:
    """(status line, headers, body) of an error in the protocol of the call in ``environ``:
    JSON for JSON-protocol calls (``X-Amz-Target``), the query protocols' XML otherwise
    (AWS general reference, "Common errors": InternalFailure 500, the 4xx codes)."""
    if environ.get("HTTP_X_AMZ_TARGET") or "json" in str(environ.get("CONTENT_TYPE", "")):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", code)]
    elif is_s3(environ):
        # S3's REST-XML error (S3 API reference, "Error responses"): InternalError for 500.
        s3_code = "InternalError" if status >= 500 else code
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{escape(s3_code)}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")]
    else:
        body = (
            "<ErrorResponse><Error><Type>"
            + ("Receiver" if status >= 500 else "Sender")
            + f"</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    headers.append(("Content-Length", str(len(body))))
    reason = {
        400: "Bad Request",
        404: "Not Found",
        405: "Method Not Allowed",
        500: "Internal Server Error",
    }
    return f"{status} {reason.get(status, 'Error')}", headers, body


def s3_client_error(environ: dict[str, Any], failure: Exception | None) -> Wsgi | None:
    """S3's 4xx for a request moto failed on because the request is malformed (S3 API
    reference, "List of error codes"), or None: a failure of moto's own stays a 500.

    Bodies that are no XML are MalformedXML; a method no S3 operation has on the
    resource (PATCH, a POST on a key with no subresource) is MethodNotAllowed; a POST
    on a bucket (a browser-form upload) without its ``key`` field is InvalidArgument.
    """
    method = str(environ.get("REQUEST_METHOD", ""))
    path = str(environ.get("PATH_INFO", ""))
    on_key = bool(path.lstrip("/").partition("/")[2])
    if isinstance(failure, ExpatError):
        return protocol_error(
            environ,
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our "
            "published schema.",
        )
    if isinstance(failure, NotImplementedError) or (
        isinstance(failure, KeyError) and method == "POST" and on_key
    ):
        return s3_method_not_allowed(environ)
    if isinstance(failure, KeyError) and method == "POST":
        return protocol_error(
            environ, 400, "InvalidArgument", "Bucket POST must contain a field named 'key'."
        )
    return None


def s3_method_not_allowed(environ: dict[str, Any]) -> Wsgi:
    return protocol_error(
        environ,
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )


def is_s3(environ: dict[str, Any]) -> bool:
    """An S3 call: signed for s3, or neither a JSON- nor a query-protocol call (moto serves
    what names no other service as S3)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    if "/s3/aws4_request" in auth:
        return True
    form = "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", ""))
    return "Credential=" not in auth and not form


def request_is_json_object(environ: dict[str, Any], body: bytes) -> bool:
    if not environ.get("HTTP_X_AMZ_TARGET"):
        return True  # not a JSON-protocol call: nothing to judge here
    try:
        return isinstance(json.loads(body or b"{}"), dict)
    except (ValueError, RecursionError):
        return False
