"""The embedded local cloud: moto, the durable SDK's runner and the kit's Lambda host."""

from .cloud import LocalCloud, local_client

__all__ = ["LocalCloud", "local_client"]
