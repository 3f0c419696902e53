"""The facilitator's kit (notebook 90): a room of attendees in one account.

- ``room``: the attendees (names or a CSV), each one's PREFIX ``<ROOM>-<name>``
  (``check_room``);
- ``provisioning``: per attendee the permissions boundary, the attendee policy
  (``helpers.permissions``), an IAM user or a role to assume, and a handout;
- ``reading`` and ``watch``: each attendee's notebooks, executions, last error and cost
  so far, as a table (live or static) and a progress plot (``watch_room``);
- ``sweeping``: a dry run, then notebook 99's cleanup for every prefix and provision's IAM
  identities and policies (``sweep``, ``room_leftovers``);
- ``bill``: the room's cost, per attendee and in all, next to blocking Lambdas
  (``room_bill``).
"""

from .bill import RoomBill, room_bill
from .provisioning import Provisioned, provision
from .reading import AttendeeState, read_room
from .room import Attendee, Room, check_room
from .sweeping import room_leftovers, sweep
from .watch import RoomWatch, watch_room

__all__ = [
    "Attendee",
    "AttendeeState",
    "Provisioned",
    "Room",
    "RoomBill",
    "RoomWatch",
    "check_room",
    "provision",
    "read_room",
    "room_bill",
    "room_leftovers",
    "sweep",
    "watch_room",
]
