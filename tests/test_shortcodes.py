"""Hugo shortcodes, Jekyll Liquid tags and Zenn/Qiita syntax, through parse_body."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpost.content.model import (
    Block,
    Callout,
    Code,
    Details,
    Document,
    Embed,
    Image,
    LinkContext,
    Markdown,
)
from xpost.content.parse import parse_body
from xpost.content.shortcodes import parse_shortcode

SITE = "https://ex.com/"
PAGE = "https://ex.com/post/my-post/"


def parse(body: str, tmp: Path = Path("/nonexistent")) -> Document:
    return parse_body(body, LinkContext(tmp, page_url=PAGE, site_url=SITE, is_bundle=True))


def only_block(body: str) -> Block:
    document = parse(body)
    assert len(document.blocks) == 1, document.blocks
    return document.blocks[0]


# -- argument parsing -------------------------------------------------------------------


def test_parse_shortcode_arguments() -> None:
    code = parse_shortcode('gist user="spf13" id=789 `raw "q"` \'single\' "esc \\"q\\""')
    assert code.name == "gist"
    assert code.named == {"user": "spf13", "id": "789"}
    assert code.positional == ('raw "q"', "single", 'esc "q"')
    assert parse_shortcode("/highlight").closing
    assert parse_shortcode("/* youtube x */").escaped


# -- Hugo block shortcodes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{{< youtube dQw4w9WgXcQ >}}",
            Embed(
                "youtube",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                id="dQw4w9WgXcQ",
                origin="shortcode",
            ),
        ),
        (
            '{{< youtube id="dQw4w9WgXcQ" title="Song" >}}',
            Embed(
                "youtube",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                id="dQw4w9WgXcQ",
                title="Song",
                origin="shortcode",
            ),
        ),
        (
            "{{< speakerdeck 50021f75cf1db900020005e7 >}}",
            Embed(
                "speakerdeck",
                "https://speakerdeck.com/player/50021f75cf1db900020005e7",
                id="50021f75cf1db900020005e7",
                origin="shortcode",
            ),
        ),
        (
            '{{< tweet user="SanDiegoZoo" id="1453110110599868418" >}}',
            Embed(
                "tweet",
                "https://twitter.com/SanDiegoZoo/status/1453110110599868418",
                id="1453110110599868418",
                origin="shortcode",
            ),
        ),
        (
            "{{< tweet 1453110110599868418 >}}",
            Embed(
                "tweet",
                "https://twitter.com/i/web/status/1453110110599868418",
                id="1453110110599868418",
                origin="shortcode",
            ),
        ),
        (
            '{{< x user="jack" id="20" >}}',
            Embed("tweet", "https://twitter.com/jack/status/20", id="20", origin="shortcode"),
        ),
        (
            '{{< gist spf13 7896402 "img.html" >}}',
            Embed(
                "gist",
                "https://gist.github.com/spf13/7896402?file=img.html",
                id="7896402",
                origin="shortcode",
            ),
        ),
        (
            "{{< vimeo 146022717 >}}",
            Embed(
                "iframe",
                "https://vimeo.com/146022717",
                id="146022717",
                title="Vimeo",
                origin="shortcode",
            ),
        ),
        (
            '{{< figure src="elephant.jpg" alt="Elephant" title="T" caption="At the zoo" '
            'link="/zoo/" >}}',
            Image(
                "https://ex.com/post/my-post/elephant.jpg",
                alt="Elephant",
                title="T",
                caption="At the zoo",
                link="https://ex.com/zoo/",
            ),
        ),
        (
            '{{< highlight go "linenos=table,hl_lines=8" >}}\nfunc main() {\n}\n{{< /highlight >}}',
            Code("func main() {\n}", "go"),
        ),
        (
            "{{% callout warning %}}\nCareful **now**.\n{{% /callout %}}",
            Callout("warning", (Markdown("Careful **now**."),)),
        ),
        (
            '{{% notice info "Heads up" %}}\nText\n{{% /notice %}}',
            Callout("note", (Markdown("Text"),)),
        ),
        (
            '{{< spoiler text="Click" >}}\nHidden\n{{< /spoiler >}}',
            Details("Click", (Markdown("Hidden"),)),
        ),
        (
            '{{< details summary="More" >}}\n- a\n{{< /details >}}',
            Details("More", (Markdown("- a", "list"),)),
        ),
    ],
)
def test_hugo_block_shortcodes(source: str, expected: Block) -> None:
    document = parse(f"Before.\n{source}\nAfter.")
    assert document.blocks == (Markdown("Before."), expected, Markdown("After."))
    assert document.notes == ()


def test_figure_finds_bundle_file(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"png")
    document = parse('{{< figure src="a.png" >}}', tmp_path)
    assert document.blocks == (
        Image("https://ex.com/post/my-post/a.png", local=tmp_path / "a.png"),
    )


def test_unknown_shortcodes_are_dropped_with_a_note() -> None:
    document = parse("{{< mystery a=b >}}\nKept.\n{{< /mystery >}}\n\nText {{< param author >}}.")
    assert document.blocks == (Markdown("Kept."), Markdown("Text ."))
    assert document.notes == (
        "dropped unknown shortcode {{< mystery a=b >}}: "
        "the text up to {{< /mystery >}} is kept as written",
        "dropped unknown shortcode {{< param author >}}: nothing is left in its place",
    )


def test_unclosed_paired_shortcode_is_noted() -> None:
    document = parse("{{< highlight go >}}\nx := 1")
    assert document.blocks == (Markdown("x := 1"),)
    assert document.notes == ("dropped {{< highlight go >}}: its closing shortcode is missing",)


def test_escaped_shortcodes_show_literally_in_text_and_code() -> None:
    body = (
        "Use `{{</* youtube id */>}}` or {{%/* x */%}}.\n\n"
        "```\n{{</* gist a b */>}}\n{{< youtube keep >}}\n```"
    )
    assert parse(body).blocks == (
        Markdown("Use `{{< youtube id >}}` or {{% x %}}."),
        Code("{{< gist a b >}}\n{{< youtube keep >}}"),
    )


def test_inline_shortcodes() -> None:
    document = parse(
        'See {{< ref "/post/other.md" >}}, [this]({{< relref "foo.md#part" >}}) '
        "and {{< youtube abcdefghijk >}}."
    )
    assert document.blocks == (
        Markdown(
            "See https://ex.com/post/other/, [this](https://ex.com/post/foo/#part) "
            "and https://www.youtube.com/watch?v=abcdefghijk."
        ),
    )
    assert document.notes == (
        'guessed the URL of ref "/post/other.md" as https://ex.com/post/other/',
        'guessed the URL of ref "foo.md#part" as https://ex.com/post/foo/#part',
    )


# -- Jekyll Liquid -----------------------------------------------------------------------------


def test_jekyll_highlight_and_raw() -> None:
    body = (
        "{% highlight ruby linenos %}\ndef foo\nend\n{% endhighlight %}\n\n"
        "{% raw %}\nKeep {{ this }} and {% that %}.\n{% endraw %}"
    )
    document = parse(body)
    assert document.blocks == (
        Code("def foo\nend", "ruby"),
        Markdown("Keep {{ this }} and {% that %}."),
    )
    assert document.notes == ()


def test_jekyll_links_and_site_variables() -> None:
    body = (
        "[a]({% post_url 2010-07-21-name %}), [b]({% link about.md %}), "
        "![c]({{ site.baseurl }}/assets/c.png), {{ vue.kept }}"
    )
    document = parse(body)
    assert document.blocks == (
        Markdown(
            "[a](https://ex.com/2010/07/21/name/), [b](https://ex.com/about.html), "
            "![c](https://ex.com/assets/c.png), {{ vue.kept }}"
        ),
    )
    assert document.notes == (
        "guessed the URL of {% post_url 2010-07-21-name %} as https://ex.com/2010/07/21/name/",
    )


def test_jekyll_links_keep_the_sites_baseurl(tmp_path: Path) -> None:
    """A site served below a path (``baseurl: /blog``, a GitHub Pages project site):
    what Jekyll writes with its baseurl keeps it, as the built page has it; a path the
    author wrote from the host's root stays there, as a browser reads it; and the local
    file behind a baseurl'd image is still found."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "c.png").write_bytes(b"png")
    context = LinkContext(
        tmp_path / "_posts",
        page_url="https://ex.com/blog/2024/01/02/p/",
        site_url="https://ex.com",
        site_root=tmp_path,
        base_path="/blog",
    )
    body = (
        "[a]({% post_url 2010-07-21-name %}), [b]({% link about.md %}), "
        "[c]({{ site.url }}{{ site.baseurl }}/c/), [d]({{ '/d/' | relative_url }}), "
        "[e]({{ 'e/' | absolute_url }}), [f]({{ 'https://else.org/f' | relative_url }}), "
        "[g](/g/)\n\n![i]({{ site.baseurl }}/assets/c.png)"
    )
    document = parse_body(body, context)
    assert document.blocks[0] == Markdown(
        "[a](https://ex.com/blog/2010/07/21/name/), [b](https://ex.com/blog/about.html), "
        "[c](https://ex.com/blog/c/), [d](https://ex.com/blog/d/), "
        "[e](https://ex.com/blog/e/), [f](https://else.org/f), [g](https://ex.com/g/)"
    )
    image = document.blocks[1]
    assert isinstance(image, Image)
    assert image.src == "https://ex.com/blog/assets/c.png"
    assert image.local == tmp_path / "assets" / "c.png"


