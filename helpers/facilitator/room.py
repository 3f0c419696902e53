"""The room: who attends (a list of names, or a CSV file of them), each attendee's PREFIX
(``<ROOM>-<name>``, lower-cased), and what the facilitator's notebook is asked to do."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..deploy import PrefixError, validate_prefix
from ..i18n import LanguageError, check_language, tr, use_language
from ..params import ParameterError

STEPS = ("provision", "watch", "sweep", "bill")
IDENTITIES = ("user", "role")
# What a CSV's header may call the column of names; without a header, the first column.
NAME_COLUMNS = ("name", "attendee", "names", "attendees", "名前")


@dataclass(frozen=True)
class Attendee:
    name: str  # as the facilitator wrote it
    prefix: str  # <room>-<name>, lower-cased: every resource name of theirs starts with it


@dataclass(frozen=True)
class Room:
    name: str
    step: str
    identity: str
    attendees: tuple[Attendee, ...]

    @property
    def prefixes(self) -> list[str]:
        return [a.prefix for a in self.attendees]

    def describe(self) -> str:
        return tr(
            f"room {self.name}: {len(self.attendees)} attendee(s), STEP={self.step}, "
            f"IDENTITY={self.identity}",
            f"ルーム {self.name}: 参加者 {len(self.attendees)} 名、STEP={self.step}、"
            f"IDENTITY={self.identity}",
        )


def names_from_csv(path: Path) -> list[str]:
    """The names in a CSV file: the column headed name/attendee (any case), else the first
    column; blank rows and '#' comments are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and r[0].strip() and not r[0].startswith("#")]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    if column is None:
        return [r[0].strip() for r in rows]
    return [r[column].strip() for r in rows[1:] if len(r) > column and r[column].strip()]


def _names(attendees: object, problems: list[str]) -> list[str]:
    if isinstance(attendees, str | Path) and str(attendees).strip().endswith(".csv"):
        path = Path(attendees).expanduser()
        if not path.is_file():
            problems.append(
                tr(
                    f"ATTENDEES is {str(attendees)!r}: no such CSV file. Give its path, or a "
                    "list of names such as ['alice', 'bob'].",
                    f"ATTENDEES の {str(attendees)!r} という CSV ファイルがありません。パスを"
                    "確認するか、['alice', 'bob'] のような名前のリストを指定してください。",
                )
            )
            return []
        return names_from_csv(path)
    if isinstance(attendees, str):  # papermill's -p gives text: "alice,bob"
        return [n.strip() for n in attendees.split(",") if n.strip()]
    if isinstance(attendees, list | tuple) and all(isinstance(n, str) for n in attendees):
        return [n.strip() for n in attendees]
    problems.append(
        tr(
            f"ATTENDEES is {attendees!r}: give a list of names such as ['alice', 'bob'], "
            "or the path of a CSV file with a 'name' column.",
            f"ATTENDEES が {attendees!r} です。['alice', 'bob'] のような名前のリストか、"
            "'name' 列のある CSV ファイルのパスを指定してください。",
        )
    )
    return []


def check_room(
    attendees: object,
    room: object = "hitl",
    step: object = "provision",
    identity: object = "user",
    language: object = "",
) -> Room:
    """The room the parameters describe, or a ParameterError that lists every problem: each
    name that would not make a valid PREFIX says which and why, a name given twice, a STEP
    or IDENTITY the notebook does not know."""
    problems: list[str] = []
    try:
        use_language(check_language(language))
    except LanguageError as exc:
        problems.append(str(exc))
    room_name = room.strip().lower() if isinstance(room, str) else ""
    if not room_name:
        problems.append(
            tr(
                f"ROOM is {room!r}: give a short word such as 'hitl'; every PREFIX starts with it.",
                f"ROOM が {room!r} です。'hitl' のような短い語を指定してください。"
                "すべての PREFIX がこの語で始まります。",
            )
        )
    if step not in STEPS:
        problems.append(
            tr(
                f"STEP is {step!r}: use one of {', '.join(STEPS)}.",
                f"STEP が {step!r} です。{', '.join(STEPS)} のいずれかを指定してください。",
            )
        )
    if identity not in IDENTITIES:
        problems.append(
            tr(
                f"IDENTITY is {identity!r}: use 'user' (an IAM user with an access key per "
                "attendee) or 'role' (a role each attendee assumes).",
                f"IDENTITY が {identity!r} です。'user'(参加者ごとにアクセスキー付きの IAM "
                "ユーザー)か 'role'(参加者が引き受けるロール)を指定してください。",
            )
        )
    names = _names(attendees, problems)
    if not names and not problems:
        problems.append(
            tr(
                "ATTENDEES names nobody: give at least one name.",
                "ATTENDEES に名前がありません。少なくとも 1 名指定してください。",
            )
        )
    seen: dict[str, str] = {}
    found: list[Attendee] = []
    for name in names:
        prefix = f"{room_name}-{name}".lower()
        try:
            validate_prefix(prefix)
        except PrefixError as exc:
            problems.append(
                tr(
                    f"attendee {name!r} would get PREFIX {prefix!r}, which cannot work: "
                    f"{exc} Spell the name with letters, digits and hyphens, or shorten "
                    "it (or ROOM).",
                    f"参加者 {name!r} の PREFIX は {prefix!r} になり、使えません: {exc} "
                    "名前を英小文字・数字・ハイフンで書くか、名前(または ROOM)を短くして"
                    "ください。",
                )
            )
            continue
        if prefix in seen:
            problems.append(
                tr(
                    f"attendees {seen[prefix]!r} and {name!r} would share PREFIX {prefix!r}: "
                    "tell them apart (for example 'alice-2').",
                    f"参加者 {seen[prefix]!r} と {name!r} の PREFIX が同じ {prefix!r} に"
                    "なります。区別できる名前にしてください(例: 'alice-2')。",
                )
            )
            continue
        seen[prefix] = name
        found.append(Attendee(name, prefix))
    if problems:
        raise ParameterError(problems)
    return Room(room_name, str(step), str(identity), tuple(found))
