"""The scan's post id (``metadata.post_id``, asked of every post of a site by
``--mark-existing``) is exactly ``read_metadata(...).id``, what ``xpost publish`` records
the post under: for every post file in tests/ and ../shared/examples, and for the odd
cases, under several configs. Where ``read_metadata`` refuses the post (a
``PostError``), the scan has no id either: the post is loaded when due, to say why.
A wrong id is a post sent twice, or never."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import SHARED
from test_mark_existing_ids import URL_SITE_FILES, post
from xpost.adapters import registry
from xpost.config import Config, load_config
from xpost.errors import PostError
from xpost.metadata import (
    _H1,
    BUNDLE_INDEXES,
    FileParts,
    _body_title,
    _dirname,
    _is_mdx,
    _join,
    _real,
    decode_post,
    path_text,
    post_id,
    read_metadata,
    read_post_bytes,
    read_schedule,
    split_post,
)
from xpost.scan import find_post_files, read_file_facts
from xpost.sites import MARKERS, holds_any

TESTS = Path(__file__).resolve().parent
POST_SUFFIXES = (".md", ".markdown", ".mdx")

#: Posts for the cases the fixtures have few of: no title, the title from the body,
#: explicit ids (xpost's, a plain ``id``, Qiita CLI's), canonical and ``url`` front
#: matter, Jekyll dated names, Hugo sections and bundles, and what ``read_metadata``
#: refuses after the schedule was read (bad tags, categories, lastmod, canonical URL,
#: a permalink date token for a post with no date).
ODD_FILES = {
    "odd/hugo.toml": 'baseURL = "https://odd.example/"\n'
    '[permalinks]\nposts = "/:sections/:year/:slug/"\n',
    "odd/content/posts/_index.md": "---\ntitle: Posts\n---\n",
    "odd/content/posts/a/_index.md": "---\ntitle: A\n---\n",
    "odd/content/posts/a/b/deep.md": post("title: Deep", "date: 2024-01-02"),
    "odd/content/posts/a/b/bundle/index.md": post(
        "title: Bundle", "date: 2024-01-01", "slug: Sluggy"
    ),
    "odd/content/posts/no-title.md": post("date: 2024-01-01"),
    "odd/content/posts/heading.md": "---\ndate: 2024-01-01\n---\n\n \n# The Heading ##\n\n\t\nB\n",
    "odd/content/posts/heading-only.md": "---\ndate: 2024-01-01\n---\n# Only\n",
    "odd/content/posts/late-heading.md": "---\ndate: 2024-01-01\n---\nText\n# Late\n",
    "odd/content/posts/explicit.md": post("date: 2024-01-01", "title: E", "xpost:", "  id: own-id"),
    "odd/content/posts/explicit-number.md": post(
        "date: 2024-01-01", "title: E", "xpost:", "  id: 42"
    ),
    "odd/content/posts/explicit-list.md": post(
        "date: 2024-01-01", "title: E", "xpost:", "  id: [a]"
    ),
    "odd/content/posts/explicit-untitled.md": post("date: 2024-01-01", "xpost:", "  id: x"),
    "odd/content/posts/plain-id.md": post("date: 2024-01-01", "title: P", "id: plain-id"),
    "odd/content/posts/qiita-id.md": post(
        "date: 2024-01-01", "title: Q", "id: abc", "private: false", "updated_at: ''"
    ),
    "odd/content/posts/canonical.md": post(
        "date: 2024-01-01", "title: C", "canonical_url: https://else.example/c"
    ),
    "odd/content/posts/canonical-script.md": post(
        "date: 2024-01-01", "title: C", "canonical: javascript:alert(1)"
    ),
    "odd/content/posts/canonical-relative.md": post(
        "date: 2024-01-01", "title: C", "canonicalURL: /rel/path/"
    ),
    "odd/content/posts/url.md": post("title: U", "url: /own/url/"),
    "odd/content/posts/bad-tags.md": post("date: 2024-01-01", "title: T", "tags: 5"),
    "odd/content/posts/bad-tag-item.md": post("date: 2024-01-01", "title: T", "tags: [[a]]"),
    "odd/content/posts/bad-categories.md": post(
        "date: 2024-01-01", "title: T", "categories: {a: 1}"
    ),
    "odd/content/posts/bad-lastmod.md": post("date: 2024-01-01", "title: L", "lastmod: not a date"),
    "odd/content/posts/bad-title.md": post("date: 2024-01-01", "title: [a, b]"),
    "odd/content/posts/bad-slug.md": post("date: 2024-01-01", "title: S", "slug: {a: 1}"),
    "odd/content/posts/no-date.md": post("title: No date"),
    "odd/content/posts/2024-05-06-dated-name.md": post("title: D"),
    "odd/content/posts/2024-02-30-bad-dated-name.md": post("title: D"),
    "plain/_posts/2024-02-03-jekyll-dated.md": post("title: J"),
    "plain/_posts/2024-02-03-own-slug.md": post("title: J", "slug: own"),
    "plain/_posts/undated.md": post("title: J", "date: 2024-01-01"),
    "plain/_drafts/2024-02-03-a-draft.md": post("title: Draft"),
    "plain/notes/no-front-matter.md": "Just text.\n",
    "plain/notes/heading-no-front-matter.md": "# Heading Title\n\nText\n",
    "plain/notes/component.mdx": "---\ntitle: X\n---\nimport A from './a'\n\nBody\n",
    "plain/notes/space name.md": post("title: Space"),
    "plain/notes/unicode ☃.md": post("title: Snow", "date: 2024-01-01"),
    "plain/notes/categories.md": post("title: Cats", "categories: A B", "date: 2024-01-01"),
    "plain/notes/empty.md": "",
}

#: The ids ``read_metadata`` gave the odd posts before ``post_id`` (main at 5d68372),
#: with ``[site] base_url = "https://own.example/x/"``: None, no id (a ``PostError``);
#: "unreadable", a post whose schedule cannot be read. ``{root}``: the folder of the
#: sites, resolved.
PINNED: dict[str, str | None] = {
    "odd/content/posts/2024-02-30-bad-dated-name.md": "unreadable",
    "odd/content/posts/2024-05-06-dated-name.md": "https://own.example/x/posts/2024/d/",
    "odd/content/posts/_index.md": None,
    "odd/content/posts/a/_index.md": None,
    "odd/content/posts/a/b/bundle/index.md": "https://own.example/x/posts/a/2024/sluggy/",
    "odd/content/posts/a/b/deep.md": "https://own.example/x/posts/a/2024/deep/",
    "odd/content/posts/bad-categories.md": None,
    "odd/content/posts/bad-lastmod.md": None,
    "odd/content/posts/bad-slug.md": None,
    "odd/content/posts/bad-tag-item.md": None,
    "odd/content/posts/bad-tags.md": None,
    "odd/content/posts/bad-title.md": None,
    "odd/content/posts/canonical-relative.md": "https://own.example/x/posts/2024/c/",
    "odd/content/posts/canonical-script.md": None,
    "odd/content/posts/canonical.md": "https://else.example/c",
    "odd/content/posts/explicit-list.md": "unreadable",
    "odd/content/posts/explicit-number.md": "42",
    "odd/content/posts/explicit-untitled.md": None,
    "odd/content/posts/explicit.md": "own-id",
    "odd/content/posts/heading-only.md": "https://own.example/x/posts/2024/only/",
    "odd/content/posts/heading.md": "https://own.example/x/posts/2024/the-heading/",
    "odd/content/posts/late-heading.md": None,
    "odd/content/posts/no-date.md": None,
    "odd/content/posts/no-title.md": None,
    "odd/content/posts/plain-id.md": "plain-id",
    "odd/content/posts/qiita-id.md": "https://own.example/x/posts/2024/q/",
    "odd/content/posts/url.md": "https://own.example/x/own/url/",
    "plain/_drafts/2024-02-03-a-draft.md": "https://own.example/x/post/a-draft/",
    "plain/_posts/2024-02-03-jekyll-dated.md": "https://own.example/x/post/jekyll-dated/",
    "plain/_posts/2024-02-03-own-slug.md": "https://own.example/x/post/own/",
    "plain/_posts/undated.md": "https://own.example/x/post/undated/",
    "plain/notes/categories.md": "https://own.example/x/post/categories/",
    "plain/notes/component.mdx": "https://own.example/x/post/component/",
    "plain/notes/empty.md": "unreadable",
    "plain/notes/heading-no-front-matter.md": "https://own.example/x/post/heading-no-front-matter/",
    "plain/notes/linked.md": "https://own.example/x/post/linked/",
    "plain/notes/no-front-matter.md": None,
    "plain/notes/space name.md": "https://own.example/x/post/space%20name/",
    "plain/notes/unicode ☃.md": "https://own.example/x/post/unicode%20%E2%98%83/",
    "plain/linked-folder/unicode ☃.md": "https://own.example/x/post/unicode%20%E2%98%83/",
}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def configs(folder: Path) -> dict[str, Config]:
    """The defaults, ``[site] base_url``, and ``base_url`` with a permalink pattern of
    every kind of token (a date token: a post with no date gets no id)."""
    tables = {
        "base_url": '[site]\nbase_url = "https://own.example/x/"\n',
        "permalink": '[site]\nbase_url = "https://own.example/x/"\n'
        'permalink = "/:year/:sections/:categories/:title/:slug/:filename/"\n',
    }
    found = {"defaults": load_config(None, registry.installed())}
    for name, table in tables.items():
        path = folder / f"{name}.toml"
        path.write_text(table, encoding="utf-8")
        found[name] = load_config(path, registry.installed())
    return found


def walked_flags(path: Path) -> Iterator[bool]:
    """Not walked, and walked where the scan's walk could say so (neither the file nor
    its folder a symlink, no site config in the folder)."""
    yield False
    if not path.is_symlink() and not path.parent.is_symlink():
        yield not holds_any(path.parent, MARKERS)


def both_ids(path: Path, config: Config, walked: bool) -> tuple[object, object]:
    """(``post_id``, ``read_metadata(...).id``) of one file: None where it raises
    ``PostError``; "unreadable" when the schedule cannot be read (then neither is asked).
    The scan's own ``read_file_facts`` must give the first."""
    data = path.read_bytes()
    facts = read_file_facts(path, data, config, with_id=True, walked=walked)
    try:
        parts = split_post(path, decode_post(path, read_post_bytes(path)), config, walked=walked)
        schedule = read_schedule(parts)
    except PostError:
        assert facts.error is not None and facts.post_id is None
        return "unreadable", "unreadable"
    try:
        fast: str | None = post_id(parts, config, schedule)
    except PostError:
        fast = None
    try:
        full: str | None = read_metadata(parts, config, schedule).id
    except PostError:
        full = None
    assert facts.post_id == fast
    return fast, full


