"""What cleanup (``helpers.teardown``) removed, as a learner reads it: the English line
itself, or under Japanese the kind first, then the name, then the details in brackets."""

from __future__ import annotations

import re

from .i18n import tr

# What cleanup removed, as a Japanese learner reads it: the kind first word(s), then the
# name, then details in brackets. The returned strings stay English (code compares them).
_JA_KINDS = (
    ("log group ", "ロググループ "),
    ("function ", "関数 "),
    ("queue ", "キュー "),
    ("bucket ", "バケット "),
    ("role ", "ロール "),
)
_JA_DETAILS = (
    (r"(\d+) running execution\(s\) stopped", "実行中の実行 {0} 件を停止"),
    (r"alias (.+)", "エイリアス {0}"),
    (r"version\(s\) (.+)", "バージョン {0}"),
    (r"(\d+) object version\(s\)", "オブジェクトのバージョン {0} 個"),
)


def removal_text(what: str) -> str:
    """``what`` cleanup removed, in the learner's language."""
    if tr("en", "ja") == "en":
        return what
    head, _, detail = what.partition(" (")
    for en, ja in _JA_KINDS:
        if head.startswith(en):
            head = ja + head[len(en) :]
            break
    if not detail:
        return head
    parts = []
    for part in detail.removesuffix(")").split("; "):
        for pattern, ja in _JA_DETAILS:
            if found := re.fullmatch(pattern, part):
                part = ja.format(*found.groups())
                break
        parts.append(part)
    return f"{head}（{'、'.join(parts)}）"
