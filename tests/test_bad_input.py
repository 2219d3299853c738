"""Bad input is refused at once: one line on stderr, exit code 2, nothing sent.

Every case runs the real entry point (``xpost.cli.main``, where errors become one line
and an exit code) against a whole publishing world — fake Qiita and X servers that
check what they receive, a Zenn repository with a bare ``origin`` — and checks that
afterwards the servers hold no new item or post and the remote no new commit. The
cases cover posts, front matter in YAML, TOML and JSON, config files, options,
credentials in the environment and the keyring, and site layouts (issue 11, item 8).
Each has a time bound: a FIFO or an endless file must not hang the command.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner

from e2e_world import World, world
from xpost.cli import main

#: Seconds one refusal may take, on a shared and busy machine.
TIME_BOUND = 30


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class _TooSlow(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _TooSlow(f"no answer within {TIME_BOUND} s")


def xpost(*args: str, input: str | None = None) -> Run:
    """``xpost ARGS`` through the console entry point, both streams captured, time-bound."""
    runner = CliRunner()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_BOUND)
    try:
        with runner.isolation(input=input) as (out, err, _):
            argv, sys.argv = sys.argv, ["xpost", *args]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
            finally:
                sys.argv = argv
            return Run(code, out.getvalue().decode(), err.getvalue().decode())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("bad-input")) as w:
        yield w


@pytest.fixture
def env(site: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The world's credentials and git settings in this process's environment."""
    return site.enter(monkeypatch)


def holdings(w: World) -> tuple[object, ...]:
    """What the platforms hold: Qiita items and writes, X posts and uploads, Zenn commits."""
    return (
        sorted(w.qiita.items),
        len(w.qiita.calls("POST")),
        len(w.qiita.calls("PATCH")),
        sorted(w.x.posts),
        len(w.x.calls("POST")),
        w.remote_log(),
    )


# -- the cases ----------------------------------------------------------------------

GOOD = "---\ntitle: A good title\ntags: [python]\n---\nA paragraph of text.\n"


@dataclass
class Case:
    """``make(folder, world)`` prepares the files and returns the command's arguments."""

    id: str
    make: Callable[[Path, World], list[str]]
    says: str  # a piece of the one error line
    env: dict[str, str] = field(default_factory=dict)
    input: str | None = None


def post_text(text: str | bytes, name: str = "post.md") -> Callable[[Path, World], list[str]]:
    def make(folder: Path, w: World) -> list[str]:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return ["publish", str(path), "--config", str(w.config)]

    return make


def special_post(kind: str) -> Callable[[Path, World], list[str]]:
    def make(folder: Path, w: World) -> list[str]:
        path = folder / "post.md"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            path = Path("/dev/zero")
        elif kind == "null":
            path = Path("/dev/null")
        elif kind == "urandom":
            path = Path("/dev/urandom")
        elif kind == "link-zero":
            path.symlink_to("/dev/zero")
        elif kind == "link-fifo":
            os.mkfifo(folder / "pipe")
            path.symlink_to(folder / "pipe")
        elif kind == "dangling":
            path.symlink_to(folder / "nowhere.md")
        elif kind == "loop":
            path.symlink_to(folder / "other.md")
            (folder / "other.md").symlink_to(path)
        elif kind == "missing":
            pass
        elif kind == "empty-dir":
            path.mkdir()
        elif kind == "bundle-fifo":
            path = folder / "bundle"
            path.mkdir()
            os.mkfifo(path / "index.md")
        elif kind == "huge":
            path.write_text(GOOD + "word " * 430_000, encoding="utf-8")
        elif kind == "sparse":
            path.write_text(GOOD, encoding="utf-8")
            os.truncate(path, 3 * 1024 * 1024 * 1024)
        return ["publish", str(path), "--config", str(w.config)]

    return make


def yaml(front: str, body: str = "Body.\n") -> Callable[[Path, World], list[str]]:
    return post_text(f"---\n{front}\n---\n{body}")


def toml(front: str, body: str = "Body.\n") -> Callable[[Path, World], list[str]]:
    return post_text(f"+++\n{front}\n+++\n{body}")


def json_fm(front: str, body: str = "Body.\n") -> Callable[[Path, World], list[str]]:
    return post_text(f"{front}\n{body}")


