"""``xpost run --mark-existing`` takes each post's id from the scan's one read of its
front matter: it must be the id ``xpost publish`` and a later ``xpost run`` give the
post, on every kind of site, or the next run would not find the record and send again."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import xpost.cli
import xpost.cli.run
import xpost.post
import xpost.prepare  # before load_post is patched: it keeps its own reference
from xpost.adapters import registry
from xpost.config import load_config
from xpost.ledger import Ledger
from xpost.post import load_post
from xpost.scan import load_cache

NOW = datetime.fromisoformat("2024-06-01T12:00:00+09:00")
OLD = (NOW - timedelta(days=2)).timestamp()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (OLD, OLD))
    return path


def run_in(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``xpost run`` from ``root`` with its ``xpost.toml``, a fresh ledger and home, at NOW."""
    monkeypatch.chdir(root)
    monkeypatch.setenv("XPOST_CONFIG", str(root / "xpost.toml"))
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(xpost.cli.run, "_now", lambda: NOW)


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A Hugo site with its own permalinks and time zone, a Jekyll site with ``pretty``
    URLs, and plain folders: posts whose id comes from each rule xpost knows."""
    root = tmp_path
    write(
        root / "hugo" / "hugo.toml",
        'baseURL = "https://hugo.example/"\ntimeZone = "America/New_York"\n'
        '[permalinks]\npost = "/:year/:month/:slug/"\n',
    )
    write(root / "jekyll" / "_config.yml", "url: https://jekyll.example\npermalink: pretty\n")
    posts = [
        write(
            root / "hugo/content/post/bundle/index.md",
            "---\ntitle: A bundle\ndate: 2024-01-31T23:30:00\nslug: Mixed Case\n---\nBody.\n",
        ),
        write(
            root / "hugo/content/post/single.md",
            "+++\ntitle = 'TOML'\ndate = 2023-12-01\n+++\nBody.\n",
        ),
        write(
            root / "hugo/content/notes/heading.md",
            "---\ndate: 2024-02-02\n---\n# Title from the heading\n\nBody.\n",
        ),
        write(root / "jekyll/_posts/2024-03-04-hello-world.md", "---\ntitle: Hi\n---\nBody.\n"),
        write(
            root / "jekyll/_posts/2024-03-05-with-categories.md",
            "---\ntitle: Cats\ncategories: a b\n---\nBody.\n",
        ),
        write(
            root / "plain/explicit.md",
            "---\ntitle: Own id\ndate: 2024-01-01\nxpost:\n  id: my-own-id\n---\nBody.\n",
        ),
        write(
            root / "plain/qiita-cli.md",
            "---\ntitle: Qiita CLI\ntags: [python]\nprivate: false\n"
            "updated_at: '2024-01-01T00:00:00+09:00'\nid: 0123456789abcdef0123\n"
            "organization_url_name: null\nslide: false\nignorePublish: false\n---\nBody.\n",
        ),
        write(
            root / "plain/component.mdx",
            "---\ntitle: MDX\ndate: 2024-01-01\n---\nimport X from './x.js'\n\nBody.\n",
        ),
        write(
            root / "plain/json.md",
            '{"title": "JSON", "date": "2024-01-01", "url": "/custom/path/"}\nBody.\n',
        ),
    ]
    write(
        root / "xpost.toml",
        '[site]\nbase_url = "https://example.com/"\ntimezone = "Asia/Tokyo"\n'
        'content = ["hugo/content", "jekyll/_posts", "plain"]\n'
        '[publish]\ntargets = ["qiita", "twitter"]\n[schedule]\nmin_age = "5m"\n',
    )
    run_in(root, tmp_path, monkeypatch)
    return posts


def xpost_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> str:
    monkeypatch.setattr(sys, "argv", ["xpost", "run", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    out, err = capsys.readouterr()
    assert (exited.value.code or 0, err) == (0, ""), err
    return out


def mark_without_loading(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """``xpost run --mark-existing`` with ``load_post`` made to fail: the id of each
    post marked, by file."""

    def not_loaded(*args: object, **kwargs: object) -> None:
        raise AssertionError("--mark-existing loaded a post")

    with monkeypatch.context() as patched:
        patched.setattr(xpost.post, "load_post", not_loaded)
        marked = json.loads(xpost_run(capsys, monkeypatch, "--mark-existing", "--json"))
    return {post["source"]: post["id"] for post in marked["posts"]}


def ledger(root: Path) -> Ledger:
    return Ledger.open(root / "data" / "xpost.sqlite3")


def test_marked_posts_are_recorded_under_the_ids_publish_gives_them_and_stay_left_alone(
    sites: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(tmp_path / "xpost.toml", registry.installed())
    expected = {str(path): load_post(path, config).id for path in sites}
    assert expected[str(sites[0])] == "https://example.com/2024/01/mixed-case/"
    assert expected[str(sites[3])] == "https://example.com/2024/03/04/hello-world/"
    assert expected[str(sites[5])] == "my-own-id"
    assert expected[str(sites[6])] == "https://example.com/post/qiita-cli/"  # not Qiita's id

    assert mark_without_loading(capsys, monkeypatch) == expected
    with ledger(tmp_path) as db:
        rows = load_cache(db)
        records = {(r.key.post_id, r.key.platform, r.status) for r in db.all_records()}
    assert records == {(i, p, "skipped") for i in expected.values() for p in ("qiita", "twitter")}
    assert {path: row.post_id for path, row in rows.items()} == expected
    assert all(row.is_done for row in rows.values())

    # The next run finds every post done: nothing to send, nothing read again.
    assert json.loads(xpost_run(capsys, monkeypatch, "--dry-run", "--json"))["posts"] == []

    # An edited post is read again, found under the same id, and still left alone:
    # its copies were made before xpost, so there is nothing of them to update.
    edited = sites[1]
    write(edited, edited.read_text(encoding="utf-8").replace("Body.", "Body, edited."))
    assert json.loads(xpost_run(capsys, monkeypatch, "--dry-run", "--json"))["posts"] == []
    assert xpost_run(capsys, monkeypatch) == ""
    with ledger(tmp_path) as db:
        row = load_cache(db)[str(edited)]
        after = {(r.key.post_id, r.key.platform, r.status) for r in db.all_records()}
    assert (row.post_id, row.is_done) == (expected[str(edited)], True)
    assert after == records  # no second record under another id: nothing would be sent


def test_a_post_whose_id_the_scan_cannot_tell_is_loaded_to_say_why(
    sites: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    untitled = write(tmp_path / "plain" / "untitled.md", "---\ndate: 2024-01-01\n---\nNo title.\n")
    monkeypatch.setattr(sys, "argv", ["xpost", "run", "--mark-existing"])
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert err == (
        f"xpost: error: {untitled}: no title: add 'title:' to the front matter "
        "or start the body with a '# Title' line\n"
    )


def test_after_a_refused_first_run_the_ids_are_read_without_loading_any_post(
    sites: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The user's path: a first ``xpost run`` refuses (and fills the scan cache without
    ids, which it does not need), then ``--mark-existing`` reads each front matter once
    more for its id, still without a full load."""
    config_file = tmp_path / "xpost.toml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace('min_age = "5m"', 'min_age = "5m"\nfirst_run_limit = 3'))
    config = load_config(config_file, registry.installed())
    expected = {str(path): load_post(path, config).id for path in sites}
    monkeypatch.setattr(sys, "argv", ["xpost", "run"])
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    assert exited.value.code == 2
    assert "first_run_limit 3" in capsys.readouterr().err
    with ledger(tmp_path) as db:
        assert all(row.fields.post_id is None for row in load_cache(db).values())

    assert mark_without_loading(capsys, monkeypatch) == expected
    with ledger(tmp_path) as db:
        assert {path: row.post_id for path, row in load_cache(db).items()} == expected


