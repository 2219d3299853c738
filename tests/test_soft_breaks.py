"""Soft line breaks joined as each language and construct needs: Korean words, wrapped
footnotes, nested quotes (regressions found using ``xpost publish --dry-run``).
"""

from __future__ import annotations

import json
from pathlib import Path

from dry_run_cli import dry_run, write
from xpost.render.markdown import join_soft_breaks

# -- soft line breaks ------------------------------------------------------------------


def test_korean_soft_breaks_keep_a_space_between_words() -> None:
    assert join_soft_breaks("안녕하세요\n여러분 반갑습니다.") == "안녕하세요 여러분 반갑습니다."
    assert join_soft_breaks("한국어 문장과\nEnglish mix.") == "한국어 문장과 English mix."
    assert join_soft_breaks("日本語の\n文章と\nEnglish") == "日本語の文章とEnglish"


def test_a_wrapped_footnote_definition_is_joined() -> None:
    text = "[^1]: これは脚注で、\n    折り返しています。\n[^2]: A note\n    that wraps."
    assert join_soft_breaks(text) == (
        "[^1]: これは脚注で、折り返しています。\n[^2]: A note that wraps."
    )


def test_a_wrapped_footnote_reaches_qiita_on_one_line(tmp_path: Path) -> None:
    post = write(
        tmp_path / "p.md",
        "---\ntitle: T\n---\n脚注です[^1]。\n\n[^1]: これは脚注で、\n    折り返しています。\n",
    )
    code, out, err = dry_run(str(post), "--to", "qiita", "--json")
    assert (code, err) == (0, "")
    body = json.loads(out)["posts"][0]["targets"][0]["payload"]["body"]
    assert body == "脚注です[^1]。\n\n[^1]: これは脚注で、折り返しています。\n"


def test_a_nested_quote_is_not_joined_into_its_outer_quote() -> None:
    text = "> outer\n> > inner quote\n> > continues\n> back out"
    assert join_soft_breaks(text) == "> outer\n> > inner quote continues\n> back out"
    assert join_soft_breaks("> a\n> b\n>> c\n>> d") == "> a b\n>> c d"