def config(text: str | bytes, *extra: str) -> Callable[[Path, World], list[str]]:
    """A post that is fine, with a config file that is not."""

    def make(folder: Path, w: World) -> list[str]:
        post = folder / "post.md"
        post.write_text(GOOD, encoding="utf-8")
        path = folder / "xpost.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text.replace("{world}", w.config.read_text()), encoding="utf-8")
        return ["publish", str(post), "--config", str(path), *extra]

    return make


def special_config(kind: str) -> Callable[[Path, World], list[str]]:
    def make(folder: Path, w: World) -> list[str]:
        post = folder / "post.md"
        post.write_text(GOOD, encoding="utf-8")
        path = folder / "xpost.toml"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            path = Path("/dev/zero")
        elif kind == "dir":
            path.mkdir()
        elif kind == "huge":
            path.write_text(w.config.read_text() + "#" * 400_000 + "\n", encoding="utf-8")
        return ["publish", str(post), "--config", str(path)]

    return make


def args(*argv: str) -> Callable[[Path, World], list[str]]:
    """A command line; ``POST`` is a good post, ``CONFIG`` the world's config."""

    def make(folder: Path, w: World) -> list[str]:
        post = folder / "post.md"
        post.write_text(GOOD, encoding="utf-8")
        swap = {"POST": str(post), "CONFIG": str(w.config), "FOLDER": str(folder)}
        return [swap.get(a, a) for a in argv]

    return make


def layout(relative: str, text: str = GOOD) -> Callable[[Path, World], list[str]]:
    """A post at ``relative`` inside a site folder (Jekyll ``_posts``, Hugo bundles)."""

    def make(folder: Path, w: World) -> list[str]:
        path = folder / "site" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text(text, encoding="utf-8")
        return ["publish", str(path), "--config", str(w.config)]

    return make


def deep_yaml_block(levels: int) -> str:
    keys = "".join(" " * (i + 1) + "a:\n" for i in range(levels))
    return "title: T\nx:\n" + keys + " " * (levels + 1) + "b: 1"


BILLION_LAUGHS = "title: T\n" + "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
)

