"""The Qiita flavor and adapter: exact bodies and API payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import SEED, SHARED, post_factory
from xpost.config import Config, SiteConfig
from xpost.content.model import (
    Block,
    Callout,
    Code,
    Details,
    Document,
    Embed,
    Html,
    Image,
    Markdown,
    Math,
)
from xpost.errors import PostError
from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaOptions, QiitaSettings, qiita_tags
from xpost.platforms.qiita.markdown import QiitaMarkdown
from xpost.post import Post, load_post

URL = "https://example.com/post/hello/"


make_post = post_factory(tags=("python",))


def emit(*blocks: Block) -> tuple[str, list[str]]:
    flavor = QiitaMarkdown()
    return flavor.emit(Document(tuple(blocks))), flavor.warnings


def render(post: Post, settings: QiitaSettings | None = None, **options: Any) -> Any:
    adapter = QiitaAdapter(settings or QiitaSettings(), SiteConfig())
    return adapter.render(post, QiitaOptions(**options))


# -- the flavor ---------------------------------------------------------------------


def test_soft_breaks_are_joined_without_spaces_between_japanese() -> None:
    text, warnings = emit(Markdown("日本語の\n文章です。\nEnglish\ntext  \nhard break"))
    assert text == "日本語の文章です。English text  \nhard break\n"
    assert warnings == []


def test_speakerdeck_player_id_becomes_the_script_embed() -> None:
    deck = Embed(
        "speakerdeck",
        "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8",
        id="d2b7118ec5eb461fbe8c79bb6343f6b8",
        title="History",
    )
    text, warnings = emit(deck)
    assert text == (
        '<script async class="speakerdeck-embed" data-id="d2b7118ec5eb461fbe8c79bb6343f6b8" '
        'data-ratio="1.77" src="//speakerdeck.com/assets/embed.js"></script>\n'
    )
    assert warnings == []


def test_speakerdeck_page_without_player_id_is_a_link_card_with_a_warning() -> None:
    text, warnings = emit(Embed("speakerdeck", "https://speakerdeck.com/chezou/deck"))
    assert text == "https://speakerdeck.com/chezou/deck\n"
    assert warnings == [
        "Qiita cannot embed this Speaker Deck (it has no player id): "
        "shown as a link card: https://speakerdeck.com/chezou/deck"
    ]


def test_youtube_is_the_allow_listed_iframe() -> None:
    text, _ = emit(
        Embed("youtube", "https://www.youtube.com/watch?v=ApXoWvfEYVU", id="ApXoWvfEYVU")
    )
    assert text == (
        '<iframe width="560" height="315" src="https://www.youtube.com/embed/ApXoWvfEYVU" '
        'title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; '
        'clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share" '
        "allowfullscreen></iframe>\n"
    )


def test_youtube_without_id_degrades_to_a_card() -> None:
    text, warnings = emit(Embed("youtube", "https://youtu.be/"))
    assert text == "https://youtu.be/\n"
    assert warnings == [
        "Qiita cannot embed this YouTube (its embed address could not be worked out): "
        "shown as a link card: https://youtu.be/"
    ]


def test_tweet_is_the_blockquote_and_widgets_script() -> None:
    text, warnings = emit(
        Embed(
            "tweet", "https://twitter.com/jack/status/20", id="20", title="just setting up my twttr"
        )
    )
    assert text == (
        '<blockquote class="twitter-tweet"><p>just setting up my twttr</p>'
        '<a href="https://twitter.com/jack/status/20">https://twitter.com/jack/status/20</a>'
        "</blockquote>\n"
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>\n'
    )
    assert warnings == []


def test_gist_and_card_are_urls_alone_on_their_line() -> None:
    text, warnings = emit(
        Markdown("Before"),
        Embed("gist", "https://gist.github.com/octo/abc123", id="abc123"),
        Embed("card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/", origin="iframely"),
    )
    assert text == (
        "Before\n\nhttps://gist.github.com/octo/abc123\n\n"
        "https://chezo.uno/post/2018-05-17_mlse-kickoff/\n"
    )
    assert warnings == []


def test_allow_listed_iframes_stay_iframes() -> None:
    slides = "https://docs.google.com/presentation/d/e/2PACX-1/embed?start=false"
    text, warnings = emit(
        Embed("iframe", slides, title="Slides"),
        Embed("slideshare", "https://www.slideshare.net/u/deck", id="EP6Yf9I2idPXCb"),
    )
    assert text == (
        '<iframe width="100%" height="450" '
        'src="https://docs.google.com/presentation/d/e/2PACX-1/embed?start=false" '
        'title="Slides" frameborder="0" allowfullscreen></iframe>\n\n'
        '<iframe width="100%" height="450" '
        'src="https://www.slideshare.net/slideshow/embed_code/key/EP6Yf9I2idPXCb" '
        'title="SlideShare" frameborder="0" allowfullscreen></iframe>\n'
    )
    assert warnings == []


@pytest.mark.parametrize(
    ("embed", "src"),
    [
        (
            Embed("docswell", "https://www.docswell.com/s/ku-suke/LK7J5V-hello-docswell"),
            "https://www.docswell.com/slide/LK7J5V/embed",
        ),
        (
            Embed("figma", "https://www.figma.com/file/LKQ4FJ4bTnCSjedbRpk931/Sample"),
            "https://www.figma.com/embed?embed_host=share&amp;url="
            "https%3A%2F%2Fwww.figma.com%2Ffile%2FLKQ4FJ4bTnCSjedbRpk931%2FSample",
        ),
        (
            Embed("iframe", "https://stackblitz.com/edit/x?embed=1"),
            "https://stackblitz.com/edit/x?embed=1",
        ),
    ],
)
def test_provider_pages_become_their_embed_iframe(embed: Embed, src: str) -> None:
    text, warnings = emit(embed)
    assert f'src="{src}"' in text and text.startswith("<iframe ")
    assert warnings == []


def test_other_iframes_become_links_with_a_warning() -> None:
    text, warnings = emit(Embed("iframe", "https://player.vimeo.com/video/1", title="A film"))
    assert text == "[A film](https://player.vimeo.com/video/1)\n"
    assert warnings == [
        "Qiita cannot embed a frame from player.vimeo.com: "
        "shown as a link to https://player.vimeo.com/video/1"
    ]


@pytest.mark.parametrize(
    ("kind", "style"),
    [
        ("note", "info"),
        ("tip", "info"),
        ("important", "info"),
        ("warning", "warn"),
        ("caution", "alert"),
    ],
)
def test_callouts_are_notes(kind: Any, style: str) -> None:
    text, _ = emit(Callout(kind, (Markdown("Mind\nthis."),)))
    assert text == f":::note {style}\nMind this.\n:::\n"


def test_callout_title_is_a_bold_first_line() -> None:
    text, _ = emit(Callout("warning", (Markdown("Body"),), title="Heads up"))
    assert text == ":::note warn\n**Heads up**\n\nBody\n:::\n"


def test_details_keep_their_summary_and_blank_lines() -> None:
    text, _ = emit(Details("More", (Markdown("Hidden\ntext"), Code("x = 1", "python"))))
    assert text == (
        "<details><summary>More</summary>\n\nHidden text\n\n```python\nx = 1\n```\n\n</details>\n"
    )


def test_code_with_filename_uses_lang_colon_filename() -> None:
    text, _ = emit(
        Code("puts 1", "ruby", "qiita.rb"),
        Code("plain", "", "notes.txt"),
        Code("a ``` b", "md"),
    )
    assert text == (
        "```ruby:qiita.rb\nputs 1\n```\n\n```text:notes.txt\nplain\n```\n\n````md\na ``` b\n````\n"
    )


def test_math_is_a_math_fence() -> None:
    text, _ = emit(Math("e^{i\\pi} + 1 = 0"))
    assert text == "```math\ne^{i\\pi} + 1 = 0\n```\n"


def test_images_and_raw_html() -> None:
    text, warnings = emit(
        Image("https://example.com/a.png", alt="A cat", caption="Our cat"),
        Html("<div><b>Hi</b></div>", "**Hi**"),
    )
    assert text == "![A cat](https://example.com/a.png)\n*Our cat*\n\n**Hi**\n"
    assert warnings == ["Qiita: raw HTML was converted to Markdown: <div><b>Hi</b></div>"]


def test_parser_notes_become_warnings() -> None:
    flavor = QiitaMarkdown()
    flavor.emit(Document((Markdown("x"),), notes=("unknown shortcode {{< foo >}} dropped",)))
    assert flavor.warnings == ["unknown shortcode {{< foo >}} dropped"]


# -- tags ---------------------------------------------------------------------------


def test_tags_lose_spaces_duplicates_and_the_sixth() -> None:
    tags, warnings = qiita_tags(
        ["Python", " python ", " machine learning", "MLOps", "", "A", "B", "C"]
    )
    assert tags == ["Python", "machinelearning", "MLOps", "A", "B"]
    assert warnings == [
        "Qiita tag ' machine learning' written as 'machinelearning' (Qiita tags hold no spaces)",
        "Qiita allows 5 tags: dropped C",
    ]


# -- the adapter --------------------------------------------------------------------


def test_payload_is_the_api_request_body() -> None:
    draft = render(make_post(Markdown("Hello\nworld"), title="こんにちは", tags=("Python", "CLI")))
    assert draft.payload == {
        "title": "こんにちは",
        "body": f"この記事は {URL} からの転載です。\n\nHello world\n",
        "tags": [{"name": "Python", "versions": []}, {"name": "CLI", "versions": []}],
        "private": False,
        # The official Qiita CLI always sends both.
        "organization_url_name": None,
        "slide": False,
    }
    assert draft.headline == "2 tags · 60 chars"
    assert draft.preview == (
        f"Title: こんにちは\nTags: Python, CLI\n\n"
        f"この記事は {URL} からの転載です。\n\nHello world\n"
    )
    assert draft.warnings == []
    assert draft.skip_reason is None


def test_options_override_title_tags_privacy_and_add_organization_and_slide() -> None:
    settings = QiitaSettings(organization_url_name="acme", origin_note="", origin_note_en="")
    draft = render(make_post(Markdown("x")), settings, title="Other", tags=["Go"], slide=True)
    assert draft.payload == {
        "title": "Other",
        "body": "x\n",
        "tags": [{"name": "Go", "versions": []}],
        "private": False,
        "organization_url_name": "acme",
        "slide": True,
    }
    assert draft.headline == "1 tag · 2 chars"
    assert draft.preview == ("Title: Other\nTags: Go\nOrganization: acme\nSlide mode: yes\n\nx\n")
    private = render(make_post(Markdown("x")), QiitaSettings(origin_note_en=""), private=True)
    assert private.payload["private"] is True
    assert private.preview.startswith("Title: Hello\nTags: python\nPrivate: yes (limited share)\n")


def test_limited_share_inside_an_organization_is_refused_as_the_qiita_cli_does() -> None:
    with pytest.raises(PostError) as refused:
        render(make_post(Markdown("x")), QiitaSettings(organization_url_name="acme"), private=True)
    assert str(refused.value) == (
        "content/post/hello.md: xpost.qiita.private: limited share inside organization 'acme' "
        "is refused, as the official Qiita CLI refuses it; publish it publicly or without "
        "organization_url_name"
    )


def test_origin_note_at_the_bottom_with_a_custom_text() -> None:
    settings = QiitaSettings(origin_note_en="Originally at <{url}>.", origin_note_position="bottom")
    draft = render(make_post(Markdown("Body")), settings)
    assert draft.payload["body"] == f"Body\n\nOriginally at <{URL}>.\n"


@pytest.mark.parametrize(
    ("fields", "site", "note"),
    [
        ({"title": "日本語の記事"}, None, "この記事は"),
        ({"title": "English"}, None, "This article was originally published at"),
        ({"title": "English", "front_matter": {"lang": "ja-JP"}}, None, "この記事は"),
        ({"title": "日本語", "front_matter": {"language": "en"}}, None, "This article"),
        ({"title": "English"}, "ja", "この記事は"),
        ({"title": "日本語の記事"}, "en", "This article"),
    ],
)
def test_origin_note_is_in_the_posts_language(
    fields: dict[str, Any], site: str | None, note: str
) -> None:
    adapter = QiitaAdapter(QiitaSettings(), SiteConfig(language=site))
    draft = adapter.render(make_post(Markdown("Body"), **fields), QiitaOptions())
    assert draft.payload["body"].startswith(note)


def test_no_canonical_url_skips_the_origin_note_with_a_warning() -> None:
    draft = render(make_post(Markdown("Body"), canonical_url=None))
    assert draft.payload["body"] == "Body\n"
    assert draft.warnings == [
        "Qiita: no 'originally published at' line: the post has no canonical URL "
        "(set [site] base_url or the post's url)"
    ]


def test_categories_stand_in_for_missing_tags() -> None:
    draft = render(make_post(Markdown("x"), tags=(), categories=("conference",)))
    assert draft.payload["tags"] == [{"name": "conference", "versions": []}]


def test_no_tags_at_all_is_skipped_with_the_fix() -> None:
    draft = render(make_post(Markdown("x"), tags=()))
    assert draft.payload["tags"] == []
    assert draft.headline.startswith("0 tags · ")
    assert draft.skip_reason == "Qiita needs at least one tag: add tags or xpost.qiita.tags"
    assert draft.warnings == []


def test_a_draft_is_skipped_and_never_private() -> None:
    draft = render(make_post(Markdown("x"), draft=True), QiitaSettings(private=True))
    assert draft.skip_reason == "the post is a draft (draft: true)"
    assert draft.payload["private"] is False


def test_settings_private_applies_to_published_posts() -> None:
    assert render(make_post(Markdown("x")), QiitaSettings(private=True)).payload["private"] is True


@pytest.mark.shared
def test_payload_matches_the_create_item_schema() -> None:
    schema = json.loads((SHARED / "contracts/qiita/schema-2016.json").read_text(encoding="utf-8"))
    links = schema["properties"]["item"]["links"]
    create = next(link["schema"] for link in links if link["title"] == "create_item")
    # The 2016 schema predates these two fields (contracts/README.md); Qiita CLI sends them.
    create["properties"] |= {
        "organization_url_name": {"type": ["string", "null"]},
        "slide": {"type": "boolean"},
    }
    create["additionalProperties"] = False
    post = make_post(Embed("youtube", "https://youtu.be/ApXoWvfEYVU", id="ApXoWvfEYVU"))
    payloads = [
        render(post).payload,
        render(post, QiitaSettings(organization_url_name="acme"), slide=True).payload,
    ]
    for payload in payloads:
        jsonschema.validate(payload, create)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**payloads[0], "tags": ["python"]}, create)


# -- the seed post (golden) ---------------------------------------------------------

GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_CARDS = (
    "https://github.com/mlse-jssst/InfraOpWGProceedings/blob/master/20220702_SummerCamp/"
    "MLSE_InfraOPWG_SummerCamp_Output.pdf",
    "https://chezo.uno/post/2018-05-17_mlse-kickoff/",
    "https://chezo.uno/post/2020-07-11-mlse-summer-workshop/",
    "https://chezo.uno/post/2020-11-10-mlse-conference/",
)


def load_seed() -> Post:
    return load_post(SEED, Config(site=SiteConfig(base_url="https://chezo.uno")))


@pytest.mark.shared
def test_seed_post_qiita_body_is_golden() -> None:
    draft = render(load_seed())
    body = draft.payload["body"]
    assert body == (GOLDEN / "qiita-seed.md").read_text(encoding="utf-8")
    assert draft.payload["title"] == "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました"
    assert draft.payload["tags"] == [{"name": "conference", "versions": []}]
    assert draft.payload["private"] is False
    assert draft.warnings == []
    assert draft.skip_reason is None
    for deck in ("d2b7118ec5eb461fbe8c79bb6343f6b8", "c572de6c163a4b6fb9b268d2a9c1417a"):
        assert body.count(f'class="speakerdeck-embed" data-id="{deck}"') == 1
    for card in SEED_CARDS:
        assert f"\n\n{card}\n" in body
    assert "iframely" not in body
    assert "<iframe" not in body
    assert body.count("<script") == 2
