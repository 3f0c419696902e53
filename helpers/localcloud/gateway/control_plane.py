"""The Lambda control plane: moto's, plus the configs moto drops and the realism checks."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from helpers.regions import offers_durable_functions

from ..errors import AwsError, invalid, is_html, not_found, service_failure
from ..lambda_host import FunctionVersion, check_zip
from ..wsgi import call_wsgi, read_body
from . import edge
from .base import GatewayBase
from .control_store import validate_durable_config
from .scope import account_of, not_offered_here, region_of, split_function_ref

log = logging.getLogger(__name__)
FUNCTIONS = re.compile(r"^/2015-03-31/functions(/(?P<fn>[^/]+))?(?P<rest>/.*)?$")


def check_code(code: Any, region: str, account: str) -> None:
    """The code of CreateFunction (``Code``) or UpdateFunctionCode (the body): a ZipFile,
    or an S3 object (S3Bucket, S3Key, S3ObjectVersion), must unzip within Lambda's quota.
    An object of a version is given to moto as a ZipFile (moto reads the latest)."""
    if not isinstance(code, dict):
        return
    if isinstance(code.get("ZipFile"), str):
        try:
            data = base64.b64decode(code["ZipFile"], validate=True)
        except ValueError:
            data = b""
        check_zip(data)
    elif isinstance(code.get("S3Bucket"), str) and isinstance(code.get("S3Key"), str):
        version = code.get("S3ObjectVersion")
        data = _s3_object(code["S3Bucket"], code["S3Key"], version, region, account)
        check_zip(data)
        if isinstance(version, str):
            for field in ("S3Bucket", "S3Key", "S3ObjectVersion"):
                code.pop(field)
            code["ZipFile"] = base64.b64encode(data).decode()


def _s3_object(bucket: str, key: str, version: Any, region: str, account: str) -> bytes:
    """The object's bytes, or Lambda's error for an object it cannot read: Lambda relays
    S3's error code and message in an InvalidParameterValueException."""
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    def failed(code: str, message: str) -> Exception:
        return invalid(
            f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
        )

    backend = s3_backends[account]["aws"]
    try:
        found = backend.get_bucket(bucket)
    except MissingBucket:
        raise failed("NoSuchBucket", "The specified bucket does not exist") from None
    if found.region_name != region:
        raise failed(
            "PermanentRedirect",
            f"The bucket is in this region: {found.region_name}. "
            "Please use this region to retry the request",
        )
    obj = backend.get_object(bucket, key, str(version) if version is not None else None)
    if obj is None and version is not None and key in found.keys:
        raise failed("NoSuchVersion", "The specified version does not exist.")
    if obj is None:
        raise failed("NoSuchKey", "The specified key does not exist.")
    return bytes(obj.value)


