"""CloudWatch Logs filter patterns for unstructured log events, as FilterLogEvents applies them.

moto understands one bare term or one quoted phrase and lets every event through for
anything else (``?"REPORT RequestId" ?"platform.report"`` matched every line), so a
pattern that finds nothing on AWS looked fine locally. This is the syntax of the
CloudWatch Logs User Guide, "Filter pattern syntax for unstructured log events":

* terms are case-sensitive and separated by spaces; an event must contain every term;
* ``"a phrase"`` is one term (spaces and punctuation included);
* ``?term`` terms are alternatives: an event must contain at least one of them;
* ``-term`` excludes events that contain it;
* an empty pattern matches every event.

JSON (``{ $.x = ... }``) and space-delimited (``[a, b]``) patterns keep moto's behaviour:
the kit does not use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


def parse(pattern: str) -> TermPattern | None:
    """The pattern's terms; None for a JSON or space-delimited pattern (left to moto)."""
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


def install() -> None:
    """Make moto's FilterLogEvents use this parser for unstructured patterns (idempotent)."""
    from moto.logs import models

    # moto's models module imports EventMessageFilter from moto.logs.utils: not exported.
    if getattr(models.EventMessageFilter, "_kit", False):  # type: ignore[attr-defined]
        return
    upstream = models.EventMessageFilter  # type: ignore[attr-defined]

    class EventMessageFilter(upstream):  # type: ignore[misc,valid-type]
        _kit = True

        def __init__(self, pattern: str) -> None:
            super().__init__(pattern)
            self._terms = parse(pattern or "")

        def matches(self, message: str) -> bool:
            if self._terms is None:
                return bool(super().matches(message))
            return self._terms.matches(message)

    models.EventMessageFilter = EventMessageFilter  # type: ignore[attr-defined]
