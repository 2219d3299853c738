"""The connpass flavor and adapter: exact descriptions, messages and payloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import SEED, post_factory
from xpost.config import Config, SiteConfig
from xpost.content.model import Block, Callout, Details, Document, Embed, Image, Markdown, Math
from xpost.errors import PostError
from xpost.platforms.connpass.adapter import (
    MESSAGE_LIMIT,
    ConnpassAdapter,
    ConnpassOptions,
    ConnpassSettings,
    announcement_message,
)
from xpost.platforms.connpass.markdown import ConnpassMarkdown
from xpost.post import Post, load_post

URL = "https://example.com/post/hello/"
EVENT = "https://mlxse.connpass.com/event/251751/"


make_post = post_factory(summary="A short summary.")


def emit(*blocks: Block) -> tuple[str, list[str]]:
    flavor = ConnpassMarkdown()
    return flavor.emit(Document(tuple(blocks))), flavor.warnings


def render(post: Post, **options: Any) -> Any:
    return ConnpassAdapter(ConnpassSettings(), SiteConfig()).render(
        post, ConnpassOptions(**options)
    )


# -- the flavor ---------------------------------------------------------------------


def test_images_become_links_with_a_warning() -> None:
    text, warnings = emit(
        Image("https://example.com/img/cat.png", alt="A cat"),
        Image("https://example.com/img/dog.png", caption="Our dog", link="https://dog.example/"),
        Image("https://example.com/img/plain.png"),
    )
    assert text == (
        "[A cat](https://example.com/img/cat.png)\n\n"
        "[Our dog](https://example.com/img/dog.png) (<https://dog.example/>)\n\n"
        "[plain.png](https://example.com/img/plain.png)\n"
    )
    assert warnings == [
        "connpass does not allow images: shown as a link to https://example.com/img/cat.png",
        "connpass does not allow images: shown as a link to https://example.com/img/dog.png",
        "connpass does not allow images: shown as a link to https://example.com/img/plain.png",
    ]


def test_embeds_degrade_to_links_with_warnings() -> None:
    text, warnings = emit(
        Embed("speakerdeck", "https://speakerdeck.com/player/d2b7", id="d2b7", title="History"),
        Embed("card", "https://chezo.uno/post/x/"),
    )
    assert text == "[History](https://speakerdeck.com/player/d2b7)\n\n<https://chezo.uno/post/x/>\n"
    assert warnings == [
        "connpass cannot embed Speaker Deck: shown as a link to https://speakerdeck.com/player/d2b7",
        "connpass cannot embed link card: shown as a link to https://chezo.uno/post/x/",
    ]


def test_details_are_flattened_and_callouts_quoted() -> None:
    text, warnings = emit(
        Details("Agenda", (Markdown("19:00 開場\n19:30 開始"),)),
        Callout("warning", (Markdown("Bring\nyour laptop."),)),
    )
    assert text == (
        "**Agenda**\n\n19:00 開場19:30 開始\n\n> **Warning**\n>\n> Bring your laptop.\n"
    )
    assert warnings == ["connpass has no collapsible sections: 'Agenda' is shown expanded"]


def test_math_is_shown_as_tex_source() -> None:
    text, warnings = emit(Math("a^2 + b^2"))
    assert text == "```tex\na^2 + b^2\n```\n"
    assert warnings == ["connpass cannot render math: shown as its TeX source"]


# -- the message --------------------------------------------------------------------


def test_message_is_title_summary_and_url() -> None:
    assert announcement_message("Title", "Line one\nline two.", URL) == (
        f"Title\n\nLine one line two.\n\n{URL}"
    )
    assert announcement_message("Title", "", None) == "Title"


def test_long_summary_is_cut_to_the_limit_keeping_the_url() -> None:
    message = announcement_message("Title", "あ" * 2000, URL)
    assert len(message) == MESSAGE_LIMIT
    assert message.endswith(f"あ…\n\n{URL}")
    assert message.startswith("Title\n\nあ")


# -- the adapter --------------------------------------------------------------------


def test_announce_payload() -> None:
    draft = render(make_post(Markdown("Come\nalong!")), event_url=EVENT)
    assert draft.payload == {
        "event_url": EVENT,
        "title": "Hello",
        "description": "Come along!\n",
        "message": f"Hello\n\nA short summary.\n\n{URL}",
    }
    assert draft.headline == "announce · event 251751"
    assert draft.skip_reason is None
    assert draft.warnings == []
    assert draft.preview == (
        f"Event: {EVENT}\nTitle: Hello\n\n── description ──\nCome along!\n\n"
        f"── message ──\nHello\n\nA short summary.\n\n{URL}\n"
    )


def test_report_mode_is_a_materials_entry_only() -> None:
    draft = render(
        make_post(Markdown("x")), event_url="https://connpass.com/event/42", mode="report"
    )
    assert draft.payload == {
        "event_url": "https://connpass.com/event/42",
        "title": "Hello",
        "description": "",
        "message": f"Hello\n{URL}",
    }
    assert draft.headline == "report · event 42"
    assert draft.preview == (
        f"Event: https://connpass.com/event/42\nTitle: Hello\n\n── message ──\nHello\n{URL}\n"
    )


def test_no_event_is_skipped_with_the_fix() -> None:
    draft = render(make_post(Markdown("x")))
    assert draft.payload["event_url"] is None
    assert draft.headline == "announce · no event"
    assert draft.skip_reason == (
        "no connpass event linked: add xpost: {connpass: {event_url: "
        "https://….connpass.com/event/123/}}"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://mlxse.connpass.com/",
        "https://connpass.com/event/abc/",
        "http://mlxse.connpass.com/event/1/",
        "https://evil.example/connpass.com/event/1/",
        "https://mlxse.connpass.com.evil.example/event/1/",
    ],
)
def test_a_wrong_event_url_names_the_key_and_file(url: str) -> None:
    with pytest.raises(PostError) as caught:
        render(make_post(Markdown("x")), event_url=url)
    assert str(caught.value) == (
        f"content/post/hello.md: xpost.connpass.event_url: {url!r} is not a connpass event URL "
        "(expected https://<group>.connpass.com/event/<number>/)"
    )


def test_a_draft_is_skipped() -> None:
    draft = render(make_post(Markdown("x"), draft=True), event_url=EVENT)
    assert draft.skip_reason == "the post is a draft (draft: true)"


def test_no_canonical_url_warns() -> None:
    draft = render(make_post(Markdown("x"), canonical_url=None), event_url=EVENT)
    assert draft.payload["message"] == "Hello\n\nA short summary."
    assert draft.warnings == ["connpass: the message has no link: the post has no canonical URL"]


# -- the seed post (golden) ---------------------------------------------------------

GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_URL = "https://chezo.uno/post/2022-07-15-mlse-infraop-wg/"


@pytest.mark.shared
def test_seed_post_connpass_description_is_golden() -> None:
    post = load_post(SEED, Config(site=SiteConfig(base_url="https://chezo.uno")))
    draft = render(post, event_url=EVENT)
    description = draft.payload["description"]
    assert description == (GOLDEN / "connpass-seed.md").read_text(encoding="utf-8")
    assert draft.payload["message"] == (
        "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n\n"
        f"MLSE の本番適用のためのインフラと運用WGの活動を終了しました。\n\n{SEED_URL}"
    )
    assert "<script" not in description and "<iframe" not in description
    assert "iframely" not in description
    assert draft.warnings == [
        "connpass cannot embed link card: shown as a link to "
        "https://github.com/mlse-jssst/InfraOpWGProceedings/blob/master/20220702_SummerCamp/"
        "MLSE_InfraOPWG_SummerCamp_Output.pdf",
        "connpass cannot embed Speaker Deck: shown as a link to "
        "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8",
        "connpass cannot embed Speaker Deck: shown as a link to "
        "https://speakerdeck.com/player/c572de6c163a4b6fb9b268d2a9c1417a",
        "connpass cannot embed link card: shown as a link to "
        "https://chezo.uno/post/2018-05-17_mlse-kickoff/",
        "connpass cannot embed link card: shown as a link to "
        "https://chezo.uno/post/2020-07-11-mlse-summer-workshop/",
        "connpass cannot embed link card: shown as a link to "
        "https://chezo.uno/post/2020-11-10-mlse-conference/",
    ]
