"""Splitting front matter (YAML, TOML, JSON) from the body, and front-matter values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from xpost.errors import PostError
from xpost.frontmatter import FrontMatter, parse_date, split_front_matter

POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"
TOKYO = ZoneInfo("Asia/Tokyo")
P = Path("post.md")


def test_yaml_front_matter_and_body_line() -> None:
    text = "---\ntitle: Hello\ntags: [a, b]\n---\nBody line.\n"
    assert split_front_matter(text, P) == (
        {"title": "Hello", "tags": ["a", "b"]},
        "Body line.\n",
        5,
    )


def test_yaml_closed_by_three_dots() -> None:
    text = "---\ntitle: Dots\n...\n\nBody.\n"
    assert split_front_matter(text, P) == ({"title": "Dots"}, "\nBody.\n", 4)


def test_empty_yaml_block_is_an_empty_mapping() -> None:
    assert split_front_matter("---\n---\nBody\n", P) == ({}, "Body\n", 3)


def test_toml_front_matter() -> None:
    text = '+++\ntitle = "T"\ndate = 2024-05-02T10:00:00+09:00\n+++\nBody\n'
    metadata, body, line = split_front_matter(text, P)
    assert metadata == {
        "title": "T",
        "date": datetime(2024, 5, 2, 10, tzinfo=timezone(timedelta(hours=9))),
    }
    assert (body, line) == ("Body\n", 5)


def test_json_front_matter_body_starts_after_the_object() -> None:
    text = '{\n  "title": "J",\n  "tags": ["x"]\n}\n\nBody\n'
    assert split_front_matter(text, P) == ({"title": "J", "tags": ["x"]}, "\nBody\n", 5)


def test_no_front_matter_keeps_the_whole_text() -> None:
    assert split_front_matter("# Title\n\nText\n", P) == ({}, "# Title\n\nText\n", 1)


def test_a_shortcode_at_the_top_is_body_not_json() -> None:
    text = "{{< youtube abc >}}\n"
    assert split_front_matter(text, P) == ({}, text, 1)


def test_bom_and_crlf_are_removed() -> None:
    raw = (POSTS / "bom-crlf.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf---\r\n")  # the fixture really is BOM + CRLF
    metadata, body, line = split_front_matter(raw.decode("utf-8"), P)
    assert metadata == {"title": "BOM and CRLF", "tags": "a, b"}
    assert (body, line) == ("\nWindows line one\nline two\n", 5)


def test_lone_cr_line_ends_are_normalised() -> None:
    assert split_front_matter("---\rtitle: Mac\r---\rBody\r", P) == ({"title": "Mac"}, "Body\n", 4)


def _error(name: str) -> str:
    path = POSTS / "broken" / name
    with pytest.raises(PostError) as caught:
        split_front_matter(path.read_text(encoding="utf-8"), path)
    return str(caught.value).removeprefix(f"{path}")


def test_yaml_error_names_the_line_in_the_file() -> None:
    assert (
        _error("bad-yaml.md")
        == ":4: front matter is not valid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence on line 3)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "---\ntitle: ok\ntags: [a, b\n---\nbody\n",
            "x.md:3: front matter is not valid YAML: "
            "did not find expected ',' or ']' (while parsing a flow sequence)",
        ),
        (
            '---\ndate: 2024-01-01\ntitle: "open\nx: 1\n---\n',
            "x.md:3: front matter is not valid YAML: "
            "found unexpected end of stream (while scanning a quoted scalar)",
        ),
        (
            "---\ntitle: x\n  bad: indent\n---\n",
            "x.md:3: front matter is not valid YAML: "
            "mapping values are not allowed in this context",
        ),
    ],
)
def test_yaml_errors_point_at_the_mistake(text: str, message: str) -> None:
    with pytest.raises(PostError) as caught:
        split_front_matter(text, Path("x.md"))
    assert str(caught.value) == message


def test_toml_error_names_the_line_in_the_file() -> None:
    path = Path("x.md")
    with pytest.raises(PostError) as caught:
        split_front_matter('+++\ntitle = "x"\ndate = = 1\n+++\n', path)
    assert str(caught.value) == "x.md:3: front matter is not valid TOML: invalid value (column 8)"


def test_toml_error_at_end_of_front_matter() -> None:
    assert _error("bad-toml.md") == (
        ":4: front matter is not valid TOML: unclosed array (at end of document)"
    )


def json_reason(path: Path) -> str:
    """What this Python's json module says about ``path``: the wording changed in 3.13
    (a trailing comma was "Expecting value", it is now "Illegal trailing comma …")."""
    try:
        json.JSONDecoder().raw_decode(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return exc.msg
    raise AssertionError(f"{path} is valid JSON")


def test_json_error_names_the_line() -> None:
    reason = json_reason(POSTS / "broken" / "bad-json.md")
    assert reason in {"Expecting value", "Illegal trailing comma before end of array"}
    assert _error("bad-json.md") == f":3: front matter is not valid JSON: {reason}"


def test_front_matter_must_be_a_mapping() -> None:
    assert _error("list-front-matter.md") == (
        ":2: YAML front matter must be a mapping of keys, got list"
    )


def test_unclosed_front_matter() -> None:
    assert _error("unclosed.md") == ":1: front matter opened here is never closed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2022-07-15 15:16:04-07:00",
            datetime(2022, 7, 15, 15, 16, 4, tzinfo=timezone(-timedelta(hours=7))),
        ),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2024-06-02T10:20:30+09:00",
            datetime(2024, 6, 2, 10, 20, 30, tzinfo=timezone(timedelta(hours=9))),
        ),
        (
            "2021-03-04 10:00:00 +0900",
            datetime(2021, 3, 4, 10, tzinfo=timezone(timedelta(hours=9))),
        ),
        (
            "2021-03-04 10:00:00.250 -0530",
            datetime(
                2021, 3, 4, 10, 0, 0, 250000, tzinfo=timezone(-timedelta(hours=5, minutes=30))
            ),
        ),
        ("2024-06-01 09:00", datetime(2024, 6, 1, 9, tzinfo=TOKYO)),
        ("2024-06-01", datetime(2024, 6, 1, tzinfo=TOKYO)),
        ("2024/6/1", datetime(2024, 6, 1, tzinfo=TOKYO)),
        (date(2024, 6, 1), datetime(2024, 6, 1, tzinfo=TOKYO)),
        (datetime(2024, 6, 1, 8), datetime(2024, 6, 1, 8, tzinfo=TOKYO)),
        (datetime(2024, 6, 1, 8, tzinfo=UTC), datetime(2024, 6, 1, 8, tzinfo=UTC)),
    ],
)
def test_parse_date(value: object, expected: datetime) -> None:
    parsed = parse_date(value, TOKYO)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "next tuesday",
            "'next tuesday' is not a date (expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)",
        ),
        ("2024-13-01", "'2024-13-01' is not a valid date: month must be in 1..12"),
        (20240101, "expected a date, got int"),
    ],
)
def test_parse_date_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_date(value, TOKYO)
    assert str(caught.value) == message


def test_front_matter_names_accepts_lists_comma_strings_and_qiita_tables() -> None:
    fields = FrontMatter(
        {"a": ["x", " y "], "b": "one, two,,", "c": [{"name": "Python", "versions": []}, "Go"]},
        P,
        UTC,
    )
    assert fields.names("a") == ["x", "y"]
    assert fields.names("b") == ["one", "two"]
    assert fields.names("c") == ["Python", "Go"]
    assert fields.names("missing") == []


def test_front_matter_wrong_types_name_the_key() -> None:
    fields = FrontMatter({"tags": {"a": 1}, "title": ["x"], "topics": [["x"]]}, P, UTC)
    with pytest.raises(PostError, match=r"^post\.md: tags: expected a list, got a table$"):
        fields.names("tags")
    with pytest.raises(PostError, match=r"^post\.md: title: expected a string, got a list$"):
        fields.text("title")
    with pytest.raises(
        PostError, match=r"^post\.md: topics: expected a list of names, found a list$"
    ):
        fields.names("topics")


def test_front_matter_date_uses_the_first_key_present() -> None:
    fields = FrontMatter({"publish_date": "2024-01-02", "pubDate": "2024-01-03"}, P, UTC)
    assert fields.date(("publishDate", "publish_date", "pubDate")) == datetime(
        2024, 1, 2, tzinfo=UTC
    )
    assert fields.date(("expiryDate",)) is None
