"""The Zenn renderer and adapter: exact output, and Zenn's own validator and renderer
(zenn-model, zenn-markdown-html under Node.js) as the judge of every article made here."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from conftest import NODE_DIR, SEED, post_factory
from xpost.adapters.base import Draft
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
from xpost.errors import ConfigError, PostError
from xpost.platforms.zenn.adapter import (
    ZennAdapter,
    ZennOptions,
    ZennSettings,
    derive_slug,
    format_front_matter,
    is_one_emoji,
    normalise_topics,
    truncate_title,
)
from xpost.platforms.zenn.markdown import HostedImage, ZennMarkdown
from xpost.post import Post, load_post

SEED_PDF = (
    "https://github.com/mlse-jssst/InfraOpWGProceedings/blob/master/"
    "20220702_SummerCamp/MLSE_InfraOPWG_SummerCamp_Output.pdf"
)
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
PDT = timezone(timedelta(hours=-7))
ORIGIN = "この記事は https://example.com/post/hello-zenn-world/ からの転載です。"

DECK_1 = "d2b7118ec5eb461fbe8c79bb6343f6b8"
TWEET = "https://twitter.com/jack/status/20"
GIST = "https://gist.github.com/octocat/6cad326836d38bd3a7ae"
CODEPEN = "https://codepen.io/team/codepen/pen/PNaGbb"
FIGMA = "https://www.figma.com/file/LKQ4FJ4bTnCSjedbRpk931/Sample-File"
DOCSWELL = "https://www.docswell.com/s/ku-suke/LK7J5V-hello-docswell"
STACKBLITZ = "https://stackblitz.com/edit/angular-ivy-abc?embed=1"


# -- helpers -------------------------------------------------------------------------


make_post = post_factory(
    source=Path("content/post/hello-zenn-world/index.md"),
    id="https://example.com/post/hello-zenn-world/",
    title="Hello Zenn",
    slug="hello-zenn-world",
    canonical_url="https://example.com/post/hello-zenn-world/",
    date=datetime(2022, 7, 15, 15, 16, 4, tzinfo=PDT),
    tags=("Python",),
)


def render(
    post: Post,
    options: ZennOptions | None = None,
    settings: ZennSettings | None = None,
    timezone_name: str = "Asia/Tokyo",
) -> Draft:
    site = SiteConfig(timezone=timezone_name, language="ja")
    adapter = ZennAdapter(settings or ZennSettings(), site)
    return adapter.render(post, options or ZennOptions(), now=NOW)


def emit(*blocks: Block) -> tuple[str, list[str]]:
    flavor = ZennMarkdown(image_dir="images/hello-zenn-world")
    return flavor.emit(Document(tuple(blocks))), flavor.warnings


def body_of(draft: Draft) -> str:
    content: str = draft.payload["content"]
    return content.split("---\n", 2)[2]


# -- embeds --------------------------------------------------------------------------

EMBED_CASES = [
    (
        Embed("speakerdeck", "https://speakerdeck.com/player/" + DECK_1, id=DECK_1),
        f"@[speakerdeck]({DECK_1})",
    ),
    (
        Embed("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", id="dQw4w9WgXcQ"),
        "@[youtube](dQw4w9WgXcQ)",
    ),
    (
        Embed("slideshare", "https://www.slideshare.net/x/y", id="aBcD1234xYz"),
        "@[slideshare](aBcD1234xYz)",
    ),
    (Embed("docswell", DOCSWELL), f"@[docswell]({DOCSWELL})"),
    (Embed("tweet", TWEET, id="20"), f"@[tweet]({TWEET})"),
    (Embed("gist", GIST), f"@[gist]({GIST})"),
    (Embed("codepen", CODEPEN.replace("/pen/", "/embed/")), f"@[codepen]({CODEPEN})"),
    (
        Embed("figma", "https://www.figma.com/embed?embed_host=share&url=" + FIGMA),
        f"@[figma]({FIGMA})",
    ),
    (
        Embed("card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/"),
        "@[card](https://chezo.uno/post/2018-05-17_mlse-kickoff/)",
    ),
    (Embed("iframe", STACKBLITZ), f"@[stackblitz]({STACKBLITZ})"),
]


@pytest.mark.parametrize(("embed", "expected"), EMBED_CASES)
def test_each_embed_uses_zenns_syntax_without_warning(embed: Embed, expected: str) -> None:
    assert emit(embed) == (expected + "\n", [])


def test_speakerdeck_page_without_player_id_becomes_a_card_with_warning() -> None:
    text, warnings = emit(Embed("speakerdeck", "https://speakerdeck.com/chezou/talk"))
    assert text == "@[card](https://speakerdeck.com/chezou/talk)\n"
    assert warnings == [
        "Zenn cannot embed this Speaker Deck (no player id): "
        "shown as a link card for https://speakerdeck.com/chezou/talk"
    ]


def test_embed_zenn_would_reject_becomes_a_card_with_warning() -> None:
    url = "https://mobile.twitter.com/jack/status/20"
    assert emit(Embed("tweet", url)) == (
        f"@[card]({url})\n",
        [f"Zenn cannot embed this X post: shown as a link card for {url}"],
    )


def test_unknown_iframe_is_a_link_with_warning() -> None:
    url = "https://docs.google.com/presentation/d/abc/embed"
    text, warnings = emit(Embed("iframe", url, title="Slides"))
    assert text == f"[Slides]({url})\n"
    assert warnings == [f"Zenn cannot embed embedded frame: shown as a link to {url}"]


# -- blocks --------------------------------------------------------------------------


def test_soft_breaks_are_joined() -> None:
    assert emit(Markdown("日本語の\n文章と\nEnglish\nwords"))[0] == "日本語の文章とEnglish words\n"


def test_callouts_become_messages() -> None:
    note = Callout("note", (Markdown("Read\nthis."),), title="Heads up")
    warning = Callout("caution", (Markdown("Careful."),))
    assert emit(note, warning) == (
        ":::message\n**Heads up**\n\nRead this.\n:::\n\n:::message alert\nCareful.\n:::\n",
        [],
    )


def test_details_nest_with_more_colons_outside() -> None:
    inner = Callout("tip", (Markdown("Tip."),))
    text, _ = emit(Details("More\ninfo", (Markdown("Body."), inner)))
    assert text == "::::details More info\nBody.\n\n:::message\nTip.\n:::\n::::\n"


def test_details_without_summary_gets_one() -> None:
    assert emit(Details("", (Markdown("x"),)))[0] == ":::details Details\nx\n:::\n"


def test_code_with_filename_and_math() -> None:
    code = Code('print("```")', lang="python", filename="hello.py")
    assert emit(code, Code("x = 1", lang="python"), Math("e^{i\\pi} = -1")) == (
        '````python:hello.py\nprint("```")\n````\n\n```python\nx = 1\n```\n\n'
        "$$\ne^{i\\pi} = -1\n$$\n",
        [],
    )


def test_raw_html_block_becomes_its_text_with_warning() -> None:
    html = '<div class="box"><p>Hello <b>you</b></p></div>'
    assert emit(Html(html, "Hello **you**")) == (
        "Hello **you**\n",
        [f"Zenn: raw HTML was converted to Markdown: {html}"],
    )


def test_inline_html_is_reported_except_br_comments_and_code() -> None:
    text = "a <kbd>Ctrl</kbd> b<br>c <!-- hidden --> `<span>` <https://example.com>"
    assert emit(Markdown(text)) == (
        "a `Ctrl` b<br>c <!-- hidden --> `<span>` <https://example.com>\n",
        ["Zenn shows raw HTML as text: <kbd> written as a code span"],
    )


@pytest.mark.parametrize(
    ("html", "markdown", "warning"),
    [
        (
            "H<sub>2</sub>O",
            "H₂O",
            "Zenn shows raw HTML as text: <sub> written as Unicode characters",
        ),
        (
            "x<sup>n+1</sup>",
            "xⁿ⁺¹",
            "Zenn shows raw HTML as text: <sup> written as Unicode characters",
        ),
        (
            "x<sup>y</sup>",
            "xy",
            "Zenn shows raw HTML as text: <sup>y</sup> written as plain y",
        ),
        (
            'a <video src="https://e.com/m/demo.mp4" controls></video> b',
            "a [video: demo.mp4](https://e.com/m/demo.mp4) b",
            "Zenn cannot play <video>: shown as a link to https://e.com/m/demo.mp4",
        ),
        (
            '<audio controls><source src="https://e.com/a.mp3"></audio>',
            "[audio: a.mp3](https://e.com/a.mp3)",
            "Zenn cannot play <audio>: shown as a link to https://e.com/a.mp3",
        ),
        (
            'a <mark>b</mark> <span style="x">c</span>',
            "a b c",
            "Zenn shows raw HTML as text: <mark> left out, its text kept",
        ),
    ],
)
def test_inline_html_becomes_what_it_means(html: str, markdown: str, warning: str) -> None:
    text, warnings = emit(Markdown(html))
    assert text == markdown + "\n"
    assert warnings[0] == warning


def test_local_images_move_to_the_repo_and_remote_ones_stay() -> None:
    flavor = ZennMarkdown(image_dir="images/hello-zenn-world")
    a, b = Path("/site/post/a/diagram.png"), Path("/site/post/b/diagram.png")
    text = flavor.emit(
        Document(
            (
                Image(
                    "https://example.com/post/a/diagram.png",
                    alt="Diagram",
                    local=a,
                    caption="Fig. 1",
                ),
                Image("https://example.com/post/b/diagram.png", alt="Other", local=b),
                Image("https://example.com/post/a/diagram.png", alt="Again", local=a),
                Image("https://cdn.example.com/x.png", alt="Remote"),
            )
        )
    )
    assert text == (
        "![Diagram](/images/hello-zenn-world/diagram.png)\n*Fig. 1*\n\n"
        "![Other](/images/hello-zenn-world/diagram-2.png)\n\n"
        "![Again](/images/hello-zenn-world/diagram.png)\n\n"
        "![Remote](https://cdn.example.com/x.png)\n"
    )
    assert flavor.images == [
        HostedImage(a, "images/hello-zenn-world/diagram.png"),
        HostedImage(b, "images/hello-zenn-world/diagram-2.png"),
    ]


# -- the article file ----------------------------------------------------------------


def test_article_file_and_payload() -> None:
    local = Path("/site/content/post/hello-zenn-world/shot.png")
    post = make_post(
        Markdown("Hello."), Image("https://example.com/post/hello-zenn-world/shot.png", local=local)
    )
    draft = render(post)
    content = (
        "---\n"
        'title: "Hello Zenn"\n'
        'emoji: "📝"\n'
        'type: "tech"\n'
        'topics: ["python"]\n'
        "published: true\n"
        "---\n"
        "\n"
        f"{ORIGIN}\n"
        "\n"
        "Hello.\n"
        "\n"
        "![](/images/hello-zenn-world-9cda28/shot.png)\n"
    )
    assert draft.payload == {
        # A derived slug gets a short suffix, stable for the post: slugs are Zenn-wide.
        "path": "articles/hello-zenn-world-9cda28.md",
        "slug": "hello-zenn-world-9cda28",
        "content": content,
        "images": [{"source": str(local), "target": "images/hello-zenn-world-9cda28/shot.png"}],
    }
    assert (draft.platform, draft.headline, draft.preview) == (
        "zenn",
        "articles/hello-zenn-world-9cda28.md",
        content,
    )
    assert draft.warnings == ["Zenn: tag 'Python' became topic 'python'"]


def test_front_matter_from_options_and_zenn_post_keys() -> None:
    post = make_post(Markdown("x"), front_matter={"emoji": "🐍", "type": "idea"})
    options = ZennOptions(title='Other: "quoted"', topics=["Go"], publication_name="team_x")
    front = yaml.safe_load(render(post, options).payload["content"].split("---\n")[1])
    assert front == {
        "title": 'Other: "quoted"',
        "emoji": "🐍",
        "type": "idea",
        "topics": ["go"],
        "published": True,
        "publication_name": "team_x",
    }
    assert (
        render(post, ZennOptions(emoji="🚀", type="tech"))
        .payload["content"]
        .startswith('---\ntitle: "Hello Zenn"\nemoji: "🚀"\ntype: "tech"\n')
    )


def test_future_post_gets_published_at_in_japan_time_whatever_the_site_zone() -> None:
    post = make_post(Markdown("x"), date=datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
    for zone in ("Asia/Tokyo", "UTC", "America/Los_Angeles"):
        content = render(post, timezone_name=zone).payload["content"]
        assert 'published: true\npublished_at: "2030-01-02 12:04"\n---\n' in content

    assert "published_at" not in render(make_post(Markdown("x"))).payload["content"]


def test_draft_is_never_published() -> None:
    post = make_post(Markdown("x"), draft=True, date=datetime(2030, 1, 2, tzinfo=UTC))
    draft = render(post, ZennOptions(published=True))
    assert "published: false\n---\n" in draft.payload["content"]
    assert "published_at" not in draft.payload["content"]
    assert "Zenn: the post is a draft: rendered with published: false" in draft.warnings


def test_options_can_unpublish() -> None:
    assert "published: false\n" in render(make_post(), ZennOptions(published=False)).preview


def test_origin_note_position_and_absence() -> None:
    bottom = render(make_post(Markdown("x")), settings=ZennSettings(origin_note_position="bottom"))
    assert body_of(bottom) == f"\nx\n\n{ORIGIN}\n"
    assert (
        body_of(render(make_post(Markdown("x")), settings=ZennSettings(origin_note=""))) == "\nx\n"
    )
    orphan = render(make_post(Markdown("x"), canonical_url=None))
    assert body_of(orphan) == "\nx\n"
    assert (
        "Zenn: no 'originally published at' line: the post has no canonical URL "
        "(set [site] base_url or the post's url)"
    ) in orphan.warnings


def test_title_is_cut_to_70_utf16_units() -> None:
    warnings: list[str] = []
    assert truncate_title("あ" * 70, warnings) == "あ" * 70
    cut = truncate_title("🎉" + "あ" * 80, warnings)
    assert cut == "🎉" + "あ" * 67 + "…"
    assert warnings == [f"Zenn: the title is longer than 70 characters: cut to {cut!r}"]


def test_topics_are_normalised_deduplicated_and_capped() -> None:
    warnings: list[str] = []
    tags = ["C++", "c#", ".NET", "Machine Learning", "python", "Python", "!!!", "機械学習"]
    assert normalise_topics(tags, warnings) == [
        "cpp",
        "csharp",
        "dotnet",
        "machinelearning",
        "python",
    ]
    assert warnings == [
        "Zenn: tag 'C++' became topic 'cpp'",
        "Zenn: tag 'c#' became topic 'csharp'",
        "Zenn: tag '.NET' became topic 'dotnet'",
        "Zenn: tag 'Machine Learning' became topic 'machinelearning'",
        "Zenn: tag 'Python' became topic 'python'",
        "Zenn: tag '!!!' has no letters a topic can use: dropped",
        "Zenn allows 5 topics: dropped 機械学習",
    ]


def test_categories_stand_in_for_missing_tags() -> None:
    assert (
        'topics: ["conference"]' in render(make_post(tags=(), categories=("conference",))).preview
    )


@pytest.mark.parametrize(
    ("base", "date", "expected"),
    [
        ("hello-zenn-world", None, "hello-zenn-world"),
        ("Hello, Zenn World!", None, "hello-zenn-world"),
        ("mlse", datetime(2022, 7, 15, tzinfo=UTC), "mlse-20220715"),
        ("機械学習", datetime(2022, 7, 15, tzinfo=UTC), "20220715-f229df45"),
        ("x", None, "x-f229df45-post"),
        ("a" * 60, None, "a" * 50),
    ],
)
def test_derived_slugs(base: str, date: datetime | None, expected: str) -> None:
    assert derive_slug(base, date, "post-id") == expected
    assert re.fullmatch(r"[0-9a-z\-_]{12,50}", expected)


def test_invalid_user_slug_names_the_key() -> None:
    with pytest.raises(PostError) as caught:
        render(make_post(), ZennOptions(slug="Short"))
    assert str(caught.value) == (
        "content/post/hello-zenn-world/index.md: xpost.zenn.slug: "
        "'Short' is not a Zenn slug (12-50 of a-z, 0-9, - and _)"
    )


def test_emoji_type_and_publication_errors_name_the_key() -> None:
    source = "content/post/hello-zenn-world/index.md"
    with pytest.raises(
        PostError, match=rf"^{source}: xpost.zenn.emoji: '🐍🐍' is not exactly one emoji$"
    ):
        render(make_post(), ZennOptions(emoji="🐍🐍"))
    with pytest.raises(PostError, match=rf"^{source}: emoji: 'x' is not exactly one emoji$"):
        render(make_post(front_matter={"emoji": "x"}))
    with pytest.raises(PostError, match=rf"^{source}: xpost.zenn.type: 'blog' is not a Zenn"):
        render(make_post(), ZennOptions(type="blog"))
    with pytest.raises(ConfigError, match=r"^zenn.emoji: 'ok' is not exactly one emoji$"):
        render(make_post(), settings=ZennSettings(emoji="ok"))
    with pytest.raises(ConfigError, match=r"^zenn.publication: 'Team' is not a Zenn publication"):
        render(make_post(), settings=ZennSettings(publication="Team"))


@pytest.mark.parametrize("emoji", ["📝", "👨‍👩‍👧", "🇯🇵", "1️⃣", "❤️"])
def test_single_emoji_accepted(emoji: str) -> None:
    assert is_one_emoji(emoji)


@pytest.mark.parametrize("text", ["", "a", "📝📝", "🇯", "📝 "])
def test_non_emoji_rejected(text: str) -> None:
    assert not is_one_emoji(text)


def test_front_matter_quoting_round_trips_through_yaml() -> None:
    front = {"title": 'a: "b" \\ #c\u2028d', "topics": ["x"], "published": False}
    text = format_front_matter(front)
    assert (
        text == '---\ntitle: "a: \\"b\\" \\\\ #c\\u2028d"\ntopics: ["x"]\npublished: false\n---\n'
    )
    assert yaml.safe_load(text.strip("-\n")) == front


# -- the seed post -------------------------------------------------------------------


SEED_SITE = SiteConfig(base_url="https://chezo.uno", timezone="America/Los_Angeles")


def load_seed() -> Post:
    return load_post(SEED, Config(site=SEED_SITE))


@pytest.mark.shared
def test_seed_post_golden() -> None:
    draft = render(load_seed(), timezone_name="America/Los_Angeles")
    expected = (GOLDEN / "zenn-seed.md").read_text(encoding="utf-8")
    assert draft.payload["content"] == expected
    assert draft.payload["path"] == "articles/2022-07-15-mlse-infraop-wg-8eb3d3.md"
    assert (draft.payload["images"], draft.warnings) == ([], [])
    content = draft.payload["content"]
    assert "<script" not in content and "<iframe" not in content and "<div" not in content
    assert re.findall(r"^@\[(\w+)\]\((.*)\)$", content, re.MULTILINE) == [
        ("card", SEED_PDF),
        ("speakerdeck", DECK_1),
        ("speakerdeck", "c572de6c163a4b6fb9b268d2a9c1417a"),
        ("card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/"),
        ("card", "https://chezo.uno/post/2020-07-11-mlse-summer-workshop/"),
        ("card", "https://chezo.uno/post/2020-11-10-mlse-conference/"),
    ]


# -- Zenn's own tools as the judge ---------------------------------------------------


def _embeds_case() -> Draft:
    return render(make_post(*(embed for embed, _ in EMBED_CASES), slug="every-zenn-embed"))


def _blocks_case() -> Draft:
    return render(
        make_post(
            Markdown("Intro with a <kbd>key</kbd>\nand a [link](https://example.com)."),
            Callout("note", (Markdown("Note."),), title="Title"),
            Callout("warning", (Markdown("Warn."),)),
            Details("More", (Markdown("Hidden."), Callout("tip", (Markdown("Tip."),)))),
            Code("print(1)", lang="python", filename="hello.py"),
            Math("x^2"),
            Image("https://example.com/a.png", alt="A", local=Path("/site/a.png"), caption="Cap"),
            Html("<table><tr><td>cell</td></tr></table>", "| cell |"),
            slug="zenn-block-kinds",
        )
    )


def _front_matter_case() -> Draft:
    post = make_post(
        Markdown("x"),
        title="長い" * 40,
        tags=("C++", "C#", ".NET", "Machine Learning", "Go", "Rust"),
        date=datetime(2099, 1, 1, tzinfo=UTC),
        slug="日本語",
    )
    return render(post, ZennOptions(emoji="👨‍👩‍👧", type="idea"))


def _draft_case() -> Draft:
    return render(make_post(Markdown("x"), draft=True, date=datetime(2099, 1, 1, tzinfo=UTC)))


def _seed_case() -> Draft:
    return render(load_seed(), timezone_name="America/Los_Angeles")


ZENN_CASES: dict[str, Callable[[], Draft]] = {
    "embeds": _embeds_case,
    "blocks": _blocks_case,
    "front-matter": _front_matter_case,
    "draft": _draft_case,
    "seed": _seed_case,
}


@pytest.fixture(scope="session")
def zenn_results(node_modules: Path) -> dict[str, dict[str, Any]]:
    """Every case's article through zenn-model and zenn-markdown-html in one node call."""
    drafts: dict[str, Draft] = {}
    for name, make in ZENN_CASES.items():
        try:
            drafts[name] = make()
        except pytest.skip.Exception:
            continue
    articles = [
        {"slug": d.payload["slug"], "content": d.payload["content"]} for d in drafts.values()
    ]
    completed = subprocess.run(
        ["node", str(NODE_DIR / "zenn_check.mjs")],
        input=json.dumps(articles),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"XPOST_NODE_MODULES": str(node_modules), "PATH": os.environ.get("PATH", "")},
    )
    return dict(zip(drafts, json.loads(completed.stdout), strict=True))


