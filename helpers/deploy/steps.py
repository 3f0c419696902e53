"""What every deploy step shares: the one line it prints, and how it waits for AWS.

Each step is idempotent (run it twice, the second run changes nothing) and prints one
line saying what it did: ``created``, ``already there`` or ``updated``. The steps write
that line in English; ``say`` puts it in Japanese when the learner reads Japanese, here in
one place (``JA_KINDS``, ``JA_CLAUSES``), so a step only says what it did. While AWS still
holds a just-deleted name, a step tries again after a pause, for a bounded time.
"""

from __future__ import annotations

import re
import time

from botocore.exceptions import ClientError

from ..i18n import tr
from .names import redact_account

WAIT_POLL_S = (1, 2, 3, 5)  # between tries of a name being released (then 5 s each)
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")


class NameNotReleasedError(RuntimeError):
    """AWS still holds a just-deleted name; the message says how long to wait, or what else."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"NameNotReleasedError: {self}"]


def pause(attempt: int) -> float:
    """Sleep before try ``attempt + 1`` (``WAIT_POLL_S``); returns the seconds slept."""
    delay = WAIT_POLL_S[min(attempt, len(WAIT_POLL_S) - 1)]
    time.sleep(delay)
    return delay


# The resource kinds the steps name, in the words of the Japanese AWS console.
JA_KINDS = {
    "role": "ロール",
    "log group": "ロググループ",
    "queue": "キュー",
    "bucket": "バケット",
    "function": "関数",
    "version": "バージョン",
    "alias": "エイリアス",
    "execution": "実行",
}
# What a step did, one clause at a time (a line is clauses joined by ", "). A pattern
# matches a whole clause; its groups go into the Japanese ({0}, {1}...). Parenthesised
# details are clauses too, translated the same way.
JA_CLAUSES: tuple[tuple[str, str], ...] = (
    (r"already there", "作成済み（変更なし）"),
    (r"created", "作成しました"),
    (r"published", "発行しました"),
    (r"active", "アクティブです"),
    (r"tagged", "タグを付けました"),
    (r"code unchanged", "コードは変更なし"),
    (r"code uploaded", "コードをアップロードしました"),
    (r"code updated", "コードを更新しました"),
    (r"durable", "durable"),
    (r"private", "非公開"),
    (r"encryption at rest on", "保存時の暗号化あり"),
    (r"public access blocked", "パブリックアクセスをブロックしました"),
    (r"SSE-S3 encryption on", "SSE-S3 暗号化を有効にしました"),
    (r"(\d+)-day retention", "保持期間 {0} 日"),
    (r"after waiting (\d+) s for the name", "名前が解放されるまで {0} 秒待ったあと"),
    (r"created -> version (\S+)", "作成しました → バージョン {0}"),
    (r"already on version (\S+)", "すでにバージョン {0} を指しています"),
    (r"moved version (\S+) -> (\S+)", "バージョン {0} → {1} に移しました"),
    (r"started", "開始しました"),
    (r"status (\d+)", "ステータス {0}"),
    (r"attached the managed durable policy", "durable 用のマネージドポリシーをアタッチしました"),
    (r"detached the managed durable policy", "durable 用のマネージドポリシーをデタッチしました"),
    (r"inline policy (\S+) written", "インラインポリシー {0} を書き込みました"),
    (r"inline policy (\S+) updated", "インラインポリシー {0} を更新しました"),
    (r"permissions boundary (\S+) set", "アクセス許可の境界 {0} を設定しました"),
    (r"permissions boundary (\S+)", "アクセス許可の境界 {0}"),
    (r"updated", "更新しました"),
    (r"updated (.+)", "{0}を更新しました"),
    (r"code", "コード"),
    (r"configuration", "設定"),
    (r"tags", "タグ"),
)


def _clauses(text: str) -> list[str]:
    """``text`` split at the ", " that are not inside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith(", ", i):
            parts.append(text[start:i])
            start = i + 2
    return [*parts, text[start:]]


def in_japanese(what: str) -> str:
    """A step's English ``what`` in Japanese, clause by clause; a clause no pattern knows
    (an AWS name, a figure) stays as it is."""
    out = []
    for clause in _clauses(what):
        head, detail = clause, ""
        if match := re.fullmatch(r"(.*?) \((.*)\)", clause):
            head, detail = match.group(1), match.group(2)
        for pattern, ja in JA_CLAUSES:
            if found := re.fullmatch(pattern, head):
                items = [_item(g) for g in found.groups()]
                head = ja.format(*items)
                break
        out.append(head + (f"（{in_japanese(detail)}）" if detail else ""))
    return "、".join(out)


def _item(group: str) -> str:
    """A group of a clause: ``code and configuration (...)`` lists get translated, names not."""
    if " and " not in group and not re.fullmatch(r"(code|configuration|tags)( \(.*\))?", group):
        return group
    return "と".join(in_japanese(part) for part in group.split(" and "))


def say(kind: str, name: str, what: str) -> None:
    """The one line each step prints (account ids masked: notebooks get shared), in the
    learner's language."""
    line = tr(f"{kind} {name}: {what}", f"{JA_KINDS.get(kind, kind)} {name}: {in_japanese(what)}")
    print(redact_account(line))


def error_code(exc: ClientError) -> str:
    """The AWS error code of ``exc`` ("" if it has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))
