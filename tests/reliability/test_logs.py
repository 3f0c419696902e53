"""No credentials or account ids in what the kit logs: a real run, scanned with canaries.

The kit runs for real on the local cloud: ``python -m helpers.localcloud`` as a
subprocess (the command line ``background.command`` gives notebooks), and notebooks 00-05,
then 99, headless with papermill in another one (``helpers.workshop.run``, as ``make workshop``
does; 01 and 02 with a 1 s wait, 04 with an instant reviewer). Both processes get
distinctive fake credentials (an ``AKIA…`` access key id, a secret key and a session
token) as a user's environment would hold real ones, and the local cloud files
everything under a distinctive account (moto's ``MOTO_ACCOUNT_ID``). Then everything
written is scanned:

================================  =========================================================
scope                             what
================================  =========================================================
CloudWatch Logs                   every event of every log group, read with boto3 ``logs``
                                  (the chatbot's JSON records, the samples' text records)
local cloud output                its stdout and stderr, and the ``*.log`` files of its
                                  state dir (the workers' stderr)
local cloud state                 the other files of its state dir: the moto journal, the
                                  runner's sqlite store, the Lambda configs (not ``code/``
                                  nor ``blobs/``: the deployed zip, whose bundled botocore
                                  carries AWS's documented example keys)
notebooks                         the executed notebooks in the output dir, whole
plots                             every text drawn in the figures of 01, 02 and 05 (drawn
                                  again from the same data by the same helpers: a PNG's
                                  pixels cannot be searched) and the PNG files' text chunks
terminal                          the workshop run's stdout and stderr
================================  =========================================================

Rules (``RULES`` says which apply where):

* credentials, everywhere: the canary secret key and session token (plain or URL-encoded),
  any access key id (``AKIA``/``ASIA`` + 16), and environment or credential-file dumps
  (``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``aws_secret_access_key``);
* signed requests, everywhere but the local cloud's state: ``X-Amz-Signature=``,
  ``X-Amz-Credential=``, ``X-Amz-Security-Token=`` (a presigned URL is a credential while
  it lives) and a SigV4 ``Authorization`` header. The one exception is by design: the
  chatbot's report URL, the ``report_url`` of an execution's result, may be shown in the
  notebooks that display that result (03's first invoke, 04's report link: a link that
  must work, expiring within an hour, see test_security.py). Only the exact report URLs
  of this run's executions, as ``get_durable_execution`` returns them, are exempt, and
  they must carry none of the caller's credentials (the function signs them with its own);
  anywhere else, and in every log, a presigned URL is a leak. The state dir keeps
  execution results, so their report URLs, as data;
* the canary account id, in what the kit displays (notebooks, plots, terminal) and in the
  local cloud's output. The kit masks account ids where it displays them
  (``helpers.deploy.redact_account``), never in the data it uses; the report URL keeps
  the account in its bucket name, as a link must. Not in CloudWatch Logs: they stay in
  the account, and on AWS the durable SDK's logger adds the execution ARN to every record
  of ``context.logger`` (``executionArn``), and the chatbot logs its report's S3 location.
  Nor in the state dir, which holds ARNs as data.

``test_the_scanner_*`` plant each pattern in a sample and check that the scan reports it,
so that a scan that finds nothing has looked for something.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers import state
from helpers.cost import list_executions
from helpers.localcloud import background

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "rel-logs"
REGION = "us-east-1"
START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 900  # a loaded shared machine; the run takes about a minute

# Canaries: fake, distinctive, and never to be seen in a log.
CANARY_ACCOUNT = "210987654321"
CANARY_KEY_ID = "AKIA" + secrets.token_hex(8).upper()  # random per run: no key in the repo
CANARY_SECRET = "canary/Secret+Key/never-logged/0123456789abcdefghij"
CANARY_TOKEN = "IQoJcanary//SessionToken+never+logged//" + "Q" * 24
CANARY_ENV = {
    "AWS_ACCESS_KEY_ID": CANARY_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": CANARY_SECRET,
    "AWS_SESSION_TOKEN": CANARY_TOKEN,
}


# -- the scanner -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


def _literal(name: str, value: str) -> Rule:
    # As written, or URL-encoded (inside a presigned URL or a form body).
    forms = {re.escape(value), re.escape(quote(value, safe=""))}
    return Rule(name, re.compile("|".join(sorted(forms))))


CREDENTIALS = (
    _literal("canary secret access key", CANARY_SECRET),
    _literal("canary session token", CANARY_TOKEN),
    Rule("access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    Rule(
        "environment or credentials file dump",
        re.compile(r"AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_secret_access_key"),
    ),
)
SIGNED = (
    Rule("presigned URL signature", re.compile(r"X-Amz-Signature=", re.IGNORECASE)),
    Rule("presigned URL credential", re.compile(r"X-Amz-Credential=", re.IGNORECASE)),
    Rule("presigned URL session token", re.compile(r"X-Amz-Security-Token=", re.IGNORECASE)),
    Rule("SigV4 Authorization header", re.compile(r"AWS4-HMAC-SHA256 Credential=")),
)
ACCOUNT = (Rule("canary account id", re.compile(rf"(?<!\d){CANARY_ACCOUNT}(?!\d)")),)

RULES: dict[str, tuple[Rule, ...]] = {
    "cloudwatch": CREDENTIALS + SIGNED,
    "localcloud-output": CREDENTIALS + SIGNED + ACCOUNT,
    "localcloud-state": CREDENTIALS,
    "notebooks": CREDENTIALS + SIGNED + ACCOUNT,
    "plots": CREDENTIALS + SIGNED + ACCOUNT,
    "terminal": CREDENTIALS + SIGNED + ACCOUNT,
}


@dataclass(frozen=True)
class Leak:
    source: str
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.source}: {self.rule}: …{self.excerpt}…"


def scan(source: str, text: str, rules: Sequence[Rule]) -> list[Leak]:
    """Every match of every rule in ``text``, with some context."""
    return [
        Leak(source, rule.name, text[max(0, m.start() - 60) : m.end() + 60].replace("\n", "⏎"))
        for rule in rules
        for m in rule.pattern.finditer(text)
    ]


def without(text: str, urls: Iterable[str]) -> str:
    """``text`` with the exempt report URLs cut out, in the forms a notebook stores them."""
    for url in urls:
        for form in (url, html.escape(url), html.escape(url, quote=False)):
            text = text.replace(form, "<report url>")
    return text


def png_text(path: Path) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG file."""
    data, pos, texts = path.read_bytes(), 8, []
    while pos + 8 <= len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"tEXt":
            texts.append(body.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            texts.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            texts.append(body.decode("utf-8", "replace"))
        pos += 12 + size
    return "\n".join(texts)


def journal_bodies(path: Path) -> str:
    """The decoded request bodies of the local cloud's moto journal (JSON lines)."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return "\n".join(
        base64.b64decode(r["body"]).decode("latin-1") for r in records if r.get("body")
    )


# -- the run -----------------------------------------------------------------------------------
@dataclass
class Scanned:
    """What one scope held: (source, text) pairs and the figures to print."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    events: int = 0

    def add(self, source: str, text: str) -> None:
        self.texts.append((source, text))

    @property
    def bytes(self) -> int:
        return sum(len(t.encode()) for _, t in self.texts)

    @property
    def lines(self) -> int:
        return sum(t.count("\n") + 1 for _, t in self.texts if t)


@dataclass
class Run:
    scopes: dict[str, Scanned]
    report_urls: set[str]
    functions: list[str]
    log_formats: set[str]
    seconds: float


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment with the canaries instead of anyone's real credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    return {**env, **CANARY_ENV, **extra}


def _start_cloud(state_dir: Path, out: Path, err: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = _environment(
        MOTO_ACCOUNT_ID=CANARY_ACCOUNT,
        AWS_CONFIG_FILE=str(state_dir.parent / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(state_dir.parent / "no-aws-credentials"),
    )
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            background.command(0, state_dir),  # port 0: a free one, printed in "ready"
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        for line in out.read_text().splitlines():
            if line.startswith("ready "):
                return proc, line.split()[1]
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"the local cloud did not start: {err.read_text()[-2000:]}")


def _stop_cloud(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# The workshop run, in its own process as `make workshop` runs it: the notebooks in three
# groups so that each gets only the parameters it declares.
WORKSHOP_SCRIPT = """
import json, sys
from pathlib import Path
from helpers import workshop
out = Path(sys.argv[1])
for names, parameters in json.loads(sys.argv[2]):
    notebooks = [workshop.NOTEBOOKS / name for name in names]
    if workshop.run(out, notebooks, parameters) != 0:
        sys.exit(1)
"""
GROUPS: list[tuple[list[str], dict[str, object]]] = [
    (["00_setup.ipynb"], {"PREFIX": PREFIX}),
    (
        ["01_first_durable_function.ipynb", "02_parallel_and_replay.ipynb"],
        {"PREFIX": PREFIX, "WAIT_SECONDS": 1},
    ),
    (
        ["03_deploy.ipynb", "04_chatbot_with_approvals.ipynb", "05_billed_vs_wallclock.ipynb"],
        {"PREFIX": PREFIX, "REVIEW_SECONDS": 0},
    ),
]

CLEANUP: list[tuple[list[str], dict[str, object]]] = [(["99_cleanup.ipynb"], {"PREFIX": PREFIX})]


def _run_notebooks(
    output_dir: Path, groups: list[tuple[list[str], dict[str, object]]], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WORKSHOP_SCRIPT, str(output_dir), json.dumps(groups)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def _client(service: str, endpoint: str) -> Any:
    # Like a user's: the same (canary) credentials as the notebooks.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CANARY_KEY_ID,
        aws_secret_access_key=CANARY_SECRET,
        aws_session_token=CANARY_TOKEN,
        config=Config(retries={"mode": "standard"}),
    )


def _read_cloudwatch(endpoint: str, scanned: Scanned) -> tuple[list[str], set[str]]:
    """Every event of every log group into ``scanned``; (log groups, log formats seen).

    Lambda delivers logs with a lag (the local cloud too): read until two reads agree."""
    logs = _client("logs", endpoint)
    read: dict[str, list[str]] = {}
    deadline = time.monotonic() + 30
    while True:
        previous, read = read, {}
        for page in logs.get_paginator("describe_log_groups").paginate():
            for group in page["logGroups"]:
                name = group["logGroupName"]
                read[name] = [
                    e["message"]
                    for events in logs.get_paginator("filter_log_events").paginate(
                        logGroupName=name
                    )
                    for e in events["events"]
                ]
        if read == previous or time.monotonic() > deadline:
            break
        time.sleep(1)
    formats: set[str] = set()
    for name, messages in read.items():
        scanned.events += len(messages)
        formats |= {"JSON" if m.startswith("{") else "Text" for m in messages}
        scanned.add(f"CloudWatch {name}", "\n".join(messages))
    return list(read), formats


def _report_urls(endpoint: str, functions: Sequence[str]) -> set[str]:
    """The report_url of every execution's result: the one presigned URL shown by design."""
    lam = _client("lambda", endpoint)
    urls: set[str] = set()
    for function in functions:
        # Every version's: a listing without a Qualifier covers $LATEST only, as on AWS.
        for item in list_executions(lam, function, limit=10_000):
            details = lam.get_durable_execution(DurableExecutionArn=item["DurableExecutionArn"])
            result = json.loads(details.get("Result") or "null")
            if isinstance(result, dict) and isinstance(result.get("report_url"), str):
                urls.add(result["report_url"])
    return urls


def _plot_texts(endpoint: str, scanned: Scanned, output_dir: Path) -> None:
    """The texts of the figures 01, 02 and 05 draw, drawn again from the same data."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from helpers import history, plots
    from helpers.conversations import costs_since_deploy, qualifier_of
    from helpers.cost import analyse_execution
    from helpers.deploy import Names
    from helpers.target import connect

    def texts(name: str, fig: Figure) -> None:
        drawn = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
        scanned.add(f"plot {name}", "\n".join(drawn))

    saved = state.load(PREFIX)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        for key, value in CANARY_ENV.items():
            patch.setenv(key, value)
        target = connect("local", REGION)
        lam, logs = target.client("lambda"), target.client("logs")
        for key in ("first_execution_arn", "replay_execution_arn"):
            texts(
                f"01/02 history {key}", history.operations_timeline(history.fetch(lam, saved[key]))
            )
        arn = saved["execution_arn"]
        cost = analyse_execution(lam, logs, arn, timeout_s=90)
        texts("05 timeline", plots.billed_timeline(cost))
        texts("05 billed vs wall-clock", plots.billed_vs_wallclock(cost))
        names = Names.for_target(target, PREFIX)
        everything = costs_since_deploy(target, names, qualifier_of(arn))
        texts("05 executions", plots.executions_chart(everything))
    for png in sorted(output_dir.glob("*.png")):
        scanned.add(f"PNG text chunks {png.name}", png_text(png))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    base = tmp_path_factory.mktemp("rel-logs")
    state_dir, output_dir = base / "localcloud", base / "outputs"
    cloud_out, cloud_err = base / "localcloud.stdout", base / "localcloud.stderr"
    scopes = {scope: Scanned() for scope in RULES}
    started = time.monotonic()
    state.forget(PREFIX)  # values an earlier run left would be shown as this run's
    proc, endpoint = _start_cloud(state_dir, cloud_out, cloud_err)
    try:
        env = _environment(AWS_ENDPOINT_URL=endpoint, PYTHONUNBUFFERED="1")
        env["AWS_CONFIG_FILE"] = str(base / "no-aws-config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(base / "no-aws-credentials")
        done = _run_notebooks(output_dir, GROUPS, env)
        assert done.returncode == 0, f"the workshop run failed:\n{done.stdout}\n{done.stderr}"
        scopes["terminal"].add("workshop stdout", done.stdout)
        scopes["terminal"].add("workshop stderr", done.stderr)

        functions = [
            f["FunctionName"]
            for page in _client("lambda", endpoint).get_paginator("list_functions").paginate()
            for f in page["Functions"]
        ]
        groups_read, formats = _read_cloudwatch(endpoint, scopes["cloudwatch"])
        assert {f"/aws/lambda/{f}" for f in functions} <= set(groups_read), groups_read
        report_urls = _report_urls(endpoint, functions)
        _plot_texts(endpoint, scopes["plots"], output_dir)
        # Cleanup last: it removes what was just read. Its lines name every resource.
        cleaned = _run_notebooks(output_dir, CLEANUP, env)
        assert cleaned.returncode == 0, f"cleanup failed:\n{cleaned.stdout}\n{cleaned.stderr}"
        scopes["terminal"].add("cleanup stdout", cleaned.stdout)
        scopes["terminal"].add("cleanup stderr", cleaned.stderr)
    finally:
        _stop_cloud(proc)
        state.forget(PREFIX)  # the run's .state/workshop/<prefix>.json in the repository

    scopes["localcloud-output"].add("local cloud stdout", cloud_out.read_text(errors="replace"))
    scopes["localcloud-output"].add("local cloud stderr", cloud_err.read_text(errors="replace"))
    for path in sorted(state_dir.rglob("*")):
        relative = path.relative_to(state_dir)
        if not path.is_file() or relative.parts[0] in ("code", "blobs"):
            continue
        scope = "localcloud-output" if path.suffix == ".log" else "localcloud-state"
        scopes[scope].add(f"state dir {relative}", path.read_bytes().decode("latin-1"))
        if path.suffix == ".jsonl":  # the moto journal's request bodies are base64: decoded too
            scopes[scope].add(f"state dir {relative} (bodies)", journal_bodies(path))
    for notebook in sorted(output_dir.glob("*.ipynb")):
        scopes["notebooks"].add(notebook.name, notebook.read_text())
    yield Run(scopes, report_urls, functions, formats, time.monotonic() - started)


# -- the checks --------------------------------------------------------------------------------
@pytest.mark.slow  # the whole series runs first (the module's run fixture)
def test_the_run_covered_what_it_should(run: Run) -> None:
    # A scan of nothing finds nothing: the run must have produced what is scanned, under the
    # canary account (or the account rule could not fail).
    for scope, scanned in run.scopes.items():
        print(
            f"{scope:18} {len(scanned.texts):3} sources {scanned.lines:6} lines "
            f"{scanned.bytes:9,} bytes" + (f" {scanned.events} events" if scanned.events else "")
        )
    shown = [
        f"{scope}: {source}"
        for scope, scanned in run.scopes.items()
        for source, text in scanned.texts
        if without(text, run.report_urls) != text
    ]
    print(f"{len(run.report_urls)} report URLs (exempt in notebooks) found in: {shown}")
    print(f"run and scan took {run.seconds:.0f} s")
    assert {f"{PREFIX}-chatbot", f"{PREFIX}-first", f"{PREFIX}-replay"} <= set(run.functions)
    assert run.log_formats == {"JSON", "Text"}
    assert run.scopes["cloudwatch"].events > 20
    assert len(run.scopes["notebooks"].texts) == 7  # 00-05 and 99
    assert run.report_urls, "04's conversation has a report"
    state_text = "\n".join(t for _, t in run.scopes["localcloud-state"].texts)
    assert CANARY_ACCOUNT in state_text, "the local cloud used the canary account"
    assert any(CANARY_ACCOUNT in url for url in run.report_urls)
    assert any("ready http://127.0.0.1:" in t for _, t in run.scopes["localcloud-output"].texts), (
        "the local cloud's output was captured"
    )
    assert "notebooks in" in run.scopes["terminal"].texts[0][1], "the run's output was captured"


@pytest.mark.slow  # the whole series runs first (the module's run fixture)
@pytest.mark.parametrize("scope", list(RULES))
def test_nothing_secret_in(run: Run, scope: str) -> None:
    leaks: list[Leak] = []
    for source, text in run.scopes[scope].texts:
        if scope == "notebooks":
            text = without(text, run.report_urls)
        leaks += scan(source, text, RULES[scope])
    assert not leaks, "\n".join(str(leak) for leak in leaks[:20])


@pytest.mark.slow  # the whole series runs first (the module's run fixture)
def test_the_exempt_report_urls_carry_no_caller_credentials(run: Run) -> None:
    # The function signs its report URL with its own credentials, never the caller's.
    for url in run.report_urls:
        assert not scan("report URL", url, (*CREDENTIALS[:2], _literal("key", CANARY_KEY_ID)))


# -- the scanner's self-test -------------------------------------------------------------------
PLANTED = {
    "canary secret access key": f"aws configure set aws_secret {CANARY_SECRET}",
    "canary session token": f"token={quote(CANARY_TOKEN, safe='')}&x=1",
    "access key id": "Credential: ASIA" + "Q7" * 8 + " used",
    "environment or credentials file dump": "environ({'AWS_SESSION_TOKEN': 'x'})",
    "presigned URL signature": "GET https://b.s3.amazonaws.com/k?X-Amz-Signature=ab12",
    "presigned URL credential": "https://b.s3.amazonaws.com/k?x-amz-credential=k%2F2026",
    "presigned URL session token": "https://b/k?a=1&amp;X-Amz-Security-Token=abc",
    "SigV4 Authorization header": "Authorization: AWS4-HMAC-SHA256 Credential=k/2026/x",
    "canary account id": f"role arn:aws:iam::{CANARY_ACCOUNT}:role/r",
}
ALL_RULES = CREDENTIALS + SIGNED + ACCOUNT
CLEAN = (
    "REPORT RequestId: 0b5f3c8e-1d2a-4f7b-9a51-123456789012\tDuration: 40.38 ms\t"
    "Billed Duration: 41 ms\n"
    "arn:aws:lambda:us-east-1:************:function:rel-logs-chatbot:1/durable-execution/x/y\n"
    "Found credentials in environment variables.\n"
    f"epoch ms {CANARY_ACCOUNT}5 and id 9{CANARY_ACCOUNT}"
)


def test_the_planted_samples_cover_every_rule() -> None:
    assert set(PLANTED) == {rule.name for rule in ALL_RULES}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_the_scanner_finds_a_planted_leak(rule: Rule) -> None:
    sample = f"{CLEAN}\n{PLANTED[rule.name]}\nmore text"
    found = scan("sample", sample, ALL_RULES)
    assert [leak.rule for leak in found] == [rule.name], found
    assert scan("clean", CLEAN, ALL_RULES) == []


def test_the_exemption_cuts_only_the_exact_report_url() -> None:
    url = (
        f"http://127.0.0.1:4566/p-reports-{CANARY_ACCOUNT}-us-east-1/reports/x.md?"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=localcloud%2F20261126&"
        "X-Amz-Expires=900&X-Amz-Security-Token=localcloud&X-Amz-Signature=0a1b"
    )
    shown = json.dumps({"text/markdown": f"[Open the report]({url})", "html": html.escape(url)})
    assert scan("notebook", without(shown, [url]), ALL_RULES) == []
    other = url.replace("x.md", "y.md")  # another signed URL: not the report's
    assert scan("notebook", without(shown + other, [url]), ALL_RULES)
    assert scan("notebook", shown, ALL_RULES)  # without the exemption it is caught
