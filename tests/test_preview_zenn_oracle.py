"""The Zenn column against Zenn's own renderer: zenn-markdown-html (under Node.js)
and the preview must draw the same embeds, boxes, code blocks and math for an
article, kind by kind and in number."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import page_dom
from xpost.preview import markup

NODE_DIR = Path(__file__).resolve().parent / "node"

ARTICLES = {
    "embeds": (
        "@[speakerdeck](d2b7118ec5eb461fbe8c79bb6343f6b8)\n\n@[youtube](dQw4w9WgXcQ)\n\n"
        "@[card](https://github.com/python/cpython)\n\n"
        "@[slideshare](ZcZ7FgZ2p4mXq1)\n\nhttps://example.com/alone\n\n"
        "text with https://example.com/inline link\n"
    ),
    "boxes": (
        ":::message\ninfo\n:::\n\n:::message alert\ncareful\n:::\n\n"
        "::::details 開く\n:::message\ninside\n:::\n::::\n"
    ),
    "code and math": (
        "```python:app.py\nprint(1)\n```\n\n```diff js\n-a\n+b\n```\n\n$$\n\\int x\n$$\n\n"
        "inline $a^2$ math\n"
    ),
}

#: (what zenn-markdown-html writes, what the preview draws) for each kind of element.
KINDS = {
    "speakerdeck": (r"embed-speakerdeck", lambda r: page_dom.embeds(r, "speakerdeck")),
    "youtube": (r"embed-youtube", lambda r: page_dom.embeds(r, "youtube")),
    "slideshare": (r"embed-slideshare", lambda r: page_dom.embeds(r, "slideshare")),
    "card": (r"zenn-embedded-card", lambda r: page_dom.embeds(r, "card")),
    "message": (r'class="msg ', lambda r: r.find_all(lambda e: e.attrs.get("data-box") == "message")),  # noqa: E501
    "details": (r"<details", lambda r: r.find_all(lambda e: e.tag == "details")),
    "code": (r"code-block-container", lambda r: r.by_class("code")),
    "math block": (r"<section[^>]*zenn-katex", lambda r: r.by_class("math")),
    "inline math": (r"<embed-katex>", lambda r: r.by_class("math-inline")),
}  # fmt: skip


def zenn_html(node_modules: Path, body: str) -> str:
    content = (
        f'---\ntitle: "t"\nemoji: "📝"\ntype: "tech"\ntopics: []\npublished: true\n---\n{body}'
    )
    result = subprocess.run(
        ["node", str(NODE_DIR / "zenn_check.mjs")],
        input=json.dumps([{"slug": "preview-oracle-check", "content": content}]),
        capture_output=True,
        text=True,
        timeout=120,
        env={"XPOST_NODE_MODULES": str(node_modules), "PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode == 0, result.stderr
    html: str = json.loads(result.stdout)[0]["html"]
    return html


@pytest.mark.node
@pytest.mark.parametrize("name", ARTICLES)
def test_zenn_column_draws_what_zenn_renders(node_modules: Path, name: str) -> None:
    body = ARTICLES[name]
    theirs = zenn_html(node_modules, body)
    ctx = markup.Context(markup.image_placeholder, {})
    ours = page_dom.parse("".join(p.html for p in markup.render(body, markup.ZENN, ctx)))
    compared = 0
    for kind, (pattern, drawn) in KINDS.items():
        expected = len(re.findall(pattern, theirs))
        assert len(drawn(ours)) == expected, (name, kind, theirs)
        compared += expected
    assert compared >= 3
