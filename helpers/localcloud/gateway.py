"""The local cloud's one endpoint: routes each AWS call to the part that serves it.

| path                                              | served by                         |
| ------------------------------------------------- | --------------------------------- |
| /2025-12-01/... (durable executions, callbacks)   | the testing SDK's runner          |
| POST /2015-03-31/functions/{fn}/invocations       | the kit's Lambda host             |
| POST /model/{modelId}/converse                    | the workshop model (bedrock.py    |
|                                                   | checks the id and access first)   |
| everything else                                   | moto (journaled to the state dir) |

Each call's Region is the one of its SigV4 credential scope, as on AWS: functions,
executions and model ids are found in it, and the durable APIs answer only in the Regions
that offer durable functions (``helpers/regions.py``).

moto drops ``DurableConfig`` and ``LoggingConfig``; the gateway keeps them beside moto
(in ``lambda-config.json``) and adds them back to every function it returns.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from werkzeug.wrappers import Request, Response

from helpers.regions import AS_OF, offers_durable_functions, suggested_regions

from . import bedrock, model
from .errors import AwsError, invalid, not_found
from .lambda_host import MARKER_HEADER, MAX_ASYNC_PAYLOAD, MAX_PAYLOAD, FunctionVersion, LambdaHost
from .realism import Realism
from .wsgi import call_wsgi

log = logging.getLogger(__name__)

INVOKE = re.compile(r"^/2015-03-31/functions/(?P<fn>[^/]+)/invocations/?$")
FUNCTIONS = re.compile(r"^/2015-03-31/functions(/(?P<fn>[^/]+))?(?P<rest>/.*)?$")
LIST_BY_FUNCTION = re.compile(r"^/2025-12-01/functions/(?P<fn>[^/]+)/durable-executions/?$")
# A model ARN holds a "/" (sent encoded, decoded by the server): the id runs to /converse.
CONVERSE = re.compile(r"^/model/(?P<model>.+)/converse/?$")
CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")
# An execution ARN in a durable API path (percent-encoded, as boto3 sends it).
EXECUTION_IN_PATH = re.compile(r"^/2025-12-01/durable-executions/(?P<arn>[^/]+)")
NAME_OK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}
SYNC_LIMIT_S = 15 * 60
MAX_CALLBACK_RESULT = 256 * 1024


def region_of(request: Request, default: str) -> str:
    match = CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group("region") if match else default


def not_offered_here(region: str) -> AwsError:
    """What Lambda answers for durable functions in a Region that does not offer them.

    Inferred: no AWS source documents the answer (a CreateFunction with DurableConfig, or a
    /2025-12-01/ durable API, outside the durable Regions). The shape is Lambda's answer to
    a parameter a Region does not support: InvalidParameterValueException naming it.
    """
    return invalid(
        f"Lambda durable functions are not available in {region} (as of {AS_OF}). "
        f"Use a Region that offers them, for example {suggested_regions()}."
    )


def execution_scope(arn: str) -> tuple[str, str, str, str]:
    """(Region, account, function name, qualifier) of a durable execution ARN:
    arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/NAME/ID."""
    parts = arn.split("/", 1)[0].split(":")
    if len(parts) < 8 or parts[:3] != ["arn", "aws", "lambda"]:
        return ("", "", "", "")
    return parts[3], parts[4], parts[6], parts[7]


def account_of(request: Request) -> str:
    """The account moto files this request's resources under (``MOTO_ACCOUNT_ID``, the
    ``x-moto-account-id`` header or the access key's owner): a fixed account here would
    miss every function created under ``MOTO_ACCOUNT_ID``."""
    from .journal import moto_account  # imports moto: not before the local cloud starts

    return moto_account(request.environ)


def split_function_ref(ref: str, qualifier: str | None) -> tuple[str, str | None]:
    """A name, ``name:qualifier``, or a (partial) ARN, to (name, qualifier)."""
    ref = unquote(ref)
    if ref.startswith("arn:"):
        parts = ref.split(":")  # arn:aws:lambda:region:account:function:name[:qualifier]
        name = parts[6] if len(parts) > 6 else ""
        arn_qualifier = parts[7] if len(parts) > 7 else None
    else:
        name, _, arn_qualifier = ref.partition(":")
        arn_qualifier = arn_qualifier or None
    if qualifier and arn_qualifier and qualifier != arn_qualifier:
        raise invalid(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return name, qualifier or arn_qualifier


class LambdaConfigStore:
    """DurableConfig and LoggingConfig per function, kept where moto cannot keep them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def get(self, region: str, name: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._data.get(f"{region}/{name}", {}))

    def put(self, region: str, name: str, values: dict[str, Any]) -> None:
        with self._lock:
            self._data.setdefault(f"{region}/{name}", {}).update(values)
            self._save()

    def drop(self, region: str, name: str) -> None:
        with self._lock:
            if self._data.pop(f"{region}/{name}", None) is not None:
                self._save()

    def _save(self) -> None:
        # Written before the call is answered, replaced atomically: a kill never leaves half.
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, indent=1))
        tmp.replace(self._path)


