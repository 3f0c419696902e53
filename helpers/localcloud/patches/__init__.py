"""Every patch of moto's and the testing SDK's internals, in one place.

- ``moto``: deterministic ids for the journal, one IAM partition, a cached backend
  lookup, and (``log_filter``) FilterLogEvents patterns as CloudWatch Logs applies them;
- ``testing_sdk``: the durable runner's fixes where it differs from AWS, and its store
  on one sqlite connection; ``callback_ids``: callback ids no one can derive from an
  execution's ARN.

Both packages are pinned exactly in pyproject.toml, and tests/localcloud/test_foundations.py
names every internal these patches rely on, so an upgrade that moves one fails there,
loudly. Nothing is imported here: ``moto`` must not be imported before the journal sets
the environment moto reads (``helpers/localcloud/journal/__init__.py``).
"""
