"""The facilitator's kit without a cloud: the room's parameters (each bad name refused,
saying which and why), the handout, error records in a function's logs, and notebook 90
with its Japanese twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import i18n
from helpers.deploy import Names
from helpers.facilitator import RoomWatch, check_room
from helpers.facilitator.provisioning import handout_text
from helpers.facilitator.reading import error_in
from helpers.facilitator.watch import PROGRESS_FILE, Snapshot
from helpers.params import ParameterError
from helpers.target import Target

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def english() -> object:
    i18n.use_language("en")
    yield
    i18n.use_language(None)


def test_names_become_prefixes_lower_cased() -> None:
    room = check_room(["Alice", "bob-2", " carol "], "HITL", "watch", "role")
    assert room.prefixes == ["hitl-alice", "hitl-bob-2", "hitl-carol"]
    assert [a.name for a in room.attendees] == ["Alice", "bob-2", "carol"]
    assert (room.name, room.step, room.identity) == ("hitl", "watch", "role")
    assert check_room("alice, bob").prefixes == ["hitl-alice", "hitl-bob"]  # papermill's -p


def test_every_bad_name_is_refused_saying_which_and_why() -> None:
    names = ["ok", "Jürgen", "a-very-long-attendee-name", "bob", "BOB", "x_y", ""]
    with pytest.raises(ParameterError) as refused:
        check_room(names, "hitl", "provision")
    problems = refused.value.problems
    assert len(problems) == 5, problems
    assert "attendee 'Jürgen' would get PREFIX 'hitl-jürgen'" in problems[0]
    assert "'hitl-a-very-long-attendee-name'" in problems[1] and "3 to 20" in problems[1]
    assert "'bob' and 'BOB' would share PREFIX 'hitl-bob'" in problems[2]
    assert "attendee 'x_y'" in problems[3]
    assert "attendee ''" in problems[4]
    assert len(refused.value._render_traceback_()) == 2  # no traceback in a notebook


def test_the_other_parameters_are_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as refused:
        check_room(str(tmp_path / "missing.csv"), " ", "cleanup", "group", "fr")
    text = str(refused.value)
    for said in ("LANGUAGE is 'fr'", "ROOM is ' '", "STEP is 'cleanup'", "IDENTITY is 'group'",
                 "no such CSV file"):  # fmt: skip
        assert said in text, text
    with pytest.raises(ParameterError, match="names nobody"):
        check_room([])
    with pytest.raises(ParameterError, match="give a list of names"):
        check_room(42)


def test_a_csv_of_attendees(tmp_path: Path) -> None:
    headed = tmp_path / "room.csv"
    headed.write_text("email,Name\na@example.com,alice\n\nb@example.com,bob\n", encoding="utf-8")
    assert check_room(str(headed)).prefixes == ["hitl-alice", "hitl-bob"]
    plain = tmp_path / "plain.csv"
    plain.write_text("# the room\ncarol\ndave,late\n", encoding="utf-8")
    assert check_room(plain).prefixes == ["hitl-carol", "hitl-dave"]


def test_refusals_speak_japanese_when_asked() -> None:
    with pytest.raises(ParameterError) as refused:
        check_room(["x_y"], language="ja")
    assert "参加者 'x_y' の PREFIX は 'hitl-x_y' になり、使えません" in str(refused.value)


def test_the_handout_says_prefix_region_sign_in_and_the_first_command() -> None:
    names = Names("hitl-alice", "123456789012", "ap-northeast-1")
    target = Target("aws", "ap-northeast-1", None, None)  # type: ignore[arg-type]
    key = {"id": "KEYID", "secret": "SECRET"}
    user = handout_text(
        target, names, "Alice", f"arn:aws:iam::{names.account}:user/hitl-alice-attendee", key
    )
    for said in ("PREFIX: `hitl-alice`", "REGION: `ap-northeast-1`", "aws_access_key_id KEYID",
                 "aws_secret_access_key SECRET", "WORKSHOP_PERMISSIONS_BOUNDARY=auto",
                 "-p TARGET aws -p REGION ap-northeast-1 -p PREFIX hitl-alice"):  # fmt: skip
        assert said in user, user
    role = f"arn:aws:iam::{names.account}:role/hitl-alice-attendee"
    assumed = handout_text(target, names, "Alice", role, None)
    assert f"role_arn {role}" in assumed and "SECRET" not in assumed
    i18n.use_language("ja")
    assert "# ハンズオン配布資料: Alice" in handout_text(target, names, "Alice", role, None)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        (
            json.dumps({"level": "ERROR", "message": "Execution failed\nTraceback (most recent"
                        " call last):\n  File x\nValueError: bad event\n"}),
            "Execution failed: ValueError: bad event",
        ),
        (
            json.dumps({"level": "ERROR", "message": "tool failed", "errorType": "KeyError",
                        "errorMessage": "'a'"}),
            "tool failed: KeyError: 'a'",
        ),
        (
            json.dumps({"type": "platform.report", "record": {"status": "timeout"}}),
            "invocation timeout: timeout",
        ),
        ("2026-12-03T00:00:00Z abc Task timed out after 3.00 seconds", "2026-12-03T00:00:00Z "
         "abc Task timed out after 3.00 seconds"),
        ("[ERROR] RuntimeError: boom", "[ERROR] RuntimeError: boom"),
        (json.dumps({"level": "INFO", "message": "ERROR in the text is not an error"}), None),
        (json.dumps({"type": "platform.report", "record": {"status": "success"}}), None),
        ("REPORT RequestId: 1\tDuration: 1 ms", None),
    ],
)  # fmt: skip
def test_error_records_in_a_functions_logs(message: str, said: str | None) -> None:
    assert error_in(message) == said


def test_notebook_90_and_its_japanese_twin() -> None:
    def load(path: Path) -> dict[str, object]:
        return json.loads(path.read_text(encoding="utf-8"))

    en = load(ROOT / "notebooks" / "90_facilitator.ipynb")
    ja = load(ROOT / "notebooks" / "ja" / "90_facilitator.ipynb")

    def code(nb: dict[str, object]) -> list[str]:
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]  # type: ignore[attr-defined,index]

    # The parameters cell may differ in its values (LANGUAGE, OUTPUT_DIR under outputs/ja):
    # tests/test_notebooks_ja.py holds it to the names; the rest is the same code.
    assert code(ja)[1:] == code(en)[1:]
    assert 'LANGUAGE = "ja"' in code(ja)[0]
    for name, value in (("ROOM", '"hitl"'), ("STEP", '"watch"'), ("TARGET", '"local"')):
        assert f"{name} = {value}" in code(en)[0]
    assert "check_parameters(" in code(en)[1] and "language=LANGUAGE" in code(en)[1]
    markdown = ["".join(c["source"]) for c in ja["cells"] if c["cell_type"] == "markdown"]  # type: ignore[attr-defined,index]
    assert all(any("\u3040" <= ch <= "\u30ff" for ch in text) for text in markdown)
    for nb in (en, ja):
        assert all(not c.get("outputs") for c in nb["cells"])  # type: ignore[attr-defined]


def test_headless_watch_runs_add_up_to_one_progress_plot(tmp_path: Path) -> None:
    """Each watch run appends its reading to OUTPUT_DIR; the plot shows them all (this
    room's only; a line cut short by a stopped kernel is skipped)."""
    room = check_room(["alice", "bob"])
    lines = [
        {"room": "hitl", "at": 1000.0, "counts": [1, 0, 0]},
        {"room": "other", "at": 1010.0, "counts": [9, 9, 9]},
        {"room": "hitl", "at": 1300.0, "counts": [2, 1, 0]},
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines) + '{"room": "hitl", "at"'
    (tmp_path / PROGRESS_FILE).write_text(text, encoding="utf-8")
    watch = RoomWatch(None, room, tmp_path)  # type: ignore[arg-type]  # reads no cloud here
    watch.snapshots.append(Snapshot(1600.0, 2, 0, 2))  # this run's, not written by hand
    assert [(s.at, s.counts()) for s in watch.readings()] == [
        (1000.0, (1, 0, 0)),
        (1300.0, (2, 1, 0)),
    ]
    figure = watch.plot()
    assert (tmp_path / "90-room-progress.png").stat().st_size > 0
    [axes] = figure.axes
    assert [list(line.get_ydata()) for line in axes.get_lines()] == [[1, 2], [0, 1], [0, 0]]
    assert list(axes.get_lines()[0].get_xdata()) == [0.0, 5.0]  # minutes
    alone = RoomWatch(None, room)  # type: ignore[arg-type]
    alone.snapshots.append(Snapshot(50.0, 0, 0, 0))
    assert [s.at for s in alone.readings()] == [50.0]
