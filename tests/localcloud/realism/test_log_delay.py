"""Late, out-of-order log delivery: the profile's delay (realism/core.py) and the shipper."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from helpers.localcloud import LocalCloud, local_client, realism
from helpers.localcloud.lambda_host import LogShipper
from helpers.localcloud.realism import FAST, Realism


# -- 4. late, out-of-order log delivery -------------------------------------------------------
class RecordingLogs:
    """A CloudWatch Logs client that records what it was given, in order."""

    class exceptions:
        ResourceAlreadyExistsException = KeyError
        ResourceNotFoundException = LookupError

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def create_log_group(self, **_: Any) -> None:
        pass

    def create_log_stream(self, **_: Any) -> None:
        pass

    def put_log_events(self, logGroupName: str, logStreamName: str, logEvents: Any) -> None:
        with self.lock:
            self.delivered.append((logStreamName, logEvents[0]["message"]))


def test_log_batches_arrive_late_in_order_per_stream_but_not_across_streams() -> None:
    delays = iter([0.4, 0.0, 0.0])  # first batch of stream a is slow, b's is fast
    logs = RecordingLogs()
    shipper = LogShipper(lambda region: logs, lambda: next(delays))
    shipper.put("us-east-1", "g", "a", [(1, "a1")])
    shipper.put("us-east-1", "g", "b", [(2, "b1")])
    shipper.put("us-east-1", "g", "a", [(3, "a2")])  # due at once, but never before a1
    time.sleep(0.2)
    assert logs.delivered == [("b", "b1")]  # a1 is not visible yet; b1 overtook it
    shipper.flush()
    assert logs.delivered == [("b", "b1"), ("a", "a1"), ("a", "a2")]
    shipper.stop()


def test_stop_delivers_what_is_still_on_its_way() -> None:
    logs = RecordingLogs()
    shipper = LogShipper(lambda region: logs, lambda: 60.0)
    shipper.put("us-east-1", "g", "a", [(1, "late")])
    shipper.stop()
    assert logs.delivered == [("a", "late")]


def test_records_late_for_a_deleted_group_are_lost_not_written_to_a_new_group(
    cloud: LocalCloud, name: Callable[..., str]
) -> None:
    """Lambda creates the group when the function writes; a batch still on its way when the
    group is deleted (notebook 99 right after a run) does not bring the group back."""
    logs, group = cloud.client("logs"), f"/aws/lambda/{name('late')}"
    shipper = LogShipper(lambda region: local_client("logs", cloud.endpoint, region), lambda: 0.5)
    shipper.put(cloud.region, group, "s", [(int(time.time() * 1000), "REPORT RequestId: x")])
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]  # created at once
    logs.delete_log_group(logGroupName=group)
    shipper.stop()  # delivers what is left
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_the_profile_draws_each_batch_its_delay() -> None:
    drawn = [Realism(FAST, seed=7).log_delay() for _ in range(3)]
    low, high = FAST.log_delay_s
    assert all(low <= d <= high for d in drawn)
    assert Realism(realism.OFF).log_delay() == 0
