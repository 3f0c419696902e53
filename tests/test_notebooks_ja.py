"""notebooks/ja/ is the workshop in Japanese: the same notebooks, the same code.

For every numbered notebook of notebooks/ there is notebooks/ja/<same name> with:

- the same cells, in the same order, of the same types;
- code cells identical once comments are removed (compared token by token, so a comment
  may be translated, also inside a string of Python such as 02's exercise handler), except
  the ``parameters`` cell: the same names in the same order, values free (a Japanese
  ``QUERY``, ``OUTPUT_DIR`` one level deeper) but ``LANGUAGE = "ja"``;
- markdown cells in Japanese (kana or kanji), keeping every inline code span and link of
  the English cell (the API names a learner types) and as many fenced blocks (a diagram's
  words may be translated);
- no outputs.

A changed English cell therefore fails here until its Japanese twin follows.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
JA = NOTEBOOKS / "ja"
NUMBERED = "[0-9][0-9]_*.ipynb"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FENCE = re.compile(r"^\s*```.*?^\s*```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}


def english() -> list[Path]:
    return sorted(NOTEBOOKS.glob(NUMBERED))


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def is_parameters(cell: dict[str, Any]) -> bool:
    return "parameters" in cell.get("metadata", {}).get("tags", [])


def code_tokens(code: str) -> list[tuple[int, str]] | str:
    """The code's tokens without comments and blank lines; the text itself if it does not
    tokenize (an IPython magic, say), which then must match exactly. A string literal that
    is itself Python (02's handler the learner edits) counts by its own tokens, so that its
    comments may be translated too."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code).readline)
        return [
            (t.type, embedded_code(t.string) if t.type == tokenize.STRING else t.string)
            for t in tokens
            if t.type not in SKIPPED_TOKENS
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return code


def embedded_code(literal: str) -> str:
    """A multi-line string literal holding Python that defines or imports something, as its
    tokens without comments; any other literal as it is written."""
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal
    if not isinstance(value, str) or "\n" not in value:
        return literal
    try:
        body = ast.parse(value).body
    except SyntaxError:
        return literal
    # Code, not a text that happens to parse: it defines or imports something.
    defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    if not any(isinstance(node, defines) for node in body):
        return literal
    return repr(code_tokens(value))


def parameter_values(code: str) -> list[tuple[str, ast.expr]]:
    """The parameters cell's assignments, ``NAME = value``, in order."""
    values = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                values.append((target.id, node.value))
    return values


def markdown_parts(text: str) -> tuple[list[str], set[str], int]:
    """(inline code spans, links, number of fenced blocks) of a markdown cell."""
    fences = FENCE.findall(text)
    prose = FENCE.sub("", text)
    spans = [" ".join(m.group(2).split()) for m in INLINE_CODE.finditer(prose)]
    return spans, set(LINK.findall(prose)), len(fences)


def differences(en: dict[str, Any], ja: dict[str, Any], name: str = "") -> list[str]:
    """What keeps ``ja`` from being the Japanese twin of ``en``; [] when it is one."""
    problems: list[str] = []
    en_cells, ja_cells = en["cells"], ja["cells"]
    en_types = [c["cell_type"] for c in en_cells]
    ja_types = [c["cell_type"] for c in ja_cells]
    if en_types != ja_types:
        return [f"{name}: cells {ja_types} should be {en_types} (a cell missing or extra)"]
    for number, (e, j) in enumerate(zip(en_cells, ja_cells, strict=True)):
        where = f"{name} cell {number}"
        if j["cell_type"] == "code" and (j.get("outputs") or j.get("execution_count")):
            problems.append(f"{where}: has outputs (clear them)")
        if is_parameters(e) != is_parameters(j):
            problems.append(f"{where}: the parameters tag differs")
        elif is_parameters(e):
            problems += parameters_problems(source(e), source(j), where)
        elif e["cell_type"] == "code":
            if code_tokens(source(e)) != code_tokens(source(j)):
                problems.append(f"{where}: code differs from the English notebook's")
        elif e["cell_type"] == "markdown":
            problems += markdown_problems(source(e), source(j), where)
    return problems


def parameters_problems(en: str, ja: str, where: str) -> list[str]:
    en_values, ja_values = parameter_values(en), parameter_values(ja)
    en_names, ja_names = [n for n, _ in en_values], [n for n, _ in ja_values]
    if en_names != ja_names:
        return [f"{where}: parameters {ja_names} should be {en_names}"]
    language = dict(ja_values).get("LANGUAGE")
    if "LANGUAGE" in en_names and not (
        isinstance(language, ast.Constant) and language.value == "ja"
    ):
        return [f'{where}: LANGUAGE should be "ja"']
    return []


def markdown_problems(en: str, ja: str, where: str) -> list[str]:
    problems = []
    if not JAPANESE.search(FENCE.sub("", ja)):
        problems.append(f"{where}: markdown not translated (no kana or kanji)")
    en_spans, en_links, en_fences = markdown_parts(en)
    ja_spans, ja_links, ja_fences = markdown_parts(ja)
    if missing := sorted(set(en_spans) - set(ja_spans)):
        problems.append(f"{where}: code spans missing in Japanese: {missing}")
    if en_links - ja_links:
        problems.append(f"{where}: links missing in Japanese: {sorted(en_links - ja_links)}")
    if en_fences != ja_fences:
        problems.append(f"{where}: {ja_fences} fenced blocks, the English cell has {en_fences}")
    return problems


def test_every_numbered_notebook_has_a_japanese_twin_and_no_other() -> None:
    assert english(), "notebooks/ holds the workshop"
    en_names = [p.name for p in english()]
    ja_names = [p.name for p in sorted(JA.glob(NUMBERED))]
    assert ja_names == en_names


@pytest.mark.parametrize("notebook", english(), ids=lambda p: p.stem)
def test_the_japanese_notebook_is_the_english_one_translated(notebook: Path) -> None:
    twin = JA / notebook.name
    assert twin.exists(), f"notebooks/ja/{notebook.name} is missing"
    assert differences(load(notebook), load(twin), notebook.name) == []


@pytest.mark.parametrize("notebook", english(), ids=lambda p: p.stem)
def test_the_output_dir_of_a_japanese_notebook_is_outputs_ja(notebook: Path) -> None:
    """The ja notebooks run one level deeper (papermill's cwd, Jupyter's too): their
    OUTPUT_DIR reaches the same outputs/, in a folder of its own, ja/."""
    twin = JA / notebook.name
    if not twin.exists():
        pytest.skip("no twin (the test above fails)")
    en_values = dict(parameter_values(next(map(source, filter(is_parameters, cells(notebook))))))
    ja_values = dict(parameter_values(next(map(source, filter(is_parameters, cells(twin))))))
    if "OUTPUT_DIR" not in en_values:
        pytest.skip("no OUTPUT_DIR parameter")
    en_dir = (NOTEBOOKS / ast.literal_eval(en_values["OUTPUT_DIR"])).resolve()
    ja_dir = (JA / ast.literal_eval(ja_values["OUTPUT_DIR"])).resolve()
    assert ja_dir == en_dir / "ja"


def cells(path: Path) -> list[dict[str, Any]]:
    return list(load(path)["cells"])


# -- the comparison itself fails where it should --


def _pair() -> tuple[dict[str, Any], dict[str, Any]]:
    def cell(kind: str, text: str, tags: list[str] | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {"outputs": [], "execution_count": None} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {"tags": tags or []}, "source": text, **extra}

    en = {
        "cells": [
            cell("markdown", f"# 01 · Title\n\nCall {API} [here](x.md)."),
            cell("code", 'QUERY = "hello"  # a question\nLANGUAGE = "en"', ["parameters"]),
            cell("code", "reply = lam.invoke(FunctionName=name)  # start it\nprint(reply)"),
            cell("markdown", "The flow:\n\n```\nquery -> step\n```\n"),
        ]
    }
    ja = {
        "cells": [
            cell("markdown", f"# 01 · 題名\n\n{API} を[ここ](x.md)で呼びます。"),
            cell("code", 'QUERY = "こんにちは"  # 質問\nLANGUAGE = "ja"', ["parameters"]),
            cell("code", "reply = lam.invoke(FunctionName=name)  # 開始します\nprint(reply)"),
            cell("markdown", "流れ:\n\n```\nquery -> ステップ\n```\n"),
        ]
    }
    return en, ja


API = "`get_durable_execution_history`"


def test_a_faithful_twin_passes() -> None:
    en, ja = _pair()
    assert differences(en, ja) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda ja: ja["cells"].pop(2), "missing or extra"),
        (lambda ja: ja["cells"].append(dict(ja["cells"][2])), "missing or extra"),
        (lambda ja: ja["cells"].insert(0, ja["cells"].pop(1)), "missing or extra"),
        (lambda ja: ja["cells"][2].update(source="reply = lam.invoke(FunctionName=other)"), "code"),
        (lambda ja: ja["cells"][2].update(outputs=[{"output_type": "stream"}]), "outputs"),
        (lambda ja: ja["cells"][1].update(source='Q = "x"\nLANGUAGE = "ja"'), "parameters"),
        (lambda ja: ja["cells"][1].update(source='QUERY = "x"\nLANGUAGE = "en"'), "LANGUAGE"),
        (lambda ja: ja["cells"][1]["metadata"].update(tags=[]), "parameters tag"),
        (lambda ja: ja["cells"][0].update(source=f"# 01 · Title {API}"), "translated"),
        (lambda ja: ja["cells"][0].update(source="# 題名\n\n[ここ](x.md)"), "code spans"),
        (lambda ja: ja["cells"][0].update(source=f"# 題名 {API}"), "links"),
        (lambda ja: ja["cells"][3].update(source="流れです。"), "fenced"),
    ],
)  # fmt: skip
def test_a_changed_twin_fails(change: Any, expected: str) -> None:
    en, ja = _pair()
    change(ja)
    problems = differences(en, ja)
    assert problems and expected in " ".join(problems), problems


HANDLER = 'CODE = """\ndef handler(event, context):\n    return send("x")  # {}\n"""'


def test_a_comment_inside_embedded_code_may_be_translated() -> None:
    """02's exercise handler is a string of Python: its comments are comments too."""
    en = code_tokens(HANDLER.format("change this line"))
    assert code_tokens(HANDLER.format("この行を変えます")) == en
    changed = HANDLER.format("change this line").replace('send("x")', 'send("y")')
    assert code_tokens(changed) != en  # its code still counts
    assert code_tokens('TEXT = "# not code"') != code_tokens('TEXT = "# コード"')
    assert code_tokens('TEXT = """a\n# b"""') != code_tokens('TEXT = """a\n# c"""')