# --- every URL rule xpost knows: the ids must stay what they were -------------------------


def post(*front_matter: str) -> str:
    """A post file with these front-matter lines and a one-line body."""
    return "---\n" + "\n".join(front_matter) + "\n---\nB.\n"


#: Sites of every generator xpost reads, with the URL rules that make ids: Hugo's
#: permalink tokens, sections, bundles, slug and url front matter, ugly URLs, kept
#: case, languages (file suffixes, a language folder, a language's own host); Jekyll's
#: categories, own permalinks and pages; Astro's collections and pages; Zenn CLI and
#: Qiita CLI.
URL_SITE_FILES = {
    # Hugo, one language: every permalink token, sections, bundles, slug/url front matter
    "hugo/hugo.toml": 'baseURL = "https://hugo.example/blog/"\n'
    '[permalinks]\npost = "/:sections/:year/:month/:day/:title/"\n'
    'notes = "/n/:filename/"\ndocs = "/d/:contentbasename/:slugorfilename/"\n'
    'misc = "/:section/:monthname/:weekday/:yearday/:i_month-:i_day/:slug/"\n',
    "hugo/content/post/_index.md": "---\ntitle: Posts\n---\n",
    "hugo/content/post/top.md": post(
        "title: 'Hello, World! C++ & Go'", "date: 2024-02-29T23:30:00"
    ),
    "hugo/content/post/tech/_index.md": "---\ntitle: Tech\n---\n",
    "hugo/content/post/tech/deep/_index.md": "---\ntitle: Deep\n---\n",
    "hugo/content/post/tech/deep/nested.md": post("title: Nested  Title", "date: 2023-12-31"),
    "hugo/content/post/nosection/inner/file.md": post(
        "title: No Index Between", "date: 2023-01-02"
    ),
    "hugo/content/post/日本語/index.md": post(
        "title: 日本語のタイトル\u3000全角", "date: 2024-05-05"
    ),
    "hugo/content/notes/Some File.md": post("title: A Note"),
    "hugo/content/notes/bundle-Name/index.md": post("title: Bundled note", "slug: Ünïcode Slug!"),
    "hugo/content/docs/guide.md": post("title: Guide", "slug: the-GUIDE"),
    "hugo/content/docs/own-url.md": post("title: Own URL", "url: /Custom/Path/"),
    "hugo/content/misc/x.md": post("title: Misc", "date: 2021-03-07T10:00:00+09:00", "slug: s"),
    "hugo/content/plain-slug.md": post("title: Top Level", "slug: My Slug"),
    "hugo/content/no-rule/Plain Name.md": post("title: No Rule"),
    # Hugo: ugly URLs, case kept
    "ugly/config.toml": 'baseURL = "https://ugly.example"\nuglyURLs = true\n'
    "disablePathToLower = true\n"
    '[permalinks]\nposts = "/:year/:filename/"\n',
    "ugly/content/posts/CamelCase.md": post("title: Camel", "date: 2022-06-01"),
    "ugly/content/pages/About Me.md": post("title: About"),
    # Hugo, several languages: file suffixes, bundles, a language folder, multihost
    "i18n/hugo.toml": 'baseURL = "https://i18n.example/"\ndefaultContentLanguage = "en"\n'
    '[permalinks]\npost = "/:slug/"\n'
    "[languages.en]\nweight = 1\n[languages.ja]\nweight = 2\n"
    '[languages.fr]\nweight = 3\ncontentDir = "content.fr"\n'
    '[languages.de]\nweight = 4\nbaseURL = "https://de.example/"\n',
    "i18n/content/post/hello.md": post("title: Hello"),
    "i18n/content/post/hello.ja.md": post("title: こんにちは"),
    "i18n/content/post/bundle/index.ja.md": post("title: Bundle JA", "slug: b-ja"),
    "i18n/content/post/bundle/index.md": post("title: Bundle EN"),
    "i18n/content/post/greet.de.md": post("title: Hallo"),
    "i18n/content/page.xx.md": post("title: Unknown language"),
    "i18n/content.fr/post/bonjour.md": post("title: Bonjour"),
    # Jekyll: posts, categories, own permalink, a page, drafts folder
    "jekyll/_config.yml": "url: https://jekyll.example\nbaseurl: /site\n"
    "permalink: /:categories/:year/:title:output_ext\n",
    "jekyll/_posts/2024-03-04-hello-world.md": post("title: Hi", "categories: [News, Big Things]"),
    "jekyll/_posts/2024-03-05-own.md": post("title: Own", "permalink: /own/:title/"),
    "jekyll/docs/page.md": post("title: A page"),
    # Astro: content collection and pages, a slug
    "astro/astro.config.mjs": "export default { site: 'https://astro.example', base: '/docs' };\n",
    "astro/src/content/blog/first-post.md": post("title: First"),
    "astro/src/content/blog/Second.md": post("title: Second", "slug: custom-slug"),
    "astro/src/pages/about.md": post("title: About"),
    # Zenn CLI, Qiita CLI
    "zenn/package.json": '{"dependencies": {"zenn-cli": "^0.1"}}\n',
    "zenn/articles/abc123def456.md": post(
        "title: Zenn", "emoji: x", "type: tech", "topics: [a]", "published: true"
    ),
    "qiita/qiita.config.json": "{}\n",
    "qiita/public/item.md": post(
        "title: Qiita",
        "tags: [python]",
        "private: false",
        "updated_at: ''",
        "id: 0123456789abcdef0123",
        "organization_url_name: null",
        "slide: false",
        "ignorePublish: false",
    ),
    "qiita/public/new.md": post(
        "title: Qiita new",
        "tags: []",
        "private: false",
        "updated_at: ''",
        "id: null",
        "organization_url_name: null",
        "slide: false",
        "ignorePublish: false",
    ),
}

