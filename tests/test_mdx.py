"""``.mdx`` posts (Astro, Docusaurus) read like ``.md``, with no JavaScript left in any output."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpost.cli import cli
from xpost.config import Config, SiteConfig
from xpost.content.mdx import mdx_to_markdown
from xpost.post import load_post
from xpost.scan import find_post_files

DOCUSAURUS_POST = """\
---
title: Tabs and charts in MDX
slug: mdx-post
tags: [mdx, docusaurus]
---
import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';
import {
  Chart,
  YouTube,
} from '../components';
export const data = [1, 2, 3];

{/* A comment the reader never sees. */}

Intro with <Highlight color="#25c2a0">highlighted words</Highlight> and `<Inline code/>`.

<Tabs>
  <TabItem value="apple" label="Apple" default>
    An apple is **red**.
  </TabItem>
  <TabItem value="kiwi" label="Kiwi">
    A kiwi is green.
  </TabItem>
</Tabs>

<YouTube id="dQw4w9WgXcQ" />

<Chart
  data={data}
  options={{ stacked: true, label: "a > b" }}
/>

It is {new Date().getFullYear()} and 1 < 2.

```jsx title="Example.jsx"
import Tabs from '@theme/Tabs';
export default () => <Tabs>{items}</Tabs>;
```
"""


def test_imports_exports_and_components_do_not_reach_the_text() -> None:
    body, notes = mdx_to_markdown(DOCUSAURUS_POST.split("---\n", 2)[2])
    prose, code = body.split("```jsx", 1)
    for leak in ("import", "export", "<Tabs", "TabItem", "<Chart", "stacked", "{", "/*"):
        assert leak not in prose, leak
    assert "An apple is **red**.\n" in prose  # children kept, and not an indented code block
    assert "\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n" in prose
    assert "highlighted words and `<Inline code/>`." in prose
    assert "It is  and 1 < 2." in prose
    assert code == (
        " title=\"Example.jsx\"\nimport Tabs from '@theme/Tabs';\n"
        "export default () => <Tabs>{items}</Tabs>;\n```\n"
    )
    assert notes == [
        "MDX component <Highlight> is shown as its content",
        "MDX component <Tabs> is shown as its content",
        "MDX component <TabItem> is shown as its content",
        "dropped the MDX component <Chart />: only a build can render it",
        "dropped an MDX expression {new Date().getFullYear()}: only a build can run it",
    ]


@pytest.mark.parametrize(
    ("mdx", "markdown"),
    [
        ('<Image src="/img/a.png" alt="A cat" />', "![A cat](/img/a.png)"),
        ('<Tweet id="1552345" />', "https://twitter.com/i/status/1552345"),
        ("<LinkCard url={'https://example.com/'} />", "https://example.com/"),
        ("<>fragment text</>", "fragment text"),
        ("a <b>html</b> tag", "a <b>html</b> tag"),  # lowercase HTML is Markdown's own
        ("5 <Unclosed", "5 <Unclosed"),
        ("import is a word here", ""),
        ("text\nimport x from 'y'", "text\nimport x from 'y'"),  # inside a paragraph: prose
    ],
)
def test_one_construct_each(mdx: str, markdown: str) -> None:
    assert mdx_to_markdown(mdx)[0].strip("\n") == markdown


@pytest.mark.parametrize(
    "unit", ["<A ", '<A b="', "{", "{'", "`x ", "<A b={", "import x\n", "<A>\n  y\n"]
)
def test_hostile_input_takes_linear_time(unit: str) -> None:
    hostile = unit * (400_000 // len(unit))
    started = time.perf_counter()
    body, _ = mdx_to_markdown(hostile)
    assert time.perf_counter() - started < 10  # quadratic would be hours
    assert len(body) <= len(hostile)


def write_site(root: Path) -> Path:
    (root / "src/content/blog").mkdir(parents=True)
    (root / "astro.config.mjs").write_text(
        "import { defineConfig } from 'astro/config';\n"
        "export default defineConfig({\n  site: 'https://astro.example',\n});\n"
    )
    (root / "src/content/blog/first-post.mdx").write_text(DOCUSAURUS_POST, encoding="utf-8")
    (root / "src/content/blog/second.md").write_text("---\ntitle: Second\n---\nHi.\n")
    return root


def test_publish_reads_an_mdx_post_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "astro")
    monkeypatch.chdir(site)
    result = CliRunner().invoke(
        cli, ["publish", "src/content/blog/first-post.mdx", "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    post = json.loads(result.stdout)["posts"][0]
    assert post["canonical_url"] == "https://astro.example/blog/mdx-post/"
    for target in post["targets"]:
        payload = json.dumps(target["payload"], ensure_ascii=False)
        prose = payload.split("Example.jsx", 1)[0]
        assert "import Tabs" not in prose and "<TabItem" not in prose, target["platform"]
        if target["platform"] in ("qiita", "zenn"):
            assert "MDX component <Tabs> is shown as its content" in target["warnings"]


def test_the_run_walk_finds_mdx_posts(tmp_path: Path) -> None:
    site = write_site(tmp_path / "astro")
    (site / "src/content/blog/bundle").mkdir()
    (site / "src/content/blog/bundle/index.mdx").write_text("---\ntitle: B\n---\n")
    (site / "src/content/blog/bundle/part.mdx").write_text("---\ntitle: resource\n---\n")
    found = [Path(state.path).relative_to(site).as_posix() for state in find_post_files([site])]
    assert found == [
        "src/content/blog/bundle/index.mdx",
        "src/content/blog/first-post.mdx",
        "src/content/blog/second.md",
    ]


def test_an_mdx_post_outside_any_site_keeps_its_title_line(tmp_path: Path) -> None:
    path = tmp_path / "note.mdx"
    path.write_text("import X from 'x';\n\n# The title\n\n<X />\nBody.\n", encoding="utf-8")
    post = load_post(path, Config(site=SiteConfig(base_url="https://b.example/")))
    assert post.title == "The title"
    assert post.body == "Body.\n"
    assert post.document.notes[0] == "dropped the MDX component <X />: only a build can render it"