def test_jekylls_other_variables_are_kept_with_a_note_others_without() -> None:
    document = parse("On {{ site.title }} ({{ page.date }}), {{ vue.kept }}.")
    assert document.blocks == (Markdown("On {{ site.title }} ({{ page.date }}), {{ vue.kept }}."),)
    assert document.notes == (
        "kept Liquid output {{ site.title }} as written: xpost does not know its value",
        "kept Liquid output {{ page.date }} as written: xpost does not know its value",
    )


def test_unknown_liquid_tags_are_dropped_with_a_note_but_not_in_code_spans() -> None:
    document = parse('{% include note.html content="x" %}\n\nJinja: `{% if x %}`')
    assert document.blocks == (Markdown("Jinja: `{% if x %}`"),)
    assert document.notes == (
        'dropped Jekyll include {% include note.html content="x" %}: nothing is left in its place',
    )


# -- Zenn and Qiita ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "@[youtube](dQw4w9WgXcQ)",
            Embed(
                "youtube",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                id="dQw4w9WgXcQ",
                origin="zenn",
            ),
        ),
        (
            "@[speakerdeck](abc123)",
            Embed(
                "speakerdeck", "https://speakerdeck.com/player/abc123", id="abc123", origin="zenn"
            ),
        ),
        (
            "@[slideshare](key123)",
            Embed(
                "slideshare",
                "https://www.slideshare.net/slideshow/embed_code/key/key123",
                id="key123",
                origin="zenn",
            ),
        ),
        (
            "@[docswell](https://www.docswell.com/s/user/ABC123-hello)",
            Embed(
                "docswell",
                "https://www.docswell.com/s/user/ABC123-hello",
                id="ABC123",
                origin="zenn",
            ),
        ),
        (
            "@[tweet](https://x.com/jack/status/20)",
            Embed("tweet", "https://twitter.com/jack/status/20", id="20", origin="zenn"),
        ),
        (
            "@[gist](https://gist.github.com/u/0123456789abcdef)",
            Embed(
                "gist",
                "https://gist.github.com/u/0123456789abcdef",
                id="0123456789abcdef",
                origin="zenn",
            ),
        ),
        ("@[card](https://zenn.dev)", Embed("card", "https://zenn.dev", origin="zenn")),
        (
            "@[codepen](https://codepen.io/u/pen/xyz)",
            Embed("codepen", "https://codepen.io/u/pen/xyz", id="xyz", origin="zenn"),
        ),
        (
            "@[figma](https://www.figma.com/file/AbC/Name)",
            Embed("figma", "https://www.figma.com/file/AbC/Name", id="AbC", origin="zenn"),
        ),
        (
            "@[stackblitz](https://stackblitz.com/edit/x)",
            Embed("iframe", "https://stackblitz.com/edit/x", title="stackblitz", origin="zenn"),
        ),
        (":::message\nHello **zenn**\n:::", Callout("note", (Markdown("Hello **zenn**"),))),
        (":::message alert\nDanger\n:::", Callout("caution", (Markdown("Danger"),))),
        (":::note info\nInfo\n:::", Callout("note", (Markdown("Info"),))),
        (":::note warn\nWarn\n:::", Callout("warning", (Markdown("Warn"),))),
        (":::note alert\nAlert\n:::", Callout("caution", (Markdown("Alert"),))),
        (
            "::::details Open me\n:::message\nnested\n:::\n\n```\n:::\n```\n::::",
            Details("Open me", (Callout("note", (Markdown("nested"),)), Code(":::"))),
        ),
    ],
)
def test_zenn_and_qiita_syntax(source: str, expected: Block) -> None:
    document = parse(f"Before.\n\n{source}\n\nAfter.")
    assert document.blocks == (Markdown("Before."), expected, Markdown("After."))
    assert document.notes == ()


def test_unknown_zenn_embed_is_dropped_with_note() -> None:
    document = parse("@[unknown](zzz)")
    assert document.blocks == ()
    assert document.notes == ("dropped unknown Zenn embed @[unknown](zzz)",)


def test_unclosed_container_stays_text() -> None:
    assert parse(":::message\nno end").blocks == (Markdown(":::message\nno end"),)
