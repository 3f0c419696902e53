"""AWS behaviours that cost time, in profiles: ``fast`` (default), ``aws`` and ``off``.

moto answers at once and forgets at once; AWS does not. The local cloud emulates what the
kit's calls meet on AWS and must hold up under:

1. a new function is ``Pending`` before ``Active`` (Invoke meanwhile: ResourceConflict);
2. after UpdateFunctionCode/Configuration ``LastUpdateStatus`` is ``InProgress`` (another
   update or PublishVersion meanwhile: ResourceConflict);
3. a new IAM role cannot be assumed by Lambda at once (CreateFunction: InvalidParameterValue);
4. log records arrive late and out of order across streams (the Lambda host's shipper);
5. per-account, per-Region request quotas of CloudWatch Logs reads and the durable APIs
   (ThrottlingException / TooManyRequestsException, as each service answers);
6. a deleted SQS queue lingers (GetQueueUrl still answers) and its name is reserved
   (CreateQueue: QueueDeletedRecently);
7. a deleted S3 bucket's name cannot be taken back at once (CreateBucket: OperationAborted).

``fast`` keeps every delay short but real, so that every wait and retry path of the kit runs
on every run; ``aws`` uses AWS's figures (each with its source below); ``off`` is for
benchmarks only. Choose with ``python -m helpers.localcloud --realism`` or
``LOCALCLOUD_REALISM``. The state is in memory and time-based: after a restart the local
cloud treats everything as settled (a restart takes longer than any ``fast`` delay).

Parts: ``profiles`` (the figures), ``quotas`` (5), ``functions`` (1-3, Lambda's side),
``moto_hooks`` (3, 6, 7 in front of moto) and ``core`` (`Realism`, which joins them, and 4).
"""

from .core import Realism
from .profiles import (
    AWS,
    BY_NAME,
    DEFAULT,
    ENV,
    FAST,
    OFF,
    PROFILES,
    Profile,
    RealismError,
    profile_named,
)

__all__ = [
    "AWS",
    "BY_NAME",
    "DEFAULT",
    "ENV",
    "FAST",
    "OFF",
    "PROFILES",
    "Profile",
    "Realism",
    "RealismError",
    "profile_named",
]
