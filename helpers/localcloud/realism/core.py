"""`Realism`: the profile's behaviours, as hooks the gateway and the Lambda host call."""

from __future__ import annotations

from .functions import FunctionStates
from .moto_hooks import MotoHooks
from .quotas import QuotaChecks


class Realism(QuotaChecks, FunctionStates, MotoHooks):
    """The profile's behaviours, as hooks the gateway and the Lambda host call."""

    # -- 4. log delivery -------------------------------------------------------------------
    def log_delay(self) -> float:
        """How late the next batch of log records arrives (the Lambda host's shipper)."""
        low, high = self.profile.log_delay_s
        if high <= 0:
            return 0.0
        with self._lock:
            return self._random.uniform(low, high)