#: The ids these posts had before the id work was made faster (computed by the code of
#: main at a80ab15): an id that changes is a post sent twice. ``{root}``: the site.
IDS_WITHOUT_BASE_URL = {
    "astro/src/content/blog/Second.md": "https://astro.example/docs/blog/custom-slug/",
    "astro/src/content/blog/first-post.md": "https://astro.example/docs/blog/first-post/",
    "astro/src/pages/about.md": "https://astro.example/docs/about/",
    "hugo/content/docs/guide.md": "https://hugo.example/blog/d/guide/the-guide/",
    "hugo/content/docs/own-url.md": "https://hugo.example/blog/Custom/Path/",
    "hugo/content/misc/x.md": "https://hugo.example/blog/misc/march/0/66/3-7/s/",
    "hugo/content/no-rule/Plain Name.md": "https://hugo.example/blog/no-rule/plain%20name/",
    "hugo/content/notes/Some File.md": "https://hugo.example/blog/n/some-file/",
    "hugo/content/notes/bundle-Name/index.md": "https://hugo.example/blog/n/bundle-name/",
    "hugo/content/plain-slug.md": "https://hugo.example/blog/my-slug/",
    "hugo/content/post/nosection/inner/file.md": "https://hugo.example/blog/post/2023/01/02/no-index-between/",
    "hugo/content/post/tech/deep/nested.md": "https://hugo.example/blog/post/tech/deep/2023/12/31/nested--title/",
    "hugo/content/post/top.md": "https://hugo.example/blog/post/2024/02/29/hello-world-c++--go/",
    "hugo/content/post/日本語/index.md": "https://hugo.example/blog/post/2024/05/05/%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E3%82%BF%E3%82%A4%E3%83%88%E3%83%AB-%E5%85%A8%E8%A7%92/",
    "i18n/content/page.xx.md": "https://i18n.example/page.xx/",
    "i18n/content/post/bundle/index.ja.md": "https://i18n.example/ja/b-ja/",
    "i18n/content/post/bundle/index.md": "https://i18n.example/bundle-en/",
    "i18n/content/post/greet.de.md": "https://de.example/hallo/",
    "i18n/content/post/hello.ja.md": "https://i18n.example/ja/%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF/",
    "i18n/content/post/hello.md": "https://i18n.example/hello/",
    "i18n/content.fr/post/bonjour.md": "https://i18n.example/fr/bonjour/",
    "jekyll/_posts/2024-03-04-hello-world.md": "https://jekyll.example/site/news/big%20things/2024/hello-world.html",
    "jekyll/_posts/2024-03-05-own.md": "https://jekyll.example/site/own/own/",
    "jekyll/docs/page.md": "https://jekyll.example/site/docs/page.html",
    "qiita/public/item.md": "{root}/qiita/public/item.md",
    "qiita/public/new.md": "{root}/qiita/public/new.md",
    "ugly/content/pages/About Me.md": "https://ugly.example/pages/About%20Me.html",
    "ugly/content/posts/CamelCase.md": "https://ugly.example/2022/camelcase.html",
    "zenn/articles/abc123def456.md": "{root}/zenn/articles/abc123def456.md",
}
IDS_WITH_BASE_URL = {
    "astro/src/content/blog/Second.md": "https://own.example/x/blog/custom-slug/",
    "astro/src/content/blog/first-post.md": "https://own.example/x/blog/first-post/",
    "astro/src/pages/about.md": "https://own.example/x/about/",
    "hugo/content/docs/guide.md": "https://own.example/x/d/guide/the-guide/",
    "hugo/content/docs/own-url.md": "https://own.example/x/Custom/Path/",
    "hugo/content/misc/x.md": "https://own.example/x/misc/march/0/66/3-7/s/",
    "hugo/content/no-rule/Plain Name.md": "https://own.example/x/no-rule/plain%20name/",
    "hugo/content/notes/Some File.md": "https://own.example/x/n/some-file/",
    "hugo/content/notes/bundle-Name/index.md": "https://own.example/x/n/bundle-name/",
    "hugo/content/plain-slug.md": "https://own.example/x/my-slug/",
    "hugo/content/post/nosection/inner/file.md": "https://own.example/x/post/2023/01/02/no-index-between/",
    "hugo/content/post/tech/deep/nested.md": "https://own.example/x/post/tech/deep/2023/12/31/nested--title/",
    "hugo/content/post/top.md": "https://own.example/x/post/2024/02/29/hello-world-c++--go/",
    "hugo/content/post/日本語/index.md": "https://own.example/x/post/2024/05/05/%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E3%82%BF%E3%82%A4%E3%83%88%E3%83%AB-%E5%85%A8%E8%A7%92/",
    "i18n/content/page.xx.md": "https://own.example/x/page.xx/",
    "i18n/content/post/bundle/index.ja.md": "https://own.example/x/ja/b-ja/",
    "i18n/content/post/bundle/index.md": "https://own.example/x/bundle-en/",
    "i18n/content/post/greet.de.md": "https://de.example/hallo/",
    "i18n/content/post/hello.ja.md": "https://own.example/x/ja/%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF/",
    "i18n/content/post/hello.md": "https://own.example/x/hello/",
    "i18n/content.fr/post/bonjour.md": "https://own.example/x/fr/bonjour/",
    "jekyll/_posts/2024-03-04-hello-world.md": "https://own.example/x/news/big%20things/2024/hello-world.html",
    "jekyll/_posts/2024-03-05-own.md": "https://own.example/x/own/own/",
    "jekyll/docs/page.md": "https://own.example/x/docs/page.html",
    "qiita/public/item.md": "https://own.example/x/items/0123456789abcdef0123",
    "qiita/public/new.md": "{root}/qiita/public/new.md",
    "ugly/content/pages/About Me.md": "https://own.example/x/pages/About%20Me.html",
    "ugly/content/posts/CamelCase.md": "https://own.example/x/2022/camelcase.html",
    "zenn/articles/abc123def456.md": "https://own.example/x/articles/abc123def456",
}


