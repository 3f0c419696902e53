"""What the inbox says: each status line and card note of the approval flow, in English
and in Japanese (``helpers.i18n.tr``).

A module of its own so that ``inbox`` stays one concern (the queue and the answers) and a
readable size; ``recovery`` words its own lines. Requests are passed in as the text
``Request.describe()`` gave, already in the learner's language.
"""

from __future__ import annotations

from ..i18n import tr
from .status import clip


def status_unreadable(execution: str, error: str) -> str:
    return tr(
        f"Could not read the status of execution {execution}: {error}",
        f"実行 {execution} のステータスを読めませんでした: {error}",
    )


def execution_ended(execution: str, status: str, error: str) -> str:
    return tr(
        f"Execution {execution} ended {status}{': ' + error if error else ''}.",
        f"実行 {execution} は {status} で終わりました{'（' + error + '）' if error else ''}。",
    )


def result_not_the_chatbots(execution: str) -> str:
    return tr(
        f"Execution {execution} SUCCEEDED, but its result is not "
        "the chatbot's {answer, report_url, decisions}: shown as is.",
        f"実行 {execution} は SUCCEEDED ですが、結果がチャットボットの "
        "{answer, report_url, decisions} の形ではありません。そのまま表示します。",
    )


def succeeded(execution: str) -> str:
    return tr(f"Execution {execution} SUCCEEDED.", f"実行 {execution} は SUCCEEDED です。")


def ended_note(status: str) -> str:
    """A card's note: its execution ended while it waited."""
    return tr(f"its execution ended {status}", f"実行が {status} で終わりました")


def closed_unanswered(request: str, status: str) -> str:
    return tr(
        f"Closed {request}: the execution ended {status} before it was answered.",
        f"{request}を閉じました。回答する前に実行が {status} で終わりました。",
    )


def queue_unreadable(queue: str, error: str, missing: bool) -> str:
    return tr(
        f"Could not read the approval queue {queue}: {error}."
        + (
            " Create the queue first (the deploy step of notebook 04), or check PREFIX."
            if missing
            else ""
        ),
        f"承認キュー {queue} を読めませんでした: {error}。"
        + (
            "先にキューを作成する（ノートブック 04 のデプロイの手順）か、PREFIX を確認して"
            "ください。"
            if missing
            else ""
        ),
    )


def raised(error: str) -> str:
    """Why a message was malformed: reading it raised."""
    return tr(f"reading it raised {error}", f"読み取りで {error} が発生しました")


def malformed(why: str, body: object) -> str:
    shown = repr(clip(body if isinstance(body, str) else repr(body)))
    return tr(
        f"Ignored a malformed approval message: {why}. Deleted it so that it "
        f"does not come back. Body: {shown}",
        f"形式の正しくない承認メッセージを無視しました（{why}）。再び届かないように削除"
        f"しました。本文: {shown}",
    )


def left_for_owner(execution: str) -> str:
    return tr(
        f"A request for execution {execution}, which this panel "
        "did not start, was left on the queue for its owner (adopt it "
        "with track() or recover() to answer it here).",
        f"このパネルが開始していない実行 {execution} のリクエストは、持ち主のためにキューに"
        "残しました（ここで回答するには track() か recover() で引き取ってください）。",
    )


def already_ended_note(status: str) -> str:
    return tr(f"its execution already ended {status}", f"実行はすでに {status} で終わっています")


def dropped(request: str, status: str) -> str:
    return tr(
        f"Dropped {request}: its execution already ended ({status}). Deleted the message.",
        f"{request}を取り下げました。実行はすでに終わっています（{status}）。"
        "メッセージを削除しました。",
    )


def new_request(request: str, mine: bool) -> str:
    where = "" if mine else " (marked 'other execution': this panel did not start it)"
    return tr(
        f"New {request}{where}: waiting for a decision.",
        f"新しい{request}です"
        + ("" if mine else "（このパネルが開始していないので「別の実行」と表示）")
        + "。判断を待っています。",
    )


