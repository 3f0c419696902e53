"""The state scan (state_scan.py) runs after every test of this directory, and fails a test
whose state holds something credential-shaped."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
import tempfile
from pathlib import Path

from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

HERE = Path(__file__).resolve().parent
# The room runs thirty notebook kernels and is another workstream's; its state dirs are
# the kernels' own, which the notebooks' tests scan.
NOT_SCANNED = {"test_room.py"}

PROBE = """
from state_scan import state_holds_no_credentials  # noqa: F401

def test_writes_state(tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "moto-journal.jsonl").write_text(__CONTENT__)
"""


def test_every_module_here_is_scanned() -> None:
    unscanned = [
        path.name
        for path in sorted(HERE.glob("test_*.py"))
        if path.name not in NOT_SCANNED
        and not re.search(
            r"^from state_scan import .*state_holds_no_credentials", path.read_text(), re.M
        )
    ]
    assert unscanned == [], "modules without the state scan (import state_holds_no_credentials)"


def _run_probe(content: str) -> subprocess.CompletedProcess[str]:
    # Outside this test's tmp_path: the scan after this test must not find the sample.
    with tempfile.TemporaryDirectory(prefix="state-scan-probe-") as folder:
        return _run_probe_in(Path(folder), content)


def _run_probe_in(probe: Path, content: str) -> subprocess.CompletedProcess[str]:
    (probe / "test_probe.py").write_text(PROBE.replace("__CONTENT__", repr(content)))
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--rootdir", str(probe), "-c", os.devnull, "--basetemp", str(probe / "tmp"),
         str(probe)],
        capture_output=True, text=True, env=env, timeout=120, cwd=probe,
    )  # fmt: skip


def test_the_scan_fails_a_test_that_leaves_a_key_id_in_its_state() -> None:
    # A key id of the real shape, built now (no key-shaped literal in the repo).
    key_id = "AK" + "IA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16))
    planted = _run_probe(f'{{"query": "X-Amz-Credential={key_id}%2F"}}')
    assert planted.returncode != 0, planted.stdout
    assert "credential-shaped strings in the state written" in planted.stdout, planted.stdout
    assert "moto-journal.jsonl: access key id" in planted.stdout
    assert "1 passed, 1 error" in planted.stdout  # the test ran; its teardown scan failed
    clean = _run_probe('{"query": "X-Amz-Credential=journal%2F"}')
    assert clean.returncode == 0, clean.stdout


def test_the_scan_reads_sqlite_databases_row_by_row(tmp_path: Path) -> None:
    """A database is read as its values (a row cut across pages is whole there): a key id
    in a row is found, also while it sits in the WAL; a URL signed with the kit's own
    key is not a finding however long its row is."""
    import sqlite3

    from state_scan import credential_shaped

    key_id = "AS" + "IA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16))
    folder = tmp_path / "db"
    folder.mkdir()
    db = sqlite3.connect(folder / "durable-executions.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (v TEXT)")
    local = "x" * 9000 + f"X-Amz-Credential=localcloud%2F20260101&X-Amz-Signature={'ab' * 32}"
    db.execute("INSERT INTO t VALUES (?)", (local,))
    db.commit()
    assert credential_shaped(folder) == []
    db.execute("INSERT INTO t VALUES (?)", ("y" * 9000 + f"Credential={key_id}/x",))
    db.commit()  # in the WAL: the database file itself is unchanged
    found = credential_shaped(folder)
    db.close()
    assert [f.split(":", 1)[1].strip().split(" b")[0] for f in found] == ["access key id"]
    (folder / "durable-executions.db").unlink()  # the fixture scans tmp_path afterwards
