"""``xpost init``: the site's own config is read, and only the rest is written.

The end-to-end tests are issue 12's "done when": in a real Hugo site and a real
Jekyll site, ``xpost init --yes`` then ``xpost publish POST --dry-run`` gives each
post the URL the generator itself gives it, with no hand edits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import xpost.cli.prompts
from test_sites_real_builds import (
    HUGO_SITES,
    JEKYLL_SITES,
    binary,
    hugo_list_all,
    jekyll_written,
    write_site,
    written_file,
)
from xpost.adapters import registry
from xpost.cli import cli
from xpost.config import load_config

PLATFORMS = ("twitter", "qiita", "zenn", "connpass")


def run_xpost(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xpost", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def init(site: Path, monkeypatch: pytest.MonkeyPatch, *args: str, answers: str = "") -> str:
    monkeypatch.chdir(site)
    result = CliRunner().invoke(cli, ["init", *args], input=answers)
    assert result.exit_code == 0, result.output
    return (site / "xpost.toml").read_text(encoding="utf-8")


def default_targets(own: str = "") -> list[str]:
    """The usual four first, then any other adapter installed (bluesky, ...)."""
    installed = registry.installed()
    usual = [name for name in ("twitter", "qiita", "zenn", "connpass") if name in installed]
    return [name for name in dict.fromkeys([*usual, *installed]) if name != own]


def settings(text: str) -> list[str]:
    """The lines of a written config that set something."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# --- the end-to-end "done when" ------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "permalinks, base path, time zone, bundles",
        "multilingual by file name, config/_default and config/production",
    ],
)
def test_hugo_site_init_then_dry_run_gives_hugos_urls(name: str, tmp_path: Path) -> None:
    hugo = binary("hugo", "XPOST_REQUIRE_HUGO")
    site = write_site(tmp_path / "site", HUGO_SITES[name])
    built = hugo_list_all(hugo, site)
    done = run_xpost("init", "--yes", cwd=site)
    assert done.returncode == 0, done.stderr
    written = settings((site / "xpost.toml").read_text())
    assert written[0] == "[publish]" and len(written) == 2  # nothing else to say
    # The usual four, then whatever other adapter this environment has installed.
    assert written[1].startswith('targets = ["twitter", "qiita", "zenn", "connpass"')
    preview = run_xpost("publish", *built, "--dry-run", "--json", "--to", "twitter", cwd=site)
    assert preview.returncode == 0, preview.stderr
    urls = {p["source"]: p["canonical_url"] for p in json.loads(preview.stdout)["posts"]}
    assert urls == built
    tweets = [
        p["targets"][0]["payload"]["posts"][0]["text"] for p in json.loads(preview.stdout)["posts"]
    ]
    assert all(url in text for url, text in zip(built.values(), tweets, strict=True))


def test_jekyll_site_init_then_dry_run_gives_jekylls_urls(tmp_path: Path) -> None:
    jekyll = binary("jekyll", "XPOST_REQUIRE_JEKYLL")
    files = JEKYLL_SITES["permalink: pretty"]
    site = write_site(tmp_path / "site", files)
    written = jekyll_written(jekyll, site, tmp_path / "public")
    assert run_xpost("init", "--yes", cwd=site).returncode == 0
    posts = sorted(path for path in files if path.endswith((".md", ".markdown")))
    preview = run_xpost("publish", *posts, "--dry-run", "--json", "--to", "qiita", cwd=site)
    assert preview.returncode == 0, preview.stderr
    urls = [p["canonical_url"] for p in json.loads(preview.stdout)["posts"]]
    assert sorted(written_file(url, "https://example.com/blog") for url in urls) == sorted(written)
    assert "https://example.com/blog/2022/07/15/Hello-World/" in urls  # not the title