@pytest.mark.parametrize(
    ("site_table", "pinned"),
    [("", IDS_WITHOUT_BASE_URL), ('base_url = "https://own.example/x/"\n', IDS_WITH_BASE_URL)],
    ids=["generators-own-urls", "site-base-url"],
)
def test_ids_of_every_url_rule_are_unchanged_and_marked_without_loading(
    site_table: str,
    pinned: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "sites"
    for name, text in URL_SITE_FILES.items():
        write(root / name, text)
    content = ["hugo/content", "ugly/content", "i18n/content", "i18n/content.fr", "jekyll"]
    content += ["astro/src", "zenn/articles", "qiita/public"]
    write(
        root / "xpost.toml",
        f'[site]\ntimezone = "Asia/Tokyo"\n{site_table}content = {json.dumps(content)}\n'
        '[publish]\ntargets = ["qiita", "twitter"]\n[schedule]\nmin_age = "5m"\n',
    )
    run_in(root, tmp_path, monkeypatch)
    config = load_config(root / "xpost.toml", registry.installed())
    real = root.resolve()
    expected = {str(root / name): id.format(root=real) for name, id in pinned.items()}
    assert {path: load_post(Path(path), config).id for path in expected} == expected
    # The walk takes a bundle's index.md, not its translations (index.ja.md).
    walked = {path: id for path, id in expected.items() if not path.endswith("index.ja.md")}
    assert mark_without_loading(capsys, monkeypatch) == walked
