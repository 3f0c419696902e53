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

Parts: ``app`` (`Gateway`, the routing), ``control_plane`` (with ``control_store``),
``durable_apis`` (with ``runner_client``), ``invoke``, ``converse``; ``scope`` reads what a
call is about. Each part extends the one before it (base -> control_plane -> durable_apis ->
invoke -> app), so that a later one calls what an earlier one offers.
"""

from .app import Gateway
from .scope import account_of, execution_scope, region_of, split_function_ref

__all__ = ["Gateway", "account_of", "execution_scope", "region_of", "split_function_ref"]