def test_jekyll_without_a_time_zone_asks_for_one_and_run_uses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(
        tmp_path / "site",
        {"_config.yml": "url: https://me.example\n", "_posts/2024-01-02-a.md": "# A\n"},
    )
    monkeypatch.setattr(xpost.cli.prompts, "interactive", lambda: True)
    text = init(site, monkeypatch, answers="Asia/Tokyo\nqiita, twitter\n")
    assert settings(text) == [
        "[site]",
        'timezone = "Asia/Tokyo"',
        "[publish]",
        'targets = ["qiita", "twitter"]',
    ]
    config = load_config(site / "xpost.toml", PLATFORMS)
    assert config.site.timezone == "Asia/Tokyo"
    assert config.site.base_url == "https://me.example"
    assert config.site.content == [str(site / "_posts")]


# --- what is asked, what is written --------------------------------------------------


def test_a_site_without_an_address_gets_it_commented_out_with_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "s", {"hugo.toml": 'title = "x"\n', "content/a.md": "# A\n"})
    monkeypatch.chdir(site)
    result = CliRunner().invoke(cli, ["init", "--yes"])
    assert result.stdout == (
        "found a Hugo site (hugo.toml)\n"
        "  read: time zone UTC\n"
        "  read: posts in content\n"
        "wrote xpost.toml\n"
        "next: xpost publish content/a.md --dry-run\n"
    )
    text = (site / "xpost.toml").read_text()
    assert "# hugo.toml has no site address; canonical URLs need one." in text
    assert '# base_url = "https://example.com/"' in text
    assert "timezone" not in text  # Hugo's own default is UTC: nothing to ask
    load_config(site / "xpost.toml", PLATFORMS)  # what it writes is a valid config


def test_a_wrong_answer_is_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "s", {"_config.yml": "timezone: UTC\n"})
    monkeypatch.setattr(xpost.cli.prompts, "interactive", lambda: True)
    monkeypatch.chdir(site)
    result = CliRunner().invoke(cli, ["init"], input="example.com\nhttps://me.example/\n\n")
    assert result.exit_code == 0, result.output
    assert "expected an http(s) URL like https://example.com/" in result.output
    assert 'base_url = "https://me.example/"' in (site / "xpost.toml").read_text()


@pytest.mark.parametrize(
    ("files", "answers", "base_url", "own"),
    [
        (
            {"package.json": '{"dependencies": {"zenn-cli": "^0.1"}}', "articles/abc.md": ""},
            "chezou\n\n",
            'base_url = "https://zenn.dev/chezou/"',
            "zenn",
        ),
        (
            {"qiita.config.json": "{}", "public/x.md": ""},
            "chezou\n\n",
            'base_url = "https://qiita.com/chezou/"',
            "qiita",
        ),
        (
            {"astro.config.mjs": "export default defineConfig({ site: 'https://astro.example' })"},
            "\n",
            None,
            "",
        ),
    ],
)
def test_zenn_qiita_and_astro(
    files: dict[str, str],
    answers: str,
    base_url: str | None,
    own: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Zenn or Qiita repository asks for the user name and does not send to itself."""
    site = write_site(tmp_path / "s", files)
    monkeypatch.setattr(xpost.cli.prompts, "interactive", lambda: True)
    written = settings(init(site, monkeypatch, answers=answers))
    targets = f"targets = {json.dumps(default_targets(own))}"
    expected = [targets] if base_url is None else [base_url, targets]
    assert [line for line in written if not line.startswith("[")] == expected


def test_an_existing_config_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "s", {"_config.yml": "url: https://a.example\n"})
    (site / "xpost.toml").write_text("# mine\n")
    monkeypatch.chdir(site)
    result = CliRunner().invoke(cli, ["init", "--yes"])
    assert result.exit_code != 0
    assert (site / "xpost.toml").read_text() == "# mine\n"
    assert init(site, monkeypatch, "--yes", "--force") != "# mine\n"


def test_no_site_here_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_xpost("init", "--yes", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"xpost: error: {tmp_path}: no Hugo, Jekyll or Astro site, Zenn CLI or Qiita CLI "
        "repository here (run xpost init in the site's top folder)\n"
    )
    assert not (tmp_path / "xpost.toml").exists()


def test_a_broken_site_config_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "hugo.toml").write_text('baseURL = "https://a.example/\n')
    result = run_xpost("init", "--yes", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"xpost: error: {tmp_path / 'hugo.toml'}: the site's config")
    assert result.stderr.count("\n") == 1