POSTS = [
    Case("fifo", special_post("fifo"), "named pipe"),
    Case("dev-zero", special_post("zero"), "character device"),
    Case("dev-null", special_post("null"), "character device"),
    Case("dev-urandom", special_post("urandom"), "character device"),
    Case("symlink-to-dev-zero", special_post("link-zero"), "character device"),
    Case("symlink-to-fifo", special_post("link-fifo"), "named pipe"),
    Case("dangling-symlink", special_post("dangling"), "no such file"),
    Case("symlink-loop", special_post("loop"), "post.md"),
    Case("missing-file", special_post("missing"), "no such file"),
    Case("folder-without-index", special_post("empty-dir"), "is a directory"),
    Case("bundle-index-is-a-fifo", special_post("bundle-fifo"), "index.md"),
    Case("over-the-size-cap", special_post("huge"), "too large"),
    Case("sparse-3-gib-file", special_post("sparse"), "too large"),
    Case("empty-file", post_text(""), "empty"),
    Case("only-whitespace", post_text(" \n\t\n  \n"), "empty"),
    Case("only-a-bom", post_text("\ufeff"), "empty"),
    Case("nul-bytes", post_text(b"---\ntitle: a\n---\nx\x00y\n"), "NUL"),
    Case("utf16-with-bom", post_text(GOOD.encode("utf-16")), "not a text file"),
    Case("png-bytes", post_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a text file"),
    Case("latin1-body", post_text(GOOD.encode() + "caf\xe9\n".encode("latin-1")), "UTF-8"),
    Case("invalid-utf8-title", post_text(b"---\ntitle: \xff\xfe\n---\nx\n"), "UTF-8"),
    Case("lone-surrogate-bytes", post_text(b"---\ntitle: \xed\xa0\x80\n---\nx\n"), "UTF-8"),
    Case("no-title-no-heading", post_text("Just a paragraph.\n"), "no title"),
    Case("empty-title", yaml("title: ''"), "no title"),
    Case("blank-title", yaml("title: '   '"), "no title"),
    Case("null-title", yaml("title: ~"), "no title"),
]

YAML = [
    Case("yaml-never-closed", post_text("---\ntitle: T\nBody.\n"), "never closed"),
    Case("yaml-unclosed-bracket", yaml("title: [a"), "not valid YAML"),
    Case("yaml-unclosed-quote", yaml("title: 'a"), "not valid YAML"),
    Case("yaml-tab-indent", yaml("title: T\nxpost:\n\ttargets: [x]"), "not valid YAML"),
    Case("yaml-bad-indent", yaml("title: T\n  tags: a\n b: c"), "not valid YAML"),
    Case("yaml-control-char", yaml("title: a\x07b"), "not allowed"),
    Case("yaml-escape-char", yaml("title: a\x1b]0;pwned\x07"), "not allowed"),
    Case("yaml-flow-nested-100000", yaml("title: T\nx: " + "[" * 100_000 + "]" * 100_000), "YAML"),
    Case(
        "yaml-map-nested-100000",
        yaml("title: T\nx: " + "{a: " * 100_000 + "1" + "}" * 100_000),
        "YAML",
    ),
    Case("yaml-block-nested-300", yaml(deep_yaml_block(300)), "nested"),
    Case("yaml-lists-nested-40", yaml("title: T\nx: " + "[" * 40 + "]" * 40), "nested"),
    Case("yaml-billion-laughs", yaml(BILLION_LAUGHS), "values"),
    Case("yaml-recursive-alias", yaml("title: T\na: &a [*a]"), "nested"),
    Case("yaml-recursive-map-alias", yaml("title: T\na: &a {b: *a}"), "nested"),
    Case("yaml-duplicate-title", yaml("title: A\ntitle: B"), "twice"),
    Case("yaml-duplicate-date", yaml("title: A\ndate: 2024-01-01\ndate: 2024-02-02"), "twice"),
    Case(
        "yaml-duplicate-nested",
        yaml("title: A\nxpost:\n  targets: [qiita]\n  targets: [x]"),
        "twice",
    ),
    Case(
        "yaml-duplicate-flow", yaml("title: A\nxpost: {targets: [qiita], targets: [zenn]}"), "twice"
    ),
    Case("yaml-duplicate-quoted", yaml("title: A\n'title': B"), "twice"),
    Case("yaml-python-tag", yaml("title: !!python/object/apply:os.system ['true']"), "YAML"),
    Case("yaml-bad-int-tag", yaml("title: T\nweight: !!int abc"), "!!int"),
    Case("yaml-bad-bool-tag", yaml("title: T\ndraft: !!bool maybe"), "YAML"),
    Case("yaml-bad-float-tag", yaml("title: T\nx: !!float abc"), "!!float"),
    Case("yaml-unknown-tag", yaml("title: !vault abc"), "YAML"),
    Case("yaml-top-level-list", yaml("- a\n- b"), "mapping"),
    Case("yaml-top-level-scalar", yaml("just text"), "mapping"),
    Case("yaml-title-list", yaml("title: [a, b]"), "title"),
    Case("yaml-title-map", yaml("title: {a: b}"), "title"),
    Case("yaml-title-bool", yaml("title: yes"), "title"),
    Case("yaml-tags-map", yaml("title: T\ntags: {a: b}"), "tags"),
    Case("yaml-tags-nested-list", yaml("title: T\ntags: [[a]]"), "tags"),
    Case("yaml-categories-number-map", yaml("title: T\ncategories: {1: 2}"), "categories"),
    Case("yaml-slug-list", yaml("title: T\nslug: [a]"), "slug"),
    Case("yaml-emoji-map", yaml("title: T\nemoji: {a: 1}"), "emoji"),
    Case("yaml-date-not-a-date", yaml("title: T\ndate: soon"), "date"),
    Case("yaml-date-month-13", yaml("title: T\ndate: 2024-13-45"), "date"),
    Case("yaml-date-feb-30", yaml("title: T\ndate: '2024-02-30'"), "date"),
    Case("yaml-date-overflow", yaml("title: T\ndate: 9999-12-31T23:59:59-12:00"), "out of range"),
    Case("yaml-date-overflow-string", yaml("title: T\ndate: '9999-12-31 23:59:59 -1200'"), "range"),
    Case("yaml-date-underflow", yaml("title: T\ndate: 0001-01-01T00:00:00+14:00"), "range"),
    Case("yaml-date-year-9999", yaml("title: T\ndate: 9999-12-31"), "out of range"),
    Case("yaml-date-list", yaml("title: T\ndate: [2024-01-01]"), "date"),
    Case("yaml-publishdate-bad", yaml("title: T\npublishDate: tomorrow"), "publishDate"),
    Case(
        "yaml-publishdate-overflow",
        yaml("title: T\npublishDate: 9999-12-31T23:59:59-12:00"),
        "range",
    ),
    Case("yaml-expiry-bad", yaml("title: T\nexpiryDate: never"), "expiryDate"),
    Case("yaml-lastmod-bad", yaml("title: T\nlastmod: 2024-99-99"), "lastmod"),
    Case(
        "yaml-canonical-javascript", yaml("title: T\ncanonical_url: javascript:alert(1)"), "http(s)"
    ),
    Case("yaml-canonical-file", yaml("title: T\ncanonical_url: file:///etc/passwd"), "http(s)"),
    Case(
        "yaml-canonical-data", yaml("title: T\ncanonical_url: 'data:text/html,<b>x</b>'"), "http(s)"
    ),
    Case("yaml-canonical-ftp", yaml("title: T\ncanonical_url: ftp://example.com/a"), "http(s)"),
    Case("yaml-canonical-mailto", yaml("title: T\ncanonical_url: mailto:a@example.com"), "http(s)"),
    Case("yaml-canonical-no-host", yaml("title: T\ncanonical_url: 'https:///path'"), "http(s)"),
    Case(
        "yaml-canonical-space", yaml("title: T\ncanonical_url: 'https://exa mple.com/'"), "http(s)"
    ),
    Case(
        "yaml-canonical-scheme-relative",
        yaml("title: T\ncanonical_url: //evil.example/x"),
        "http(s)",
    ),
    Case("yaml-canonical-bad-ipv6", yaml("title: T\ncanonical_url: 'http://[::1/x'"), "http(s)"),
    Case("yaml-jekyll-url-vbscript", yaml("title: T\nurl: 'vbscript:msgbox(1)'"), "http(s)"),
    Case("yaml-canonicalURL-javascript", yaml("title: T\ncanonicalURL: 'JavaScript:x'"), "http(s)"),
    Case("yaml-xpost-not-a-table", yaml("title: T\nxpost: 5"), "xpost"),
    Case("yaml-xpost-unknown-target", yaml("title: T\nxpost: {targets: [myspace]}"), "myspace"),
    Case("yaml-xpost-unknown-exclude", yaml("title: T\nxpost: {exclude: [nope]}"), "nope"),
    Case("yaml-xpost-twitter-unknown", yaml("title: T\nxpost: {twitter: {bogus: 1}}"), "bogus"),
    Case("yaml-xpost-qiita-unknown", yaml("title: T\nxpost: {qiita: {bogus: 1}}"), "bogus"),
    Case("yaml-xpost-zenn-unknown", yaml("title: T\nxpost: {zenn: {bogus: 1}}"), "bogus"),
    Case(
        "yaml-template-width",
        yaml("title: T\nxpost: {twitter: {text: '{title:>50000000}'}}"),
        "format spec",
    ),
    Case(
        "yaml-template-fill",
        yaml("title: T\nxpost: {twitter: {text: '{url:*^99999999}'}}"),
        "format spec",
    ),
    Case(
        "yaml-template-precision",
        yaml("title: T\nxpost: {twitter: {text: '{title:.99999999}'}}"),
        "format spec",
    ),
    Case(
        "yaml-template-conversion",
        yaml("title: T\nxpost: {twitter: {text: '{title!r}'}}"),
        "format spec",
    ),
    Case(
        "yaml-template-nested-spec",
        yaml("title: T\nxpost: {twitter: {text: '{title:{url}}'}}"),
        "format spec",
    ),
    Case(
        "yaml-template-attribute",
        yaml("title: T\nxpost: {twitter: {text: '{title.__class__}'}}"),
        "unknown placeholder",
    ),
    Case(
        "yaml-template-index",
        yaml("title: T\nxpost: {twitter: {text: '{title[0]}'}}"),
        "unknown placeholder",
    ),
    Case(
        "yaml-template-positional",
        yaml("title: T\nxpost: {twitter: {text: '{0}'}}"),
        "unknown placeholder",
    ),
    Case(
        "yaml-template-unknown",
        yaml("title: T\nxpost: {twitter: {text: '{body}'}}"),
        "unknown placeholder",
    ),
    Case(
        "yaml-template-malformed", yaml("title: T\nxpost: {twitter: {text: '{title'}}"), "malformed"
    ),
    Case("yaml-thread-not-bool", yaml("title: T\nxpost: {twitter: {thread: maybe}}"), "thread"),
    Case(
        "yaml-qiita-private-string", yaml("title: T\nxpost: {qiita: {private: 'yes'}}"), "private"
    ),
    Case("yaml-qiita-tags-map", yaml("title: T\nxpost: {qiita: {tags: {a: 1}}}"), "tags"),
    Case("yaml-zenn-slug-list", yaml("title: T\nxpost: {zenn: {slug: [a]}}"), "slug"),
    Case("yaml-xpost-id-list", yaml("title: T\nxpost: {id: [1]}"), "id"),
]

TOML = [
    Case("toml-never-closed", post_text("+++\ntitle = 'T'\nBody.\n"), "never closed"),
    Case("toml-syntax", toml("title = "), "not valid TOML"),
    Case("toml-unclosed-string", toml('title = "T'), "not valid TOML"),
    Case("toml-duplicate-key", toml('title = "A"\ntitle = "B"'), "not valid TOML"),
    Case("toml-duplicate-table", toml('title = "A"\n[xpost]\n[xpost]'), "not valid TOML"),
    Case(
        "toml-arrays-nested-100000",
        toml('title = "T"\nx = ' + "[" * 100_000 + "]" * 100_000),
        "TOML",
    ),
    Case(
        "toml-tables-nested-100000",
        toml('title = "T"\nx = ' + "{a = " * 100_000 + "1" + "}" * 100_000),
        "TOML",
    ),
    Case("toml-arrays-nested-40", toml('title = "T"\nx = ' + "[" * 40 + "]" * 40), "nested"),
    Case("toml-date-overflow", toml('title = "T"\ndate = 9999-12-31T23:59:59-12:00'), "range"),
    Case("toml-date-underflow", toml('title = "T"\ndate = 0001-01-01T00:00:00+14:00'), "range"),
    Case("toml-date-string-bad", toml('title = "T"\ndate = "yesterday"'), "date"),
    Case("toml-bad-escape", toml('title = "\\q"'), "not valid TOML"),
    Case("toml-title-array", toml("title = [1, 2]"), "title"),
    Case("toml-title-table", toml("[title]\na = 1"), "title"),
    Case("toml-tags-table", toml('title = "T"\n[tags]\na = 1'), "tags"),
    Case(
        "toml-canonical-javascript",
        toml('title = "T"\ncanonical_url = "javascript:alert(1)"'),
        "http(s)",
    ),
    Case(
        "toml-canonical-file", toml('title = "T"\ncanonicalURL = "file:///etc/shadow"'), "http(s)"
    ),
    Case("toml-xpost-unknown-target", toml('title = "T"\n[xpost]\ntargets = ["nope"]'), "nope"),
    Case(
        "toml-template-width",
        toml('title = "T"\n[xpost.twitter]\ntext = "{title:>50000000}"'),
        "format spec",
    ),
    Case("toml-xpost-scalar", toml('title = "T"\nxpost = 1'), "xpost"),
]

JSON = [
    Case("json-unclosed", json_fm('{"title": "T"'), "not valid JSON"),
    Case("json-trailing-comma", json_fm('{"title": "T",}'), "not valid JSON"),
    Case("json-single-quotes", json_fm("{'title': 'T'}"), "not valid JSON"),
    Case("json-duplicate-key", json_fm('{"title": "A",\n "title": "B"}'), "twice"),
    Case(
        "json-duplicate-nested",
        json_fm('{"title": "A", "xpost": {"targets": [], "targets": []}}'),
        "twice",
    ),
    Case(
        "json-arrays-nested-100000",
        json_fm('{"title": "T", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "JSON",
    ),
    Case(
        "json-objects-nested-100000",
        json_fm('{"title": "T", "x": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}"),
        "JSON",
    ),
    Case(
        "json-arrays-nested-40",
        json_fm('{"title": "T", "x": ' + "[" * 40 + "]" * 40 + "}"),
        "nested",
    ),
    Case(
        "json-date-overflow",
        json_fm('{"title": "T", "date": "9999-12-31T23:59:59-12:00"}'),
        "range",
    ),
    Case("json-date-bad", json_fm('{"title": "T", "date": "2024-02-31"}'), "date"),
    Case("json-date-number", json_fm('{"title": "T", "date": 20240101}'), "date"),
    Case("json-title-null", json_fm('{"title": null}'), "no title"),
    Case("json-title-object", json_fm('{"title": {"a": 1}}'), "title"),
    Case("json-title-array", json_fm('{"title": ["a"]}'), "title"),
    Case(
        "json-canonical-javascript",
        json_fm('{"title": "T", "canonical_url": "javascript:alert(1)"}'),
        "http(s)",
    ),
    Case("json-canonical-data", json_fm('{"title": "T", "url": "data:,x"}'), "http(s)"),
    Case(
        "json-xpost-unknown-target",
        json_fm('{"title": "T", "xpost": {"targets": ["nope"]}}'),
        "nope",
    ),
    Case(
        "json-template-width",
        json_fm('{"title": "T", "xpost": {"twitter": {"text": "{title:>50000000}"}}}'),
        "format spec",
    ),
    Case("json-invalid-escape", json_fm('{"title": "\\x41"}'), "not valid JSON"),
]

CONFIGS = [
    Case("config-fifo", special_config("fifo"), "not a file"),
    Case("config-dev-zero", special_config("zero"), "not a file"),
    Case("config-directory", special_config("dir"), "directory"),
    Case("config-too-large", special_config("huge"), "too large"),
    Case("config-missing", args("publish", "POST", "--config", "FOLDER/none.toml"), "not found"),
    Case("config-not-toml", config("this is not toml"), "not valid TOML"),
    Case("config-not-utf8", config(b"[site]\nbase_url = '\xff'\n"), "UTF-8"),
    Case(
        "config-duplicate-key",
        config("[site]\ntimezone = 'UTC'\ntimezone = 'UTC'\n"),
        "not valid TOML",
    ),
    Case(
        "config-arrays-nested-100000", config("x = " + "[" * 100_000 + "]" * 100_000 + "\n"), "TOML"
    ),
    Case(
        "config-arrays-nested-40", config("[twitter]\nx = " + "[" * 40 + "]" * 40 + "\n"), "nested"
    ),
    Case("config-unknown-section", config("[myspace]\na = 1\n"), "unknown key"),
    Case("config-unknown-site-key", config("[site]\nbase = 'https://a.example/'\n"), "base"),
    Case(
        "config-base-url-javascript",
        config("[site]\nbase_url = 'javascript:alert(1)'\n"),
        "base_url",
    ),
    Case("config-base-url-ftp", config("[site]\nbase_url = 'ftp://example.com/'\n"), "base_url"),
    Case("config-timezone-unknown", config("[site]\ntimezone = 'Mars/Olympus'\n"), "timezone"),
    Case("config-timezone-path", config("[site]\ntimezone = '../../etc/passwd'\n"), "timezone"),
    Case("config-targets-unknown", config("[publish]\ntargets = ['myspace']\n"), "myspace"),
    Case("config-targets-string", config("[publish]\ntargets = 'qiita'\n"), "targets"),
    Case("config-secret-token", config("[qiita]\ntoken = 'abcdef0123456789abcdef'\n"), "token"),
    Case("config-secret-api-key", config("[twitter]\napi_key = 'abcdef0123456789'\n"), "api_key"),
    Case("config-twitter-unknown-key", config("[twitter]\nthread = true\n"), "thread"),
    Case(
        "config-twitter-api-base-file", config("[twitter]\napi_base = 'file:///etc'\n"), "api_base"
    ),
    Case(
        "config-qiita-api-base-javascript",
        config("[qiita]\napi_base = 'javascript:x'\n"),
        "api_base",
    ),
    Case("config-qiita-private-string", config("[qiita]\nprivate = 'no'\n"), "private"),
    Case("config-schedule-min-age", config("[schedule]\nmin_age = 'forever'\n"), "min_age"),
    Case("config-schedule-max-posts-0", config("[schedule]\nmax_posts = 0\n"), "max_posts"),
    Case("config-site-a-string", config("site = 'x'\n"), "site"),
]
_TEMPLATES = [
    "{title:>50000000}",
    "{url:0>999999999}",
    "{title!s}",
    "{title!a:>9}",
    "{}",
    "{0}",
    "{title.upper}",
    "{hashtags[0]}",
    "{title",
    "}{",
    "{body}",
]


def twitter_template(template: str) -> Callable[[Path, World], list[str]]:
    def make(folder: Path, w: World) -> list[str]:
        post = folder / "post.md"
        post.write_text(GOOD, encoding="utf-8")
        text = w.config.read_text().replace(
            "[twitter]\n", f"[twitter]\ntemplate = {template!r}\n".replace("'", '"')
        )
        path = folder / "xpost.toml"
        path.write_text(text, encoding="utf-8")
        return ["publish", str(post), "--config", str(path)]

    return make


CONFIGS += [
    Case(f"config-template-{n}", twitter_template(t), "template") for n, t in enumerate(_TEMPLATES)
]

OPTIONS = [
    Case(
        "to-unknown-platform",
        args("publish", "POST", "--to", "myspace", "--config", "CONFIG"),
        "myspace",
    ),
    Case("to-empty", args("publish", "POST", "--to", "", "--config", "CONFIG"), "--to"),
    Case("to-only-commas", args("publish", "POST", "--to", ",,", "--config", "CONFIG"), "--to"),
    Case(
        "to-one-unknown-of-two",
        args("publish", "POST", "--to", "qiita,nope", "--config", "CONFIG"),
        "nope",
    ),
    Case(
        "to-escape-in-name",
        args("publish", "POST", "--to", "q\x1b[2J", "--config", "CONFIG"),
        "unknown platform",
    ),
    Case("unknown-option", args("publish", "POST", "--bogus", "--config", "CONFIG"), "--bogus"),
    Case("no-post-argument", args("publish", "--config", "CONFIG"), "POST"),
    Case("unknown-command", args("publsh", "POST"), "publsh"),
    Case(
        "run-since-garbage",
        args("run", "FOLDER", "--since", "yesterday-ish", "--config", "CONFIG"),
        "--since",
    ),
    Case("run-missing-folder", args("run", "FOLDER/nowhere", "--config", "CONFIG"), "nowhere"),
    Case(
        "status-missing-post",
        args("status", "FOLDER/none.md", "--config", "CONFIG"),
        "no such file",
    ),
    Case(
        "unpublish-unknown-platform",
        args("unpublish", "POST", "--from", "nope", "--config", "CONFIG"),
        "nope",
    ),
    Case(
        "confirm-javascript-url",
        args("confirm", "POST", "qiita", "javascript:alert(1)", "--config", "CONFIG"),
        "URL",
    ),
    Case(
        "confirm-unknown-platform",
        args("confirm", "POST", "myspace", "https://a.example/", "--config", "CONFIG"),
        "myspace",
    ),
]

CREDENTIALS = [
    Case(
        "env-token-accented",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "tökén-0123456789"},
    ),
    Case(
        "env-token-full-width",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "ｔｏｋｅｎ0123456789"},
    ),
    Case(
        "env-token-emoji",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "token-🔑-0123456789"},
    ),
    Case(
        "env-token-zero-width-space",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "token\u200b0123456789"},
    ),
    Case(
        "env-token-nbsp",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "token\u00a00123456789"},
    ),
    Case(
        "env-token-smart-quotes",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_QIITA_TOKEN": "“0123456789abcdef”"},
    ),
    Case(
        "env-token-newline-inside",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "line break",
        env={"XPOST_QIITA_TOKEN": "0123456789\nabcdef"},
    ),
    Case(
        "env-token-escape-inside",
        args("publish", "POST", "--to", "qiita", "--config", "CONFIG"),
        "control",
        env={"XPOST_QIITA_TOKEN": "0123456789\x1b[2Jabcdef"},
    ),
    Case(
        "env-x-key-non-ascii",
        args("publish", "POST", "--to", "twitter", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_TWITTER_API_KEY": "clé-0123456789"},
    ),
    Case(
        "env-x-oauth2-non-ascii",
        args("publish", "POST", "--to", "twitter", "--config", "CONFIG"),
        "non-ASCII",
        env={"XPOST_TWITTER_OAUTH2_ACCESS_TOKEN": "jeton-été-0123456789"},
    ),
    Case(
        "env-x-secret-tab-inside",
        args("publish", "POST", "--to", "twitter", "--config", "CONFIG"),
        "control",
        env={"XPOST_TWITTER_ACCESS_TOKEN_SECRET": "0123456789\tabcdef"},
    ),
    Case(
        "env-config-is-a-fifo", args("publish", "POST"), "not a file", env={"XPOST_CONFIG": "FIFO"}
    ),
    Case(
        "env-config-missing",
        args("publish", "POST"),
        "not found",
        env={"XPOST_CONFIG": "/nonexistent/xpost.toml"},
    ),
    Case(
        "auth-set-non-ascii", args("auth", "set", "qiita"), "non-ASCII", input="tökén-0123456789\n"
    ),
    Case(
        "auth-set-full-width",
        args("auth", "set", "qiita"),
        "non-ASCII",
        input="ｔｏｋｅｎ0123456789\n",
    ),
    Case(
        "auth-set-control", args("auth", "set", "qiita"), "control", input="0123456789\x1babcdef\n"
    ),
    Case(
        "auth-set-x-non-ascii",
        args("auth", "set", "twitter", "--field", "api_key"),
        "non-ASCII",
        input="clé-0123456789\n",
    ),
]

