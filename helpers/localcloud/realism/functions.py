"""1-2. Lambda's function states: Pending after CreateFunction, InProgress after an update,
and 3. a new role Lambda cannot assume yet (its creation is recorded by moto_hooks.py)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import AwsError
from .state import RealismState


class FunctionStates(RealismState):
    """Checks before, and records after, the gateway's Lambda control-plane calls."""

    def _function_arn(self, account: str, region: str, name: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:function:{name}"

    def check_lambda_call(
        self,
        method: str,
        name: str,
        rest: str,
        role: str | None,
        region: str,
        account: str,
    ) -> None:
        """Raise what Lambda answers to a control-plane call the function's state forbids."""
        if not self.active:
            return
        now = self._clock()
        if method == "POST" and not name and role:  # CreateFunction
            created = self._roles.get((account, role.rsplit("/", 1)[-1]))
            if created is not None and now - created < self.profile.role_propagation_s:
                raise AwsError(
                    400,
                    "InvalidParameterValueException",
                    "The role defined for the function cannot be assumed by Lambda.",
                )
            return
        key = (account, region, name)
        changes = (method == "PUT" and rest in ("/code", "/configuration")) or (
            method == "POST" and rest.rstrip("/") == "/versions"
        )
        if not changes:
            return
        if self._pending.get(key, 0) > now:
            raise self._state_conflict()
        if self._updating.get(key, 0) > now:
            raise AwsError(
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self._function_arn(account, region, name)}",
            )

    @staticmethod
    def _state_conflict() -> AwsError:
        return AwsError(
            409,
            "ResourceConflictException",
            "The operation cannot be performed at this time. The function is currently in "
            "the following state: Pending",
        )

    def check_invoke(self, name: str, region: str, account: str) -> None:
        """Invoke of a function still Pending: ResourceConflictException, as Lambda answers."""
        if self._pending.get((account, region, name), 0) > self._clock():
            raise self._state_conflict()

    def after_lambda_call(
        self,
        method: str,
        name: str,
        rest: str,
        qualifier: str | None,
        body: bytes,
        region: str,
        account: str,
    ) -> bytes:
        """Record what a successful control-plane call started; report the function's state
        as Lambda would (Pending, InProgress) in what moto answered."""
        if not self.active:
            return body
        now = self._clock()
        try:
            data = json.loads(body) if body[:1] == b"{" else None
        except ValueError:
            data = None
        with self._lock:
            if method == "POST" and not name and isinstance(data, dict):  # CreateFunction
                name = str(data.get("FunctionName", ""))
                self._pending[(account, region, name)] = now + self.profile.function_pending_s
            elif method == "PUT" and rest in ("/code", "/configuration"):
                self._updating[(account, region, name)] = now + self.profile.update_in_progress_s
            elif method == "DELETE" and not rest and not qualifier:
                self._pending.pop((account, region, name), None)
                self._updating.pop((account, region, name), None)
                return body
        if not isinstance(data, dict) or qualifier not in (None, "$LATEST"):
            return body
        key = (account, region, name)
        conf: dict[str, Any] = (
            data["Configuration"] if isinstance(data.get("Configuration"), dict) else data
        )
        if "FunctionName" not in conf or conf.get("Version", "$LATEST") != "$LATEST":
            return body
        if self._pending.get(key, 0) > now:
            # Lambda developer guide, "Lambda function states".
            conf.update(
                State="Pending",
                StateReason="The function is being created.",
                StateReasonCode="Creating",
            )
        if self._updating.get(key, 0) > now:
            conf.update(
                LastUpdateStatus="InProgress",
                LastUpdateStatusReason="The function is being updated.",
            )
            conf.pop("LastUpdateStatusReasonCode", None)
        return json.dumps(data).encode()
