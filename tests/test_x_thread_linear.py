"""Thread splitting takes time linear in the text, CJK written without spaces included.

Before, a paragraph with no whitespace was cut by passes over its whole rest: 20,000
CJK characters took seconds and 200,000 would have taken minutes.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

from xpost.platforms.twitter.compose import split_thread
from xpost.render.twitter_text import extract_hashtags, extract_urls, weighted_length

CJK = "機械学習の運用について議論しました"  # no space, no 。


def cjk(length: int) -> str:
    return (CJK * (length // len(CJK) + 1))[:length]


def text_of(parts: list[str]) -> str:
    """The thread's text without the ``n/N`` counters."""
    return "".join(part.rsplit(" ", 1)[0] for part in parts[1:])


@pytest.mark.parametrize(
    "paragraph",
    [
        cjk(200_000),
        "前置き " + cjk(200_000),  # one early space, then none
        cjk(100_000) + " https://example.com/a " + cjk(100_000),
    ],
    ids=["cjk", "one-space", "with-url"],
)
def test_200000_cjk_characters_split_in_linear_time(paragraph: str) -> None:
    started = time.process_time()
    parts = split_thread([paragraph], "題名 https://example.com/")
    took = time.process_time() - started
    assert took < 30  # about 2 s here; quadratic was minutes
    assert text_of(parts).replace(" ", "") == paragraph.replace(" ", "")
    assert all(weighted_length(part) <= 280 for part in parts)
    assert len(parts) > 1400


def test_no_cut_inside_a_hashtag_or_url_in_unspaced_text() -> None:
    paragraph = (
        cjk(600)
        + "、#機械学習基盤の運用、"
        + cjk(900)
        + "https://例え.jp/パス"
        + cjk(700)
        + "、＃タグ、"
        + cjk(800)
    )
    parts = split_thread([paragraph], "題名")
    assert text_of(parts) == paragraph
    whole = {e.value for e in extract_urls(paragraph)} | {
        e.value for e in extract_hashtags(paragraph)
    }
    for part in parts[1:]:
        body = part.rsplit(" ", 1)[0]
        found = {e.value for e in extract_urls(body)} | {e.value for e in extract_hashtags(body)}
        assert found <= whole, part
    assert {"#機械学習基盤の運用", "＃タグ", "https://例え.jp/"} <= whole
    assert {"#機械学習基盤の運用", "＃タグ"} <= {
        e.value for part in parts for e in extract_hashtags(part)
    }


def test_a_200000_character_post_is_held_to_max_thread_parts_at_once(site: Any) -> None:
    post = site.root / "site" / "content" / "post" / "huge.md"
    post.write_text(
        "---\ntitle: Huge\nurl: https://chezo.uno/huge/\nxpost:\n  twitter:\n    thread: true\n"
        f"---\n\n{cjk(200_000)}\n",
        encoding="utf-8",
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    dry = site.xpost("publish", str(post), "--to", "twitter", "--dry-run")
    done = site.xpost("publish", str(post), "--to", "twitter")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert dry.returncode == 0
    assert "over [twitter] max_thread_parts (25)" in dry.stdout + dry.stderr
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "over [twitter] max_thread_parts (25)" in line
    assert site.x.requests == []
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert cpu < 60  # both commands; about 6 s here
