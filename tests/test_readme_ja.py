"""README.ja.md keeps in step with README.md, and FACILITATOR.ja.md with FACILITATOR.md.

The prose is a translation and is not compared; what a reader copies or follows is: the
section structure, the commands in the code blocks (comments may be translated), every
inline code span, the links, the table rows and the numbered steps. A change to README.md
that adds a command, a section or a name fails here until README.ja.md follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\((?P<url>[^)\s]+)\)")
# A shell comment: "#" after whitespace (so "http://…#anchor" is not one); translated freely.
COMMENT = re.compile(r"(^|\s+)#.*$")


@dataclass
class Outline:
    headings: list[int]  # the level of each heading, in order
    blocks: list[tuple[str, list[str]]]  # (language, lines without comments)
    code_spans: set[str]
    links: set[str]
    table_rows: int
    numbered_steps: int
    text: str


def outline(path: Path) -> Outline:
    text = path.read_text(encoding="utf-8")
    result = Outline([], [], set(), set(), 0, 0, text)
    block: list[str] | None = None
    lang = ""
    prose: list[str] = []
    for line in text.splitlines():
        fence = FENCE.match(line)
        if fence is not None:
            if block is None:
                block, lang = [], fence.group("lang")
            else:
                result.blocks.append((lang, block))
                block = None
            continue
        if block is not None:
            command = COMMENT.sub("", line).rstrip()
            if command:
                block.append(command)
            continue
        prose.append(line)
        if heading := re.match(r"^(#{1,6})\s", line):
            result.headings.append(len(heading.group(1)))
        elif line.startswith("|"):
            result.table_rows += 1
        elif re.match(r"^\d+\.\s", line):
            result.numbered_steps += 1
    assert block is None, f"{path.name}: a code block is not closed"
    body = "\n".join(prose)
    result.code_spans = set(INLINE_CODE.findall(body))
    result.links = {m.group("url") for m in LINK.finditer(body)}
    return result


PAIRS = [("README.md", "README.ja.md"), ("FACILITATOR.md", "FACILITATOR.ja.md")]


@pytest.fixture(scope="module", params=PAIRS, ids=lambda pair: pair[0])
def readmes(request: pytest.FixtureRequest) -> tuple[Outline, Outline]:
    english, japanese = request.param
    return outline(ROOT / english), outline(ROOT / japanese)


def test_same_sections(readmes: tuple[Outline, Outline]) -> None:
    en, ja = readmes
    assert ja.headings == en.headings


def test_same_commands_in_code_blocks(readmes: tuple[Outline, Outline]) -> None:
    en, ja = readmes
    assert ja.blocks == en.blocks


# Where the Japanese page names its own series instead: the Japanese twin of a page, the
# Japanese notebooks in a command. Read back as the English page's names to compare.
JA_TWINS = {
    "FACILITATOR.ja.md": "FACILITATOR.md",
    "papermill notebooks/ja/": "papermill notebooks/",
}


def as_english(name: str) -> str:
    for ja, en in JA_TWINS.items():
        name = name.replace(ja, en)
    return name


def test_same_names_links_tables_and_steps(readmes: tuple[Outline, Outline]) -> None:
    en, ja = readmes
    ja_spans = {as_english(span) for span in ja.code_spans}
    assert sorted(en.code_spans - ja_spans) == [], "code spans missing from README.ja.md"
    assert sorted(ja_spans - en.code_spans) == [], "code spans README.md does not have"
    # FACILITATOR.ja.md links its own twin, README.ja.md, where the English page links README.md.
    links = {as_english(link).replace("README.ja.md", "README.md") for link in ja.links}
    assert links == en.links
    assert ja.table_rows == en.table_rows
    assert ja.numbered_steps == en.numbered_steps


def test_both_give_the_two_commands() -> None:
    for readme in (outline(ROOT / "README.md"), outline(ROOT / "README.ja.md")):
        for command in ("make workshop", "make test"):
            assert command in readme.text


def test_the_japanese_readme_points_at_the_japanese_series() -> None:
    """A Japanese reader is sent to FACILITATOR.ja.md and to notebooks/ja/, not to the
    English pages and notebooks."""
    ja = outline(ROOT / "README.ja.md")
    assert "FACILITATOR.ja.md" in ja.links and "FACILITATOR.md" not in ja.links
    assert "FACILITATOR.md" not in ja.code_spans
    papermill = [span for span in ja.code_spans if "papermill" in span]
    assert papermill and all("notebooks/ja/" in span for span in papermill)


def test_the_japanese_readme_is_japanese(readmes: tuple[Outline, Outline]) -> None:
    _, ja = readmes
    kana = re.findall(r"[\u3040-\u30ff]", ja.text)
    assert len(kana) > 200, "the Japanese page should be a translation, not a copy"


def test_outline_reads_what_it_compares(tmp_path: Path) -> None:
    sample = tmp_path / "sample.md"
    sample.write_text(
        "# T\n\n## A\n\nRun `make test` ([docs](https://example.org/x#y)).\n\n"
        "```bash\nmake workshop   # a comment\n# only a comment\necho '#not' x\n```\n\n"
        "| a | b |\n| --- | --- |\n\n1. one\n2. two\n",
        encoding="utf-8",
    )
    got = outline(sample)
    assert got.headings == [1, 2]
    assert got.blocks == [("bash", ["make workshop", "echo '#not' x"])]
    assert got.code_spans == {"make test"}
    assert got.links == {"https://example.org/x#y"}
    assert (got.table_rows, got.numbered_steps) == (2, 2)