def check_all(paths: list[Path], settings: dict[str, Config]) -> dict[str, int]:
    """Every path under every config, walked or not: equal ids. How many had an id, none,
    or no readable schedule (so a test can say it saw each kind)."""
    seen = {"id": 0, "none": 0, "unreadable": 0}
    for path in paths:
        for name, config in settings.items():
            for walked in walked_flags(path):
                fast, full = both_ids(path, config, walked)
                assert fast == full, (str(path), name, walked)
                kind = "none" if fast is None else "unreadable" if fast == "unreadable" else "id"
                seen[kind] += 1
    return seen


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The defaults find no site of their own in an empty folder."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_every_post_in_tests_gets_the_id_read_metadata_gives(in_tmp: Path) -> None:
    paths = sorted(
        path
        for path in TESTS.rglob("*")
        if path.suffix in POST_SUFFIXES and "node_modules" not in path.parts and path.is_file()
    )
    assert len(paths) > 80
    settings = configs(in_tmp)
    for site_config in sorted(TESTS.glob("fixtures/corpus/*/xpost.toml")):
        settings[str(site_config)] = load_config(site_config, registry.installed())
    seen = check_all(paths, settings)
    assert seen["id"] > 400 and seen["none"] > 0 and seen["unreadable"] > 0, seen


