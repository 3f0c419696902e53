"""Which model answers: ``LOCALCLOUD_MODEL`` and ``LOCALCLOUD_MODEL_SEED``."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass

WORKSHOP, LIVE = "workshop", "live"
MODEL_KINDS = (WORKSHOP, LIVE)
log = logging.getLogger(__name__)


class ModelSettingsError(ValueError):
    """LOCALCLOUD_MODEL or LOCALCLOUD_MODEL_SEED cannot work; the message says what to set."""


@dataclass(frozen=True)
class ModelSettings:
    """Which model answers: the deterministic ``workshop`` one, or ``live`` with a seed."""

    kind: str = WORKSHOP
    seed: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ModelSettings:
        """``LOCALCLOUD_MODEL`` (default ``workshop``) and ``LOCALCLOUD_MODEL_SEED``.

        ``live`` without a seed draws one at random and logs it, so that the run can be
        repeated with ``LOCALCLOUD_MODEL_SEED``."""
        kind = (environ.get("LOCALCLOUD_MODEL") or WORKSHOP).strip().lower()
        if kind not in MODEL_KINDS:
            raise ModelSettingsError(
                f"LOCALCLOUD_MODEL is {environ.get('LOCALCLOUD_MODEL')!r}: use 'workshop' (the "
                "deterministic model, the default) or 'live' (a seeded model that behaves "
                "like a real one)."
            )
        raw = (environ.get("LOCALCLOUD_MODEL_SEED") or "").strip()
        if raw:
            try:
                seed = int(raw)
            except ValueError:
                raise ModelSettingsError(
                    f"LOCALCLOUD_MODEL_SEED is {raw!r}: give an integer, such as 1."
                ) from None
        else:
            seed = random.randrange(1_000_000) if kind == LIVE else 0
            if kind == LIVE:
                log.warning(
                    "local model: live, seed %d (set LOCALCLOUD_MODEL_SEED=%d to repeat it)",
                    seed,
                    seed,
                )
        return cls(kind, seed)

    def describe(self) -> str:
        return f"live (seed {self.seed})" if self.kind == LIVE else "workshop"
