"""``xpost preview``: the page a writer keeps open, checked as a reader would read it.

Structure and safety are checked on the HTML itself here (fast, no browser); the
same page is checked in Chromium in test_preview_browser.py.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import page_dom
from conftest import SEED
from xpost.adapters import registry
from xpost.adapters.base import Adapter, Draft, NoSettings
from xpost.cli import cli
from xpost.config import load_config
from xpost.post import Post
from xpost.preview import markup
from xpost.preview.build import build_preview
from xpost.preview.escape import safe_href
from xpost.preview.placement import Piece, place
from xpost.preview.rawhtml import RawHtml

ROOT = Path(__file__).resolve().parents[1]
HELLO = ROOT / "examples" / "hello-xpost" / "index.md"
ALL = ["twitter", "qiita", "zenn", "connpass"]


def config_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "xpost.toml"
    path.write_text(
        '[site]\nbase_url = "https://chezo.uno"\npermalink = "/post/:slug/"\n' + extra,
        encoding="utf-8",
    )
    return path


def page(post: Path, tmp_path: Path, platforms: list[str] = ALL) -> str:
    config = load_config(config_file(tmp_path), registry.installed())
    return build_preview(post, config, platforms).html


def write_post(tmp_path: Path, body: str, front: str = "") -> Path:
    path = tmp_path / "post.md"
    # A key in ``front`` replaces the default one: YAML refuses a key given twice.
    defaults = ["title: A post\n", "slug: a-post-for-preview\n", "tags: [python]\n"]
    given = {line.split(":", 1)[0] for line in front.splitlines()}
    kept = "".join(line for line in defaults if line.split(":", 1)[0] not in given)
    path.write_text(f"---\n{kept}{front}---\n\n{body}", encoding="utf-8")
    return path


# -- the seed post -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory: pytest.TempPathFactory) -> page_dom.Element:
    return page_dom.parse(page(SEED, tmp_path_factory.mktemp("seed")))


@pytest.mark.shared
def test_one_column_per_target_in_target_order(seed_page: page_dom.Element) -> None:
    assert [c.attrs["data-platform"] for c in page_dom.columns(seed_page)] == ALL
    html = seed_page.find_all(lambda e: e.tag == "html")[0]
    assert html.attrs["lang"] == "ja"


@pytest.mark.shared
@pytest.mark.parametrize("platform", ["qiita", "zenn"])
def test_long_form_columns_draw_both_decks_and_the_three_cards(
    seed_page: page_dom.Element, platform: str
) -> None:
    (column,) = [c for c in page_dom.columns(seed_page) if c.attrs["data-platform"] == platform]
    decks = page_dom.embeds(column, "speakerdeck")
    assert [d.by_class("deck-title")[0].text() for d in decks] == [
        "History of the ML system in KARTE",
        "CADDi AI LabにおけるマネージドなMLOps",
    ]
    assert [d.find_all(lambda e: e.tag == "a")[0].attrs["href"] for d in decks] == [
        "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8",
        "https://speakerdeck.com/player/c572de6c163a4b6fb9b268d2a9c1417a",
    ]
    cards = [c.text() for c in page_dom.embeds(column, "card")]
    for slug in ("2018-05-17_mlse-kickoff", "2020-07-11-mlse-summer-workshop",
                 "2020-11-10-mlse-conference"):  # fmt: skip
        assert sum(f"https://chezo.uno/post/{slug}/" in card for card in cards) == 1
    text = page_dom.copy_text(column)
    for raw in ("@[", ":::", "{{<", "<script", "<iframe", "iframely"):
        assert raw not in text


@pytest.mark.shared
def test_x_column_shows_the_counter_and_the_link_card(seed_page: page_dom.Element) -> None:
    column = page_dom.columns(seed_page)[0]
    (counter,) = column.find_all(lambda e: "data-counter" in e.attrs)
    assert re.fullmatch(r"\d{2,3}/280", counter.text())
    (card,) = page_dom.embeds(column, "x-card")
    assert "chezo.uno" in card.text()
    assert "機械学習工学研究会夏合宿2022" in card.text()
    assert "MLSE の本番適用のためのインフラと運用WGの活動を終了しました。" in card.text()


@pytest.mark.shared
def test_summary_bar_names_every_target_and_counts_warnings(
    seed_page: page_dom.Element,
) -> None:
    (bar,) = seed_page.find_all(lambda e: "data-summary" in e.attrs)
    chips = bar.by_class("target-chip")
    assert [chip.attrs["href"] for chip in chips] == [f"#col-{name}" for name in ALL]
    total = sum(len(page_dom.warnings(c)) for c in page_dom.columns(seed_page))
    assert f"{total} warning" in bar.text()


def test_static_page_has_no_script_and_a_policy_that_allows_none(tmp_path: Path) -> None:
    html = page(HELLO, tmp_path)
    assert "<script" not in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert "default-src 'none'" in policy[1] and "script-src 'none'" in policy[1]
    assert "img-src data:" in policy[1]


def test_local_images_are_inlined_and_nothing_is_fetched(tmp_path: Path) -> None:
    root = page_dom.parse(page(HELLO, tmp_path))
    sources = [e.attrs["src"] for e in root.find_all(lambda e: e.tag == "img")]
    assert sources and all(src.startswith("data:image/png;base64,") for src in sources)
    x = page_dom.columns(root)[0]
    assert "記事ファイルから各プラットフォームへの矢印" in x.by_class("alt-text")[0].text()
    # X shows the attached image, not the card, while a post has media: said so.
    assert "instead of this card" in x.text()


# -- warnings beside their elements --------------------------------------------------------


def test_each_connpass_warning_stands_right_after_its_element(tmp_path: Path) -> None:
    root = page_dom.parse(page(HELLO, tmp_path))
    connpass = page_dom.columns(root)[3]
    warned = page_dom.warnings(connpass)
    assert len(warned) == 5
    for aside in warned:
        text = aside.text()
        before = aside.previous_element()
        assert before is not None
        urls = re.findall(r"https://\S+", text)
        quoted = re.findall(r"'([^']+)'", text)
        shown = before.text() + " ".join(a.attrs.get("href", "") for a in before.iter())
        assert any(needle in shown for needle in urls + quoted), text


def test_placement_by_name_by_topic_and_else_general() -> None:
    pieces = [
        Piece("<h1>t</h1>", "Title", about=("title",)),
        Piece("<p>a</p>", "see [x](https://e.com/a)"),
        Piece("<p>b</p>", "<kbd>k</kbd>"),
    ]
    general = place(
        [
            "cannot embed: shown as a link to https://e.com/a.",
            "Zenn shows raw HTML as text: <kbd>",
            "the title is longer than 70 characters",
            "something about the whole copy",
        ],
        pieces,
    )
    assert pieces[1].warnings == ["cannot embed: shown as a link to https://e.com/a."]
    assert pieces[2].warnings == ["Zenn shows raw HTML as text: <kbd>"]
    assert pieces[0].warnings == ["the title is longer than 70 characters"]
    assert general == ["something about the whole copy"]


# -- each platform's Markdown -------------------------------------------------------------


def draw(text: str, flavor: markup.Flavor) -> str:
    ctx = markup.Context(markup.image_placeholder, {})
    return "".join(piece.html for piece in markup.render(text, flavor, ctx))


def test_qiita_and_zenn_break_every_line_connpass_does_not() -> None:
    assert "a<br />\nb" in draw("a\nb\n", markup.QIITA)
    assert "a<br />\nb" in draw("a\nb\n", markup.ZENN)
    assert "<br" not in draw("a\nb\n", markup.CONNPASS)


def test_qiita_note_boxes_and_zenn_messages_and_details() -> None:
    qiita = page_dom.parse(draw(":::note warn\n**careful**\n:::\n", markup.QIITA))
    (note,) = qiita.by_class("note-warn")
    assert note.text().strip().endswith("careful")
    zenn = draw(
        ":::message alert\nno\n:::\n\n::::details 開く\n:::message\ninner\n:::\n::::\n",
        markup.ZENN,
    )
    root = page_dom.parse(zenn)
    assert root.by_class("message-alert")[0].text().strip().endswith("no")
    (details,) = root.find_all(lambda e: e.tag == "details")
    assert details.find_all(lambda e: e.tag == "summary")[0].text() == "開く"
    assert details.by_class("message-info")  # nested containers
    assert ":::" not in root.text()


def test_zenn_embeds_captions_and_an_unknown_embed_marked() -> None:
    root = page_dom.parse(
        draw(
            "@[youtube](dQw4w9WgXcQ)\n\n@[card](https://github.com/python/cpython)\n\n"
            "@[tweet](https://x.com/jack/status/20)\n\n@[nonsense](abc)\n\n"
            "![a cat](https://e.com/cat.png =250x)\n*our cat*\n",
            markup.ZENN,
        )
    )
    assert page_dom.embeds(root, "youtube")[0].find_all(lambda e: e.tag == "a")[0].attrs[
        "href"
    ] == ("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert "github.com" in page_dom.embeds(root, "card")[0].text()
    assert page_dom.embeds(root, "tweet")
    (removed,) = page_dom.embeds(root, "removed")
    assert "@[nonsense]" in removed.text() and "shows nothing" in removed.text()
    (figure,) = root.find_all(lambda e: e.tag == "figure" and "image" in e.attrs.get("class", ""))
    assert figure.find_all(lambda e: e.tag == "figcaption")[0].text() == "our cat"
    assert "a cat" in figure.text()
    assert "@[" not in root.text().replace("@[nonsense]", "")


def test_code_is_highlighted_with_its_file_name_and_math_is_a_source_box() -> None:
    root = page_dom.parse(
        draw(
            "```python:app.py\ndef f():\n    return 1\n```\n\n$$\n\\int x\n$$\n\n"
            "```math\na^2\n```\n\ninline $e=mc^2$\n",
            markup.QIITA,
        )
    )
    (code,) = root.by_class("code")
    assert code.by_class("code-name")[0].text() == "app.py"
    assert code.find_all(lambda e: e.tag == "span" and e.attrs.get("class") == "k")
    assert "def f():" in code.text()
    boxes = root.find_all(lambda e: e.attrs.get("data-box") == "math")
    assert [box.find_all(lambda e: e.tag == "pre")[0].text() for box in boxes] == [
        "\\int x",
        "a^2",
    ]
    assert root.by_class("math-inline")[0].text() == "e=mc^2"


def test_qiita_keeps_allowed_embeds_and_marks_what_it_removes() -> None:
    root = page_dom.parse(
        draw(
            '<iframe src="https://codepen.io/a/embed/b"></iframe>\n\n'
            '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>\n\n'
            '<script src="https://evil.example/x.js"></script>\n\n'
            '<p class="codepen" data-user="me" data-slug-hash="abc">pen</p>\n'
            '<script async src="https://public.codepenassets.com/embed/index.js"></script>\n\n'
            "<details><summary>more</summary>\n\nhidden *text*\n\n</details>\n",
            markup.QIITA,
        )
    )
    removed = [e.text() for e in page_dom.embeds(root, "removed")]
    assert any("codepen.io" in text for text in removed)
    assert any("<script>" in text for text in removed)
    assert page_dom.embeds(root, "youtube")
    assert page_dom.embeds(root, "codepen")
    (details,) = root.find_all(lambda e: e.tag == "details")
    assert "hidden text" in details.text()


def test_zenn_shows_raw_html_as_text() -> None:
    html = draw("<b>bold</b> and <script>alert(1)</script>\n", markup.ZENN)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<script" not in html


# -- nothing from a post ever runs -------------------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "</style><script>alert(1)</script>",
    "</div></section></main><script>alert(1)</script>",
    '<div style="background:url(https://evil.example/t.png)">x</div>',
    '<object data="https://evil.example/x.swf"></object>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example"><input name=x></form>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    "![x](javascript:alert(1))",
    '<img src="https://evil.example/track.png">',
    "<details open ontoggle=alert(1)><summary>s</summary></details>",
    "@[card](javascript:alert(1))",
    '@[youtube]("><script>alert(1)</script>)',
    "<!-- <script>alert(1)</script> -->",
    '{{< youtube "><script>alert(1)</script> >}}',
    "<style>body{display:none}</style>",
    '<p class="warn" data-warning>fake warning</p>',
]


def assert_inert(html: str) -> None:
    """No element can run script, load anything, or navigate anywhere but http(s)."""
    root = page_dom.parse(html)
    scripts = root.find_all(lambda e: e.tag == "script")
    assert all(s.text().startswith("(()=>{const v=document") for s in scripts)
    styles = root.find_all(lambda e: e.tag == "style")
    assert len(styles) == 1 and "evil" not in styles[0].text()
    forbidden = {"iframe", "object", "embed", "svg", "math", "form", "input", "base", "frame"}
    for element in root.iter():
        assert element.tag not in forbidden, element.tag
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name)
            assert name not in {"style", "srcdoc", "formaction", "xlink:href", "action"}
            if name == "href":
                assert safe_href(value) == value, value
                assert value.startswith(("https://", "http://", "mailto:", "#")), value
            if name == "src":
                assert value.startswith("data:image/"), value
        if element.tag == "meta":
            assert element.attrs.get("http-equiv") in (None, "Content-Security-Policy")
    warned = root.find_all(lambda e: "data-warning" in e.attrs)
    assert all(w.tag == "aside" for w in warned)  # a post cannot forge a warning
    assert len(page_dom.columns(root)) == 4  # nothing closed the columns early


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_in_the_body_stays_text(tmp_path: Path, attack: str) -> None:
    post = write_post(tmp_path, f"before\n\n{attack}\n\ninline {attack} too\n\nafter\n")
    html = page(post, tmp_path)
    assert_inert(html)
    columns = page_dom.columns(page_dom.parse(html))
    assert all("after" in page_dom.copy_text(c) for c in columns[1:])


def test_attacks_in_front_matter_stay_text(tmp_path: Path) -> None:
    evil = '<script>alert(1)</script>\\" onmouseover=\\"alert(1)'
    post = tmp_path / "post.md"
    post.write_text(
        textwrap.dedent(
            f"""\
            ---
            title: "{evil}"
            summary: "{evil}"
            tags: ["{evil}", "ok"]
            slug: evil-front-matter-post
            url: "https://example.com/\\"><script>alert(2)</script>"
            xpost:
              twitter: {{alt: "{evil}"}}
              connpass: {{event_url: "https://x.connpass.com/event/1/"}}
            ---

            body
            """
        ),
        encoding="utf-8",
    )
    html = page(post, tmp_path)
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from([*ATTACKS, "text", "\n", "\n\n", "**", "`", "> ", "- ", "|"])))
def test_any_mix_of_attacks_stays_inert(tmp_path: Path, parts: list[str]) -> None:
    post = write_post(tmp_path, "".join(parts) + "\n")
    assert_inert(page(post, tmp_path))


def test_raw_html_is_balanced_within_its_article() -> None:
    raw = RawHtml(markup.image_placeholder, qiita=True)
    opened = raw.fragment("<details><summary>s</summary>")
    stray = raw.fragment("</div></section><b>x")
    assert opened == "<details><summary>s</summary>"
    assert stray == "<b>x"
    assert raw.finish() == "</b></details>"


# -- other adapters ----------------------------------------------------------------------


class _Shout(Adapter[NoSettings, NoSettings]):
    name: ClassVar[str] = "shout"
    label: ClassVar[str] = "Shout"
    Settings: ClassVar[type[Any]] = NoSettings
    Options: ClassVar[type[Any]] = NoSettings

    def render(self, post: Post, options: NoSettings) -> Draft:
        return Draft("shout", {"text": post.title.upper(), "n": 1}, warnings=["loud"])


class _ShoutWithPreview(_Shout):
    def preview_html(self, draft: Draft) -> str | None:
        return (
            f'<div class="x-post"><p>{draft.payload["text"]}</p>'
            '<script>alert(1)</script><a href="javascript:x">j</a></div></div></main>'
        )


class _ShortPosts(_Shout):
    def render(self, post: Post, options: NoSettings) -> Draft:
        posts = [
            {"text": f"{post.title} https://e.com/p #tag", "graphemes": 42,
             "embed": {"uri": "https://e.com/p", "title": "<i>card</i>"}},
            {"text": "second <b>part</b>", "graphemes": 18},
        ]  # fmt: skip
        return Draft("shout", {"posts": posts}, warnings=["cut at https://e.com/p"])


def test_short_posts_of_another_adapter_are_drawn_as_post_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib.metadata import EntryPoint

    installed = {**registry.installed(), "shout": EntryPoint("shout", "x:y", "xpost.adapters")}
    monkeypatch.setattr(registry, "installed", lambda: installed)
    real_load = registry.load
    monkeypatch.setattr(
        registry, "load", lambda name: _ShortPosts if name == "shout" else real_load(name)
    )
    post = write_post(tmp_path, "body\n")
    config = load_config(config_file(tmp_path), registry.installed())
    html = build_preview(post, config, ["shout"]).html
    assert_inert_page = page_dom.parse(html)
    (column,) = page_dom.columns(assert_inert_page)
    cards = column.by_class("x-post")
    assert len(cards) == 2
    assert [c.find_all(lambda e: "data-counter" in e.attrs)[0].text() for c in cards] == [
        "42 graphemes",
        "18 graphemes",
    ]
    assert page_dom.embeds(cards[0], "card")[0].text().startswith("<i>card</i>")
    assert "second <b>part</b>" in cards[1].text()
    (warning,) = page_dom.warnings(column)
    assert warning.previous_element() is cards[0]
    assert column.find_all(lambda e: e.tag == "details")  # the payload itself, folded


@pytest.mark.parametrize("adapter", [_Shout, _ShoutWithPreview])
def test_out_of_tree_adapter_gets_a_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, adapter: type[_Shout]
) -> None:
    from importlib.metadata import EntryPoint

    installed = {**registry.installed(), "shout": EntryPoint("shout", "x:y", "xpost.adapters")}
    monkeypatch.setattr(registry, "installed", lambda: installed)
    real_load = registry.load
    monkeypatch.setattr(
        registry, "load", lambda name: adapter if name == "shout" else real_load(name)
    )
    post = write_post(tmp_path, "body <b>x</b>\n", front='title: "a <b>bold</b> title"\n')
    config = load_config(config_file(tmp_path), registry.installed())
    html = build_preview(post, config, ["qiita", "shout"]).html
    root = page_dom.parse(html)
    column = page_dom.columns(root)[1]
    assert column.attrs["data-platform"] == "shout"
    assert [w.text().strip("⚠") for w in page_dom.warnings(column)] == ["loud"]
    if adapter is _ShoutWithPreview:
        assert column.by_class("x-post")  # its classes are kept
        assert "A BOLD TITLE" in column.text()  # its unescaped <B> is filtered, not run
        assert "<script" not in html and "javascript:" not in html
    else:
        assert column.find_all(lambda e: e.tag == "dt" and e.text() == "text")
        assert "A <B>BOLD</B> TITLE" in column.text()  # the payload, escaped


# -- the command -------------------------------------------------------------------------


def test_command_writes_the_page_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    result = CliRunner().invoke(
        cli, ["preview", str(HELLO), "--config", str(config_file(tmp_path)), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_command_default_output_is_in_the_cache_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", str(HELLO), "--to", "qiita"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.name == "hello-xpost.html" and "cache" in str(path)
    assert 'data-platform="qiita"' in path.read_text(encoding="utf-8")


def test_command_to_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", str(HELLO), "--to", "zenn,twitter", "-o", "-"])
    assert result.exit_code == 0
    root = page_dom.parse(result.stdout)
    assert [c.attrs["data-platform"] for c in page_dom.columns(root)] == ["zenn", "twitter"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.md"], "missing.md"),
        ([str(HELLO), "--to", "nowhere"], "unknown platform 'nowhere' in --to"),
        ([str(HELLO), "--serve", "-o", "x.html"], "--serve and --output do not go together"),
        ([str(HELLO), "--open", "-o", "-"], "--open needs a file to open"),
    ],
)
def test_command_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    from test_cli import run_xpost

    monkeypatch.chdir(tmp_path)
    result = run_xpost("preview", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr


def test_preview_never_creates_a_ledger(tmp_path: Path) -> None:
    import os

    data = Path(os.environ["XPOST_DATA_DIR"])
    result = CliRunner().invoke(cli, ["preview", str(HELLO), "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 0
    assert not data.exists() or not list(data.iterdir())


def test_language_comes_from_front_matter_else_the_script(tmp_path: Path) -> None:
    english = write_post(tmp_path, "plain English text\n", front="lang: en-US\n")
    assert '<html lang="en-US">' in page(english, tmp_path, ["qiita"])
    korean = write_post(tmp_path, "한국어 본문\n")
    assert '<html lang="ko">' in page(korean, tmp_path, ["qiita"])
    bad = write_post(tmp_path, "text\n", front='lang: "en\\" onload=\\"x"\n')
    assert '<html lang="en">' in page(bad, tmp_path, ["qiita"])


def test_an_x_thread_is_one_card_per_part_each_with_its_counter(tmp_path: Path) -> None:
    long = "\n\n".join(f"段落{i}: " + "長い文章です。" * 12 for i in range(6))
    post = write_post(tmp_path, long + "\n", front="xpost: {twitter: {thread: true}}\n")
    root = page_dom.parse(page(post, tmp_path, ["twitter"]))
    (column,) = page_dom.columns(root)
    cards = column.by_class("x-post")
    assert len(cards) >= 3
    for number, card in enumerate(cards, 1):
        assert card.by_class("x-part")[0].text() == f"{number}/{len(cards)}"
        (counter,) = card.find_all(lambda e: "data-counter" in e.attrs)
        count = int(counter.text().split("/")[0])
        assert 0 < count <= 280 and counter.text().endswith("/280")
