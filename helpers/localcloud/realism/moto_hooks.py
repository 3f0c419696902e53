"""3, 6, 7: IAM, SQS and S3 behaviours, as a WSGI layer in front of moto."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

from ..wsgi import StartResponse, WSGIApp, call_wsgi, read_body
from .facts import account as account_of
from .facts import json_response, scope
from .state import RealismState


class MotoHooks(RealismState):
    """New roles, deleted queues and deleted bucket names, remembered in front of moto."""

    def around_moto(self, app: WSGIApp) -> WSGIApp:
        """``app`` (moto) with the IAM, SQS and S3 behaviours of the profile."""
        if not self.active:
            return app

        def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            region, service = scope(environ)
            if service == "iam" and environ.get("REQUEST_METHOD") == "POST":
                return self._iam(app, environ, start_response)
            if service == "sqs" and environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS."):
                return self._sqs(app, environ, start_response, region)
            if service == "s3":
                return self._s3(app, environ, start_response)
            return app(environ, start_response)

        return wrapped

    def _iam(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        form = parse_qs(read_body(environ).decode("utf-8", "replace"))
        status, headers, body = call_wsgi(app, environ)
        if form.get("Action") == ["CreateRole"] and status.startswith("2"):
            with self._lock:
                self._roles[(account_of(environ), form.get("RoleName", [""])[0])] = self._clock()
        start_response(status, headers)
        return [body]

    def _sqs(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse, region: str
    ) -> Iterable[bytes]:
        operation = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
        if operation not in ("CreateQueue", "GetQueueUrl", "DeleteQueue"):
            return app(environ, start_response)
        try:
            request = json.loads(read_body(environ) or b"{}")
        except ValueError:
            return app(environ, start_response)
        account, now = account_of(environ), self._clock()
        queue = str(request.get("QueueName") or str(request.get("QueueUrl", "")).rsplit("/", 1)[-1])
        key = (account, region, queue)
        deleted = self._queues.get(key)
        if (
            operation == "CreateQueue"
            and deleted
            and now - deleted[1] < (self.profile.queue_name_reserved_s)
        ):
            # SQS CreateQueue (API reference): "You must wait 60 seconds after deleting a
            # queue before you can create another with the same name."
            return json_response(
                400,
                {
                    "__type": "com.amazonaws.sqs#QueueDeletedRecently",
                    "message": "You must wait 60 seconds after deleting a queue before you can "
                    "create another with the same name.",
                },
                {
                    "Content-Type": "application/x-amz-json-1.0",
                    "x-amzn-query-error": "AWS.SimpleQueueService.QueueDeletedRecently;Sender",
                },
            )(environ, start_response)
        status, headers, body = call_wsgi(app, environ)
        if operation == "DeleteQueue" and status.startswith("2"):
            with self._lock:
                self._queues[key] = (str(request.get("QueueUrl", "")), now)
        elif (
            operation == "GetQueueUrl"
            and not status.startswith("2")
            and deleted
            and now - deleted[1] < self.profile.queue_linger_s
        ):
            # SQS DeleteQueue (API reference): deletion takes up to 60 s, and requests that
            # involve the queue meanwhile "might succeed": GetQueueUrl still finds it here.
            # Everything else on it fails as on a deleted queue (NonExistentQueue), so that
            # code which trusts "the URL exists" meets the failure AWS may give it.
            return json_response(
                200, {"QueueUrl": deleted[0]}, {"Content-Type": "application/x-amz-json-1.0"}
            )(environ, start_response)
        start_response(status, headers)
        return [body]

    def _s3(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        path = unquote(str(environ.get("PATH_INFO", "")))
        bucket = path.strip("/")
        bucket_only = "/" not in bucket and bucket and not environ.get("QUERY_STRING")
        if not bucket_only or method not in ("PUT", "DELETE"):
            return app(environ, start_response)
        now = self._clock()
        deleted = self._buckets_deleted.get(bucket)
        if method == "PUT" and deleted and now - deleted < self.profile.bucket_name_reserved_s:
            # S3 CreateBucket on a name still being released: 409 OperationAborted.
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>OperationAborted</Code>'
                "<Message>A conflicting conditional operation is currently in progress "
                "against this resource. Please try again.</Message>"
                f"<BucketName>{bucket}</BucketName><RequestId>{uuid.uuid4().hex[:16]}"
                "</RequestId></Error>"
            )
            return Response(xml, 409, {"Content-Type": "application/xml"})(environ, start_response)
        status, headers, body = call_wsgi(app, environ)
        if method == "DELETE" and status.startswith("2"):
            with self._lock:
                self._buckets_deleted[bucket] = now
        start_response(status, headers)
        return [body]
