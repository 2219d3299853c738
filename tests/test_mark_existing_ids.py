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
    monkeypatch.chdir(root)
    monkeypatch.setenv("XPOST_CONFIG", str(root / "xpost.toml"))
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(xpost.cli.run, "_now", lambda: NOW)
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
