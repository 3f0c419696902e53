"""The question's language, which the report and the refusal text follow."""

from __future__ import annotations

import pytest

from lambda_fn.language import language_of, pick


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What is 52.1 / 4?", "en"),
        ("コールバックの料金は？", "ja"),  # katakana
        ("callback はいくら", "ja"),  # English words, Japanese grammar
        ("料金", "ja"),  # kanji only
        ("ｺｰﾙﾊﾞｯｸ", "ja"),  # half-width katakana
        ("Ça coûte combien ?", "en"),  # accents are not Japanese
    ],
)
def test_japanese_characters_make_a_japanese_question(question: str, language: str) -> None:
    assert language_of(question) == language


def test_pick_gives_the_text_in_the_language() -> None:
    assert (pick("en", "yes", "はい"), pick("ja", "yes", "はい")) == ("yes", "はい")
