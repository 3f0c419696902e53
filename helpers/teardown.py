"""The end of the series: forget what the notebooks saved, and stop the kit's background
local cloud if asked to.

The local cloud outlives kernels on purpose (every notebook shares it). Stopping it is
optional: its state dir keeps everything, so the next notebook that needs it starts it
again with functions, queues, buckets, logs and executions intact.
"""

from __future__ import annotations

from . import state
from .chatbot import where
from .params import ParameterError
from .target import Target, background_cloud, stop_background_cloud


def forget_state(prefix: str, target: Target) -> None:
    """Remove what the notebooks saved for ``prefix`` (its state file), unless it records
    another target's resources (another cloud, region or endpoint): those are not gone."""
    saved = state.load(prefix)
    if not saved:
        message = f"Nothing saved for PREFIX={prefix!r}: no state to forget."
    elif any(saved.get(key, value) != value for key, value in where(target).items()):
        message = (
            f"Kept {state.path(prefix)}: it describes resources on "
            f"{saved.get('target')}/{saved.get('region')} {saved.get('endpoint') or ''}, "
            "not the target cleaned up here."
        )
    else:
        state.forget(prefix)
        message = f"Forgot what the notebooks saved for PREFIX={prefix!r} ({state.path(prefix)})."
    print(message)


def stop_local_cloud(target: Target, stop: bool = False) -> None:
    """Stop the background local cloud when ``stop`` is True and this notebook uses it;
    prints what happened, or how to do it."""
    if not isinstance(stop, bool):
        raise ParameterError([f"STOP_LOCAL_CLOUD is {stop!r}: set it to True or False."])
    running = background_cloud()
    if target.name != "local":
        message = "TARGET is 'aws': there is no local cloud to stop."
    elif running is None:
        message = "The kit's background local cloud is not running" + (
            f" (this notebook used {target.endpoint})." if target.endpoint else "."
        )
    elif target.endpoint != running:
        message = (
            f"This notebook used another local cloud ({target.endpoint}, from "
            f"AWS_ENDPOINT_URL); the kit's background one at {running} is left as it is."
        )
    elif not stop:
        message = (
            f"The local cloud at {running} keeps running for the next session. To stop it, "
            "set STOP_LOCAL_CLOUD = True and run this cell again, or call "
            "helpers.localcloud.background.stop(). Its state stays in .state/localcloud/."
        )
    else:
        stopped = stop_background_cloud()
        message = (
            f"Stopped the local cloud at {running}; its state stays in .state/localcloud/ "
            "for next time."
            if stopped
            else f"The local cloud at {running} had already stopped."
        )
    print(message)