@pytest.mark.shared
def test_every_shared_example_gets_the_id_read_metadata_gives(in_tmp: Path) -> None:
    paths = sorted(path for path in (SHARED / "examples").iterdir() if path.suffix == ".md")
    assert paths
    seen = check_all(paths, configs(in_tmp))
    assert seen["id"] >= 3 * len(paths), seen


def test_odd_posts_and_every_url_rule_get_the_id_read_metadata_gives(in_tmp: Path) -> None:
    root = in_tmp / "sites"
    write_tree(root, URL_SITE_FILES | ODD_FILES)
    linked = root / "plain/notes/linked.md"
    linked.symlink_to(root / "plain/notes/space name.md")
    (root / "plain/linked-folder").symlink_to(root / "plain/notes")
    paths = sorted(path for path in root.rglob("*") if path.suffix in POST_SUFFIXES)
    paths += [root / "plain/linked-folder/unicode ☃.md"]
    settings = configs(in_tmp)
    seen = check_all(paths, settings)
    assert seen["id"] > 150 and seen["none"] > 20 and seen["unreadable"] > 5, seen

    # The scan's walk says which posts need no look at their folder: the same ids.
    content = [root / folder for folder in ("odd/content", "plain", "hugo/content", "jekyll")]
    for state in find_post_files(content):
        path = Path(state.path)
        assert both_ids(path, settings["base_url"], state.walked) == both_ids(
            path, settings["base_url"], False
        )

    # And they are the ids these posts had before (read_metadata of main at 5d68372).
    real = str(root.resolve())
    ids = {name: both_ids(root / name, settings["base_url"], False)[0] for name in PINNED}
    assert ids == {
        name: pinned.format(root=real) if pinned else pinned for name, pinned in PINNED.items()
    }
    link_id = both_ids(linked, settings["defaults"], False)[0]
    assert link_id == os.path.join(real, "plain/notes/space name.md")


