"""``python -m benchmarks``: the local cloud beside the testing SDK's in-process runner.

Both sides run the same durable handlers (``benchmarks/handlers.py``) in the same run and
one table compares them with the local cloud's targets. ``--quick`` runs a smaller set.
"""
