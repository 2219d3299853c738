"""Reading a site's own config (``xpost.sites``) and where its values win or lose.

The URL rules themselves are checked against real builds in test_sites_real_builds.py;
this module covers what a build cannot show: config dialects, errors, overrides.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpost.cli import cli
from xpost.config import load_config
from xpost.errors import ConfigError, PostError
from xpost.post import load_post
from xpost.sites import detect_site, find_site
from xpost.sites.hugo import HugoSite
from xpost.sites.jekyll import slugify, template_for

PLATFORMS = ("twitter", "qiita", "zenn", "connpass")


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    find_site.cache_clear()
    return root


def url_of(site: Path, post: str, config_text: str | None = None) -> str | None:
    config = None
    if config_text is not None:
        config = site / "xpost.toml"
        config.write_text(config_text, encoding="utf-8")
    return load_post(site / post, load_config(config, PLATFORMS)).canonical_url


def test_hugo_keys_are_read_whatever_their_case(tmp_path: Path) -> None:
    write(tmp_path, {"config.toml": 'BaseURL = "https://a.example/"\nTIMEZONE = "Asia/Tokyo"\n'})
    site = detect_site(tmp_path)
    assert isinstance(site, HugoSite)
    assert (site.base_url, site.timezone, site.content) == (
        "https://a.example/",
        "Asia/Tokyo",
        ("content",),
    )


def test_hugo_toml_wins_over_config_toml(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": 'baseURL = "https://new.example/"\n',
            "config.toml": 'baseURL = "https://old.example/"\n',
        },
    )
    site = detect_site(tmp_path)
    assert site is not None and site.base_url == "https://new.example/"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("hugo.toml", 'baseURL = "https://a.example/\n', "the site's config is not valid"),
        ("hugo.toml", "baseURL = 3\n", "baseurl: expected a string, got int"),
        ("hugo.yaml", "permalinks: [a]\n", "permalinks: expected a table, got list"),
        ("hugo.json", "[1]", "the site's config must be a table of settings"),
        ("_config.yml", "url: [x]\n", "url: expected a string, got list"),
        ("_config.yml", "permalink: 3\n", "permalink: expected a style name or a pattern"),
        ("_config.yml", "url: 'a\n", "the site's config is not valid"),
    ],
)
def test_a_broken_site_config_names_the_file_and_key(
    name: str, text: str, message: str, tmp_path: Path
) -> None:
    write(tmp_path, {name: text})
    with pytest.raises(ConfigError) as caught:
        detect_site(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / name}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "hugo.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
            + "baseURL: https://a.example/\n",
            "holds too many values (YAML aliases?)",
        ),
        ("hugo.json", "[" * 100_000, "nested too deeply"),
        ("_config.yml", "url: x\n" + "#" * (5 << 20), "is over 4 MB"),
    ],
)
def test_hostile_site_configs_are_one_error_quickly(
    name: str, text: str, message: str, tmp_path: Path
) -> None:
    write(tmp_path, {name: text})
    with pytest.raises(ConfigError) as caught:
        detect_site(tmp_path)
    assert str(caught.value).endswith(message)


def test_the_users_site_table_wins_over_the_sites_config(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "hugo.toml": 'baseURL = "https://hugo.example/"\n[permalinks]\nposts = "/:slug/"\n',
            "content/posts/a.md": "---\ntitle: A Title\ndate: 2022-01-02\n---\n",
        },
    )
    assert url_of(site, "content/posts/a.md") == "https://hugo.example/a-title/"
    assert url_of(site, "content/posts/a.md", '[site]\nbase_url = "https://mine.example/"\n') == (
        "https://mine.example/a-title/"
    )
    assert url_of(site, "content/posts/a.md", '[site]\npermalink = "/:year/:slug/"\n') == (
        "https://hugo.example/2022/a-title/"
    )
    front_matter = "---\ntitle: A\ncanonical_url: https://elsewhere.example/a\n---\n"
    (site / "content/posts/b.md").write_text(front_matter)
    assert url_of(site, "content/posts/b.md") == "https://elsewhere.example/a"


def test_config_values_come_from_the_site_unless_set(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {"_config.yml": "url: https://j.example\ntimezone: Asia/Tokyo\n", "_posts/.keep": ""},
    )
    (site / "xpost.toml").write_text('[site]\ntimezone = "Europe/Paris"\n')
    config = load_config(site / "xpost.toml", PLATFORMS)
    assert (config.site.base_url, config.site.timezone, config.site.content) == (
        "https://j.example",
        "Europe/Paris",
        [str(site / "_posts")],
    )


def test_an_unknown_time_zone_in_the_site_config_is_a_config_error(tmp_path: Path) -> None:
    site = write(tmp_path, {"_config.yml": "timezone: Mars/Olympus\n"})
    (site / "xpost.toml").write_text("")
    with pytest.raises(ConfigError) as caught:
        load_config(site / "xpost.toml", PLATFORMS)
    assert str(caught.value) == (
        f"{site / '_config.yml'}: unknown time zone 'Mars/Olympus' "
        "(set [site] timezone to an IANA name like 'Asia/Tokyo')"
    )


def test_jekyll_slugify_modes() -> None:
    # The examples in Jekyll's own Utils.slugify documentation.
    assert slugify("The _config.yml file") == "the-config-yml-file"
    assert slugify("The _config.yml file", pretty=True) == "the-_config.yml-file"
    assert slugify("The _config.yml file", pretty=True, cased=True) == "The-_config.yml-file"
    assert slugify("日本語 の タイトル!") == "日本語-の-タイトル"


def test_jekyll_styles_are_templates() -> None:
    assert template_for("pretty") == "/:categories/:year/:month/:day/:title/"
    assert template_for("none") == "/:categories/:title:output_ext"
    assert template_for("/:year/:title/") == "/:year/:title/"


def test_a_jekyll_placeholder_it_does_not_have_is_one_post_error(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "_config.yml": "url: https://j.example\npermalink: /:yaer/:title/\n",
            "_posts/2022-01-01-a.md": "---\ntitle: A\n---\n",
        },
    )
    with pytest.raises(PostError) as caught:
        url_of(site, "_posts/2022-01-01-a.md")
    assert str(caught.value) == (
        f"{site / '_posts/2022-01-01-a.md'}: permalink '/:yaer/:title/': "
        "Jekyll has no placeholder ':yaer'"
    )


@pytest.mark.parametrize(
    ("files", "post", "expected"),
    [
        (
            {"package.json": '{"devDependencies": {"zenn-cli": "0.1"}}'},
            "articles/my-article-slug.md",
            "https://zenn.dev/me/articles/my-article-slug",
        ),
        (
            {"qiita.config.json": "{}"},
            "public/x.md",
            "https://qiita.com/me/items/c686397e4a0f4f11683d",
        ),
        ({"qiita.config.json": "{}"}, "public/new.md", None),
    ],
)
def test_zenn_and_qiita_cli_repositories(
    files: dict[str, str], post: str, expected: str | None, tmp_path: Path
) -> None:
    host = "zenn.dev" if "package.json" in files else "qiita.com"
    item = "id: c686397e4a0f4f11683d\n" if post.endswith("x.md") else "id: null\n"
    site = write(tmp_path, {**files, post: f"---\ntitle: T\n{item}---\n"})
    assert url_of(site, post, f'[site]\nbase_url = "https://{host}/me/"\n') == expected


def test_astro_site_and_base(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "astro.config.ts": 'export default defineConfig({\n  site: "https://a.example",\n'
            '  base: "/docs",\n  integrations: [mdx()],\n})\n',
            "src/pages/posts/Hello.md": "---\ntitle: T\n---\n",
            "src/content/blog/post-one/index.mdx": "---\ntitle: T\n---\n",
        },
    )
    assert url_of(site, "src/pages/posts/Hello.md") == "https://a.example/docs/posts/hello/"
    assert url_of(site, "src/content/blog/post-one/index.mdx") == (
        "https://a.example/docs/blog/post-one/"
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("", "https://a.example/posts/x/"),
        ("trailingSlash: 'never',", "https://a.example/posts/x"),
        ("build: { format: 'file' },", "https://a.example/posts/x.html"),
    ],
)
def test_astro_url_endings(settings: str, expected: str, tmp_path: Path) -> None:
    config = f"export default defineConfig({{ site: 'https://a.example', {settings} }})"
    site = write(tmp_path, {"astro.config.mjs": config, "src/pages/posts/x.md": "# X\n"})
    assert url_of(site, "src/pages/posts/x.md") == expected


def test_a_config_toml_of_another_tool_is_not_a_hugo_site(tmp_path: Path) -> None:
    write(tmp_path, {"config.toml": '[tool]\nname = "x"\n'})
    assert detect_site(tmp_path) is None
    (tmp_path / "content").mkdir()
    assert detect_site(tmp_path) is not None  # beside a content/ folder it is Hugo's


def test_run_sends_each_language_with_its_own_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write(
        tmp_path,
        {
            "hugo.toml": 'baseURL = "https://ml.example/"\ndefaultContentLanguage = "en"\n'
            "[languages.en]\nweight = 1\n[languages.ja]\nweight = 2\n",
            "content/posts/hello.md": "---\ntitle: Hello\ndate: 2020-01-01\n---\nHi.\n",
            "content/posts/hello.ja.md": "---\ntitle: こんにちは\ndate: 2020-01-01\n---\nやあ\n",
        },
    )
    monkeypatch.chdir(site)
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        cli, ["run", "--dry-run", "--json", "--min-age", "0", "--to", "twitter"]
    )
    assert result.exit_code == 0, result.output
    ids = {post["source"]: post["id"] for post in json.loads(result.stdout)["posts"]}
    assert ids == {
        str(site / "content/posts/hello.md"): "https://ml.example/posts/hello/",
        str(site / "content/posts/hello.ja.md"): "https://ml.example/ja/posts/hello/",
    }


def test_a_post_whose_url_changed_is_not_sent_again_as_a_new_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Published while xpost still gave it a wrong URL: the same file is not a new post."""
    from xpost.adapters.base import Receipt
    from xpost.ledger import Ledger, TargetKey, ledger_path

    site = write(
        tmp_path / "site",
        {
            "_config.yml": "url: https://j.example\npermalink: pretty\n",
            "_posts/2022-07-15-hello.md": "---\ntitle: 日本語\n---\nBody.\n",
        },
    )
    monkeypatch.chdir(site)
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    old = "https://j.example/2022/07/15/%E6%97%A5%E6%9C%AC%E8%AA%9E/"  # the title, as before
    with Ledger.open(ledger_path(load_config(None, PLATFORMS))) as ledger:
        ledger.record_published(
            TargetKey(old, "twitter"),
            Receipt(remote_id="1552345", url="https://x.com/me/status/1552345"),
            content_hash="0" * 64,
            source="_posts/2022-07-15-hello.md",  # relative: where publish ran
        )
    args = ["publish", str(site / "_posts/2022-07-15-hello.md"), "--to", "twitter"]
    result = CliRunner().invoke(cli, [*args, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    (twitter,) = json.loads(result.stdout)["posts"][0]["targets"]
    assert twitter["action"] == "skip"
    assert twitter["reason"] == (
        f"this file is recorded (published) as {old} and its URL is now "
        f'https://j.example/2022/07/15/hello/: to keep that copy, add xpost: {{id: "{old}"}} '
        "to its front matter; if it is another post, give it an id of its own"
    )
    run = ["run", "--dry-run", "--json", "--min-age", "0", "--to", "twitter"]
    ran = json.loads(CliRunner().invoke(cli, run).stdout)
    assert ran["posts"] == []  # not sent again by cron either, and said why:
    assert ran["warnings"] == [
        f"{site / '_posts/2022-07-15-hello.md'}: twitter: {twitter['reason']}"
    ]
    moved = site / "_posts/2022-07-15-hello.md"
    moved.write_text(f'---\ntitle: 日本語\nxpost:\n  id: "{old}"\n---\nBody.\n')
    result = CliRunner().invoke(cli, [*args, "--dry-run", "--json"])
    (twitter,) = json.loads(result.stdout)["posts"][0]["targets"]
    assert twitter["action"] == "unchanged"  # the copy it has, not a second one
