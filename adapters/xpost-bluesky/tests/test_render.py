"""Rendering, seen through ``xpost publish --dry-run --json`` as a user sees it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lexicon import Lexicons
from xpost_bluesky.richtext import bluesky_length, detect_facets
from xpost_bluesky.rkey import is_tid, post_rkey

from xpost.testing import XpostCli, write_post


def _slice(text: str, facet: dict[str, Any]) -> str:
    index = facet["index"]
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")


def test_facets_count_utf8_bytes_in_japanese_text() -> None:
    text = "日本語の記事です https://example.com/記事?a=1 を読んで #機械学習 と @alice.example.com"
    facets = detect_facets(text)
    found = [(f["features"][0]["$type"].split("#")[1], _slice(text, f)) for f in facets]
    assert found == [
        ("link", "https://example.com/記事?a=1"),
        ("tag", "#機械学習"),
        ("mention", "@alice.example.com"),
    ]
    link = facets[0]
    assert link["index"]["byteStart"] == len("日本語の記事です ".encode())  # 25, not 9 characters
    assert link["features"][0]["uri"] == "https://example.com/記事?a=1"
    assert facets[1]["features"][0]["tag"] == "機械学習"


def test_tags_follow_bluesky_rules() -> None:
    text = "#123 is no tag, a#b neither; #ok. and ＃全角 #" + "x" * 65
    tags = [f["features"][0]["tag"] for f in detect_facets(text)]
    assert tags == ["ok", "全角"]  # digits only, glued, and over 64 graphemes are not tags


def test_bare_domains_are_links_with_https() -> None:
    facets = detect_facets("see example.com now")
    assert facets[0]["features"][0]["uri"] == "https://example.com"


def test_length_is_graphemes_and_bytes() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, 25 bytes
    assert bluesky_length("あ" * 300) == 300  # 900 bytes: graphemes decide
    assert bluesky_length(family * 120) == 300  # 120 graphemes, 3000 bytes: bytes decide
    assert bluesky_length(family * 121) == 303


def test_rkeys_are_stable_tids_per_post_and_part() -> None:
    from datetime import UTC, datetime

    date = datetime(2022, 7, 15, 22, 16, 4, tzinfo=UTC)
    first = post_rkey("https://blog.example.com/post/a/", date, 0)
    assert first == post_rkey("https://blog.example.com/post/a/", date, 0)
    assert is_tid(first) and is_tid(post_rkey("x", None, 3))
    assert first != post_rkey("https://blog.example.com/post/a/", date, 1)
    assert first != post_rkey("https://blog.example.com/post/b/", date, 0)


def test_seed_post_preview(
    cli: XpostCli, site: Path, tmp_path: Path, seed: Path, lexicons: Lexicons
) -> None:
    post = tmp_path / seed.name
    shutil.copy(seed, post)
    target = cli.dry_run(post, site)
    assert target["action"] == "create" and target["warnings"] == []
    (part,) = target["payload"]["posts"]  # type: ignore[index]
    assert part["text"] == (
        "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n\n"
        "MLSE の本番適用のためのインフラと運用WGの活動を終了しました。"
    )
    assert (part["graphemes"], part["bytes"]) == (70, 176)
    assert part["langs"] == ["ja"]
    assert part["facets"] == []
    assert part["embed"] == {
        "type": "external",
        "uri": "https://blog.example.com/post/2022-07-15-mlse-infraop-wg/",
        "title": "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました",
        "description": "MLSE の本番適用のためのインフラと運用WGの活動を終了しました。",
        "thumb": None,
    }
    assert is_tid(part["rkey"])
    # The text the dry run shows is one the lexicon accepts.
    record = {
        "$type": "app.bsky.feed.post",
        "text": part["text"],
        "createdAt": "2026-12-01T12:00:00Z",
    }
    assert lexicons.record_errors("app.bsky.feed.post", record, part["rkey"]) == []


def test_seed_text_panel(cli: XpostCli, site: Path, tmp_path: Path, seed: Path) -> None:
    post = tmp_path / seed.name
    shutil.copy(seed, post)
    code, out, err = cli(
        "publish", str(post), "--dry-run", "--to", "bluesky", "--config", str(site)
    )
    assert code == 0, err
    assert "── Bluesky · create · 70/300" in out
    assert (
        "[link card: 機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました · https://blog.example.com/post/2022-07-15-mlse-infraop-wg/]"
        in out
    )
    assert "(70/300 graphemes, 176/3000 bytes, langs ja)" in out


def test_long_post_fits_and_says_what_was_cut(cli: XpostCli, site: Path, tmp_path: Path) -> None:
    post = write_post(
        tmp_path,
        f"title: {'長いタイトル' * 10}\nsummary: {'要約の文。' * 80}\n"
        "tags: [Python, 機械学習, MLOps]\ndate: 2024-05-01",
    )
    target = cli.dry_run(post, site)
    (part,) = target["payload"]["posts"]  # type: ignore[index]
    assert part["graphemes"] <= 300 and part["bytes"] <= 3000
    assert part["text"].endswith("…")
    assert any("hashtags dropped" in w for w in target["warnings"])  # type: ignore[union-attr]
    assert any("summary shortened" in w for w in target["warnings"])  # type: ignore[union-attr]


def test_emoji_heavy_text_stays_under_3000_bytes(cli: XpostCli, site: Path, tmp_path: Path) -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    post = write_post(tmp_path, f'title: "{family * 200}"\ndate: 2024-05-01')
    (part,) = cli.dry_run(post, site)["payload"]["posts"]  # type: ignore[index]
    assert part["bytes"] <= 3000 and part["graphemes"] <= 300


def test_thread_parts_each_fit_with_their_own_rkey(
    cli: XpostCli, site: Path, tmp_path: Path
) -> None:
    body = "\n\n".join(f"段落{i}。" + "本文の文章です。" * 30 for i in range(4)) + "\n"
    post = write_post(
        tmp_path, "title: 長い投稿\ndate: 2024-05-01\nxpost:\n  bluesky:\n    thread: true", body
    )
    target = cli.dry_run(post, site)
    parts = target["payload"]["posts"]  # type: ignore[index]
    assert len(parts) > 2
    assert all(p["graphemes"] <= 300 and p["bytes"] <= 3000 for p in parts)
    assert parts[0]["text"].endswith(f" 1/{len(parts)}")
    assert len({p["rkey"] for p in parts}) == len(parts)
    assert "embed" in parts[0] and all("embed" not in p for p in parts[1:])


def test_images_replace_the_card_and_put_the_url_in_the_text(
    cli: XpostCli, site: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    post = write_post(
        tmp_path,
        "title: Pictures\ndate: 2024-05-01\nxpost:\n  bluesky:\n    images:\n"
        "      - {path: a.png, alt: A chart}\n      - {path: a.png}",
    )
    target = cli.dry_run(post, site)
    (part,) = target["payload"]["posts"]  # type: ignore[index]
    assert part["embed"]["type"] == "images"
    assert [i["alt"] for i in part["embed"]["images"]] == ["A chart", ""]
    assert part["text"].endswith("https://blog.example.com/post/post/")
    assert [f["features"][0]["$type"] for f in part["facets"]] == ["app.bsky.richtext.facet#link"]
    assert target["warnings"] == ["xpost.bluesky.images[1]: the image has no alt text"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "images: [{path: a.png}, {path: a.png}, {path: a.png}, {path: a.png}, {path: a.png}]",
            "5 images; Bluesky allows 4",
        ),
        ("images: [{path: missing.png}]", "xpost.bluesky.images[0]: no such file"),
        ("images: [{path: 'https://example.com/a.png'}]", "is a URL"),
        ("langs: ['日本']", "is not a language tag"),
        ("langs: [ja, en, fr, de]", "4 languages; Bluesky allows 3"),
        ("text: '{title} {nope}'", "xpost.bluesky.text"),
        ("colour: red", "colour"),
    ],
)
def test_bad_options_are_refused_with_one_line(
    cli: XpostCli, site: Path, tmp_path: Path, options: str, message: str
) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    post = write_post(tmp_path, f"title: T\nxpost:\n  bluesky:\n    {options}")
    code, _out, err = cli("publish", str(post), "--to", "bluesky", "--config", str(site))
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_dry_run_imports_no_network_stack(tmp_path: Path) -> None:
    post = write_post(tmp_path, "title: T")
    script = (
        "import sys; from xpost.cli import main\n"
        f"sys.argv = ['xpost', 'publish', {str(post)!r}, '--dry-run', '--to', 'bluesky']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('requests', 'urllib3', 'xpost.webapi', 'xpost_bluesky.publish')\n"
        "print('LOADED', sorted(m for m in names if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr
