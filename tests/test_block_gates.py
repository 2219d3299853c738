"""The tuned block parser gives markdown-it's own tokens (``xpost.content.block_gates``).

Gating only skips rules that would have returned ``False``, and ``text_join`` has no
inline tokens to join; these tests hold the parser to that on every Markdown file the
repository and the shared examples have, on hand-written edge cases of each gated
rule, and on generated documents made of the line starts every block rule looks at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED
from xpost.content.parse import block_parser

ROOT = Path(__file__).resolve().parents[1]
STOCK = block_parser(tuned=False)
GATED = block_parser()


def tokens(md: Any, text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    env: dict[str, Any] = {}
    return [t.as_dict() for t in md.parse(text, env)], env


def assert_same(text: str) -> None:
    assert tokens(GATED, text) == tokens(STOCK, text)


def markdown_files() -> list[Path]:
    found = [
        path
        for folder in (ROOT / "tests" / "fixtures", ROOT / "docs", ROOT / "examples")
        for path in sorted(folder.rglob("*"))
        if path.suffix in {".md", ".markdown", ".mdx"} and path.is_file()
    ]
    found += sorted(ROOT.glob("*.md"))
    if SHARED.is_dir():
        found += sorted((SHARED / "examples").rglob("*.md"))
    return found


def test_the_corpus_is_there() -> None:
    assert len(markdown_files()) > 50


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_repository_markdown(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8", errors="replace"))


EDGE_CASES = [
    "",
    "\n\n\n",
    "a\n===\n",
    "a\nb\n---\n",
    "- a\n---\n",
    "a\n- b\n",
    "a\n1. b\n",
    "a\n2. b\n",
    "a\n12) b\n",
    "a\n-b\n",
    "a\n*\n",
    "a\n> b\n",
    "> a\n---\n",
    "> a\n> ===\n",
    "> a\nb\n",
    "a | b\n--|--\n1 | 2\n",
    "| a |\n| - |\n",
    "a\n|-\n",
    "a\n- |\n",
    "a\n: b\n",
    "    code\n\n    more\n",
    "a\n    lazy\n",
    "- a\n\n      code\n",
    "\tcode\n",
    " \t- x\n",
    "```\nx\n```\n",
    "~~~ py\nx\n~~~~\n",
    "a\n```\nb\n```\n",
    "$$\nx\n$$\n",
    "$$ x $$\n",
    "$$\nx\n$$ (1)\n",
    "a\n$$\nx\n$$\n",
    "[a]: http://x\n[a]\n",
    "a\n[b]: http://x\n",
    "[^1]: note\n\n    more\n",
    "x[^1]\n\n[^1]: n\n",
    "<div>\na\n</div>\n",
    "a\n<div>\n",
    "a\n<span>\n",
    "<!-- c -->\n",
    "<details><summary>s</summary>\n\nx\n\n</details>\n",
    "# h\n## h2 ##\n####### no\n#no\n",
    "a\n# h\n",
    "***\n___\n- - -\n* * *\n",
    "* a\n* b\n\n  * c\n",
    "1. a\n2. b\n\n   1) c\n",
    "- [ ] task\n- [x] done\n",
    "> [!NOTE]\n> body\n",
    "機械学習\n\n- 項目\n",
    "a\r\nb\r\n---\r\n",
    "a\u00a0\n- b\n",
    "\u3000- a\n",
    "１. full-width digit\n",
    *(f"{digit}. item\n\n{digit}) item\n" for digit in "0123456789"),
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases(text: str) -> None:
    assert_same(text)


# What block rules look at: indentation, markers, the first characters of a line.
_STARTS = [
    "", " ", "  ", "   ", "    ", "\t", "> ", ">", "- ", "* ", "+ ", "-", "1. ", "2) ", "10. ",
    "9. ", "0) ", "# ", "### ", "#", "```", "~~~", "$$", "[^a]: ", "[a]: ", "[a]", "<div>",
    "</div>", "<!--", "-->", "<pre>", "<details>", "---", "***", "___", "===", "==", "| ",
    "|---|---|", ":-:|", "- - -", "\\", "[ ] ", "[!NOTE]",
]  # fmt: skip
_RESTS = ["", "text", "a | b", "機械学習", "http://x", "$$", "```", "(1)", "<b>", " ", "---"]
_LINE = st.tuples(st.lists(st.sampled_from(_STARTS), max_size=3), st.sampled_from(_RESTS)).map(
    lambda parts: "".join(parts[0]) + parts[1]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_LINE, max_size=14), st.booleans())
def test_generated_documents(lines: list[str], final_newline: bool) -> None:
    assert_same("\n".join(lines) + ("\n" if final_newline else ""))
