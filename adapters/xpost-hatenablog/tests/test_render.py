"""What a Hatena Blog entry looks like: the seed post and every rule the renderer follows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from xpost.content.model import Embed

from conftest import Site
from xpost_hatenablog.atom import Entry, entry_xml, parse_entry
from xpost_hatenablog.client import wsse
from xpost_hatenablog.hatena_markdown import HatenaMarkdown, start_seconds


def _dry_run(site: Site, post: str) -> dict:
    done = site.xpost("publish", post, "--dry-run", "--json", "--to", "hatenablog")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["posts"][0]["targets"][0]


def test_seed_post_keeps_both_decks_and_the_three_cards(site: Site, seed: Path) -> None:
    target = _dry_run(site, str(seed))
    payload = target["payload"]
    body = payload["content"]
    decks = re.findall(r'<iframe src="https://speakerdeck\.com/player/([0-9a-f]+)"', body)
    cards = re.findall(r"^\[(https://\S+):embed:cite\]$", body, re.MULTILINE)
    assert len(decks) == 2 and len(set(decks)) == 2
    assert len(cards) >= 3
    assert "<script" not in body
    assert body.startswith("この記事は https://blog.example.org/")
    assert payload["content_type"] == "text/x-markdown"
    assert payload["draft"] is False
    assert site.hatena.calls == []  # a dry-run sends nothing


def test_no_account_needed_for_a_dry_run(site: Site, seed: Path) -> None:
    done = site.xpost("publish", str(site.post), "--dry-run", "--to", "hatenablog", api_key="")
    assert done.returncode == 0, done.stderr
    assert "Hatena Blog" in done.stdout


def test_english_post_gets_an_english_origin_line(site: Site) -> None:
    site.write_post("Plain English text.\n", title="An English post")
    body = _dry_run(site, str(site.post))["payload"]["content"]
    assert body.startswith("This article was originally published at https://blog.example.org/")


def test_without_a_canonical_url_the_origin_line_is_missing_and_said(site: Site) -> None:
    site.config.write_text(site.config.read_text().replace("base_url", "#base_url"))
    target = _dry_run(site, str(site.post))
    assert target["action"] == "create"
    assert not target["payload"]["content"].startswith("この記事は")
    assert any("no 'originally published at' line" in w for w in target["warnings"])


def test_draft_post_is_never_sent(site: Site) -> None:
    site.write_post("本文。\n", draft="true")
    target = _dry_run(site, str(site.post))
    assert target["action"] == "skip" and "draft" in target["reason"]


def test_embeds_keep_their_parameters() -> None:
    flavor = HatenaMarkdown()
    deck = flavor.embed(
        Embed(
            "speakerdeck",
            "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8?slide=5",
            id="d2b7118ec5eb461fbe8c79bb6343f6b8",
        )
    )
    assert 'src="https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8?slide=5"' in deck
    video = flavor.embed(
        Embed("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s", id="dQw4w9WgXcQ")
    )
    assert 'src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=90"' in video
    tweet = flavor.embed(Embed("tweet", "https://x.com/jack/status/20", id="20"))
    assert tweet == "[https://x.com/jack/status/20:embed]"
    assert flavor.warnings == []


def test_a_player_hatena_cannot_show_becomes_a_card_with_a_warning() -> None:
    flavor = HatenaMarkdown()
    text = flavor.embed(Embed("figma", "https://www.figma.com/file/abc/Design"))
    assert text == "[https://www.figma.com/file/abc/Design:embed:cite]"
    assert any("Figma" in w and "link card" in w for w in flavor.warnings)


@pytest.mark.parametrize(
    ("url", "seconds"), [("https://youtu.be/x?t=75", 75), ("https://y/?t=", 0)]
)
def test_start_seconds(url: str, seconds: int) -> None:
    assert start_seconds(url) == seconds


def test_titles_with_markup_characters_survive_the_xml() -> None:
    entry = Entry(
        title='Tom & Jerry <script>"x"</script>',
        content="a < b && c > d\n]]> end",
        content_type="text/x-markdown",
        categories=["C&C", "<tag>"],
    )
    back = parse_entry(entry_xml(entry))
    assert back.title == entry.title
    assert back.content == entry.content
    assert back.categories == entry.categories


def test_control_characters_are_removed_with_a_warning(site: Site) -> None:
    site.write_post("本文\x01です。\n")
    target = _dry_run(site, str(site.post))
    assert "\x01" not in target["payload"]["content"]


def test_html_mode_sends_html(site: Site) -> None:
    site.config.write_text(site.config.read_text() + 'syntax = "html"\n')
    payload = _dry_run(site, str(site.post))["payload"]
    assert payload["content_type"] == "text/html"
    assert "<p>" in payload["content"]


def test_hatena_syntax_mode_is_refused_with_the_fix(site: Site) -> None:
    site.config.write_text(site.config.read_text() + 'syntax = "hatena"\n')
    done = site.xpost("publish", str(site.post), "--dry-run", "--to", "hatenablog")
    assert done.returncode == 2
    assert "syntax" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_wsse_digest_is_the_documented_one() -> None:
    header = wsse("user", "key", nonce=b"0123456789abcdef", created="2026-12-01T00:00:00Z")
    assert header == (
        'UsernameToken Username="user", PasswordDigest="'
        '9YvyrRFpHIfNMHILEFZYn/RlqsQ=", '
        'Nonce="MDEyMzQ1Njc4OWFiY2RlZg==", Created="2026-12-01T00:00:00Z"'
    )


def test_xpost_adapters_lists_it_once_installed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xpost", "adapters", "--json"], capture_output=True, text=True
    )
    rows = {row["name"]: row for row in json.loads(done.stdout)["adapters"]}
    assert rows["hatenablog"]["package"] == "xpost-hatenablog"
