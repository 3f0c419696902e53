"""The runtime inside one execution environment (a worker process of the Lambda host).

Started by ``lambda_host`` as a plain script (never imported), it plays the part of the
managed Python runtime: the function's code directory first on ``sys.path``, then the
runtime's own packages (the durable SDK and boto3, unless the zip bundles its own).
It imports the handler once (the cold start) and then serves invocations one at a time,
reading length-prefixed JSON frames from one pipe and answering on another, so the
handler's own stdout stays free for its logs.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import resource
import struct
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any, BinaryIO

_HEADER = struct.Struct(">I")


def read_frame(stream: BinaryIO) -> dict[str, Any] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    frame: dict[str, Any] = json.loads(stream.read(size))
    return frame


def write_frame(stream: BinaryIO, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


class Context:
    """The Lambda context object a handler receives."""

    def __init__(self, invoke: dict[str, Any]) -> None:
        self.aws_request_id: str = invoke["request_id"]
        self.invoked_function_arn: str = invoke["invoked_function_arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.tenant_id: str | None = invoke.get("tenant_id")
        self.client_context = None
        self.identity = None
        self._deadline = invoke["deadline_epoch_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline - time.time() * 1000))


class _LambdaLogHandler(logging.Handler):
    """Writes records the way the managed runtime does, to whatever stdout is now."""

    request_id = ""

    def __init__(self, json_format: bool) -> None:
        super().__init__()
        self.json_format = json_format

    def emit(self, record: logging.LogRecord) -> None:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
        if self.json_format:
            line = json.dumps(
                {
                    "timestamp": when + "Z",
                    "level": record.levelname,
                    "message": message,
                    "logger": record.name,
                    "requestId": self.request_id,
                },
                default=str,
            )
        else:
            line = f"[{record.levelname}]\t{when}Z\t{self.request_id}\t{message}"
        sys.stdout.write(line + "\n")


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _load_handler() -> Any:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        raise _InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}"
        ) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def main() -> None:
    requests = os.fdopen(int(sys.argv[1]), "rb")
    replies = os.fdopen(int(sys.argv[2]), "wb")
    # This script's folder is not part of the runtime the handler sees.
    sys.path[:] = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])

    json_logs = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"
    log_handler = _LambdaLogHandler(json_logs)
    root = logging.getLogger()
    root.handlers[:] = [log_handler]
    # The managed runtime: INFO for JSON logs (application log level), WARNING for text.
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO" if json_logs else "WARNING"))

    started = time.perf_counter()
    init_logs = io.StringIO()
    try:
        with contextlib.redirect_stdout(init_logs), contextlib.redirect_stderr(init_logs):
            handler = _load_handler()
    except _InitError as exc:
        write_frame(
            replies,
            {
                "type": "init_error",
                "error": _error(exc, exc.error_type),
                "logs": init_logs.getvalue(),
            },
        )
        return
    except Exception as exc:  # the module's own top-level code failed
        write_frame(
            replies,
            {
                "type": "init_error",
                "error": _error(exc, "Runtime.Unknown"),
                "logs": init_logs.getvalue() + traceback.format_exc(),
            },
        )
        return
    write_frame(
        replies,
        {
            "type": "ready",
            "init_ms": (time.perf_counter() - started) * 1000,
            "logs": init_logs.getvalue(),
        },
    )

    while (invoke := read_frame(requests)) is not None:
        log_handler.request_id = invoke["request_id"]
        logs = io.StringIO()
        reply: dict[str, Any]
        try:
            event = json.loads(invoke["payload"]) if invoke["payload"] else {}
            with contextlib.redirect_stdout(logs), contextlib.redirect_stderr(logs):
                try:
                    result = handler(event, Context(invoke))
                except Exception as exc:
                    error = _error(exc)
                    # The runtime logs an unhandled error as one JSON line, as Lambda does.
                    print(f"[ERROR] {error['errorType']}: {error['errorMessage']}")
                    reply = {"type": "error", "error": error}
                else:
                    # Serialized outside the handler's try: a result that is not JSON is
                    # the runtime's Runtime.MarshalError on Lambda, not a handler TypeError.
                    reply = {"type": "result", "payload": json.dumps(result)}
        except (TypeError, ValueError) as exc:  # result not JSON-serializable
            reply = {
                "type": "error",
                "error": {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "stackTrace": [],
                },
            }
        reply["logs"] = logs.getvalue()
        reply["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        write_frame(replies, reply)


if __name__ == "__main__":
    main()
