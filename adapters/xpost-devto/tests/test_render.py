"""What a DEV article looks like: the seed post and every rule the renderer follows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from xpost.content.model import Embed

from conftest import Site
from xpost_devto import devto_tags
from xpost_devto.forem_markdown import ForemMarkdown, escape_liquid, liquid_tag, start_seconds


def _dry_run(site: Site, post: str) -> dict:
    done = site.xpost("publish", post, "--dry-run", "--json", "--to", "devto")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["posts"][0]["targets"][0]


def test_seed_post_keeps_both_decks_and_the_three_cards(site: Site, seed: Path) -> None:
    target = _dry_run(site, str(seed))
    article = target["payload"]["article"]
    body = article["body_markdown"]
    decks = re.findall(r"^\{% speakerdeck ([0-9a-f]+) %\}$", body, re.MULTILINE)
    cards = re.findall(r"^\{% embed (https://\S+) %\}$", body, re.MULTILINE)
    assert len(decks) == 2 and len(set(decks)) == 2
    assert len(cards) >= 3
    assert "<script" not in body and "<iframe" not in body and "<div" not in body
    assert article["canonical_url"].startswith("https://blog.example.org/")
    assert article["published"] is True
    tags = [t for t in article["tags"].split(", ") if t]
    assert 1 <= len(tags) <= 4 and all(re.fullmatch(r"[a-z0-9]+", t) for t in tags)
    assert site.forem.calls == []  # a dry-run sends nothing


def test_no_account_needed_for_a_dry_run(site: Site, seed: Path) -> None:
    done = site.xpost("publish", str(seed), "--dry-run", "--to", "devto", api_key="")
    assert done.returncode == 0, done.stderr
    assert "DEV" in done.stdout


def test_draft_is_never_sent(site: Site) -> None:
    site.write_post("Body.\n", draft="true")
    target = _dry_run(site, str(site.post))
    assert target["action"] == "skip" and "draft" in target["reason"]


def test_tags_are_mapped_and_what_changed_is_said() -> None:
    tags, warnings = devto_tags(["Python", "GitHub Actions", "C++", "日本語", "python", "a", "b"])
    assert tags == ["python", "githubactions", "c", "a"]
    assert any("'GitHub Actions' written as 'githubactions'" in w for w in warnings)
    assert any("'日本語' dropped" in w for w in warnings)
    assert any("dropped b" in w for w in warnings)


@pytest.mark.parametrize(
    ("url", "seconds"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=90", 90),
        ("https://youtu.be/dQw4w9WgXcQ?t=1m30s", 90),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=75", 75),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", 0),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=soon", 0),
    ],
)
def test_youtube_start_time_survives(url: str, seconds: int) -> None:
    assert start_seconds(url) == seconds
    tag = liquid_tag(Embed("youtube", url, id="dQw4w9WgXcQ"))
    assert tag == (
        f"{{% youtube dQw4w9WgXcQ?start={seconds} %}}" if seconds else "{% youtube dQw4w9WgXcQ %}"
    )


def test_a_speaker_deck_slide_number_is_kept_in_a_link() -> None:
    flavor = ForemMarkdown()
    deck = Embed(
        "speakerdeck",
        "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8?slide=5",
        id="d2b7118ec5eb461fbe8c79bb6343f6b8",
    )
    text = flavor.embed(deck)
    assert text.startswith("{% speakerdeck d2b7118ec5eb461fbe8c79bb6343f6b8 %}\n\n")
    assert "slide=5" in text
    assert any("slide number" in w for w in flavor.warnings)


def test_liquid_in_prose_is_not_run_but_code_is_left_alone() -> None:
    text = "Use {{ site.title }} and {% raw %} but not `{{ in_code }}`"
    assert escape_liquid(text) == (
        "Use {% raw %}{{{% endraw %} site.title }} and {% raw %}{%{% endraw %} raw %} "
        "but not `{{ in_code }}`"
    )


def test_soft_wrapped_lines_are_joined_for_hard_wrap(site: Site) -> None:
    site.write_post("English words\nwrapped here.\n\n日本語の文が\n折り返されている。\n")
    body = _dry_run(site, str(site.post))["payload"]["article"]["body_markdown"]
    assert "English words wrapped here." in body
    assert "日本語の文が折り返されている。" in body


def test_a_body_opening_with_a_rule_is_not_read_as_front_matter(site: Site) -> None:
    site.write_post("---\n\nAfter the rule.\n")
    body = _dry_run(site, str(site.post))["payload"]["article"]["body_markdown"]
    assert not body.startswith("---")


def test_long_title_is_shortened_with_a_warning(site: Site) -> None:
    site.write_post("Body.\n", title="T" * 200)
    target = _dry_run(site, str(site.post))
    assert len(target["payload"]["article"]["title"]) == 128
    assert any("shortened" in w for w in target["warnings"])


def test_bad_main_image_option_is_bad_input(site: Site) -> None:
    site.post.write_text(
        "---\ntitle: T\ndate: 2024-05-01\ntags: [x]\nxpost:\n  devto:\n"
        "    main_image: javascript:alert(1)\n---\nBody.\n"
    )
    done = site.xpost("publish", str(site.post), "--dry-run", "--to", "devto")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "main_image" in done.stderr


def test_xpost_adapters_lists_it_once_installed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xpost", "adapters", "--json"], capture_output=True, text=True
    )
    rows = {row["name"]: row for row in json.loads(done.stdout)["adapters"]}
    assert rows["devto"]["package"] == "xpost-devto"
