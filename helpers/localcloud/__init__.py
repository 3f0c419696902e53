"""The embedded local cloud: moto, the durable SDK's runner and the kit's Lambda host.

Where each part lives:

- ``cloud`` assembles them behind one endpoint; ``__main__`` is ``python -m
  helpers.localcloud``; ``background`` keeps one process for a notebook series;
- ``gateway/`` routes every call: Lambda control plane, Invoke, the durable APIs, Converse;
- ``lambda_host/`` runs deployed zips in warm worker processes and writes their logs;
- ``runner`` is the testing SDK's durable runner on a private port;
- ``journal/`` keeps moto's state across restarts; ``realism/`` adds AWS's delays and
  quotas; ``model/`` and ``bedrock`` answer Bedrock Converse;
- ``patches/`` holds every patch of moto's and the testing SDK's internals
  (tests/localcloud/test_foundations.py names what they rely on); ``wsgi`` and ``errors``
  are shared plumbing; ``statedir`` keeps the state dir private (0700/0600).
"""

from .cloud import LocalCloud, local_client

__all__ = ["LocalCloud", "local_client"]
