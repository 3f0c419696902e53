"""CloudWatch Logs filter patterns for unstructured log events, as FilterLogEvents applies them.

moto understands one bare term or one quoted phrase and lets every event through for
anything else (``?"REPORT RequestId" ?"platform.report"`` matched every line), so a
pattern that finds nothing on AWS looked fine locally. This is the syntax of the
CloudWatch Logs User Guide, "Filter pattern syntax for unstructured log events":

* terms are case-sensitive and separated by spaces; an event must contain every term;
* ``"a phrase"`` is one term (spaces and punctuation included);
* ``?term`` terms are alternatives: an event must contain at least one of them;
* ``-term`` excludes events that contain it;
* a term outside quotes holds letters, digits and ``_`` only (others are refused:
  "Invalid character(s) in term");
* an empty pattern matches every event.

* ``%regex%`` alone is a regular expression searched in the event ("Supported regular
  expressions (regex) syntax").

JSON patterns (``{ $.type = "platform.report" && $.record.status != "success" }``, "Using
filter patterns to match terms in JSON log events"): property selectors ``$.a.b[0]``;
``=`` and ``!=`` against a string (quoted or bare, ``*`` a wildcard, ``%regex%``) or a
number; ``<``, ``>``, ``<=``, ``>=`` against a number; ``IS TRUE``, ``IS FALSE``,
``IS NULL``, ``NOT EXISTS``; ``&&``, ``||`` and parentheses. An event that is no JSON, or
lacks the property, does not match (moto let every event through). A pattern neither
grammar reads is refused, as CloudWatch Logs refuses it: InvalidParameterException
"Invalid filter pattern". Space-delimited patterns (``[a, b]``) keep moto's behaviour:
the kit does not use them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A term: an optional ? or - and then a quoted phrase or a run of non-spaces.
_TERM = re.compile(r'\s*([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


@dataclass(frozen=True)
class TermPattern:
    """A parsed unstructured filter pattern."""

    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    excluded: tuple[str, ...] = field(default=())

    def matches(self, message: str) -> bool:
        return (
            all(term in message for term in self.required)
            and (not self.any_of or any(term in message for term in self.any_of))
            and not any(term in message for term in self.excluded)
        )


@dataclass(frozen=True)
class RegexPattern:
    """A standalone ``%regex%`` pattern."""

    regex: re.Pattern[str]

    def matches(self, message: str) -> bool:
        return self.regex.search(message) is not None


class InvalidPattern(ValueError):
    """A filter pattern CloudWatch Logs would refuse."""


# -- JSON patterns ------------------------------------------------------------------------
_JSON_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
      | (?P<selector>\$(?:\.[A-Za-z0-9_@$-]+|\[\d+\])*)
      | "(?P<quoted>(?:[^"\\]|\\.)*)"
      | %(?P<regex>[^%]+)%
      | (?P<word>[^\s()&|=!<>"]+)
    )""",
    re.VERBOSE,
)
_MISSING = object()
Predicate = Callable[[Any], bool]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _JSON_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidPattern(f"Invalid filter pattern at {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _select(document: Any, selector: str) -> Any:
    value = document
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector[1:]):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _comparison(selector: str, op: str, kind: str, literal: str) -> Predicate:
    """``$.x OP literal`` as a predicate on the parsed event."""
    number = _number(literal) if kind == "word" else None
    if op in ("<", ">", "<=", ">=") and number is None:
        raise InvalidPattern(f"Invalid filter pattern: {op} needs a number")
    text = literal.replace('\\"', '"') if kind == "quoted" else literal
    try:
        regex = re.compile(literal) if kind == "regex" else None
    except re.error as exc:
        raise InvalidPattern(f"Invalid filter pattern: {exc}") from exc
    # A string value: "*" matches any run of characters (the guide's wildcard).
    wildcard = re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)

    def same(value: Any) -> bool:
        if regex is not None:
            return isinstance(value, str) and regex.search(value) is not None
        if number is not None and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value) == number
        return isinstance(value, str) and wildcard.fullmatch(value) is not None

    def check(document: Any) -> bool:
        value = _select(document, selector)
        if value is _MISSING:
            return False
        if op == "=":
            return same(value)
        if op == "!=":
            return not same(value)
        if not isinstance(value, int | float) or isinstance(value, bool) or number is None:
            return False
        return {"<": value < number, ">": value > number, "<=": value <= number,
                ">=": value >= number}[op]  # fmt: skip

    return check


