"""``search_docs``: keyword search over the kit's short notes about durable functions.

The notes are the markdown files in ``lambda_fn/docs/``, loaded once from that fixed folder.
The model only ever sends search words, never a file name or path, so it cannot read
anything else. Each paragraph is a passage; passages are ranked by how many of the
query's words they hold, rare words counting more and long passages less (BM25).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .base import JsonObject, Tool, ToolInputError, number, only_keys, text

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
MAX_QUERY_LENGTH = 300
MAX_RESULTS = 5
_WORD = re.compile(r"[a-z0-9]+")  # wait_for_callback is "wait", "for", "callback"
# A paragraph of words reads better than the 80-line list a literal would format to.
_STOPWORDS = frozenset(
    """
a about after all also an and any are as at be been before but by can could do does done
for from get gets had has have how i if in into is it its me my no not of on one or our so
than that the their them then there these they this those to too up us was we were what
when where which while who why will with would you your
""".split()  # noqa: SIM905
)
# One suffix off, longest first: "callbacks", "waiting", "replayed" meet "callback",
# "wait", "replay"; "approve", "approval", "approved" all become "approv".
_SUFFIXES = ("ing", "ed", "es", "al", "s", "e")


_K1, _B = 1.2, 0.75  # the usual BM25 constants


@dataclass(frozen=True, slots=True)
class Passage:
    doc: str
    title: str
    text: str
    terms: Counter[str]

    @property
    def length(self) -> int:
        return self.terms.total()


def terms(words: str) -> list[str]:
    """The searchable terms of ``words``: lower case, no stop words, crudely stemmed."""
    return [_stem(w) for w in _WORD.findall(words.lower()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@cache
def passages() -> tuple[Passage, ...]:
    found: list[Passage] = []
    for path in sorted(DOCS_DIR.glob("*.md")):
        blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n")]
        title = next((b.lstrip("# ") for b in blocks if b.startswith("# ")), path.stem)
        for block in blocks:
            if not block or block.startswith("#"):
                continue
            body = " ".join(block.split())
            # The title's words count for every passage of the note.
            found.append(Passage(path.stem, title, body, Counter(terms(f"{title} {body}"))))
    return tuple(found)


def search(query: str, max_results: int = 3) -> list[JsonObject]:
    wanted = set(terms(query))
    if not wanted:
        raise ToolInputError("query has no searchable words")
    pool = passages()
    average_length = sum(p.length for p in pool) / len(pool)
    idf = {}
    for term in wanted:
        df = sum(1 for p in pool if p.terms[term])
        idf[term] = math.log(1 + (len(pool) - df + 0.5) / (df + 0.5))
    scored: list[tuple[float, int, Passage]] = []
    for index, passage in enumerate(pool):
        norm = _K1 * (1 - _B + _B * passage.length / average_length)
        score = sum(idf[t] * passage.terms[t] / (passage.terms[t] + norm) for t in wanted)
        if score > 0:
            scored.append((score, index, passage))
    scored.sort(key=lambda item: (-item[0], item[1]))  # ties keep the notes' order
    return [
        {"doc": p.doc, "title": p.title, "text": p.text, "score": round(s, 3)}
        for s, _, p in scored[:max_results]
    ]


def run(args: Mapping[str, Any]) -> JsonObject:
    only_keys(args, {"query", "max_results"})
    query = text(args, "query", max_length=MAX_QUERY_LENGTH)
    limit = int(number(args, "max_results", low=1, high=MAX_RESULTS, default=3, whole=True))
    return {"query": query, "results": search(query, limit)}


SEARCH_DOCS = Tool(
    name="search_docs",
    description=(
        "Search the workshop's notes about AWS Lambda durable functions (steps, waits, "
        "callbacks, replay, invoking, pricing, history and logs, the chatbot) and return "
        "the best matching passages."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "query": {
                "type": "string",
                "description": "Search words, in English.",
                "maxLength": MAX_QUERY_LENGTH,
            },
            "max_results": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_RESULTS,
                "description": "How many passages to return (default 3).",
            },
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    run=run,
)