def duplicate(request: str, state: str, decision: str | None) -> str:
    said = {
        "open": tr("still open", "回答待ち"),
        "sending": tr("being answered", "回答を送信中"),
        "answered": tr(f"already answered {decision}", f"{decision} で回答済み"),
        "closed": tr("closed", "終了"),
    }[state]
    return tr(
        f"Ignored a duplicate of {request} ({said}): the submitter "
        "delivers at least once. Deleted the duplicate message.",
        f"{request}の重複を無視しました（{said}）。submitter は少なくとも 1 回届ける"
        "（重複しうる）ためです。重複したメッセージを削除しました。",
    )


def second_refused(request: str) -> str:
    return tr(
        f"Refused a second message with the callback id of {request}: its "
        "execution, tool or input differ (a forgery or a stale copy). Kept the first; "
        "deleted this one.",
        f"{request}と同じコールバック ID の 2 通目のメッセージを拒否しました。実行、ツール、"
        "入力のどれかが違います（偽物か古いコピー）。1 通目を残し、こちらを削除しました。",
    )


def undeletable(error: str) -> str:
    return tr(
        f"Could not delete a message from the queue ({error}); "
        "it will come back and be recognised then.",
        f"キューからメッセージを削除できませんでした（{error}）。メッセージはまた届き、"
        "そのときに見分けます。",
    )


def not_a_decision(decision: object) -> str:
    return tr(
        f"Decision {decision!r} is not 'APPROVE' or 'DENY'; nothing sent.",
        f"判断 {decision!r} は 'APPROVE' でも 'DENY' でもありません。何も送っていません。",
    )


def no_such_request(callback_id: str) -> str:
    return tr(
        f"No request with callback id {callback_id} is "
        "shown here; poll the queue or recover() first.",
        f"コールバック ID {callback_id} のリクエストはここに表示されていません。先にキューを"
        "読む（poll）か recover() してください。",
    )


def being_answered(request: str) -> str:
    return tr(
        f"{request} is already being answered; the second click was ignored.",
        f"{request}は回答を送信中です。2 回目のクリックは無視しました。",
    )


def answered_before(request: str, decision: str | None) -> str:
    return tr(
        f"{request} was already answered {decision}; the second click was ignored.",
        f"{request}は {decision} で回答済みです。2 回目のクリックは無視しました。",
    )


def closed_nothing_sent(request: str, note: str) -> str:
    return tr(
        f"{request} is closed ({note}); nothing sent.",
        f"{request}は閉じています（{note}）。何も送っていません。",
    )


def sent_note(decision: str) -> str:
    return tr(f"{decision} sent", f"{decision} を送信しました")


def sent(decision: str, request: str, comment: str) -> str:
    return tr(
        f"{decision} sent for {request}{f' with comment {comment!r}' if comment else ''}.",
        f"{request}に {decision} を送信しました{f'（コメント「{comment}」）' if comment else ''}。",
    )


def ended_before_answer(status: str) -> str:
    return tr(
        f"its execution has already ended ({status})",
        f"実行はすでに終わっています（{status}）",
    )


def answered_elsewhere() -> str:
    return tr(
        "it was already answered, from another panel or before a kernel restart, or it timed out",
        "別のパネルから、またはカーネルの再起動前にすでに回答されたか、タイムアウトしました",
    )


def refused_by_lambda(request: str, why: str) -> str:
    return tr(
        f"Lambda refused the answer to {request}: {why}. Nothing more to do for it.",
        f"Lambda は{request}への回答を受け付けませんでした: {why}。これ以上することはありません。",
    )


def unknown_callback_note() -> str:
    return tr("unknown callback id", "不明なコールバック ID")


def unknown_callback(request: str) -> str:
    return tr(
        f"Could not answer {request}: Lambda does not know its callback id (a message from "
        "another account, region or a reset local cloud, or a made-up id). Deleted it.",
        f"{request}に回答できませんでした。Lambda はそのコールバック ID を知りません（別の"
        "アカウントやリージョン、リセットしたローカルクラウドからのメッセージか、作られた ID）。"
        "削除しました。",
    )


def send_failed(request: str, error: str) -> str:
    return tr(
        f"Could not send the answer to {request}: {error}. The request stays open; try again.",
        f"{request}への回答を送れませんでした: {error}。リクエストは開いたままです。"
        "もう一度試してください。",
    )
