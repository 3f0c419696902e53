"""REPORT records (one per Lambda invocation: billed duration, memory, init) parsed from
log messages in either of Lambda's log formats: text ``REPORT RequestId: …`` lines or
JSON ``platform.report`` records, mixed. Nothing the parser skips goes uncounted."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..i18n import tr


@dataclass(frozen=True)
class Report:
    """One invocation's REPORT record, in either log format."""

    request_id: str
    duration_ms: float
    billed_ms: int  # what Lambda bills: ceil(duration + init) since August 2025
    memory_mb: int
    max_memory_mb: int | None
    init_ms: float | None  # only on a cold start
    status: str  # "success", "error", "timeout"...
    error_type: str | None
    log_format: str  # "text" or "json"

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


@dataclass(frozen=True)
class Problem:
    """A log line that looked like a REPORT record but could not be used as one."""

    reason: str
    line: str  # the start of the line, for the reader
    request_id: str | None = None  # when it could still be read


@dataclass
class ParseReport:
    """What the parser saw: nothing it skips goes uncounted."""

    lines: int = 0
    text_reports: int = 0
    json_reports: int = 0
    ignored: int = 0  # START, END, INIT_START, platform.start, the function's own logs...
    malformed: list[Problem] = field(default_factory=list)  # unusable: not counted in figures
    incomplete: list[Problem] = field(default_factory=list)  # used: an optional field missing
    duplicates: list[str] = field(default_factory=list)  # request ids seen more than once
    unknown_fields: set[str] = field(default_factory=set)
    foreign: int = 0  # well-formed REPORTs of other invocations (set by the join)

    @property
    def reports(self) -> int:
        return self.text_reports + self.json_reports

    @property
    def clean(self) -> bool:
        return not (self.malformed or self.incomplete or self.duplicates)

    def summary(self) -> str:
        parts = [
            tr(
                f"{self.lines} log lines: {self.reports} REPORT records "
                f"({self.text_reports} text, {self.json_reports} JSON), {self.ignored} other lines",
                f"ログ {self.lines} 行: REPORT レコード {self.reports} 件 (テキスト "
                f"{self.text_reports} 件、JSON {self.json_reports} 件)、その他 {self.ignored} 行",
            ),
            tr(
                f"{self.foreign} REPORT records of other invocations (other executions or "
                "functions in the same log group), not counted",
                f"ほかの呼び出しの REPORT レコード {self.foreign} 件 (同じロググループにある別の"
                "実行や関数のもの) は数えていません",
            ),
        ]
        if self.malformed:
            parts.append(
                tr(
                    f"{len(self.malformed)} malformed REPORT lines, not counted:",
                    f"形式が正しくない REPORT 行 {len(self.malformed)} 行 (数えていません):",
                )
            )
            parts += [f"  - {p.reason}: {p.line!r}" for p in self.malformed[:5]]
            if len(self.malformed) > 5:
                more = len(self.malformed) - 5
                parts.append(tr(f"  … and {more} more", f"  … ほか {more} 行"))
        if self.incomplete:
            parts.append(
                tr(
                    f"{len(self.incomplete)} REPORT records missing an optional field:",
                    f"省略可能なフィールドが欠けた REPORT レコード {len(self.incomplete)} 件:",
                )
            )
            parts += [f"  - {p.reason}" for p in self.incomplete[:5]]
        if self.duplicates:
            parts.append(
                tr(
                    f"{len(self.duplicates)} duplicate REPORT records, first one kept",
                    f"重複した REPORT レコード {len(self.duplicates)} 件 (最初の 1 件を採用)",
                )
            )
        if self.unknown_fields:
            fields_ = ", ".join(sorted(self.unknown_fields))
            parts.append(tr(f"fields not used: {fields_}", f"使っていないフィールド: {fields_}"))
        return "\n".join(parts)


_TEXT_PREFIX = "REPORT RequestId: "
_NUMBER = re.compile(r"\d+(?:\.\d+)?\Z")
_INTEGER = re.compile(r"\d+\Z")
_JSON_REQUEST_ID = re.compile(r'"requestId"\s*:\s*"([^"]+)"')
# field label -> (attribute, unit, integer?); Status and Error Type carry no unit.
_TEXT_FIELDS: dict[str, tuple[str, str, bool]] = {
    "Duration": ("duration_ms", " ms", False),
    "Billed Duration": ("billed_ms", " ms", True),
    "Memory Size": ("memory_mb", " MB", True),
    "Max Memory Used": ("max_memory_mb", " MB", True),
    "Init Duration": ("init_ms", " ms", False),
    "Status": ("status", "", False),
    "Error Type": ("error_type", "", False),
}
# Known fields the figures do not need (X-Ray, SnapStart restore).
_TEXT_IGNORED = {
    "XRAY TraceId",
    "SegmentId",
    "Sampled",
    "Restore Duration",
    "Billed Restore Duration",
}
_REQUIRED = ("duration_ms", "billed_ms", "memory_mb")
_LABELS = {attr: label for label, (attr, _, _) in _TEXT_FIELDS.items()}


def _excerpt(line: str) -> str:
    return line if len(line) <= 160 else line[:157] + "..."


