"""The Lambda host: runs deployed zips the way Lambda does, where the workshop can see it.

moto keeps the control plane (functions, versions, aliases, code) but cannot run code
without Docker, so Invoke comes here. Each function version gets warm worker processes
(execution environments) running ``bootstrap.py``; every invocation writes START, END
and REPORT records to CloudWatch Logs with Lambda's billing rule.

A caller's Invoke of a durable function starts a durable execution in the runner; the
runner's own handler calls carry ``X-Dex-Handler-Invoke: true`` and run the handler.

Parts: ``function`` (a resolved version), ``code`` (its unpacked zip and environment),
``workers`` (the processes, running ``bootstrap.py``), ``logs`` (the records and their
delivery) and ``host`` (`LambdaHost`, which runs one invocation).
"""

from .code import MAX_UNZIPPED, check_zip
from .function import (
    MARKER_HEADER,
    MAX_ASYNC_PAYLOAD,
    MAX_PAYLOAD,
    MAX_RESPONSE,
    FunctionVersion,
    InvokeResult,
)
from .host import LambdaHost
from .logs import LogShipper

__all__ = [
    "MARKER_HEADER",
    "MAX_ASYNC_PAYLOAD",
    "MAX_PAYLOAD",
    "MAX_RESPONSE",
    "MAX_UNZIPPED",
    "FunctionVersion",
    "InvokeResult",
    "LambdaHost",
    "LogShipper",
    "check_zip",
]
