"""The language of the question, which the report and the refusal text the model hears follow.

The Lambda has no language setting: a person asks in their language, and the model answers
in it. A question with Japanese characters (kana or kanji) gets Japanese fixed text; any
other question gets English. The ranges are those the local workshop model goes by, so the
report's headings and the model's answer agree.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "ja"]

_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def language_of(text: str) -> Language:
    return "ja" if _JAPANESE.search(text) else "en"


def pick(language: Language, en: str, ja: str) -> str:
    """The text in ``language``."""
    return ja if language == "ja" else en
