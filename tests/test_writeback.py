"""Write-back of syndication URLs: byte-exact edits in every dialect, nothing else changes."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from xpost.errors import PostError
from xpost.frontmatter import split_front_matter
from xpost.writeback import add_syndication

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "writeback"
CASES = sorted(path.name.removesuffix(".before.md") for path in FIXTURES.glob("*.before.md"))
QIITA = "https://qiita.com/chezou/items/0123456789abcdef0123"
ZENN = "https://zenn.dev/chezou/articles/mlse-infraop-wg"
URLS = [QIITA, ZENN]
BOM = b"\xef\xbb\xbf"

#: The same edit must hold whatever line ends, BOM or final newline the file has.
VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "lf": lambda data: data,
    "crlf": lambda data: data.replace(b"\n", b"\r\n"),
    "cr": lambda data: data.replace(b"\n", b"\r"),
    "bom": lambda data: BOM + data,
    "bom-crlf": lambda data: BOM + data.replace(b"\n", b"\r\n"),
    "no-final-newline": lambda data: data.removesuffix(b"\n"),
}


def fixture(case: str, side: str) -> bytes:
    return (FIXTURES / f"{case}.{side}.md").read_bytes()


def write(tmp_path: Path, data: bytes | str, name: str = "post.md") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def metadata(data: bytes) -> dict[str, Any]:
    return split_front_matter(data.decode(), Path("post.md"))[0]


# --- byte-exact edits -----------------------------------------------------------------


def test_every_dialect_and_style_has_a_fixture() -> None:
    # absent key, empty (null or []), a one-line list, a multi-line list, per dialect
    assert CASES == [
        "json-absent", "json-absent-tabs", "json-array", "json-array-multiline",
        "json-empty", "json-null", "json-one-line",
        "toml-absent", "toml-absent-tables", "toml-empty", "toml-inline",
        "toml-multiline", "toml-multiline-nocomma",
        "yaml-absent", "yaml-absent-block-scalar", "yaml-absent-indented", "yaml-block",
        "yaml-block-partial", "yaml-empty", "yaml-empty-flow", "yaml-flow",
        "yaml-flow-multiline", "yaml-jekyll-dots", "yaml-null",
    ]  # fmt: skip


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_fixture_edit_is_byte_exact_and_idempotent(case: str, variant: str, tmp_path: Path) -> None:
    transform = VARIANTS[variant]
    path = write(tmp_path, transform(fixture(case, "before")))
    expected = transform(fixture(case, "after"))

    assert add_syndication(path, URLS) is True
    assert path.read_bytes() == expected
    assert add_syndication(path, URLS) is False
    assert path.read_bytes() == expected
    assert os.listdir(tmp_path) == ["post.md"]  # no temporary file left behind


@pytest.mark.parametrize("case", CASES)
def test_fixture_after_holds_the_urls_and_every_other_key(case: str) -> None:
    before, after = metadata(fixture(case, "before")), metadata(fixture(case, "after"))
    listed = before.get("syndication") or []
    assert isinstance(listed, list)
    assert after == {**before, "syndication": [*listed, *(u for u in URLS if u not in listed)]}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # front matter is the whole file and it has no final newline
        ("---\ntitle: x\n---", f"---\ntitle: x\nsyndication:\n  - {QIITA}\n---"),
        ("+++\ntitle = 'x'\n+++", f"+++\ntitle = 'x'\nsyndication = [\"{QIITA}\"]\n+++"),
        ('{"title": "x"}', f'{{"title": "x", "syndication": ["{QIITA}"]}}'),
        # an empty front matter block
        ("---\n---\nBody\n", f"---\nsyndication:\n  - {QIITA}\n---\nBody\n"),
        ("{}\nBody\n", f'{{"syndication": ["{QIITA}"]}}\nBody\n'),
        # CRLF front matter in a file whose body mixes line ends
        (
            "---\r\na: 1\r\n---\nBody\r\n",
            f"---\r\na: 1\r\nsyndication:\r\n  - {QIITA}\r\n---\nBody\r\n",
        ),
        # indentation with a tab before the value (a key given twice is refused at load)
        (
            "---\ntitle: T\nsyndication:\t[]\n---\n",
            f"---\ntitle: T\nsyndication:\t[{QIITA}]\n---\n",
        ),
        # a quoted key
        ('---\n"syndication": []\n---\n', f'---\n"syndication": [{QIITA}]\n---\n'),
        ("+++\n'syndication' = []\n+++\n", f"+++\n'syndication' = [\"{QIITA}\"]\n+++\n"),
        # non-ASCII elsewhere stays as it was, byte for byte
        (
            "---\ntitle: 機械学習 🐍\n---\n本文\n",
            f"---\ntitle: 機械学習 🐍\nsyndication:\n  - {QIITA}\n---\n本文\n",
        ),
    ],
)
def test_edge_layouts(before: str, after: str, tmp_path: Path) -> None:
    path = write(tmp_path, before)
    assert add_syndication(path, [QIITA]) is True
    assert path.read_bytes() == after.encode()


@pytest.mark.parametrize(
    ("before", "url", "after"),
    [
        # a plain `a:` at the end of a block item would be read as a mapping
        ("---\nx: 1\n---\n", "https://e.example/a:", '---\nx: 1\nsyndication:\n  - "https://e.example/a:"\n---\n'),
        # commas and brackets end a plain scalar inside a flow list
        ("---\nsyndication: []\n---\n", "https://e.example/a,b", '---\nsyndication: ["https://e.example/a,b"]\n---\n'),
        ("---\nsyndication: []\n---\n", "https://e.example/[x]", '---\nsyndication: ["https://e.example/[x]"]\n---\n'),
        # ...but not in a block list, and `#` after a non-space is no comment
        ("---\nx: 1\n---\n", "https://e.example/a,b#c", "---\nx: 1\nsyndication:\n  - https://e.example/a,b#c\n---\n"),
        # quote style follows the list's last item
        (
            "---\nsyndication:\n  - 'https://a.example/'\n---\n",
            "https://e.example/it's",
            "---\nsyndication:\n  - 'https://a.example/'\n  - 'https://e.example/it''s'\n---\n",
        ),
        (
            '+++\nsyndication = ["https://a.example/"]\n+++\n',
            'https://e.example/"q"',
            '+++\nsyndication = ["https://a.example/", "https://e.example/\\"q\\""]\n+++\n',
        ),
        (
            "+++\nsyndication = ['https://a.example/']\n+++\n",
            "https://e.example/it's",
            "+++\nsyndication = ['https://a.example/', \"https://e.example/it's\"]\n+++\n",
        ),
        ("{}\n", "https://e.example/日本", '{"syndication": ["https://e.example/日本"]}\n'),
    ],
)  # fmt: skip
def test_urls_are_quoted_when_the_dialect_needs_it(
    before: str, url: str, after: str, tmp_path: Path
) -> None:
    path = write(tmp_path, before)
    assert add_syndication(path, [url]) is True
    assert path.read_bytes() == after.encode()
    assert metadata(path.read_bytes())["syndication"][-1] == url


# --- what is added, and when nothing is ----------------------------------------------


def test_only_missing_urls_are_added_in_order_without_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, f"---\nsyndication: [{ZENN}]\n---\n")
    assert add_syndication(path, [QIITA, ZENN, QIITA, "https://x.com/chezou/status/1"]) is True
    assert path.read_text() == (
        f"---\nsyndication: [{ZENN}, {QIITA}, https://x.com/chezou/status/1]\n---\n"
    )


def test_a_single_string_is_one_url(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nsyndication: []\n---\n")
    assert add_syndication(path, QIITA) is True
    assert path.read_text() == f"---\nsyndication: [{QIITA}]\n---\n"


@pytest.mark.parametrize("urls", [[], [QIITA], [ZENN, QIITA], [QIITA, QIITA]])
def test_nothing_new_leaves_the_file_untouched(urls: list[str], tmp_path: Path) -> None:
    data = f"---\nsyndication:\n  - {QIITA}\n  - {ZENN}\n---\n".encode()
    path = write(tmp_path, data)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert add_syndication(path, urls) is False
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == 1_000_000_000


@pytest.mark.shared
def test_seed_post_gains_only_the_added_lines(tmp_path: Path) -> None:
    original = SEED.read_bytes()
    path = write(tmp_path, original, SEED.name)
    assert add_syndication(path, URLS) is True
    old_lines = original.decode().splitlines(keepends=True)
    new_lines = path.read_text().splitlines(keepends=True)

    closing = old_lines.index("---\n", 1)
    changes = difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes()
    assert [op for op in changes if op[0] != "equal"] == [
        ("insert", closing, closing, closing, closing + 3)
    ]
    assert new_lines[closing : closing + 3] == [
        "syndication:\n",
        f"  - {QIITA}\n",
        f"  - {ZENN}\n",
    ]
    assert metadata(path.read_bytes()) == {**metadata(original), "syndication": URLS}


# --- errors: one line, and the file as it was ----------------------------------------


NO_FRONT_MATTER = (
    "has no front matter to add syndication to; add one (---, title: …, ---) and run again"
)
NOT_URLS = "syndication: expected a list of URLs, {}; fix it by hand and run again"
UNUSUAL = (
    "cannot add to syndication without changing other front matter (unusual layout); "
    f"the file is unchanged, add by hand: {QIITA}"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\n\nJust text.\n", NO_FRONT_MATTER),
        ("{{< youtube abc >}}\n", NO_FRONT_MATTER),
        ("---\nsyndication: https://a.example/\n---\n", NOT_URLS.format("got a string")),
        ("---\nsyndication: [1]\n---\n", NOT_URLS.format("found a number in it")),
        ("+++\n[syndication]\nqiita = 'x'\n+++\n", NOT_URLS.format("got a table")),
        # layouts not edited as text: an anchor, a key lookalike inside a multi-line string
        ("---\nsyndication: &links []\n---\n", UNUSUAL),
        ('---\nsummary: "first\nsyndication: [x]"\n---\n', UNUSUAL),
    ],
)
def test_refusals_leave_the_file_as_it_was(text: str, message: str, tmp_path: Path) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PostError) as raised:
        add_syndication(path, [QIITA])
    assert str(raised.value) == f"{path}: {message}"
    assert path.read_bytes() == text.encode()
    assert os.listdir(tmp_path) == ["post.md"]


def test_invalid_front_matter_is_reported_where_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: [unclosed\n---\n")
    with pytest.raises(PostError) as raised:
        add_syndication(path, [QIITA])
    assert str(raised.value) == (
        f"{path}:2: front matter is not valid YAML: "
        "did not find expected ',' or ']' (while parsing a flow sequence)"
    )
    assert path.read_text() == "---\ntitle: [unclosed\n---\n"


@pytest.mark.parametrize(
    "url",
    ["qiita.com/x", "ftp://e.example/", "https://e.example/a b", "https://e.example/\n---", ""],
)
def test_a_url_that_is_not_one_is_refused(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: x\n---\n")
    with pytest.raises(PostError) as raised:
        add_syndication(path, [QIITA, url])
    assert str(raised.value) == f"{path}: cannot add {url!r} to syndication: not an http(s) URL"
    assert path.read_text() == "---\ntitle: x\n---\n"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PostError) as raised:
        add_syndication(tmp_path / "gone.md", [QIITA])
    assert str(raised.value) == f"{tmp_path / 'gone.md'}: cannot read: No such file or directory"
    latin1 = write(tmp_path, "---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    with pytest.raises(PostError) as raised:
        add_syndication(latin1, [QIITA])
    assert str(raised.value) == f"{latin1}:2: not a text file in UTF-8 (invalid byte)"


# --- how the file is written ---------------------------------------------------------


def test_mode_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: x\n---\n")
    path.chmod(0o640)
    assert add_syndication(path, [QIITA]) is True
    assert path.stat().st_mode & 0o7777 == 0o640


def test_a_symlinked_post_is_written_through_the_link(tmp_path: Path) -> None:
    real = write(tmp_path, "---\ntitle: x\n---\n", "real.md")
    link = tmp_path / "post.md"
    link.symlink_to(real.name)
    assert add_syndication(link, [QIITA]) is True
    assert link.is_symlink()
    assert real.read_text() == f"---\ntitle: x\nsyndication:\n  - {QIITA}\n---\n"


def test_a_file_saved_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "---\ntitle: x\n---\n")
    real_mkstemp = tempfile.mkstemp

    def editor_saves_first(*args: Any, **kwargs: Any) -> tuple[int, str]:
        path.write_text("---\ntitle: saved in an editor\n---\n")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", editor_saves_first)
    with pytest.raises(PostError) as raised:
        add_syndication(path, [QIITA])
    assert (
        str(raised.value) == f"{path}: changed while xpost was writing it; nothing written, rerun"
    )
    assert path.read_text() == "---\ntitle: saved in an editor\n---\n"
    assert os.listdir(tmp_path) == ["post.md"]


def test_a_result_that_does_not_read_back_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = b"---\ntitle: x\n---\nBody\n"
    path = write(tmp_path, original)
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_corrupt(src: str, dst: str | Path) -> None:
        real_replace(src, dst)
        calls.append(str(dst))
        if len(calls) == 1:  # the write-back, not the restore
            Path(dst).write_bytes(b"---\ntitle: [broken\n---\nBody\n")

    monkeypatch.setattr(os, "replace", replace_then_corrupt)
    with pytest.raises(PostError) as raised:
        add_syndication(path, [QIITA])
    assert (
        str(raised.value)
        == f"{path}: syndication did not read back as written; the file was restored"
    )
    assert path.read_bytes() == original
    assert calls == [str(path), str(path)]
    assert os.listdir(tmp_path) == ["post.md"]


# --- any URL, any style: the result parses to exactly the list it should ------------

STYLES = [
    "---\ntitle: t\n---\n",
    "---\nsyndication:\n  - https://a.example/\n---\n",
    '---\nsyndication:\n  - "https://a.example/"\n---\n',
    "---\nsyndication: ['https://a.example/']\n---\n",
    "---\nsyndication: [https://a.example/,\n  https://b.example/]\n---\n",
    "+++\ntitle = 't'\n[xpost]\nid = 'x'\n+++\n",
    "+++\nsyndication = [\n  'https://a.example/',\n]\n+++\n",
    '{\n  "syndication": ["https://a.example/"]\n}\n',
]
URL_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters="\x85"
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(style=st.sampled_from(STYLES), paths=st.lists(URL_TEXT, min_size=1, max_size=3))
def test_any_url_reads_back_exactly(style: str, paths: list[str]) -> None:
    urls = [f"https://e.example/{path}" for path in paths]
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), style)
        before = metadata(style.encode())
        assert add_syndication(path, urls) is True
        listed = list(before.get("syndication") or [])
        assert metadata(path.read_bytes()) == {
            **before,
            "syndication": [*listed, *dict.fromkeys(u for u in urls if u not in listed)],
        }


# --- Hugo still builds the site and renders the links --------------------------------

HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "write-back check"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
SINGLE = """\
<h1>{{ .Title }}</h1>
{{ range .Params.syndication }}<a class="u-syndication" href="{{ . }}">{{ . }}</a>
{{ end }}"""
LIST = '{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>\n{{ end }}'


def hugo_binary() -> str:
    binary = shutil.which("hugo")
    if binary is None:
        fail_or_skip = pytest.fail if os.environ.get("XPOST_REQUIRE_HUGO") else pytest.skip
        fail_or_skip(
            "hugo is not installed (Debian: apt-get install hugo); XPOST_REQUIRE_HUGO=1 fails"
        )
    assert binary is not None
    return binary


@pytest.mark.shared
def test_hugo_builds_the_written_back_posts(tmp_path: Path) -> None:
    hugo = hugo_binary()
    site = tmp_path / "site"
    for name, text in {
        "hugo.toml": HUGO_CONFIG,
        "layouts/_default/single.html": SINGLE,
        "layouts/_default/list.html": LIST,
        "layouts/index.html": LIST,
    }.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    posts = site / "content" / "post"
    posts.mkdir(parents=True)
    sources = {
        "seed": SEED.read_bytes(),
        "yaml-crlf-bom": VARIANTS["bom-crlf"](fixture("yaml-block", "before")),
        "yaml-block-scalar": fixture("yaml-absent-block-scalar", "before"),
        "toml": fixture("toml-absent-tables", "before"),
        "json": fixture("json-absent-tabs", "before"),
    }
    for name, data in sources.items():
        assert add_syndication(write(posts, data, f"{name}.md"), URLS) is True

    result = subprocess.run(
        [hugo, "--quiet", "--source", str(site), "--destination", str(tmp_path / "public")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    old = ["https://example.com/old/1", "https://example.com/old/2"]
    for name in sources:
        html = (tmp_path / "public" / "post" / name / "index.html").read_text()
        links = [line for line in html.splitlines() if 'class="u-syndication"' in line]
        expected = [*old, *URLS] if name == "yaml-crlf-bom" else URLS
        assert links == [f'<a class="u-syndication" href="{url}">{url}</a>' for url in expected]
