"""Input checked at the edge, as AWS checks it, before any part of the local cloud reads it.

What is refused here never reaches moto, the runner, the host, the model, the journal or
``lambda-config.json``: function names (the Lambda service model's ``FunctionName``
patterns and lengths), ``Runtime`` (the model's enum, runtimes Lambda blocks, durable
functions on durable runtimes only), ``LoggingConfig`` (its enums and ``LogGroup``
pattern), request sizes (read from ``Content-Length``, before the body; a chunked body
read no further than its cap, a GET or HEAD body drained), the routes the durable APIs
have, and a ``POST /`` that names no service.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import socket
from typing import Any
from urllib.parse import unquote

from ..errors import AwsError, Wsgi, invalid, is_s3, protocol_error

# Lambda API reference (botocore's lambda service model): NamespacedFunctionName, 1-256
# characters, for the operations that read a function; FunctionName, 1-140, to create one.
_REGION = r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
FUNCTION_NAME = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?" + _REGION + r"(\d{12}:)?(function:)?"
    r"([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
MAX_NAME_IN_PATH = 256
MAX_NAME_TO_CREATE = 140

# Lambda quotas ("Lambda quotas" in the developer guide): a synchronous Invoke request is
# at most 6 MB, an asynchronous one 1 MB (the host's MAX_PAYLOAD / MAX_ASYNC_PAYLOAD check
# the exact figures); CreateFunction with a ZipFile, 50 MB zipped, which base64 in the JSON
# body makes 69905067 bytes: Lambda answers RequestEntityTooLargeException above it.
MAX_CODE_BODY = 69_905_067

# LoggingConfig's shapes in the Lambda service model.
LOG_FORMATS = ("JSON", "Text")
APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")
LOG_GROUP = re.compile(r"[\.\-_/#A-Za-z0-9]+")

# Runtimes Lambda no longer lets anyone create or update a function with: the Python rows
# of the deprecated-runtimes table whose "Block function create" date has passed (Lambda
# developer guide, "Lambda runtimes" and "Runtime deprecation"; checked 2026-12, the dates
# move: python3.8 and python3.9 are deprecated but their block dates were pushed back).
BLOCKED_RUNTIMES = {"python2.7": "python3.13", "python3.6": "python3.13", "python3.7": "python3.13"}
# The managed runtimes that run durable functions (Lambda developer guide, "Supported
# runtimes for durable functions").
DURABLE_RUNTIMES = (
    "nodejs22.x", "nodejs24.x", "python3.13", "python3.14",
    "java17", "java21", "java25", "dotnet8", "dotnet10",
)  # fmt: skip


@functools.cache
def _runtime_enum() -> tuple[str, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return tuple(model.shape_for("Runtime").enum)


def check_runtime(runtime: Any, *, durable: bool) -> None:
    """Lambda's refusal of a ``Runtime`` it does not create functions with: a value outside
    the service model's enum is a ValidationException listing it; a runtime past its
    "Block function create" date an InvalidParameterValueException naming the one to use;
    a durable function needs a runtime of DURABLE_RUNTIMES."""
    if runtime is None:
        return  # an image function, or an update that leaves the runtime alone
    if not isinstance(runtime, str):
        raise AwsError(
            400, "InvalidRequestContentException", "Could not parse request body into json."
        )
    allowed = _runtime_enum()
    if runtime not in allowed:
        raise validation(
            f"1 validation error detected: Value '{runtime[:64]}' at 'runtime' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    if runtime in BLOCKED_RUNTIMES:
        # Lambda's message for a blocked runtime, as the CLI and SDKs print it.
        raise invalid(
            f"The runtime parameter of {runtime} is no longer supported for creating or "
            f"updating AWS Lambda functions. We recommend you use the new runtime "
            f"({BLOCKED_RUNTIMES[runtime]}) while creating or updating functions."
        )
    if durable and runtime not in DURABLE_RUNTIMES:
        # Inferred wording: the guide lists the runtimes, not the error's text.
        raise invalid(
            f"Durable functions are not supported for the runtime {runtime}. Use one of: "
            f"{', '.join(DURABLE_RUNTIMES)}."
        )


# The /2025-12-01/ operations of the Lambda service model (method, path pattern).
_ARN = r"[^/]+"
_CALLBACKS = "/2025-12-01/durable-execution-callbacks"
DURABLE_ROUTES = [
    ("GET", re.compile(rf"^/2025-12-01/durable-executions/{_ARN}/?$")),
    ("DELETE", re.compile(rf"^/2025-12-01/durable-executions/{_ARN}/?$")),
    ("GET", re.compile(rf"^/2025-12-01/durable-executions/{_ARN}/(history|state)/?$")),
    ("POST", re.compile(rf"^/2025-12-01/durable-executions/{_ARN}/(checkpoint|stop)/?$")),
    ("POST", re.compile(rf"^/2025-12-01/durable-executions/{_ARN}/(pause|resume)/?$")),
    ("POST", re.compile(rf"^{_CALLBACKS}/[^/]+/(succeed|fail|heartbeat)/?$")),
    ("GET", re.compile(r"^/2025-12-01/functions/[^/]+/durable-executions/?$")),
]  # fmt: skip


def validation(message: str) -> AwsError:
    """The REST-JSON services' answer to a request outside the service model's constraints."""
    return AwsError(400, "ValidationException", message)


def unknown_operation(method: str, path: str) -> AwsError:
    # Inferred: an AWS REST endpoint answers a path and method no operation has with
    # UnknownOperationException (botocore maps it to a ClientError of that code).
    return AwsError(404, "UnknownOperationException", f"Unknown operation: {method} {path[:200]}")


def check_function_name(name: str, limit: int = MAX_NAME_IN_PATH) -> None:
    """Lambda's ValidationException for a name outside the service model's pattern."""
    if not 1 <= len(name) <= limit:
        raise validation(
            f"1 validation error detected: Value '{name[:64]}' at 'functionName' failed to "
            f"satisfy constraint: Member must have length between 1 and {limit}"
        )
    if not FUNCTION_NAME.fullmatch(name):
        raise validation(
            f"1 validation error detected: Value '{name[:64]}' at 'functionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            f"{FUNCTION_NAME.pattern}"
        )


def name_in_path(raw: str) -> str | None:
    """The function name of a ``/2015-03-31/functions/{name}...`` or
    ``/2025-12-01/functions/{name}/...`` path as sent (encoded slashes still encoded)."""
    for prefix in ("/2015-03-31/functions/", "/2025-12-01/functions/"):
        if raw.startswith(prefix):
            return unquote(raw[len(prefix) :].split("/", 1)[0])
    return None


def _enum(config: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    value = config.get(key)
    if value is not None and value not in allowed:
        raise validation(
            f"1 validation error detected: Value '{str(value)[:64]}' at 'loggingConfig."
            f"{key[0].lower() + key[1:]}' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(allowed)}]"
        )


def check_logging_config(config: Any, *, creating: bool) -> dict[str, Any]:
    """A request's LoggingConfig, or Lambda's error: wrong JSON types cannot be read
    (InvalidRequestContentException), values outside the model's enums and pattern are a
    ValidationException, log levels need the JSON format (InvalidParameterValueException;
    Lambda developer guide, "Configuring advanced logging controls")."""
    if not isinstance(config, dict) or any(
        not isinstance(config.get(k), str | None) for k in config
    ):
        raise AwsError(
            400, "InvalidRequestContentException", "Could not parse request body into json."
        )
    unknown = set(config) - {"LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"}
    if unknown:
        raise AwsError(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: unknown field {sorted(unknown)[0]!r}.",
        )
    _enum(config, "LogFormat", LOG_FORMATS)
    _enum(config, "ApplicationLogLevel", APPLICATION_LOG_LEVELS)
    _enum(config, "SystemLogLevel", SYSTEM_LOG_LEVELS)
    group = config.get("LogGroup")
    if group is not None and (not 1 <= len(group) <= 512 or not LOG_GROUP.fullmatch(group)):
        raise validation(
            f"1 validation error detected: Value '{group[:64]}' at 'loggingConfig.logGroup' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            f"{LOG_GROUP.pattern} and have length between 1 and 512"
        )
    levels = config.get("ApplicationLogLevel") or config.get("SystemLogLevel")
    text = config.get("LogFormat") == "Text" or (creating and config.get("LogFormat") is None)
    if levels and text:
        raise invalid("Log levels can only be set when the log format is JSON.")
    return config


def too_large(environ: dict[str, Any], path: str, method: str) -> AwsError | None:
    """Lambda's 413 for a body over its quota, judged by ``Content-Length`` alone."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return AwsError(400, "InvalidRequestContentException", "Invalid Content-Length.")
    creating = method == "POST" and path.rstrip("/") == "/2015-03-31/functions"
    code_update = method == "PUT" and path.startswith("/2015-03-31/functions/")
    operation = "CreateFunction" if creating else "UpdateFunctionCode"
    if (creating or (code_update and path.endswith("/code"))) and length > MAX_CODE_BODY:
        return AwsError(
            413,
            "RequestEntityTooLargeException",
            f"Request must be smaller than {MAX_CODE_BODY} bytes for the {operation} operation",
        )
    return None