class ControlPlane(GatewayBase):
    """CreateFunction, GetFunction, UpdateFunction*, DeleteFunction... through moto."""

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
        if request.method in ("POST", "PUT") and not creating and (data := read_body(environ)):
            # Lambda reads no control-plane body that is not a JSON object (read_body leaves
            # the body in place for moto).
            edge.parse_json_object(data, "InvalidRequestContentException", "request body")
        if creating:  # CreateFunction
            spec = self._json_body(request)
            if "DurableConfig" in spec and not offers_durable_functions(region):
                raise not_offered_here(region)
            role = spec.get("Role")
            extra["DurableConfig"] = (
                validate_durable_config(spec.pop("DurableConfig"))
                if "DurableConfig" in spec
                else None
            )
            extra["LoggingConfig"] = (
                edge.check_logging_config(spec.pop("LoggingConfig"), creating=True)
                if "LoggingConfig" in spec
                else None
            )
            if not isinstance(spec.get("FunctionName"), str):
                raise edge.validation("FunctionName is required and must be a string.")
            edge.check_runtime(spec.get("Runtime"), durable=extra["DurableConfig"] is not None)
            edge.check_function_name(spec["FunctionName"], edge.MAX_NAME_TO_CREATE)
            name = split_function_ref(spec["FunctionName"], None)[0]
            check_code(spec.get("Code"), region, account_of(request))
            self._replace_body(environ, spec)
        elif request.method == "PUT" and rest == "/code":
            spec = self._json_body(request)
            check_code(spec, region, account_of(request))
            self._replace_body(environ, spec)
        elif request.method == "PUT" and rest == "/configuration":
            spec = self._json_body(request)
            edge.check_runtime(
                spec.get("Runtime"),
                durable=bool(self.configs.get(region, name).get("DurableConfig")),
            )
            if "DurableConfig" in spec:
                if not self.configs.get(region, name).get("DurableConfig"):
                    raise invalid(
                        "Durable execution can only be enabled when the function is created."
                    )
                extra["DurableConfig"] = validate_durable_config(spec.pop("DurableConfig"))
            if "LoggingConfig" in spec:
                extra["LoggingConfig"] = edge.check_logging_config(
                    spec.pop("LoggingConfig"), creating=False
                )
            self._replace_body(environ, spec)
        account = account_of(request)
        if request.method == "POST" and rest == "/policy" and name:  # AddPermission
            self._check_statement_id(environ, name, qualifier, region, account)
        if self.realism is not None:  # Pending, InProgress, a role Lambda cannot see yet
            called = "" if creating else name  # CreateFunction: no function in the path
            self.realism.check_lambda_call(request.method, called, rest, role, region, account)
        status, headers, body = self._call_moto(environ)
        if status == 409 and (error := json.loads(body)).get("__type") == "ConflictException":
            # moto answers CreateAlias of an existing alias with ConflictException; Lambda's
            # code for every conflict is ResourceConflictException, 409 (Lambda API
            # reference, CreateAlias: Errors), the message as moto words it (AWS's own).
            raise AwsError(409, "ResourceConflictException", str(error.get("message", "")))
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
                self.host.function_deleted(name, region)
        if status < 300 and rest in ("/code", "/configuration") and self.host:
            self.host.pool.retire(name, "$LATEST")  # idle workers of the old code or config
        if status < 300 and body[:1] == b"{":
            body = self._with_configs(body, region)
        headers.pop("Content-Length", None)
        return Response(body, status, headers)

    @staticmethod
    def _check_statement_id(
        environ: dict[str, Any], name: str, qualifier: str | None, region: str, account: str
    ) -> None:
        """AddPermission with a statement id the policy already has: Lambda refuses it
        (ResourceConflictException, Lambda API reference, AddPermission: Errors); moto
        appends a second statement of the same id."""
        from moto.awslambda.models import lambda_backends

        spec = edge.parse_json_object(
            read_body(environ), "InvalidRequestContentException", "request body"
        )
        sid = spec.get("StatementId")
        try:
            fn = lambda_backends[account][region].get_function(name, qualifier)
        except Exception:
            return  # no such function: moto answers ResourceNotFoundException
        if any(statement.get("Sid") == sid for statement in fn.policy.statements):
            raise AwsError(
                409,
                "ResourceConflictException",
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement.",
            )

    @staticmethod
    def _json_body(request: Request) -> dict[str, Any]:
        return edge.parse_json_object(
            request.get_data(), "InvalidRequestContentException", "request body"
        )

    @staticmethod
    def _replace_body(environ: dict[str, Any], spec: dict[str, Any]) -> None:

        data = json.dumps(spec).encode()
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("werkzeug.request", None)

    def _call_moto(self, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = call_wsgi(self.moto, environ)
        code = int(status.split()[0])
        if is_html(dict(headers), body) or (code >= 400 and body[:1] != b"{"):
            # moto's own pages (no route, a crash) are no Lambda answer (errors.py).
            log.warning("moto answered %s to a Lambda call: %r", status, body[:300])
            if code in (404, 405):
                raise edge.unknown_operation(environ["REQUEST_METHOD"], environ["PATH_INFO"])
            raise service_failure() if code >= 500 else edge.validation("Invalid request.")
        return code, dict(headers), body

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
