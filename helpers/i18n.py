"""The learner's language: English, or Japanese for the JAWS-UG rooms the kit is made for.

A notebook's ``LANGUAGE`` parameter chooses (``check_parameters(language=LANGUAGE)`` calls
``use_language``); ``""`` (the default) follows the environment as gettext does: the first
of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set, so ``LANG=ja_JP.UTF-8``
gives Japanese. Every text a learner reads is written in both languages where it is made:

    print(tr("No approval is waiting.", "承認待ちのリクエストはありません。"))
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "ja")
# What use_language was given last ("" or None: the environment decides).
_chosen: str | None = None


class LanguageError(ValueError):
    """A LANGUAGE the kit does not speak."""


def check_language(language: object) -> str:
    """``language`` as the kit takes it: ``""`` (from the environment), ``"en"`` or ``"ja"``."""
    if not isinstance(language, str) or language.strip().lower() not in ("", *LANGUAGES):
        raise LanguageError(
            f"LANGUAGE is {language!r}: use 'en' (English), 'ja' (日本語) or '' "
            "(from the environment's LANG)."
        )
    return language.strip().lower()


def use_language(language: str | None) -> str:
    """Speak ``language`` from now on in this process; returns the language in effect."""
    global _chosen
    _chosen = check_language(language) if language is not None else None
    return current()


def from_environment(environ: dict[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it; English otherwise."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            # LANGUAGE may list several ("ja:en"); the first one wins.
            return "ja" if value.split(":")[0].lower().startswith("ja") else "en"
    return "en"


def current() -> str:
    """The language in effect: the one chosen, else the environment's."""
    return _chosen or from_environment()


def tr(en: str, ja: str) -> str:
    """``en`` or ``ja``, as the learner's language says."""
    return ja if current() == "ja" else en
