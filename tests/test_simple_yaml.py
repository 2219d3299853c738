"""The plain-YAML reader gives exactly what PyYAML gives, or leaves the text to PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xpost.frontmatter import _YamlLoader, split_front_matter
from xpost.simple_yaml import read_simple_yaml
from yaml_scalars import TRICKY_SCALARS

FIXTURES = Path(__file__).parent / "fixtures"


def pyyaml(source: str) -> object:
    return yaml.load(source, Loader=_YamlLoader)


def agrees(source: str) -> bool:
    """True when the reader took the text (and gave PyYAML's answer, types included)."""
    simple = read_simple_yaml(source, _YamlLoader)
    if simple is None:
        return False
    assert repr(simple) == repr(pyyaml(source)), source
    return True


# Front matter as the generators write it: the reader must take all of these.
TAKEN = [
    "title: Post number 1\ndate: 2016-02-02T09:00:00+09:00\ntags: [python, hugo]\n"
    "summary: A generated post for the benchmark.\n"
    "xpost:\n  connpass:\n    event_url: https://example.connpass.com/event/1/",
    'layout: post\ntitle:  "Welcome to Jekyll!"\ndate:   2021-03-04 10:00:00 +0900\n'
    "categories: jekyll update\ntags: jekyll liquid",
    'title: "Zenn の記事"\nemoji: "🐦"\ntype: "tech"\ntopics: ["python", "zenn"]\npublished: true',
    "title: Qiita\ntags:\n  - python\n  - qiita\nprivate: false\n"
    "updated_at: '2024-01-01T00:00:00+09:00'\nid: 0123456789abcdef0123\n"
    "organization_url_name: null\nslide: false\nignorePublish: false",
    "title: T\ndraft: true\nweight: 10\nxpost:\n  targets: [qiita, zenn]\n  exclude:\n  - twitter",
    "title: C# tips\nurl: https://example.com/a:b/\ndescription: 'it''s here'\nempty:\nnone: ~",
    "# a comment line\ntitle: T\n\n  # an indented comment\ndate: 2024-01-01",
    "heroImage: /blog-placeholder-3.jpg\npubDate: Jul 08 2022\ndescription: Lorem ipsum",
    # Wowchemy (Hugo Academic) writes its image table in flow style.
    "title: T\nauthors: [aki]\ntags: []\ndate: 2022-07-15 15:16:04-07:00\n"
    "image: {caption: '', focal_point: '', preview_only: false}\nprojects: []",
    # Comments after values, and a key whose value is only a comment.
    "title: T # a comment\ntags: [a, b]  # two\nsummary: 'q' # c\nnote: C#, F#",
    "syndication:   # filled in by xpost\n  - https://example.com/a\n  - 'b'   # kept\ntitle: x",
    # Long lists and text as YAML dumpers wrap them (PyYAML's emitter at 80 columns).
    "recommendations: [/post/2020-11-10-mlse-conference/, /post/2020-07-11-mlse-summer/,\n"
    "  /post/2020-12-31-2020-review/]\ntitle: T",
    "summary: A long summary that a dumper wrapped at eighty columns, so it goes\n"
    "  on over the next line\n  and the one after\ndate: 2024-01-01",
    "xpost:\n  qiita:\n    note: wrapped\n      text, here\n  targets: [a,\n    b]",
    # Block scalars, literal and folded, each chomping.
    "description: |\n  Two lines of\n    deeper\n  block text.\ntitle: T",
    "description: >-\n  folded onto\n  one line\nsummary: |+\n  kept\nnote: >\n  C# at the end",
]

# Outside the subset (or wrong YAML): left to PyYAML, which decides and words any error.
LEFT = [
    "title: T\ntitle: again",  # a duplicate: PyYAML names its line
    "title: 'a'#b",
    "title: 'a' b",
    "title: 'a' # c\n  more",
    "tags: ['a #b'] # c",
    "tags: [a, b #c]",
    "image: {a: 1, a: 2}",
    "image: {a:1}",
    "image: {a: }",
    "image: {a}",
    "image: {'a': 1}",
    "image: {yes: 1}",
    "image: {a: {b: 1}}",
    "image: {a: [b]}",
    "tags: [{a: 1}]",
    "tags:\n  - # nothing",
    "title: a\n\n  b",  # a blank line folds to a line break
    "title: a\n  # c\n  b",
    "title: a # c\n  b",
    "title: a\n  - b",
    "title: 'a\n  b'",
    "title: a\n  b: c",
    "tags: [a\n  , b]",
    "tags: [a, b\n  c]",
    "tags: [a,\nb]",
    "image: {a: b,\n  c: d}",
    "summary: |\n  a\n\n  b",  # a blank line in a block scalar
    "summary: |\n  a\n  # not a comment",
    "summary: >\n  a\n    b",
    "summary: |\n  a  \nb: 1",
    "summary: |\n  a: b",
    "summary: |2\n   a",
    "summary: |\nnext: 1",
    'title: "escaped \\" quote"',
    "title: &anchor T\nother: *anchor",
    "title: !!str 1",
    "xpost: {targets: [qiita]}",
    "tags: [a, [b]]",
    "tags: [a,, b]",
    "tags: [a, b,]",
    "tags:\n  - a: 1",
    "tags:\n- a\n  - b",
    "title:\tT",
    "a:\n    b: 1\n  c: 2",
    "yes: key",
    "1: number key",
    "'quoted': key",
    "<<: {a: 1}",
    "title: -",
    "title: @at",
    "title: a: b",
    "key:value",
    " indented: first",
    "- a\n- b",
    "a:\n b:\n  c:\n   d:\n    e:\n     f: deep",
    "title: T\u2028x",
    "title: T\x85x",
]


@pytest.mark.parametrize("source", TAKEN)
def test_front_matter_as_generators_write_it_is_read_as_pyyaml_reads_it(source: str) -> None:
    assert agrees(source)


@pytest.mark.parametrize("source", LEFT)
def test_anything_else_is_left_to_pyyaml(source: str) -> None:
    assert read_simple_yaml(source, _YamlLoader) is None


def test_every_fixture_front_matter_reads_the_same(tmp_path: Path) -> None:
    """Every post file of the test fixtures, through the whole splitter both ways."""
    taken = 0
    files = sorted({*FIXTURES.rglob("*.md"), *FIXTURES.rglob("*.markdown")})
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.startswith("---"):
            continue
        source = text.split("\n---", 2)[0].removeprefix("---").lstrip("\n")
        try:
            expected = pyyaml(source)
        except yaml.YAMLError:
            assert read_simple_yaml(source, _YamlLoader) is None
            continue
        simple = read_simple_yaml(source, _YamlLoader)
        if simple is not None:
            taken += 1
            assert repr(simple) == repr(expected), path
    assert taken > 10  # the subset is what real posts use


# Pieces of values that each mean something else to YAML 1.1.
_SCALARS = st.sampled_from(
    [
        *TRICKY_SCALARS,
        "2024-01-01",
        "2024-1-1",
        "2024-13-45",
        "0000-01-01",
        "2024-01-01 10:00:00 +0900",
        "2024-01-01T09:00:00Z",
        "2024-01-01t09:00:00.5+09:00",
        "2024-02-30",
        "plain text",
        "C#",
        "a #b",
        "a:b",
        "a: b",
        "http://x/y?z=1",
        "日本語",
        "'q'",
        "'it''s'",
        '"dq"',
        '"a\\nb"',
        "[a, b]",
        "[]",
        "[1, yes, ~]",
        "['a, b']",
        "[a: b]",
        "[a:b]",
        "{a: 1}",
        "-",
        "- x",
        "?",
        "? x",
        ":x",
        "%x",
        "@x",
        "`x",
        "&a x",
        "*a",
        "!t x",
        "|",
        ">",
        "x ",
        "x]",
        "x,y",
        "x\ry",
        "x{y}",
        # Comments, flow tables.
        "x # c",
        "x #c",
        "x# c",
        "# c",
        "'q' # c",
        "'q'# c",
        '"q" #c',
        "[a, b] # c",
        "[a, 'b'] # c",
        "['a #b'] #c",
        "{a: 1} # c",
        "{a: b, c: 'd', e: ~}",
        "{a: yes, b: 1:20, c: 2024-01-01}",
        "{}",
        "{ }",
        "{a: }",
        "{a:1}",
        "{a: b: c}",
        "{a: 1, a: 2}",
        "{a: [b]}",
        "{a: {b: c}}",
        "{on: x}",
        "{'a': x}",
        "{a: 'b, c'}",
        "{a: http://x/y}",
        # Timestamps in the shapes the fast builder takes, and their near misses.
        "2024-01-01T09:00:00",
        "2024-01-01T09:00:00.123456789Z",
        "2024-01-01 09:00:00.",
        "2024-01-01 9:00:00 +9",
        "2024-01-01t09:00:00-05:30",
        "2024-01-01   09:00:00   Z",
        "2024-1-1 09:00:00",
        "2024-01-01 23:59:60Z",
        "2024-01-01 24:00:00",
        "2024-01-01 09:00:00+24:00",
        "2024-01-01 09:00:00+23:59",
        "2024-01-01 09:00:00-00:00",
        "9999-12-31 23:59:59-01:00",
        "0001-01-01 00:00:00+01:00",
        "2023-02-29",
        "2024-02-29",
    ]
)
_KEYS = st.sampled_from(["title", "date", "tags", "on", "a.b", "x_y", "k-1", "Yes", "null"])


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        indent = " " * draw(st.sampled_from([0, 0, 0, 1, 2, 4]))
        shape = draw(st.integers(0, 3))
        key, value = draw(_KEYS), draw(_SCALARS)
        if shape == 0:
            lines.append(f"{indent}{key}: {value}")
        elif shape == 1:
            lines.append(f"{indent}{key}:")
        elif shape == 2:
            lines.append(f"{indent}- {value}")
        else:
            lines.append(f"{indent}# {value}")
    return "\n".join(lines)


@st.composite
def _structured(draw: st.DrawFn) -> str:
    """Mostly well-formed: distinct keys, each a scalar, a nested table or a list."""
    lines = []
    for key in draw(st.lists(_KEYS, min_size=1, max_size=5, unique=True)):
        shape = draw(st.integers(0, 5))
        if shape <= 1:
            lines.append(f"{key}: {draw(_SCALARS)}")
        elif shape == 5:
            lines.append(f"{key}: {draw(st.sampled_from(['|', '|-', '|+', '>', '>-']))}")
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{draw(st.sampled_from(['  ', '  ', '   ', ' ']))}{draw(_SCALARS)}")
        elif shape == 2:
            lines.append(f"{key}:")
            for sub in draw(st.lists(_KEYS, min_size=1, max_size=3, unique=True)):
                lines.append(f"  {sub}: {draw(_SCALARS)}")
                if draw(st.integers(0, 3)) == 0:  # wrapped onto a deeper line
                    lines.append(f"{draw(st.sampled_from(['   ', '    ', '  ']))}{draw(_SCALARS)}")
        else:
            lines.append(f"{key}:")
            indent = " " * draw(st.sampled_from([0, 2]))
            for _ in range(draw(st.integers(1, 3))):
                lines.append(f"{indent}- {draw(_SCALARS)}")
    return "\n".join(lines)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_documents(), _structured()))
