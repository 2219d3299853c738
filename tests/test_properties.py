"""Properties over arbitrary posts: every target renders, every X post fits."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xpost.config import Config
from xpost.errors import PostError
from xpost.prepare import prepare
from xpost.render.twitter_text import MAX_WEIGHTED_LENGTH, weighted_length

TARGETS = ["twitter", "qiita", "zenn", "connpass"]

# Pieces of real posts, so that generated bodies hit the recognisers, not only text.
PIECES = [
    "\n\n",
    "\n",
    "# 見出し\n",
    "- item\n",
    "1. one\n",
    "> quote\n",
    "> [!NOTE]\n> note\n",
    "```py:a.py\nx = 1\n```\n",
    "$$\nx^2\n$$\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "{{< youtube dQw4w9WgXcQ >}}\n",
    "{{< speakerdeck 0123abcd >}}\n",
    '{{< figure src="a.png" caption="c" >}}\n',
    "{% highlight ruby %}\nputs 1\n{% endhighlight %}\n",
    "@[card](https://example.com)\n",
    ":::message\nm\n:::\n",
    "<details><summary>s</summary>\n\nbody\n\n</details>\n",
    '<iframe src="https://speakerdeck.com/player/abc"></iframe>\n',
    '<div class="x"><script>alert(1)</script><b>bold</b></div>\n',
    "https://github.com/python/cpython\n",
    "![alt](img.png)\n",
    "[link](../rel/) and `code` and **bold**\n",
    "日本語の文章です。とても長い文章が続きます。",
    "An English sentence. Another one! ",
    "😀👩‍💻🇯🇵",
    "#hashtag @mention example.com/path ",
    "[^1]\n\n[^1]: note\n",
]
# NUL bytes mark a binary file (an input error, tested elsewhere).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
BODIES = st.lists(st.sampled_from(PIECES) | TEXT, max_size=25).map("".join)
# YAML rightly refuses control characters in front matter (an input error, tested
# elsewhere); titles here are any other text.
TITLES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200).filter(
    lambda t: t.strip() != ""
)


def write_post(folder: Path, title: str, body: str, thread: bool) -> Path:
    path = folder / "post.md"
    front = {
        "title": title,
        "tags": ["python", "C++", "機械学習", "a b"],
        "canonical_url": "https://example.com/post/x/",
        "xpost": {
            "twitter": {"thread": thread},
            "connpass": {"event_url": "https://example.connpass.com/event/1/"},
        },
    }
    # JSON is valid YAML, so no title can break the front matter.
    path.write_text(f"---\n{json.dumps(front, ensure_ascii=False)}\n---\n{body}", encoding="utf-8")
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TITLES, BODIES, st.booleans())
def test_any_post_renders_for_every_target_and_every_x_post_fits(
    title: str, body: str, thread: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            (prepared,) = prepare([write_post(Path(tmp), title, body, thread)], Config(), TARGETS)
        except PostError as refused:
            # The one refusal allowed: a thread would have to cut a word in two.
            assert thread and "cannot fit in one post" in str(refused)
            return
    by = {t.platform: t for t in prepared.targets}
    assert set(by) == set(TARGETS)
    posts = by["twitter"].draft.payload["posts"]  # type: ignore[union-attr]
    assert posts
    for post in posts:
        assert post["weighted_length"] == weighted_length(post["text"])
        assert 0 < post["weighted_length"] <= MAX_WEIGHTED_LENGTH
    zenn = by["zenn"].draft.payload  # type: ignore[union-attr]
    assert zenn["content"].startswith("---\n")
    assert_no_script(by["qiita"].draft.payload["body"])  # type: ignore[union-attr]
    assert_no_script(by["connpass"].draft.payload["description"])  # type: ignore[union-attr]


ALLOWED_SCRIPTS = (  # the embeds Qiita itself documents
    '<script async src="https://platform.twitter.com/widgets.js"',
    '<script async class="speakerdeck-embed"',
)


def assert_no_script(markdown: str) -> None:
    """No ``<script>`` survives as HTML (in code it is only text, and stays)."""
    from markdown_it import MarkdownIt

    for token in MarkdownIt("commonmark").parse(markdown):
        pieces = [token, *(token.children or [])]
        for piece in pieces:
            if piece.type in ("html_block", "html_inline"):
                html = piece.content
                for allowed in ALLOWED_SCRIPTS:
                    html = html.replace(allowed, "")
                assert "<script" not in html.lower(), markdown