def _validate_durable_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict) or "ExecutionTimeout" not in config:
        raise invalid("DurableConfig.ExecutionTimeout is required (1 to 31622400 seconds).")
    timeout = config["ExecutionTimeout"]
    if not isinstance(timeout, int) or not 1 <= timeout <= 31_622_400:
        raise invalid(
            f"DurableConfig.ExecutionTimeout must be 1 to 31622400 seconds, got {timeout!r}."
        )
    retention = config.setdefault("RetentionPeriodInDays", 14)
    if not isinstance(retention, int) or not 1 <= retention <= 90:
        raise invalid(f"DurableConfig.RetentionPeriodInDays must be 1 to 90, got {retention!r}.")
    return config


class RunnerClient:
    """HTTP to the runner's private port, one keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._local = threading.local()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(
                    "127.0.0.1", self._port, timeout=SYNC_LIMIT_S
                )
            try:
                conn.request(method, path, body=body or None, headers=headers or {})
                reply = conn.getresponse()
                return reply.status, dict(reply.getheaders()), reply.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        body = json.dumps(payload).encode() if payload is not None else b""
        status, _, data = self.request(method, path, body, {"Content-Type": "application/json"})
        return status, json.loads(data) if data else {}


def _runner_error(status: int, body: bytes, path: str) -> AwsError | None:
    """Translate the runner's errors to what AWS answers, where they differ."""
    if status < 400:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    code = data.get("Type") or data.get("__type") or data.get("code") or "ServiceException"
    message = data.get("message") or data.get("Message") or body.decode(errors="replace")
    if "/durable-execution-callbacks/" in path:
        # The runner says ResourceNotFound for every failed answer; AWS distinguishes an
        # unknown callback id from one that is no longer waiting.
        if (
            "not in STARTED" in message
            or "already" in message.lower()
            or "not started" in message.lower()
        ):
            return AwsError(
                400, "CallbackTimeoutException", "The callback has already completed or timed out."
            )
        if (
            "base64" in message.lower()
            or "decode" in message.lower()
            or "json" in message.lower()
            or "Invalid" in message
        ):
            return AwsError(400, "InvalidParameterValueException", "The callback ID is not valid.")
        if status >= 500:
            return AwsError(404, "ResourceNotFoundException", "Callback not found.")
    if status >= 500:
        return AwsError(500, "ServiceException", message)
    return AwsError(status, code, message)


