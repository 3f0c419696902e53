"""A SIGKILL in the middle of a burst of writes loses no acknowledged write (the journal).

``python -m helpers.localcloud`` runs as a process of its own; three writers create and
delete functions in two Regions, put objects and send messages, as fast as it answers;
the process is killed with SIGKILL while they write. Restarted on the same state dir,
every write that was answered before the kill is there (and every function whose
delete was answered is gone); a write cut by the kill may be there or not, as on AWS
after a timeout. The figures are printed (``-s`` shows them).
"""

from __future__ import annotations

from pathlib import Path

from state_scan import credential_shaped, state_holds_no_credentials  # noqa: F401  (autouse)
from stress_cases import BURST_S, kill_mid_burst, restart_after


def test_a_sigkill_mid_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {"LOCALCLOUD_REALISM": "off"}
    killed = kill_mid_burst(state, env)
    burst = killed.burst
    for thread in killed.writers:
        assert not thread.is_alive()
    assert burst.functions and burst.objects and burst.messages

    again = restart_after(state, env, killed)
    listed, objects, received = again.listed, again.objects, again.received

    print(
        f"\nSIGKILL after {BURST_S}s of writes: acknowledged {len(burst.functions)} functions "
        f"(+{len(burst.deleted)} deletes), {len(burst.objects)} objects, "
        f"{len(burst.messages)} messages; survived {len(burst.functions & listed)} functions "
        f"({len(burst.deleted & listed)} deleted ones back; {len(burst.cut)} cut by the kill), "
        f"{sum(objects.get(k) == v for k, v in burst.objects.items())} objects, "
        f"{len(burst.messages & received)} messages"
    )
    assert burst.functions - burst.cut <= listed
    assert not (burst.deleted - burst.cut) & listed
    assert objects == burst.objects
    assert burst.messages <= received
    assert credential_shaped(state) == []