class _JsonParser:
    """``expr := term ('||' term)*``; ``term := factor ('&&' factor)*``;
    ``factor := '(' expr ')' | selector (OP literal | IS TRUE|FALSE|NULL | NOT EXISTS)``."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else lambda d: any(p(d) for p in parts)

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else lambda d: all(p(d) for p in parts)

    def factor(self) -> Predicate:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.expr()
            if self.take() != ("op", ")"):
                raise InvalidPattern("Invalid filter pattern: unbalanced parentheses")
            return inner
        if kind != "selector":
            raise InvalidPattern(f"Invalid filter pattern: expected a property, got {value!r}")
        selector = value
        kind, value = self.take()
        if kind == "word" and value in ("IS", "NOT"):
            _, what = self.take()
            if value == "NOT" and what == "EXISTS":
                return lambda d: _select(d, selector) is _MISSING
            tests = {"TRUE": True, "FALSE": False, "NULL": None}
            if value == "IS" and what in tests:
                wanted = tests[what]
                return lambda d: (
                    (found := _select(d, selector)) is not _MISSING and (found is wanted)
                )
            raise InvalidPattern(f"Invalid filter pattern: {value} {what}")
        if kind != "op" or value not in ("=", "!=", "<", ">", "<=", ">="):
            raise InvalidPattern(f"Invalid filter pattern: expected an operator, got {value!r}")
        literal_kind, literal = self.take()
        if literal_kind not in ("quoted", "word", "regex"):
            raise InvalidPattern("Invalid filter pattern: expected a value")
        return _comparison(selector, value, literal_kind, literal)


@dataclass(frozen=True)
class JsonPattern:
    """A parsed JSON filter pattern; events that are no JSON object never match."""

    predicate: Predicate

    def matches(self, message: str) -> bool:
        try:
            document = json.loads(message)
        except (ValueError, RecursionError):
            return False
        return isinstance(document, dict | list) and self.predicate(document)


def parse_json(pattern: str) -> JsonPattern:
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise InvalidPattern("Invalid filter pattern: a JSON pattern is enclosed in { }")
    parser = _JsonParser(_tokens(text[1:-1]))
    predicate = parser.expr()
    if parser.peek()[0] != "end":
        raise InvalidPattern(f"Invalid filter pattern near {parser.peek()[1]!r}")
    return JsonPattern(predicate)


def parse_any(pattern: str) -> TermPattern | JsonPattern | RegexPattern | None:
    """The pattern, parsed; None for a space-delimited one (left to moto); raises
    InvalidPattern for one CloudWatch Logs would refuse."""
    text = pattern.strip()
    if text.startswith("{"):
        return parse_json(text)
    if len(text) > 2 and text.startswith("%") and text.endswith("%"):
        try:
            return RegexPattern(re.compile(text[1:-1]))
        except re.error as exc:
            raise InvalidPattern(f"Invalid filter pattern: {exc}") from exc
    terms = parse(text)
    if terms is not None and "" in terms.required + terms.any_of + terms.excluded:
        # CloudWatch Logs: 'Invalid character(s) in term \'""\'' (an empty quoted term).
        raise InvalidPattern("Invalid filter pattern: Invalid character(s) in term '\"\"'")
    if terms is not None:
        _check_bare_terms(text)
    return terms


# A term outside quotes: letters, digits and underscores only. The guide says to quote
# terms with other characters; CloudWatch Logs refuses an unquoted one with
# InvalidParameterException "Invalid character(s) in term ':'" (naming the characters),
# as users report for ':', ',', '(', '[', '*', '@', '\\' and '`'.
_BARE_OK = re.compile(r"[A-Za-z0-9_]+")
_BARE_BAD = re.compile(r"[^A-Za-z0-9_]+")


def _check_bare_terms(text: str) -> None:
    position = 0
    while position < len(text) and (match := _TERM.match(text, position)):
        _, quoted, bare = match.groups()
        if quoted is None and not _BARE_OK.fullmatch(bare):
            bad = _BARE_BAD.search(bare)
            shown = bad.group(0) if bad else bare
            raise InvalidPattern(
                f"Invalid filter pattern: Invalid character(s) in term '{shown}' "
                '(put a term with characters other than letters, digits and _ in "quotes")'
            )
        position = match.end()


def parse(pattern: str) -> TermPattern | None:
    """The pattern's terms; None for a JSON or space-delimited pattern."""
    text = pattern.strip()
    if text.startswith(("{", "[")):
        return None
    required: list[str] = []
    any_of: list[str] = []
    excluded: list[str] = []
    position = 0
    while position < len(text):
        match = _TERM.match(text, position)
        if match is None:  # only trailing spaces are left
            break
        sign, quoted, bare = match.groups()
        term = quoted.replace('\\"', '"') if quoted is not None else bare
        {"?": any_of, "-": excluded}.get(sign, required).append(term)
        position = match.end()
    return TermPattern(tuple(required), tuple(any_of), tuple(excluded))


@functools.lru_cache(maxsize=256)
def _cached_parse(pattern: str) -> TermPattern | JsonPattern | RegexPattern | None:
    # moto builds a filter per event: parse each pattern once.
    return parse_any(pattern)


def install() -> None:
    """Make moto's FilterLogEvents use this parser for unstructured patterns (idempotent)."""
    from moto.logs import models

    # moto's models module imports EventMessageFilter from moto.logs.utils: not exported.
    if getattr(models.EventMessageFilter, "_kit", False):  # type: ignore[attr-defined]
        return
    upstream = models.EventMessageFilter  # type: ignore[attr-defined]

    from moto.logs.exceptions import InvalidParameterException

    class EventMessageFilter(upstream):  # type: ignore[misc,valid-type]
        _kit = True

        def __init__(self, pattern: str) -> None:
            super().__init__(pattern)
            try:
                self._parsed = _cached_parse(pattern or "")
            except InvalidPattern as exc:
                raise InvalidParameterException(str(exc)) from None

        def matches(self, message: str) -> bool:
            if self._parsed is None:
                return bool(super().matches(message))
            return self._parsed.matches(message)

    models.EventMessageFilter = EventMessageFilter  # type: ignore[attr-defined]