class Gateway:
    """The WSGI application the local cloud serves."""

    def __init__(
        self,
        state_dir: Path,
        moto_app: Callable[..., Iterable[bytes]],
        runner_port: int,
        region: str,
    ) -> None:
        self._moto = moto_app
        self.runner = RunnerClient(runner_port)
        self.region = region
        self.configs = LambdaConfigStore(state_dir / "lambda-config.json")
        self.host: LambdaHost | None = None  # set by LocalCloud once the endpoint is known
        self.realism: Realism | None = (
            None  # AWS's delays and quotas (helpers/localcloud/realism.py)
        )
        self._start_lock = threading.Lock()

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.realism is not None and (refused := self.realism.refuse(environ)) is not None:
            return refused(environ, start_response)  # over a quota: throttled as AWS does
        if not (
            path.startswith(("/2025-12-01/", "/2015-03-31/functions", "/model/", "/_localcloud/"))
        ):
            return self._moto(environ, start_response)
        request = Request(environ)
        try:
            response = self._route(request, environ, start_response)
        except AwsError as err:
            response = Response(err.body(), err.status, err.headers())
        except Exception:
            log.exception("gateway error on %s %s", request.method, path)
            failure = AwsError(
                500,
                "ServiceException",
                "The local cloud failed on this call; see its log in the state dir.",
            )
            response = Response(failure.body(), failure.status, failure.headers())
        if isinstance(response, Response):
            return response(environ, start_response)
        return response

    def _route(
        self, request: Request, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Response | Iterable[bytes]:
        path = request.path
        if path.startswith("/2025-12-01/"):
            region = region_of(request, self.region)
            # Durable functions exist only in the Regions AWS offers them in (regions.py).
            if not offers_durable_functions(region):
                raise not_offered_here(region)
            if (match := EXECUTION_IN_PATH.match(path)) and execution_scope(
                unquote(match.group("arn"))
            )[0] not in ("", region):
                # An execution lives in its function's Region; another Region's endpoint
                # does not know it (inferred: Lambda's answer to any unknown execution).
                raise not_found(f"Durable execution not found: {unquote(match.group('arn'))}")
        if (match := LIST_BY_FUNCTION.match(path)) and request.method == "GET":
            return self._list_by_function(request, match.group("fn"))
        if path.startswith("/2025-12-01/"):
            return self._to_runner(request, environ)
        if (match := INVOKE.match(path)) and request.method == "POST":
            return self._invoke(request, match.group("fn"))
        if (match := CONVERSE.match(path)) and request.method == "POST":
            return self._converse(request, unquote(match.group("model")))
        if path == "/_localcloud/health":
            health = {
                "status": "ok",
                "realism": self.realism.name if self.realism else "off",
                # calls answered with a throttling error so far: clients' retries absorb them
                "throttled": self.realism.throttled if self.realism else 0,
            }
            return Response(json.dumps(health), 200, {"Content-Type": "application/json"})
        if FUNCTIONS.match(path):
            return self._lambda_control(request, environ)
        return self._moto(environ, start_response)

    # -- durable execution APIs ---------------------------------------------------------
    def _to_runner(self, request: Request, environ: dict[str, Any]) -> Response:
        # Keep the path as sent: execution ARNs and callback ids carry encoded slashes.
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        if "/durable-execution-callbacks/" in request.path and (
            len(request.get_data()) > MAX_CALLBACK_RESULT
        ):
            # The runner takes any size; AWS refuses a callback result over 256 KB, and a
            # workshop that passes locally must not fail there for it.
            raise invalid(f"The callback result must be at most {MAX_CALLBACK_RESULT} bytes.")
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        status, reply_headers, body = self.runner.request(
            request.method, raw, request.get_data(), headers
        )
        error = _runner_error(status, body, request.path)
        if error is not None:
            return Response(error.body(), error.status, error.headers())
        return Response(
            body, status, {"Content-Type": reply_headers.get("Content-Type", "application/json")}
        )

    def _list_by_function(self, request: Request, ref: str) -> Response:
        """ListDurableExecutionsByFunction with the filters the runner drops, as AWS lists.

        The runner reads ``StatusFilter`` where boto3 sends ``Statuses`` (possibly
        several), ignores ``Qualifier``, and matches the function name literally (an ARN
        finds nothing) in every Region; so the gateway fetches the function's executions
        and filters and pages them itself (``Marker`` is an offset, as the runner's is).

        Qualifier semantics (Lambda API reference, ListDurableExecutionsByFunction:
        "Qualifier - the function version or alias. If not specified, lists executions for
        the $LATEST version"): without one, ``$LATEST``'s executions only; with a version,
        that version's; with an alias, the executions of the version the alias points to
        now. An execution ARN always names a version, never an alias (API reference,
        Execution: ``...:function:NAME:($LATEST|[0-9]+)/durable-execution/...``), so an
        execution started through an alias is the version's (inferred for aliases: the
        reference says no more). An unknown function, version or alias is
        ResourceNotFoundException, as for every Lambda call on a function.
        """
        name, qualifier = split_function_ref(ref, request.args.get("Qualifier"))
        region, account = region_of(request, self.region), account_of(request)
        version = self.resolve(name, qualifier or "$LATEST", region, account).version
        statuses = set(request.args.getlist("Statuses"))
        kept = ("DurableExecutionName", "StartedAfter", "StartedBefore", "ReverseOrder")
        query = {k: request.args[k] for k in kept if k in request.args}
        items = [
            item
            for item in self._executions_of(name, query, region, account)
            if execution_scope(item.get("DurableExecutionArn", ""))[3] == version
        ]
        if statuses:
            items = [item for item in items if item.get("Status") in statuses]
        try:
            offset = int(request.args.get("Marker") or 0)
            # MaxItems: 1 to 1000, default 100 (API reference).
            limit = int(request.args.get("MaxItems") or 100)
        except ValueError as exc:
            raise invalid("Marker and MaxItems must be integers.") from exc
        if not 1 <= limit <= 1000:
            raise invalid(f"MaxItems must be 1 to 1000, got {limit}.")
        result: dict[str, Any] = {"DurableExecutions": items[offset : offset + limit]}
        if offset + limit < len(items):
            result["NextMarker"] = str(offset + limit)
        return Response(json.dumps(result), 200, {"Content-Type": "application/json"})

    def _executions_of(
        self, name: str, query: dict[str, str], region: str, account: str
    ) -> Iterator[dict[str, Any]]:
        """Every execution of function ``name`` in ``region`` and ``account`` that the runner
        lists for ``query``, page by page (the runner lists one name across all of them)."""
        path = f"/2025-12-01/functions/{quote(name, safe='')}/durable-executions"
        marker: str | None = None
        while True:
            page_query = {**query, "MaxItems": "1000", **({"Marker": marker} if marker else {})}
            status, _, body = self.runner.request("GET", f"{path}?{urlencode(page_query)}")
            error = _runner_error(status, body, path)
            if error is not None:
                raise error
            page = json.loads(body)
            for item in page.get("DurableExecutions", []):
                scope = execution_scope(item.get("DurableExecutionArn", ""))
                if scope[:2] == (region, account):
                    yield item
            marker = page.get("NextMarker")
            if not marker:
                return

    # -- Lambda control plane (moto) plus the configs moto drops ------------------------
    def _lambda_control(self, request: Request, environ: dict[str, Any]) -> Response:
        match = FUNCTIONS.match(request.path)
        assert match is not None
        region = region_of(request, self.region)
        name = unquote(match.group("fn") or "")
        name, qualifier = (
            split_function_ref(name, request.args.get("Qualifier")) if name else ("", None)
        )
        rest = match.group("rest") or ""
        extra: dict[str, Any] = {}
        role: str | None = None
        creating = request.method == "POST" and not name
        if creating:  # CreateFunction
            spec = self._json_body(request)
            if "DurableConfig" in spec and not offers_durable_functions(region):
                raise not_offered_here(region)
            role = spec.get("Role")
            extra["DurableConfig"] = (
                _validate_durable_config(spec.pop("DurableConfig"))
                if "DurableConfig" in spec
                else None
            )
            extra["LoggingConfig"] = spec.pop("LoggingConfig", None)
            name = split_function_ref(str(spec.get("FunctionName", "")), None)[0]
            self._replace_body(environ, spec)
        elif request.method == "PUT" and rest == "/configuration":
            spec = self._json_body(request)
            if "DurableConfig" in spec:
                if not self.configs.get(region, name).get("DurableConfig"):
                    raise invalid(
                        "Durable execution can only be enabled when the function is created."
                    )
                extra["DurableConfig"] = _validate_durable_config(spec.pop("DurableConfig"))
            if "LoggingConfig" in spec:
                extra["LoggingConfig"] = spec.pop("LoggingConfig")
            self._replace_body(environ, spec)
        account = account_of(request)
        if self.realism is not None:  # Pending, InProgress, a role Lambda cannot see yet
            called = "" if creating else name  # CreateFunction: no function in the path
            self.realism.check_lambda_call(request.method, called, rest, role, region, account)
        status, headers, body = self._call_moto(environ)
        if status < 300 and self.realism is not None:
            body = self.realism.after_lambda_call(
                request.method, "" if creating else name, rest, qualifier, body, region, account
            )
        if status < 300 and extra:
            self.configs.put(region, name, {k: v for k, v in extra.items() if v is not None})
        if (
            status < 300
            and request.method == "DELETE"
            and not rest
            and "Qualifier" not in request.args
        ):
            self.configs.drop(region, name)
            if self.host:
                self.host.pool.retire(name)
        if status < 300 and rest in ("/code", "/configuration") and self.host:
            self.host.pool.retire(name, "$LATEST")  # idle workers of the old code or config
        if status < 300 and body[:1] == b"{":
            body = self._with_configs(body, region)
        headers.pop("Content-Length", None)
        return Response(body, status, headers)

    @staticmethod
    def _json_body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(request.get_data() or b"{}")
        except ValueError as exc:
            raise AwsError(
                400, "InvalidRequestContentException", "Could not parse request body into json."
            ) from exc
        if not isinstance(data, dict):
            raise AwsError(
                400, "InvalidRequestContentException", "Request body must be a JSON object."
            )
        return data

    @staticmethod
    def _replace_body(environ: dict[str, Any], spec: dict[str, Any]) -> None:
        import io

        data = json.dumps(spec).encode()
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("werkzeug.request", None)

    def _call_moto(self, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = call_wsgi(self._moto, environ)
        return int(status.split()[0]), dict(headers), body

    def _with_configs(self, body: bytes, region: str) -> bytes:
        data = json.loads(body)

        def enrich(conf: dict[str, Any]) -> None:
            if "FunctionName" not in conf or "FunctionArn" not in conf:
                return
            stored = self.configs.get(region, conf["FunctionName"])
            if stored.get("DurableConfig"):
                conf["DurableConfig"] = stored["DurableConfig"]
            conf["LoggingConfig"] = stored.get("LoggingConfig") or {}
            conf["LoggingConfig"].setdefault("LogFormat", "Text")
            conf["LoggingConfig"].setdefault("LogGroup", f"/aws/lambda/{conf['FunctionName']}")

        enrich(data)
        if isinstance(data.get("Configuration"), dict):
            enrich(data["Configuration"])
        for conf in data.get("Functions", []) + data.get("Versions", []):
            enrich(conf)
        return json.dumps(data).encode()

    def resolve(
        self, name: str, qualifier: str | None, region: str, account: str
    ) -> FunctionVersion:
        from moto.awslambda.models import lambda_backends

        backend = lambda_backends[account][region]
        try:
            fn = backend.get_function(name, qualifier)
        except Exception as exc:
            target = f"{name}:{qualifier}" if qualifier else name
            raise not_found(
                f"Function not found: arn:aws:lambda:{region}:{account}:function:{target}"
            ) from exc
        stored = self.configs.get(region, name)
        logging_config = stored.get("LoggingConfig") or {}
        return FunctionVersion(
            name=name,
            arn=f"arn:aws:lambda:{region}:{account}:function:{name}",
            version=str(fn.version),
            handler=fn.handler or "lambda_function.lambda_handler",
            runtime=fn.run_time or "python3.13",
            timeout=int(fn.timeout or 3),
            memory_size=int(fn.memory_size or 128),
            environment=dict(fn.environment_vars or {}),
            code_sha=fn.code_sha_256,
            region=region,
            account=account,
            durable=stored.get("DurableConfig"),
            log_format=logging_config.get("LogFormat", "Text"),
            log_group=logging_config.get("LogGroup", f"/aws/lambda/{name}"),
            code=fn.code_bytes,
        )

    # -- Invoke -------------------------------------------------------------------------
    def _invoke(self, request: Request, ref: str) -> Response:
        assert self.host is not None
        region = region_of(request, self.region)
        name, qualifier = split_function_ref(ref, request.args.get("Qualifier"))
        fn = self.resolve(name, qualifier, region, account_of(request))
        if self.realism is not None:  # a function still Pending refuses invocations
            self.realism.check_invoke(fn.name, region, fn.account)
        payload = request.get_data()
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            raise invalid(f"Invalid InvocationType: {invocation_type}.")
        limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_PAYLOAD
        if len(payload) > limit:
            raise AwsError(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the Invoke operation",
            )
        if payload:
            try:
                json.loads(payload)
            except ValueError as exc:
                raise AwsError(
                    400,
                    "InvalidRequestContentException",
                    "Could not parse request body into json: Unexpected character in the payload.",
                ) from exc
        invoked_arn = fn.arn + (f":{qualifier}" if qualifier else "")
        marked = request.headers.get(MARKER_HEADER) == "true"
        durable_start = bool(fn.durable) and not marked
        if durable_start and not qualifier:
            raise invalid(
                "You cannot invoke a durable function using an unqualified ARN. "
                "Add a version, alias or $LATEST as qualifier."
            )
        if invocation_type == "DryRun":
            return Response(b"", 204, {"X-Amz-Executed-Version": fn.version})
        if durable_start:
            assert qualifier is not None
            return self._start_durable(request, fn, qualifier, payload, invocation_type)
        tenant = request.headers.get("X-Amz-Tenant-Id")
        if invocation_type == "Event":
            request_id = str(uuid.uuid4())
            # The 202's request id is the invocation's own, as on AWS (logs join on it).
            threading.Thread(
                target=self.host.run,
                args=(fn, invoked_arn, payload, tenant, request_id),
                daemon=True,
            ).start()
            return Response(b"", 202, {"X-Amzn-RequestId": request_id})
        result = self.host.run(fn, invoked_arn, payload, tenant)
        return Response(
            result.payload, result.status, {**result.headers, "Content-Type": "application/json"}
        )

    def _start_durable(
        self,
        request: Request,
        fn: FunctionVersion,
        qualifier: str,
        payload: bytes,
        invocation_type: str,
    ) -> Response:
        name = request.headers.get("X-Amz-Durable-Execution-Name") or str(uuid.uuid4())
        if not NAME_OK.match(name):
            raise invalid(
                "DurableExecutionName must be 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'."
            )
        text = payload.decode() if payload else "{}"
        assert fn.durable is not None
        with self._start_lock:  # the name check and the start are one step
            arn = self._existing_execution(fn, name, text)
            if arn is None:
                status, started = self.runner.json(
                    "POST",
                    "/start-durable-execution",
                    {
                        "AccountId": fn.account,
                        # The execution lives in its function's Region (runner.py).
                        "Region": fn.region,
                        # Upstream rebuilds a start without one, dropping the Region.
                        "InvocationId": str(uuid.uuid4()),
                        "FunctionName": fn.name,
                        # Replays run the version the execution started on, as on AWS.
                        "FunctionQualifier": fn.version,
                        "ExecutionName": name,
                        "ExecutionTimeoutSeconds": fn.durable["ExecutionTimeout"],
                        "ExecutionRetentionPeriodDays": fn.durable.get("RetentionPeriodInDays", 14),
                        "Input": text,
                    },
                )
                if status >= 300:
                    raise AwsError(500, "ServiceException", f"could not start execution: {started}")
                arn = started["ExecutionArn"]
        headers = {
            "X-Amz-Durable-Execution-Arn": arn,
            "X-Amz-Executed-Version": fn.version,
            "X-Amzn-RequestId": str(uuid.uuid4()),
        }
        if invocation_type == "Event":
            return Response(b"", 202, headers)
        return self._wait_for_result(arn, headers)

    def _existing_execution(self, fn: FunctionVersion, name: str, text: str) -> str | None:
        for item in self._executions_of(
            fn.name, {"DurableExecutionName": name}, fn.region, fn.account
        ):
            if item.get("DurableExecutionName") != name:
                continue
            arn: str = item["DurableExecutionArn"]
            _, details = self.runner.json(
                "GET", f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
            )
            if (details.get("InputPayload") or "{}") == text:
                return arn
            raise AwsError(
                409,
                "DurableExecutionAlreadyStartedException",
                f"A durable execution named {name} was already started with a different payload.",
            )
        return None

    def _wait_for_result(self, arn: str, headers: dict[str, str]) -> Response:
        deadline = time.monotonic() + SYNC_LIMIT_S
        delay = 0.01
        path = f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
        while time.monotonic() < deadline:
            _, details = self.runner.json("GET", path)
            status = details.get("Status")
            if status == "SUCCEEDED":
                return Response(
                    (details.get("Result") or "null").encode(),
                    200,
                    {**headers, "Content-Type": "application/json"},
                )
            if status in TERMINAL:
                error = details.get("Error") or {}
                body = {
                    "errorMessage": error.get("ErrorMessage", status),
                    "errorType": error.get("ErrorType", status),
                }
                return Response(
                    json.dumps(body),
                    200,
                    {
                        **headers,
                        "X-Amz-Function-Error": "Unhandled",
                        "Content-Type": "application/json",
                    },
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)
        body = {
            "errorMessage": "The synchronous invocation exceeded 15 minutes; the execution "
            "goes on. Use InvocationType='Event' for executions that wait on people.",
            "errorType": "Sandbox.Timedout",
        }
        return Response(json.dumps(body), 200, {**headers, "X-Amz-Function-Error": "Unhandled"})

    # -- workshop model -----------------------------------------------------------------
    def _converse(self, request: Request, model_id: str) -> Response:
        # Bedrock refuses a model id that does not exist from the calling Region, or one the
        # account has no access to, before it reads the request (bedrock.py).
        bedrock.check_model(model_id, region_of(request, self.region))
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError as exc:
            raise AwsError(400, "ValidationException", "The request body is not JSON.") from exc
        return Response(
            json.dumps(model.answer(model_id, body)), 200, {"Content-Type": "application/json"}
        )