def is_known_durable_route(method: str, raw: str) -> bool:
    return any(m == method and pattern.match(raw) for m, pattern in DURABLE_ROUTES)


def names_a_service(environ: dict[str, Any]) -> bool:
    """A ``POST /`` is an AWS call only when signed for a service (SigV4 credential scope)
    and naming its operation (``X-Amz-Target``, or ``Action=`` in a query-protocol form).
    Anything else is no AWS API: refused before moto or the journal see it."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    query = str(environ.get("QUERY_STRING", ""))
    if "Credential=" not in auth and "X-Amz-Credential=" not in query:
        return False
    if environ.get("HTTP_X_AMZ_TARGET"):
        return True
    return "Action=" in query or "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", ""))


def parse_json_object(data: bytes, code: str, what: str) -> dict[str, Any]:
    """``data`` as a JSON object, or ``code`` (400): not JSON, nested past what any AWS
    JSON parser takes (RecursionError), or not an object."""
    try:
        parsed = json.loads(data or b"{}")
    except (ValueError, RecursionError) as exc:
        raise AwsError(400, code, f"The {what} is not valid JSON.") from exc
    if not isinstance(parsed, dict):
        raise AwsError(400, code, f"The {what} must be a JSON object.")
    return parsed


# Every other request: no API the kit serves takes a bigger body (SQS, Logs, IAM and
# Bedrock refuse far smaller ones), so none is read past this; S3 PutObject up to S3's
# single-upload limit, 5 GB ("EntityTooLarge" above it, S3 API reference).
MAX_BODY = MAX_CODE_BODY
MAX_S3_UPLOAD = 5 * 1024**3
_DRAIN_CHUNK = 1 << 20


def body_cap(environ: dict[str, Any], path: str, method: str) -> int:
    if method in ("PUT", "POST") and is_s3(environ) and not path.startswith(_KIT_ROUTES):
        return MAX_S3_UPLOAD
    return MAX_BODY


_KIT_ROUTES = ("/2025-12-01/", "/2015-03-31/functions", "/model/", "/_localcloud/")


def take_body(environ: dict[str, Any], cap: int) -> bool:
    """Bound the request body to ``cap`` bytes before anything reads it; False when it is
    over (judged by Content-Length before reading, or by reading a chunked body no
    further than the cap). A GET or HEAD body is drained (read in chunks and dropped:
    no AWS operation reads one); a chunked body of another method is buffered, so that
    nothing behind the gateway reads an unbounded stream."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > cap:
        return False
    stream = environ["wsgi.input"]
    chunked = bool(environ.get("wsgi.input_terminated")) and not length
    drain = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
    if not chunked and not drain:
        return True
    kept, left, seen = bytearray(), length if not chunked else cap + 1, 0
    while left > 0 and (chunk := stream.read(min(_DRAIN_CHUNK, left))):
        left -= len(chunk)
        seen += len(chunk)
        if seen > cap:
            return False
        if not drain:
            kept += chunk
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(kept), str(len(kept))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return True


def body_too_large(environ: dict[str, Any], path: str, cap: int) -> Wsgi:
    """The refusal of a body over ``cap``, in the call's protocol (the server closes every
    connection after its answer: the unread rest is never taken for a next request)."""
    message = f"Request must be smaller than {cap} bytes."
    if path.startswith(_KIT_ROUTES):
        error = AwsError(413, "RequestEntityTooLargeException", message)
        body = error.body()
        status, headers = "413 Request Entity Too Large", list(error.headers().items())
        headers.append(("Content-Length", str(len(body))))
    elif is_s3(environ):
        status, headers, body = protocol_error(
            environ, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        )
    else:
        status, headers, body = protocol_error(environ, 413, "RequestEntityTooLarge", message)
    return status, headers, body


def stop_reading(environ: dict[str, Any]) -> None:
    """Read no more of this connection: werkzeug's server drains what is left of a body
    after the answer (up to 10 GB), which would read a refused body after all. The
    answer is still written; the client sees it, or its connection reset."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
