"""The X adapter's render: payload, headline, preview and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEED, post_factory
from xpost.config import SiteConfig
from xpost.content.model import (
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
from xpost.content.plaintext import plain_paragraphs
from xpost.errors import ConfigError, PostError
from xpost.platforms.twitter.adapter import TwitterAdapter, TwitterOptions, TwitterSettings
from xpost.post import Post

SEED_TITLE = "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました"
SEED_URL = "https://chezo.uno/post/2022-07-15-mlse-infraop-wg/"
GITHUB_PDF = (
    "https://github.com/mlse-jssst/InfraOpWGProceedings/blob/master/"
    "20220702_SummerCamp/MLSE_InfraOPWG_SummerCamp_Output.pdf"
)

# The first blocks of the seed post, as the body parser models them.
SEED_DOCUMENT = Document(
    blocks=(
        Markdown(
            "2019年から土橋さん ([@masaru_dobashi](https://twitter.com/masaru_dobashi)) と"
            "共同幹事をしていた、機械学習工学研究会 (MLSE) の"
            "「本番適用のためのインフラと運用WG」を、今月頭の夏合宿で終了しました。"
        ),
        Markdown("## 2022年MLSE夏合宿での議論", kind="heading"),
        Markdown("議論に使ったMuralはGitHubにexportしてあります。"),
        Embed(provider="card", url=GITHUB_PDF, origin="url"),
        Embed(
            provider="speakerdeck",
            url="https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8",
            id="d2b7118ec5eb461fbe8c79bb6343f6b8",
            title="History of the ML system in KARTE",
            origin="iframe",
        ),
        Markdown(
            "もう一回程度、事例共有カンファレンスがしたかったですが、最近では"
            "[MLOps勉強会](https://mlops.connpass.com/)でそういった話が日本語でも"
            "展開されているので、そちらにも期待です。"
        ),
    )
)


make_post = post_factory(
    source=SEED,
    id=SEED_URL,
    title=SEED_TITLE,
    document=SEED_DOCUMENT,
    summary="MLSE の本番適用のためのインフラと運用WGの活動を終了しました。",
    categories=("conference",),
    canonical_url=SEED_URL,
)


def render(
    post: Post | None = None, settings: TwitterSettings | None = None, **options: object
) -> tuple[dict[str, object], str, str, list[str]]:
    adapter = TwitterAdapter(settings or TwitterSettings(), SiteConfig())
    draft = adapter.render(post or make_post(), TwitterOptions(**options))  # type: ignore[arg-type]
    assert draft.platform == "twitter"
    return draft.payload, draft.headline, draft.preview, draft.warnings


def test_adapter_identity() -> None:
    assert TwitterAdapter.name == "twitter"
    assert TwitterAdapter.label == "X"
    assert TwitterAdapter.Settings is TwitterSettings
    assert TwitterAdapter.Options is TwitterOptions


def test_seed_post_single() -> None:
    payload, headline, preview, warnings = render()
    text = f"{SEED_TITLE}\n{SEED_URL}"
    assert payload == {"posts": [{"text": text, "weighted_length": 84, "media": []}]}
    assert headline == "84/280"
    assert preview == f"{text}\n(84/280)"
    assert warnings == []


def test_seed_post_thread() -> None:
    payload, headline, preview, warnings = render(thread=True)
    first = f"{SEED_TITLE}\n{SEED_URL} 1/4"
    second = (
        # The @name link to an X profile is its URL alone: no automated mention.
        "2019年から土橋さん (https://twitter.com/masaru_dobashi) と"
        "共同幹事をしていた、機械学習工学研究会 (MLSE) の「本番適用のためのインフラと運用WG」を、"
        "今月頭の夏合宿で終了しました。 2/4"
    )
    # A heading opens a post, with its section.
    third = (
        "2022年MLSE夏合宿での議論\n\n"
        "議論に使ったMuralはGitHubにexportしてあります。\n\n"
        f"{GITHUB_PDF}\n\n"
        "History of the ML system in KARTE "
        "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8 3/4"
    )
    fourth = (
        "もう一回程度、事例共有カンファレンスがしたかったですが、最近では"
        "MLOps勉強会 https://mlops.connpass.com/ でそういった話が日本語でも"
        "展開されているので、そちらにも期待です。 4/4"
    )
    assert payload == {
        "posts": [
            {"text": first, "weighted_length": 88, "media": []},
            {"text": second, "weighted_length": 169, "media": []},
            {"text": third, "weighted_length": 161, "media": []},
            {"text": fourth, "weighted_length": 170, "media": []},
        ]
    }
    assert headline == "thread of 4 posts"
    rule = "\n" + "─" * 40 + "\n"
    assert preview == rule.join(
        [
            f"{first}\n(88/280)",
            f"{second}\n(169/280)",
            f"{third}\n(161/280)",
            f"{fourth}\n(170/280)",
        ]
    )
    assert warnings == []


def test_hashtags_from_tags_and_options() -> None:
    payload, *_ = render(make_post(tags=("MLOps", "C++", "2022")))
    assert payload["posts"][0]["text"] == f"{SEED_TITLE}\n{SEED_URL}\n#MLOps #cpp"  # type: ignore[index]
    payload, *_ = render(make_post(tags=("MLOps",)), tags=["機械学習"])
    assert payload["posts"][0]["text"] == f"{SEED_TITLE}\n{SEED_URL}\n#機械学習"  # type: ignore[index]
    payload, *_ = render(make_post(tags=("MLOps",)), TwitterSettings(hashtags=False))
    assert payload["posts"][0]["text"] == f"{SEED_TITLE}\n{SEED_URL}"  # type: ignore[index]


def test_warnings_for_dropped_hashtags_and_truncated_title() -> None:
    post = make_post(title="あ" * 200, tags=("python",))
    payload, headline, _, warnings = render(post)
    assert payload["posts"][0]["text"] == "あ" * 127 + f"…\n{SEED_URL}"  # type: ignore[index]
    assert headline == "280/280"
    assert warnings == ["hashtags dropped to fit 280: #python", "title shortened to fit 280"]


def test_templates() -> None:
    settings = TwitterSettings(template="ブログを書きました: {title} {url}")
    payload, *_ = render(settings=settings)
    assert payload["posts"][0]["text"] == f"ブログを書きました: {SEED_TITLE} {SEED_URL}"  # type: ignore[index]
    payload, *_ = render(settings=settings, text="{summary}\n{url}")
    assert payload["posts"][0]["text"] == (  # type: ignore[index]
        f"MLSE の本番適用のためのインフラと運用WGの活動を終了しました。\n{SEED_URL}"
    )


def test_bad_templates_name_where_they_come_from() -> None:
    with pytest.raises(ConfigError, match=r"^\[twitter\] template: unknown placeholder \{link\}"):
        render(settings=TwitterSettings(template="{title} {link}"))
    with pytest.raises(PostError, match=r"xpost\.twitter\.text: unknown placeholder \{titel\}"):
        render(text="{titel}")


def test_no_canonical_url() -> None:
    payload, _, _, warnings = render(make_post(canonical_url=None))
    assert payload["posts"][0]["text"] == SEED_TITLE  # type: ignore[index]
    assert warnings == ["the post has no canonical URL: the X post links nowhere"]


def test_image_from_options_relative_to_the_post(tmp_path: Path) -> None:
    (tmp_path / "cover.png").write_bytes(b"\x89PNG")
    post = make_post(source=tmp_path / "index.md")
    payload, _, preview, warnings = render(post, image="cover.png", alt="合宿の様子")
    media = [{"path": str(tmp_path / "cover.png"), "alt": "合宿の様子"}]
    assert payload["posts"][0]["media"] == media  # type: ignore[index]
    assert preview.endswith(f"[image: {tmp_path / 'cover.png'}]\n(84/280)")
    assert warnings == []


def test_image_only_on_the_first_post_of_a_thread(tmp_path: Path) -> None:
    (tmp_path / "cover.png").write_bytes(b"\x89PNG")
    post = make_post(source=tmp_path / "index.md")
    payload, *_ = render(post, image="cover.png", alt="alt", thread=True)
    assert [len(p["media"]) for p in payload["posts"]] == [1, 0, 0, 0]  # type: ignore[attr-defined]


def test_missing_image_is_bad_input_and_missing_alt_a_warning(tmp_path: Path) -> None:
    post = make_post(source=tmp_path / "index.md")
    with pytest.raises(PostError) as refused:
        render(post, image="nope.png", alt="x")
    assert str(refused.value) == (
        f"{tmp_path / 'index.md'}: xpost.twitter.image: no such file: {tmp_path / 'nope.png'}"
    )
    with pytest.raises(PostError) as remote:
        render(post, image="https://example.com/a.png")
    assert "xpost.twitter.image: https://example.com/a.png is a URL" in str(remote.value)

    cover = tmp_path / "featured.jpg"
    cover.write_bytes(b"jpg")
    payload, _, _, warnings = render(make_post(cover_image_local=cover))
    assert payload["posts"][0]["media"] == [{"path": str(cover), "alt": ""}]  # type: ignore[index]
    assert warnings == ["the image has no alt text: set xpost.twitter.alt in the post"]


def test_the_cover_takes_the_alt_text_the_body_gives_that_same_file(tmp_path: Path) -> None:
    """A bundle's cover that the body also shows (a figure with alt text) goes to X with
    that alt text, found in a callout too; another image's alt, an alt X would refuse
    (over 1,000 characters) or an empty one is not taken; xpost.twitter.alt wins."""
    cover = tmp_path / "cover.png"
    other = tmp_path / "other.png"
    for image in (cover, other):
        image.write_bytes(b"png")

    def alt_and_warnings(*blocks: object, alt: str | None = None) -> tuple[str, list[str]]:
        post = make_post(document=Document(tuple(blocks)), cover_image_local=cover)
        payload, _, _, warnings = render(post, alt=alt)
        return payload["posts"][0]["media"][0]["alt"], warnings  # type: ignore[index,no-any-return]

    same = Image("https://example.com/cover.png", alt="A crab on a rocket", local=cover)
    assert alt_and_warnings(Markdown("Intro."), same) == ("A crab on a rocket", [])
    assert alt_and_warnings(Callout("note", (same,))) == ("A crab on a rocket", [])
    assert alt_and_warnings(same, alt="Mine") == ("Mine", [])
    no_alt = ("", ["the image has no alt text: set xpost.twitter.alt in the post"])
    assert alt_and_warnings(Image("https://example.com/o.png", alt="Other", local=other)) == no_alt
    assert alt_and_warnings(Image(same.src, alt="x" * 1001, local=cover)) == no_alt
    assert alt_and_warnings(Image(same.src, local=cover)) == no_alt


def test_remote_cover_image_is_left_out_with_a_warning() -> None:
    post = make_post(cover_image="https://chezo.uno/post/x/featured.png")
    payload, _, _, warnings = render(post, alt="cover")
    assert payload["posts"][0]["media"] == []  # type: ignore[index]
    assert warnings == [
        "the cover image https://chezo.uno/post/x/featured.png is not a local file: the X "
        "post goes without an image (set xpost.twitter.image to a local file)"
    ]


def test_thread_warnings_for_what_is_left_out() -> None:
    document = Document(
        blocks=(Markdown("本文です。"), Code("print(1)", lang="python"), Math("x^2")),
        notes=("unknown shortcode {{< foo >}} dropped",),
    )
    payload, _, _, warnings = render(make_post(document=document), thread=True)
    assert [p["text"] for p in payload["posts"]] == [  # type: ignore[attr-defined]
        f"{SEED_TITLE}\n{SEED_URL} 1/2",
        "本文です。 2/2",
    ]
    assert warnings == [
        "unknown shortcode {{< foo >}} dropped",
        "X thread: code blocks are left out",
        "X thread: math blocks are left out",
    ]


# -- plain text of a document ---------------------------------------------------------


def test_plain_paragraphs() -> None:
    document = Document(
        blocks=(
            Markdown("# Heading *with* `code`", kind="heading"),
            Markdown(
                "- a *b* `c`\n- [x](https://x.com) ![i](https://i.example/p.png)\n"
                "  1. n1\n  2. n2\n- <https://e.com>",
                kind="list",
            ),
            Markdown("| a | b |\n|---|---|\n| 1 | 2 |", kind="table"),
            Markdown("> q **s**\n>\n> r", kind="blockquote"),
            Markdown(
                "soft\nwrapped [same.example](https://same.example/) and [](https://empty.example)"
            ),
            Callout("note", (Markdown("inner"),), title="Note"),
            Details("More", (Markdown("hidden ~~x~~"),)),
            Html("<b>x</b>", "**x**"),
            Image("https://i.example/p.png"),
            Embed(provider="youtube", url="https://www.youtube.com/watch?v=abc", id="abc"),
        )
    )
    plain = plain_paragraphs(document)
    assert plain.paragraphs == [
        "Heading with code",
        "- a b c\n- x https://x.com\n  1. n1\n  2. n2\n- https://e.com",
        "a | b\n1 | 2",
        "q s",
        "r",
        "soft wrapped https://same.example/ and https://empty.example",
        "Note",
        "inner",
        "More",
        "hidden x",
        "x",
        "https://www.youtube.com/watch?v=abc",
    ]
    assert plain.warnings == ["X thread: images in the body are left out"]


def test_plain_paragraphs_code_fence_inside_markdown() -> None:
    plain = plain_paragraphs(Document(blocks=(Markdown("text\n\n```\ncode\n```"),)))
    assert plain.paragraphs == ["text"]
    assert plain.warnings == ["X thread: code blocks are left out"]


def test_bare_mentions_in_a_thread_notify_nobody() -> None:
    document = Document((Markdown("Thanks @someone and me@example.com (@x_y)."),))
    plain = plain_paragraphs(document)
    assert plain.paragraphs == ["Thanks someone and me@example.com (x_y)."]
    assert plain.warnings == [
        "X thread: @someone written as 'someone' so that nobody is notified",
        "X thread: @x_y written as 'x_y' so that nobody is notified",
    ]
