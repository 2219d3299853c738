"""Walking content folders, reading only front matter, and the cache that keeps idle runs cheap."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import xpost.scan
from xpost.config import Config, SiteConfig
from xpost.ledger import Ledger
from xpost.post import load_post
from xpost.scan import (
    FileState,
    ScheduleFields,
    find_post_files,
    load_cache,
    read_file_facts,
    save_cache,
    scan,
    site_config_stamp,
)

TOKYO = ZoneInfo("Asia/Tokyo")
IN_TOKYO = Config(site=SiteConfig(timezone="Asia/Tokyo"))
FIXTURES = Path(__file__).parent / "fixtures" / "posts"


def write(path: Path, text: str = "---\ntitle: T\n---\nbody\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def relative(files: list[FileState], root: Path) -> list[str]:
    return [str(Path(f.path).relative_to(root)) for f in files]


def test_the_walk_sees_posts_as_hugo_jekyll_and_zenn_do(tmp_path: Path) -> None:
    for name in (
        "content/_index.md",  # a section page
        "content/post/_index.md",
        "content/post/bundle/index.md",  # a leaf bundle ...
        "content/post/bundle/notes.md",  # ... whose other files are resources
        "content/post/bundle/gallery/more.md",
        "content/post/single.md",
        "content/post/old.markdown",
        "content/post/picture.png",
        "content/.hidden/secret.md",
        "content/node_modules/pkg/README.md",
        "_posts/2024-01-01-hello.md",
        "_drafts/idea.md",
        "_site/copied.md",
        "articles/zenn-article-slug.md",
    ):
        write(tmp_path / name)
    assert relative(find_post_files([tmp_path]), tmp_path) == [
        "_drafts/idea.md",
        "_posts/2024-01-01-hello.md",
        "articles/zenn-article-slug.md",
        "content/post/bundle/index.md",
        "content/post/old.markdown",
        "content/post/single.md",
    ]


def test_a_file_root_is_taken_as_it_is_and_a_missing_root_is_a_usage_error(
    tmp_path: Path,
) -> None:
    post = write(tmp_path / "one.md")
    assert [f.path for f in find_post_files([post, post])] == [str(post)]
    with pytest.raises(xpost.errors.UsageError) as caught:
        find_post_files([tmp_path / "missing"])
    assert (
        str(caught.value)
        == f"{tmp_path / 'missing'}: no such content folder (check [site] content)"
    )


@pytest.mark.parametrize(
    "path",
    [
        "hugo-yaml.md",
        "hugo-toml.md",
        "hugo-json.md",
        "jekyll/_posts/2021-03-04-hello-world.md",
        "jekyll/_posts/2021-03-05-no-excerpt.md",
        "jekyll/_drafts/unfinished-idea.md",
        "zenn/articles/xpost-zenn-sample01.md",
        "qiita/public/qiita-sample.md",
        "site/content/post/my-bundle/index.md",
    ],
)
def test_front_matter_facts_agree_with_the_full_loader(path: str) -> None:
    source = FIXTURES / path
    post = load_post(source, IN_TOKYO)
    facts = read_file_facts(source, source.read_bytes(), IN_TOKYO, with_id=True)
    assert facts == ScheduleFields(
        draft=post.draft,
        due_at=post.publish_date or post.date,
        expires_at=post.expiry_date,
        targets=post.overrides.targets,
        exclude=post.overrides.exclude,
        post_id=post.id,
    )


def test_a_broken_file_gives_its_error_instead_of_raising(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.md", "---\ndate: not a date\n---\n")
    facts = read_file_facts(bad, bad.read_bytes(), IN_TOKYO, with_id=True)
    assert facts.post_id is None
    assert (
        facts.error
        == f"{bad}: date: 'not a date' is not a date (expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)"
    )
    binary = read_file_facts(bad, b"\0\1", IN_TOKYO)
    assert binary.error == f"{bad}: not a text file (it holds NUL bytes: binary data?)"


def test_naive_dates_are_in_the_site_time_zone_and_publish_date_wins(tmp_path: Path) -> None:
    post = write(
        tmp_path / "p.md",
        "---\ntitle: T\ndate: 2024-01-01\npublishDate: 2024-02-01 09:30\n"
        "expiryDate: 2024-03-01T00:00:00Z\nxpost: {exclude: [twitter]}\n---\n",
    )
    facts = read_file_facts(post, post.read_bytes(), IN_TOKYO)
    assert facts.due_at == datetime(2024, 2, 1, 9, 30, tzinfo=TOKYO)
    assert facts.expires_at == datetime.fromisoformat("2024-03-01T00:00:00+00:00")
    assert (facts.targets, facts.exclude) == (None, ("twitter",))


# --- the cache ------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger" / "xpost.sqlite3")


def test_only_changed_files_are_read_and_only_changed_bytes_are_parsed(
    tmp_path: Path, db: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write(tmp_path / "a.md", "---\ntitle: A\ndate: 2024-01-01\n---\n")
    b = write(tmp_path / "b.md")
    first = scan(find_post_files([tmp_path]), {}, "k1", IN_TOKYO)
    assert (first.parsed, len(first.updated), first.removed) == (2, 2, [])
    save_cache(db, first.updated)
    assert load_cache(db) == {row.path: row for row in first.files}

    reads: list[str] = []
    real_read = xpost.scan._bytes_of

    def counting(path: str, size: int) -> bytes:
        reads.append(Path(path).name)
        return real_read(path, size)

    monkeypatch.setattr(xpost.scan, "_bytes_of", counting)
    idle = scan(find_post_files([tmp_path]), load_cache(db), "k1", IN_TOKYO)
    assert (idle.parsed, idle.updated, reads) == (0, [], [])

    os.utime(a, ns=(0, 1_000_000_000))  # touched, same bytes: hashed, not parsed
    touched = scan(find_post_files([tmp_path]), load_cache(db), "k1", IN_TOKYO)
    assert (touched.parsed, reads) == (0, ["a.md"])
    assert [row.mtime_ns for row in touched.updated] == [1_000_000_000]
    save_cache(db, touched.updated)

    write(a, "---\ntitle: A\ndate: 2024-05-05\n---\n")
    b.unlink()
    changed = scan(find_post_files([tmp_path]), load_cache(db), "k1", IN_TOKYO)
    assert changed.parsed == 1
    assert changed.removed == [str(b)]
    assert changed.files[0].fields.due_at == datetime(2024, 5, 5, tzinfo=TOKYO)
    save_cache(db, changed.updated, changed.removed)
    assert list(load_cache(db)) == [str(a)]


def test_done_survives_a_config_change_but_the_facts_are_read_again(
    tmp_path: Path, db: Ledger
) -> None:
    write(tmp_path / "a.md", "---\ntitle: A\ndate: 2024-01-01\n---\n")
    first = scan(find_post_files([tmp_path]), {}, "k1", IN_TOKYO)
    done = [dataclasses.replace(row, done_sha256=row.sha256) for row in first.files]
    save_cache(db, done)
    in_utc = Config(site=SiteConfig(timezone="UTC"))
    utc = scan(find_post_files([tmp_path]), load_cache(db), "k2", in_utc)
    assert utc.parsed == 1
    assert utc.files[0].is_done
    assert utc.files[0].fields.due_at == datetime.fromisoformat("2024-01-01T00:00:00+00:00")


def test_cached_facts_written_by_the_json_module_read_the_same() -> None:
    """Caches written before the rows were encoded with msgspec (``json.dumps``, spaces
    after separators) decode to the same facts, and the new text round-trips."""
    import json

    facts = ScheduleFields(
        draft=False,
        due_at=datetime(2024, 5, 1, 9, 30, tzinfo=TOKYO),
        expires_at=datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC")),
        targets=("twitter", "qiita"),
        exclude=("zenn",),
        error=None,
        post_id="https://example.com/post/日本語/",
    )
    new = xpost.scan._fields_to_json(facts)
    old = json.dumps(json.loads(new), ensure_ascii=False)
    assert old != new and "日本語" in new
    assert xpost.scan._fields_from_json(old) == facts
    assert xpost.scan._fields_from_json(new) == facts
    unread = ScheduleFields(error='a "quoted" reason\n', post_id=None)
    assert xpost.scan._fields_from_json(xpost.scan._fields_to_json(unread)) == unread


def test_the_site_config_stamp_follows_the_generators_configs_above_the_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config file of a generator at or above a content folder (or any file in Hugo's
    config folders) is in the stamp, with its size and mtime, so an edit to it reads every
    post again; other files beside them are not, and a folder of many entries costs no
    listing of it."""
    site = tmp_path / "site"
    content = site / "content" / "post"
    content.mkdir(parents=True)
    write(site / "hugo.toml", 'baseURL = "https://example.com/"\n')
    write(site / "config" / "_default" / "params.toml", "a = 1\n")
    write(tmp_path / "package.json", "{}\n")
    for n in range(50):
        write(site / f"notes-{n}.toml", "")  # not a generator's config: not in the stamp
    write(content / "p1" / "hugo.toml", "")  # below the content folder: not a site's
    listed: list[str] = []
    for name in ("listdir", "scandir"):
        real = getattr(os, name)
        monkeypatch.setattr(
            os, name, lambda folder, real=real: listed.append(folder) or real(folder)
        )
    stamp = site_config_stamp([content])
    assert all(folder.endswith(("config/_default", "config/production")) for folder in listed)
    files = [line.split("\0")[0] for line in stamp.splitlines()]
    assert [f for f in files if f.startswith(str(tmp_path))] == [
        str(site / "hugo.toml"),
        str(site / "config" / "_default" / "params.toml"),
        str(tmp_path / "package.json"),
    ]
    assert site_config_stamp([content]) == stamp
    write(site / "notes-1.toml", "changed")
    assert site_config_stamp([content]) == stamp
    write(site / "config" / "_default" / "params.toml", "a = 22\n")
    assert site_config_stamp([content]) != stamp


@pytest.mark.parametrize("stated", [0, 5, 11, 12, 13, 4_000_000])
def test_a_file_is_read_whole_whatever_size_the_walk_saw(tmp_path: Path, stated: int) -> None:
    """The walk's size only saves the read that finds the end: a file grown or shrunk
    since the walk (here: 12 bytes, said to be ``stated``) is read whole all the same."""
    post = write(tmp_path / "a.md", "---\nx: 1\n---")
    assert xpost.scan._bytes_of(str(post), stated) == post.read_bytes()
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 3_000_000)
    assert xpost.scan._bytes_of(str(big), min(stated, 100)) == big.read_bytes()