def zenn_result(results: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    return results[name]


def embed_elements(html: str) -> list[tuple[str, str]]:
    """Each embed Zenn rendered: (its class, what it shows: iframe src or embedded URL)."""
    found = []
    for kind, attrs in re.findall(r'<span class="embed-block ([^"]+)"><iframe ([^>]*)>', html):
        content = re.search(r'data-content="([^"]*)"', attrs)
        src = re.search(r'src="([^"]*)"', attrs)
        assert src is not None
        found.append((kind, unquote(content.group(1)) if content else src.group(1)))
    return found


@pytest.mark.shared
@pytest.mark.node
@pytest.mark.parametrize("name", list(ZENN_CASES))
def test_zenn_model_accepts_the_article(zenn_results: dict[str, dict[str, Any]], name: str) -> None:
    assert zenn_result(zenn_results, name)["errors"] == []


@pytest.mark.shared
@pytest.mark.node
@pytest.mark.parametrize("name", list(ZENN_CASES))
def test_zenn_shows_no_raw_html_as_text(zenn_results: dict[str, dict[str, Any]], name: str) -> None:
    html = zenn_result(zenn_results, name)["html"]
    outside_code = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>", "", html, flags=re.DOTALL)
    assert re.findall(r"&lt;/?[a-zA-Z][^&]{0,20}", outside_code) == []


@pytest.mark.parametrize(
    ("tag", "kept"),
    [
        ("kubernetes-operator-sdk", False),  # kubernetesoperatorsdk: 21 characters
        ("abcdefghijklmnopqr", True),  # 18: the most Zenn's current validator takes
        ("自然言語処理とテキストマイニングと機械学習", False),  # 21 characters
        ("機械学習", True),
    ],
)
def test_topics_longer_than_18_characters_are_dropped(tag: str, kept: bool) -> None:
    # zenn-editor's validator (contracts/zenn/validator-rules.md); the pinned npm
    # zenn-model does not check the length, so this is checked here.
    warnings: list[str] = []
    topics = normalise_topics([tag, "python"], warnings)
    assert topics == ([_topic(tag)] if kept else []) + ["python"]
    assert all(len(topic) <= 18 for topic in topics)
    if not kept:
        assert (
            f"Zenn: tag {tag!r} is longer than the 18 characters a topic may have" in (warnings[0])
        )


def _topic(tag: str) -> str:
    return tag.replace("-", "").lower()


@pytest.mark.shared
@pytest.mark.node
def test_every_embed_renders_as_a_zenn_embed(zenn_results: dict[str, dict[str, Any]]) -> None:
    html = zenn_result(zenn_results, "embeds")["html"]
    assert embed_elements(html) == [
        ("embed-speakerdeck", f"https://speakerdeck.com/player/{DECK_1}"),
        ("embed-youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("embed-slideshare", "https://www.slideshare.net/slideshow/embed_code/key/aBcD1234xYz"),
        ("embed-docswell", "https://www.docswell.com/slide/LK7J5V/embed"),
        ("zenn-embedded zenn-embedded-tweet", TWEET),
        ("zenn-embedded zenn-embedded-gist", GIST),
        ("embed-codepen", "https://codepen.io/team/codepen/embed/PNaGbb?embed-version=2"),
        ("embed-figma", f"https://www.figma.com/embed?embed_host=zenn&amp;url={FIGMA}"),
        ("zenn-embedded zenn-embedded-card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/"),
        ("embed-stackblitz", STACKBLITZ.replace("&", "&amp;")),
    ]


@pytest.mark.shared
@pytest.mark.node
def test_blocks_render_as_zenn_elements(zenn_results: dict[str, dict[str, Any]]) -> None:
    html = zenn_result(zenn_results, "blocks")["html"]
    # <kbd> is a code span: no raw HTML is shown as text.
    assert "Intro with a <code>key</code> and a <a" in html
    assert "&lt;kbd" not in html
    assert (
        '<aside class="msg message"><span class="msg-symbol">!</span><div class="msg-content">'
        in html
    )
    assert html.count('<aside class="msg message">') == 2
    assert html.count('<aside class="msg alert">') == 1
    assert re.search(
        r'<details><summary>More</summary><div class="details-content">.*Hidden.*'
        r'<aside class="msg message">.*Tip.*</aside>\n</div></details>',
        html,
        re.DOTALL,
    )
    assert '<span class="code-block-filename">hello.py</span>' in html
    assert '<embed-katex display-mode="1">\nx^2\n</embed-katex>' in html
    assert re.search(r'<img src="/images/zenn-block-kinds-[0-9a-f]{6}/a.png" alt="A"', html)
    assert "<em>Cap</em>" in html
    assert "| cell |" in html
    assert ":::" not in html


@pytest.mark.shared
@pytest.mark.node
def test_seed_post_renders_its_decks_and_cards(zenn_results: dict[str, dict[str, Any]]) -> None:
    html = zenn_result(zenn_results, "seed")["html"]
    assert embed_elements(html) == [
        ("zenn-embedded zenn-embedded-card", SEED_PDF),
        ("embed-speakerdeck", f"https://speakerdeck.com/player/{DECK_1}"),
        ("embed-speakerdeck", "https://speakerdeck.com/player/c572de6c163a4b6fb9b268d2a9c1417a"),
        ("zenn-embedded zenn-embedded-card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/"),
        (
            "zenn-embedded zenn-embedded-card",
            "https://chezo.uno/post/2020-07-11-mlse-summer-workshop/",
        ),
        ("zenn-embedded zenn-embedded-card", "https://chezo.uno/post/2020-11-10-mlse-conference/"),
    ]
    assert "&lt;" not in html  # no raw HTML left to be shown as text


@pytest.mark.shared
@pytest.mark.node
def test_front_matter_parses_as_zenn_reads_it(zenn_results: dict[str, dict[str, Any]]) -> None:
    front = zenn_result(zenn_results, "front-matter")["front_matter"]
    assert front == {
        "title": "長い" * 34 + "長…",
        "emoji": "👨‍👩‍👧",
        "type": "idea",
        "topics": ["cpp", "csharp", "dotnet", "machinelearning", "go"],
        "published": True,
        "published_at": "2099-01-01 09:00",
    }
    assert zenn_result(zenn_results, "draft")["front_matter"]["published"] is False
    # a draft must never carry published_at: Zenn would refuse it (published-at-schedule)
    assert "published_at" not in zenn_result(zenn_results, "draft")["front_matter"]