# --- the title from a leading '# Title' line -------------------------------------------


def title_from_body_before(body: str, body_line: int) -> tuple[str, str, int]:
    """``metadata._title_from_body`` as it was (main at 5d68372): the reference."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _H1.fullmatch(line)
        if match is None:
            return "", body, body_line
        rest = index + 1
        while rest < len(lines) and not lines[rest].strip():
            rest += 1
        return match.group(1).strip(), "\n".join(lines[rest:]), body_line + rest
    return "", body, body_line


LINES = st.sampled_from(
    ["", " ", "\t", "\u3000", "\x85", "\x0c", "# T", "#  Title  ##", "#T", "## Sub", "# ",
     "# #", "text", "  # indented", "# a\u2028b", "\r", "# x #\t"]
)  # fmt: skip


@given(st.lists(LINES, max_size=8), st.booleans(), st.integers(1, 50))
@example(["# T"], False, 1)
@example(["", "# T", "", ""], True, 3)
@example(["\x85", "# T", "\x0c", "text"], False, 2)
def test_the_title_line_is_read_as_before(lines: list[str], newline: bool, body_line: int) -> None:
    body = "\n".join(lines) + ("\n" if newline else "")
    title, taken, chars = _body_title(body)
    before = title_from_body_before(body, body_line)
    if title:
        assert (title, body[chars:], body_line + taken) == before
        assert taken > 0
    else:
        assert (taken, chars) == (0, 0)
        assert before == ("", body, body_line)


# --- os.path's POSIX rules as string work -----------------------------------------------

PATH_TEXT = st.text(alphabet="/ab.", max_size=10)


@given(PATH_TEXT, PATH_TEXT.filter(lambda name: not name.startswith("/")))
def test_join_and_dirname_are_os_paths(folder: str, name: str) -> None:
    assert _join(folder, name) == os.path.join(folder, name)
    assert _dirname(folder + name) == os.path.dirname(folder + name)


@pytest.fixture(scope="module")
def linked_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folders ``a/b``, a file ``a/b/f``, a link ``a/up`` to ``..`` and ``a/lb`` to ``b``."""
    root = tmp_path_factory.mktemp("tree")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f").write_text("x")
    (root / "a" / "up").symlink_to("..")
    (root / "a" / "lb").symlink_to("b")
    return root


@given(st.lists(st.sampled_from(["a", "b", "f", "up", "lb", ".", "..", ""]), max_size=6))
def test_a_real_path_is_os_realpath(linked_tree: Path, names: list[str]) -> None:
    relative = "/".join(names)
    cwd = os.getcwd()
    os.chdir(linked_tree)
    try:
        assert _real(relative or ".") == os.path.realpath(relative or ".")
        absolute = os.path.join(str(linked_tree), relative)
        assert _real(absolute) == os.path.realpath(absolute)
    finally:
        os.chdir(cwd)


@given(st.text(alphabet="/ab._-", max_size=12))
def test_a_path_text_is_what_path_writes(text: str) -> None:
    assert path_text(text) == str(Path(text))
    assert path_text(Path(text)) == str(Path(text))


@given(st.text(alphabet="/ab._-x", max_size=12).map(lambda text: text + "x"))
@example("a/_posts/2024-01-02-b.md")
@example("/_drafts/index.md")
@example("b/index.md")
@example("index.md")
@example("/index.md")
@example(".hidden")
def test_what_a_file_s_place_says_is_what_its_path_says(text: str) -> None:
    source = Path(text)
    parts = FileParts(path_text(text), {}, "", 1, (), "/", None, UTC)
    assert parts.source == source and parts.name == source.name
    assert parts.is_bundle == (source.name in BUNDLE_INDEXES)
    assert parts.content_name == (source.parent.name if parts.is_bundle else source.stem)
    assert parts.in_jekyll_dir == any(part in ("_posts", "_drafts") for part in source.parts)


@given(st.text(alphabet="/a.mdxMDX", max_size=10))
@example(".mdx")
@example("a/.mdx")
@example("a.MDX")
def test_an_mdx_file_is_told_by_its_suffix_as_path_tells_it(text: str) -> None:
    assert _is_mdx(text) == (Path(text).suffix.lower() == ".mdx")