LAYOUTS = [
    Case(
        "jekyll-name-month-13",
        layout("_posts/2024-13-45-hello.md", "---\ntitle: T\n---\nx\n"),
        "file name",
    ),
    Case(
        "jekyll-name-feb-30",
        layout("_posts/2024-02-30-hello.md", "---\ntitle: T\n---\nx\n"),
        "file name",
    ),
    Case(
        "jekyll-name-year-0",
        layout("_drafts/0000-01-01-hello.md", "---\ntitle: T\n---\nx\n"),
        "file name",
    ),
    Case("hugo-bundle-without-index", layout("content/post/bundle/"), "is a directory"),
    Case("hugo-bundle-index-empty", layout("content/post/b2/index.md", ""), "empty"),
    Case("hugo-branch-index-binary", layout("content/post/b3/_index.md", "\x00\x01"), "NUL"),
    Case(
        "astro-canonical-javascript",
        layout("src/content/blog/a.md", "---\ntitle: T\ncanonicalURL: javascript:x\n---\nx\n"),
        "http(s)",
    ),
    Case(
        "zenn-article-duplicate-key",
        layout("articles/abcdefghijkl.md", "---\ntitle: T\ntitle: U\nemoji: 📝\n---\nx\n"),
        "twice",
    ),
    Case(
        "qiita-cli-public-bad-date",
        layout("public/a.md", "---\ntitle: T\nupdated_at: 'ある日'\n---\nx\n"),
        "updated_at",
    ),
]

CASES = [*POSTS, *YAML, *TOML, *JSON, *CONFIGS, *OPTIONS, *CREDENTIALS, *LAYOUTS]


def _prepare(case: Case, folder: Path, w: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    argv = case.make(folder, w)
    for name, value in case.env.items():
        if value == "FIFO":
            os.mkfifo(folder / "config.fifo")
            value = str(folder / "config.fifo")
        monkeypatch.setenv(name, value)
    return argv


@pytest.mark.shared
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_nothing_sent(
    case: Case, env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = holdings(env)
    argv = _prepare(case, tmp_path, env, monkeypatch)
    done = xpost(*argv, input=case.input)
    lines = done.stderr.splitlines()
    assert (done.code, len(lines)) == (2, 1), (done.stdout[-1000:], done.stderr[-2000:])
    assert lines[0].startswith("xpost: error: "), lines
    assert case.says in lines[0], lines
    assert "Traceback" not in done.stdout + done.stderr
    assert "\x1b" not in done.stdout + done.stderr  # nothing reaches the terminal raw
    assert holdings(env) == before


def test_there_are_at_least_150_cases() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
