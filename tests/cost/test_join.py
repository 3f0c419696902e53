"""helpers.cost.join: one InvocationCompleted event beside one REPORT record, the request
id that joins them marked in both, nothing a browser would take for LaTeX."""

from __future__ import annotations

import subprocess
import sys

import cost_samples as s

from helpers.cost.join import side_by_side


def test_both_records_with_the_request_id_marked() -> None:
    event = next(e for e in s.history() if e["EventType"] == "InvocationCompleted")
    report = s.json_log(noise=False)[1]
    assert s.R1 in report
    shown = side_by_side(("history", event), ("logs", report), highlight=s.R1)
    html = shown._repr_html_()
    assert html.count(f'<mark style="background:#ffe066">{s.R1}</mark>') == 2
    assert "billedDurationMs" in html and "InvocationCompletedDetails" in html
    text = str(shown)
    assert text.count(f">>{s.R1}<<") == 2
    assert text.index("== history ==") < text.index("== logs ==")


def test_text_report_lines_and_dollars() -> None:
    line = s.text_log(noise=False)[2]
    assert line.startswith("REPORT")
    shown = side_by_side(("a", {"price": "$0.20"}), ("b", line), highlight="")
    html = shown._repr_html_()
    assert "$" not in html and "&#36;0.20" in html
    assert "Billed Duration: 2456 ms\n" in str(shown)  # one field a line


def test_the_side_by_side_renders_without_reaching_up_to_show() -> None:
    """cost sits below show (show imports cost): the escaping comes from helpers.mathjax,
    so rendering loads no helpers.show (once imported inside _repr_html_ to dodge a cycle)."""
    probe = (
        "import sys\n"
        "from helpers.cost.join import side_by_side\n"
        "html = side_by_side(('a', {'p': '$1'}), ('b', 'x'))._repr_html_()\n"
        "assert 'mathjax_ignore' in html, html\n"
        "print('helpers.show' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
