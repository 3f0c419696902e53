"""helpers.outcome: how a conversation ended, or that it has not yet; its report."""

from __future__ import annotations

from typing import Any

import pytest
from fake_aws import Paginated
from mathjax_check import math_in_markdown

from helpers import history
from helpers.outcome import Outcome, ReportError, fetch_report, report_of, wait_for_execution
from helpers.target import Target


def test_dollar_signs_in_the_answer_are_escaped_for_mathjax() -> None:
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    answer = {"answer": "It costs $0.2169 in all: compute $0.2167.", "decisions": []}
    shown = Outcome(arn, "SUCCEEDED", answer, seconds=1.0)._repr_markdown_()
    assert "\\$0.2169 in all: compute \\$0.2167" in shown
    assert math_in_markdown(shown) == []  # escaped and in a container MathJax leaves alone
    decisions = [{"tool": "estimate", "decision": "APPROVE", "comment": "ok at $1, not $2"}]
    with_table = Outcome(arn, "SUCCEEDED", {**answer, "decisions": decisions}, log="$3 $4")
    assert math_in_markdown(with_table._repr_markdown_()) == []


def test_the_report_shows_its_dollars_as_dollars(target: Target) -> None:
    s3 = target.client("s3")
    s3.create_bucket(Bucket="render-test-reports")
    report = (
        "# Chatbot report\n\nIt costs about $0.2169 in all: compute $0.2167.\n\n"
        "| item | cost |\n| --- | --- |\n| compute | $0.2167 and requests $0.0002 |\n"
    )
    s3.put_object(Bucket="render-test-reports", Key="r.md", Body=report.encode())
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "render-test-reports", "Key": "r.md"}, ExpiresIn=60
    )
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    shown = report_of(Outcome(arn, "SUCCEEDED", {"answer": "a", "report_url": url})).data
    assert "| compute | \\$0.2167 and requests \\$0.0002 |" in shown
    assert math_in_markdown(report) != [] and math_in_markdown(shown) == []
    failed = Outcome(arn, "FAILED", error="Price.Error: $1 is not $2")
    assert math_in_markdown(report_of(failed).data) == []


def test_an_outcome_that_has_not_started_or_ended_says_what_to_do() -> None:
    assert "type a question" in Outcome(None, "NOT STARTED").headline()
    running = Outcome("arn:aws:lambda:r:1:function:f:live/durable-execution/n/i", "RUNNING")
    assert "answer its requests" in running.headline()
    assert "No report yet" in report_of(running).data


def test_wait_for_execution_and_an_expired_or_broken_report_link(target: Target) -> None:
    with pytest.raises(ReportError, match="Could not reach"):
        fetch_report("http://127.0.0.1:9/nothing", timeout=2)
    with pytest.raises(ReportError, match="S3 answered 404"):
        fetch_report(f"{target.endpoint}/no-such-bucket-here/x.md", timeout=5)


class _Busy(Paginated):
    """A lambda client whose execution stays RUNNING, at work, with no callback open."""

    service = "lambda"

    def get_durable_execution(self, **_: Any) -> dict[str, Any]:
        return {"Status": "RUNNING"}

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        return {"Events": [{"EventType": "StepStarted", "Id": "s1", "Name": "think #1"}]}


class _BusyTarget:
    def client(self, service: str) -> Any:
        assert service == "lambda"
        return _Busy()


def test_an_execution_still_at_work_is_not_mistaken_for_one_waiting() -> None:
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    with pytest.raises(history.ExecutionTimeout, match="still RUNNING"):
        wait_for_execution(_BusyTarget(), arn, timeout=0.05)  # type: ignore[arg-type]