def test_generated_documents_read_as_pyyaml_reads_them_or_are_left_to_it(source: str) -> None:
    try:
        expected = pyyaml(source)
    except yaml.YAMLError:
        assert read_simple_yaml(source, _YamlLoader) is None, source
        return
    simple = read_simple_yaml(source, _YamlLoader)
    if simple is not None:
        assert repr(simple) == repr(expected), source


# Text PyYAML's resolver tags as a timestamp, in every shape its pattern allows.
_DIGITS = st.text("0123456789", min_size=1, max_size=2)
_TIMESTAMPS = st.builds(
    "{}-{}-{}{}".format,
    st.text("0123456789", min_size=4, max_size=4),
    _DIGITS,
    _DIGITS,
    st.one_of(
        st.just(""),
        st.builds(
            "{}{}:{}:{}{}{}".format,
            st.sampled_from(["T", "t", " ", "  "]),
            _DIGITS,
            st.text("0123456789", min_size=2, max_size=2),
            st.text("0123456789", min_size=2, max_size=2),
            st.one_of(st.just(""), st.text("0123456789", max_size=12).map(".{}".format)),
            st.one_of(
                st.just(""),
                st.builds(
                    "{}{}{}{}".format,
                    st.sampled_from(["", " ", "  "]),
                    st.sampled_from(["Z", "+", "-"]),
                    _DIGITS,
                    st.one_of(st.just(""), st.text("0123456789", min_size=2, max_size=2)),
                ).map(lambda zone: zone.split("Z")[0] + "Z" if "Z" in zone else zone),
            ),
        ),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(_TIMESTAMPS)
def test_timestamps_are_built_exactly_as_pyyaml_builds_them(text: str) -> None:
    """The fast timestamp builder gives PyYAML's value (type, zone and all) or leaves
    the text to PyYAML's constructor; a date that is no real date stays a string."""
    loaded = pyyaml(f"t: {text}")
    assert isinstance(loaded, dict)
    expected = loaded["t"]
    if yaml.resolver.Resolver.yaml_implicit_resolvers["0"][2][1].match(text):
        node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
        try:
            pure = yaml.SafeLoader("").construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            pure = text
        assert repr(expected) == repr(pure), text
        if hasattr(pure, "tzinfo"):
            assert type(expected.tzinfo) is type(pure.tzinfo)
            assert expected.utcoffset() == pure.utcoffset()
    assert repr(read_simple_yaml(f"t: {text}", _YamlLoader)) == repr(loaded), text


_STAMPISH = st.one_of(
    st.builds(
        "{0.year:04}-{0.month:02}-{0.day:02}{1}{0.hour:02}:{0.minute:02}:{0.second:02}{2}".format,
        st.datetimes(),
        st.sampled_from(["T", " "]),
        st.sampled_from(["", "Z", "+09:00", "-05:30", "+00:00", "-00:00", "+23:59", "-23:59"]),
    ),
    st.dates().map("{0.year:04}-{0.month:02}-{0.day:02}".format),
    _TIMESTAMPS,
    st.text("0123456789-:Tt Z+.", min_size=10, max_size=32),
    st.builds(
        "{}-{}-{}{}{}:{}:{}{}".format,
        st.sampled_from(["2024", "0000", "0001", "9999", "1999"]),
        st.sampled_from(["01", "02", "12", "13", "00", "1"]),
        st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
        st.sampled_from(["T", " ", "t"]),
        st.sampled_from(["00", "09", "23", "24", "9"]),
        st.sampled_from(["00", "59", "60"]),
        st.sampled_from(["00", "59", "60"]),
        st.sampled_from(["", "Z", "+09:00", "-00:00", "+23:59", "+24:00", "-12:60", "+9", "+0900"]),
    ),
)


@settings(max_examples=2000, deadline=None)
@given(_STAMPISH)
def test_the_timestamp_short_cut_gives_what_pyyaml_resolves_and_builds(text: str) -> None:
    """``plain_timestamp`` answers only for text PyYAML's resolvers tag a timestamp, with
    the value PyYAML's own constructor builds (type and zone compared by ``repr``)."""
    from xpost.frontmatter import plain_timestamp

    quick = plain_timestamp(text)
    if quick is None:
        return
    tag = _YamlLoader("").resolve(yaml.ScalarNode, text, (True, False))
    assert tag == "tag:yaml.org,2002:timestamp", text
    node = yaml.ScalarNode(tag, text)
    pure = yaml.SafeLoader("").construct_yaml_timestamp(node)
    assert repr(quick) == repr(pure), text
    assert type(quick) is type(pure)


def test_the_refused_characters_are_pyyamls_non_printables_and_line_breaks() -> None:
    """One character class stands for PyYAML's ``NON_PRINTABLE`` plus the characters
    this reader leaves to PyYAML; checked on every code point."""
    from xpost.simple_yaml import _REFUSED

    every = "".join(map(chr, range(0x110000)))
    pyyamls = yaml.reader.Reader.NON_PRINTABLE
    expected = {at for at, char in enumerate(every) if char in "\t\r\x85\u2028\u2029\ufeff"}
    expected |= {found.start() for found in pyyamls.finditer(every)}
    assert {found.start() for found in _REFUSED.finditer(every)} == expected


def test_the_splitter_reports_what_pyyaml_reports_for_text_it_leaves(tmp_path: Path) -> None:
    """A duplicate key is still named at its line (issue 11 item 8)."""
    from xpost.errors import PostError

    with pytest.raises(PostError) as caught:
        split_front_matter("---\ntitle: A\ntitle: B\n---\nbody\n", tmp_path / "p.md")
    assert "the key 'title' is given twice" in str(caught.value)
    assert str(caught.value).startswith(f"{tmp_path / 'p.md'}:3:")


def test_front_matter_too_big_for_the_plain_reader_is_still_bounded(tmp_path: Path) -> None:
    """The plain reader takes front matter shorter than ``MAX_VALUES`` characters (so
    with fewer values); a longer one goes through PyYAML and the tree check."""
    from xpost.errors import PostError

    many = "tags: [" + ",".join("a" for _ in range(60_000)) + "]"
    assert read_simple_yaml(many, _YamlLoader) is not None  # the reader alone would take it
    with pytest.raises(PostError) as caught:
        split_front_matter(f"---\n{many}\n---\nbody\n", tmp_path / "p.md")
    too_many = "YAML front matter has more than 50,000 values"
    assert str(caught.value) == f"{tmp_path / 'p.md'}:2: {too_many}"