def _parse_text(line: str, parse: ParseReport) -> Report | Problem:
    parts = line.rstrip("\r\n").split("\t")
    request_id = parts[0][len(_TEXT_PREFIX) :].strip()
    if not request_id or " " in request_id:
        return Problem("no request id after 'REPORT RequestId:'", _excerpt(line))
    values: dict[str, Any] = {}
    for part in parts[1:]:
        if not part:
            continue  # Lambda ends the line with a tab
        label, sep, raw = part.partition(": ")
        if not sep:
            return Problem(
                f"field {part!r} has no value (truncated line?)", _excerpt(line), request_id
            )
        spec = _TEXT_FIELDS.get(label)
        if spec is None:
            if label not in _TEXT_IGNORED:
                parse.unknown_fields.add(label)
            continue
        attr, unit, integer = spec
        if unit:
            if not raw.endswith(unit):
                return Problem(
                    f"{label} {raw!r} does not end in{unit} (truncated line?)",
                    _excerpt(line),
                    request_id,
                )
            raw = raw[: -len(unit)]
            if not (_INTEGER if integer else _NUMBER).match(raw):
                kind = "a whole number" if integer else "a number"
                return Problem(f"{label} {raw!r} is not {kind}", _excerpt(line), request_id)
            values[attr] = int(raw) if integer else float(raw)
        else:
            values[attr] = raw.strip()
    return _report(values, request_id, "text", line, parse)


def _parse_json(line: str, parse: ParseReport) -> Report | Problem | None:
    try:
        doc = json.loads(line)
    except ValueError:
        match = _JSON_REQUEST_ID.search(line)
        return Problem(
            "platform.report line is not valid JSON (truncated?)",
            _excerpt(line),
            match.group(1) if match else None,
        )
    if not isinstance(doc, dict) or doc.get("type") != "platform.report":
        return None  # e.g. the function logging a message that mentions platform.report
    record = doc.get("record")
    if not isinstance(record, dict):
        return Problem("platform.report without a 'record' object", _excerpt(line))
    request_id = record.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        return Problem("platform.report without record.requestId", _excerpt(line))
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        return Problem("platform.report without record.metrics", _excerpt(line), request_id)
    values: dict[str, Any] = {}
    for key, attr, integer in (
        ("durationMs", "duration_ms", False),
        ("billedDurationMs", "billed_ms", True),
        ("memorySizeMB", "memory_mb", True),
        ("maxMemoryUsedMB", "max_memory_mb", True),
        ("initDurationMs", "init_ms", False),
    ):
        if key not in metrics:
            continue
        value = metrics[key]
        # bool is an int in Python; a number in JSON never is.
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and value >= 0
        if ok and integer and value != int(value):
            ok = False
        if not ok:
            return Problem(
                f"metrics.{key} = {value!r} is not a valid "
                f"{'whole number' if integer else 'number'}",
                _excerpt(line),
                request_id,
            )
        values[attr] = int(value) if integer else float(value)
    for key, attr in (("status", "status"), ("errorType", "error_type")):
        if isinstance(record.get(key), str):
            values[attr] = record[key]
    known = {"requestId", "metrics", "status", "errorType", "tracing", "spans"}
    parse.unknown_fields.update(f"record.{k}" for k in record.keys() - known)
    return _report(values, request_id, "json", line, parse)


def _report(
    values: dict[str, Any], request_id: str, log_format: str, line: str, parse: ParseReport
) -> Report | Problem:
    missing = [attr for attr in _REQUIRED if attr not in values]
    if missing:
        names = ", ".join(_LABELS[a] for a in missing)
        return Problem(f"missing {names}", _excerpt(line), request_id)
    if "max_memory_mb" not in values:
        parse.incomplete.append(
            Problem(f"{request_id}: no Max Memory Used", _excerpt(line), request_id)
        )
    if "status" not in values and log_format == "json":
        parse.incomplete.append(
            Problem(
                f"{request_id}: no record.status (taken as success)", _excerpt(line), request_id
            )
        )
    return Report(
        request_id=request_id,
        duration_ms=values["duration_ms"],
        billed_ms=values["billed_ms"],
        memory_mb=values["memory_mb"],
        max_memory_mb=values.get("max_memory_mb"),
        init_ms=values.get("init_ms"),
        status=values.get("status", "success"),
        error_type=values.get("error_type"),
        log_format=log_format,
    )


def parse_reports(messages: Iterable[str]) -> tuple[dict[str, Report], ParseReport]:
    """REPORT records by request id, from log messages in text or JSON format, mixed.

    Lines that are not REPORT records are counted as ignored. Lines that look like one
    (``REPORT …`` or a JSON line mentioning ``platform.report``) but cannot be read are
    counted in ``ParseReport.malformed`` with the reason, and left out of the figures;
    a second record for the same request id is counted as a duplicate, the first kept.
    """
    parse = ParseReport()
    reports: dict[str, Report] = {}
    for message in messages:
        parse.lines += 1
        if message.startswith("REPORT "):
            if message.startswith(_TEXT_PREFIX):
                result: Report | Problem | None = _parse_text(message, parse)
            else:
                result = Problem("REPORT line without 'RequestId:'", _excerpt(message))
        elif message.startswith("{") and "platform.report" in message:
            result = _parse_json(message, parse)
        else:
            result = None
        if result is None:
            parse.ignored += 1
        elif isinstance(result, Problem):
            parse.malformed.append(result)
        elif result.request_id in reports:
            parse.duplicates.append(result.request_id)
        else:
            reports[result.request_id] = result
            if result.log_format == "text":
                parse.text_reports += 1
            else:
                parse.json_reports += 1
    return reports, parse
