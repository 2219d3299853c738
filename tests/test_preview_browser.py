"""The preview page in a real browser: Debian's Chromium, headless.

Chromium loads the generated page from disk with every network feature off, and the
tests read back what a reader would see: the DOM after scripts ran (``--dump-dom``),
where each column and warning stands on the screen (a probe script writes the boxes
into the DOM of a test copy of the page), and screenshots. Skipped when Chromium is
missing, unless ``XPOST_REQUIRE_CHROMIUM=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import page_dom
from conftest import SEED
from xpost.adapters import registry
from xpost.config import load_config
from xpost.preview.build import build_preview

pytestmark = pytest.mark.shared

ALL = ["twitter", "qiita", "zenn", "connpass"]
#: For a closed network: nothing may reach out (updates, sync, QUIC probes).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]
PROBE = """<script>
for (const s of document.querySelectorAll('section[data-platform]')) {
  const r = s.getBoundingClientRect();
  s.dataset.box = [r.left, r.top, r.width, r.height].map(Math.round).join(',');
  s.dataset.seen = s.querySelector('.copy').innerText;
}
for (const w of document.querySelectorAll('aside[data-warning]')) {
  const before = w.previousElementSibling;
  if (before) {
    const a = before.getBoundingClientRect(), b = w.getBoundingClientRect();
    w.dataset.gap = Math.round(b.top - a.bottom);
  }
}
document.documentElement.dataset.bg = getComputedStyle(document.documentElement).backgroundColor;
</script>"""


@pytest.fixture(scope="session")
def chromium() -> str:
    found = next(
        (p for name in ("chromium", "chromium-browser") if (p := shutil.which(name))), None
    )
    if found is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("XPOST_REQUIRE_CHROMIUM"):
            pytest.fail(message + "; XPOST_REQUIRE_CHROMIUM is set")
        pytest.skip(message)
    return found


def run_chromium(chromium: str, page: Path, *args: str, width: int = 1600) -> str:
    profile = page.parent / f"profile-{page.stem}-{width}-{len(args)}"
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},1000", *args,
         page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    config_path = folder / "xpost.toml"
    config_path.write_text(
        '[site]\nbase_url = "https://chezo.uno"\npermalink = "/post/:slug/"\n', encoding="utf-8"
    )
    config = load_config(config_path, registry.installed())
    page = folder / "seed.html"
    page.write_text(build_preview(SEED, config, ALL).html, encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def seen(chromium: str, seed: Path) -> page_dom.Element:
    """The seed's page as Chromium laid it out on a wide window, with the probe's notes."""
    probe = seed.with_name("probe.html")
    probe.write_text(_with_probe(seed.read_text(encoding="utf-8")), encoding="utf-8")
    return page_dom.parse(run_chromium(chromium, probe, "--dump-dom"))


def _with_probe(html: str) -> str:
    """A test copy of the page that may run the probe (its policy allows no script)."""
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    return html.replace("</body>", PROBE + "</body>")


def _box(column: page_dom.Element) -> tuple[int, ...]:
    return tuple(int(n) for n in column.attrs["data-box"].split(","))


def test_every_target_has_its_column_side_by_side(seen: page_dom.Element) -> None:
    columns = page_dom.columns(seen)
    assert [c.attrs["data-platform"] for c in columns] == ALL
    boxes = [_box(c) for c in columns]
    assert len({top for _, top, _, _ in boxes}) == 1  # one row
    assert [left for left, *_ in boxes] == sorted(left for left, *_ in boxes)
    assert all(width >= 300 for _, _, width, _ in boxes)


@pytest.mark.parametrize("platform", ["qiita", "zenn"])
def test_decks_and_cards_drawn_in_each_long_form_column(
    seen: page_dom.Element, platform: str
) -> None:
    (column,) = [c for c in page_dom.columns(seen) if c.attrs["data-platform"] == platform]
    text = column.attrs["data-seen"]
    decks = page_dom.embeds(column, "speakerdeck")
    assert len(decks) == 2
    assert "History of the ML system in KARTE" in text
    assert "CADDi AI LabにおけるマネージドなMLOps" in text
    cards = [card.text() for card in page_dom.embeds(column, "card")]
    for slug in ("2018-05-17_mlse-kickoff", "2020-07-11-mlse-summer-workshop",
                 "2020-11-10-mlse-conference"):  # fmt: skip
        assert any(f"chezo.uno/post/{slug}/" in card for card in cards), slug


def test_no_raw_markup_is_left_in_what_a_reader_sees(seen: page_dom.Element) -> None:
    for column in page_dom.columns(seen):
        text = column.attrs["data-seen"]
        for raw in ("@[", ":::", "{{<", "<iframe", "<script", "<div"):
            assert raw not in text, (column.attrs["data-platform"], raw)


def test_x_counter_is_shown(seen: page_dom.Element) -> None:
    x = page_dom.columns(seen)[0]
    assert re.search(r"\b\d{2,3}/280\b", x.attrs["data-seen"])
    assert page_dom.embeds(x, "x-card")


def test_each_warning_stands_right_below_its_element(seen: page_dom.Element) -> None:
    warned = [w for c in page_dom.columns(seen) for w in page_dom.warnings(c)]
    placed = [w for w in warned if "warn-general" not in w.attrs["class"]]
    assert placed
    for warning in placed:
        assert 0 <= int(warning.attrs["data-gap"]) <= 24, warning.text()
    # connpass degrades the seed's link cards to links: each marked where it stands.
    connpass = page_dom.columns(seen)[3]
    for aside in page_dom.warnings(connpass):
        urls = re.findall(r"https://\S+", aside.text())
        if urls:
            before = aside.previous_element()
            assert before is not None
            hrefs = [e.attrs.get("href", "") for e in before.iter()]
            assert urls[0] in hrefs


def test_summary_bar_counts_every_warning(seen: page_dom.Element) -> None:
    (bar,) = seen.find_all(lambda e: "data-summary" in e.attrs)
    total = sum(len(page_dom.warnings(c)) for c in page_dom.columns(seen))
    assert f"{total} warning" in bar.text()


def test_columns_stack_on_a_narrow_window(chromium: str, seed: Path) -> None:
    probe = seed.with_name("narrow.html")
    probe.write_text(_with_probe(seed.read_text(encoding="utf-8")), encoding="utf-8")
    root = page_dom.parse(run_chromium(chromium, probe, "--dump-dom", width=480))
    boxes = [_box(c) for c in page_dom.columns(root)]
    assert len({left for left, *_ in boxes}) == 1  # one column of columns
    tops = [top for _, top, _, _ in boxes]
    assert tops == sorted(tops) and len(set(tops)) == 4
    assert all(width <= 480 for _, _, width, _ in boxes)


def test_dark_mode_follows_the_system(chromium: str, seed: Path) -> None:
    probe = seed.with_name("dark.html")
    probe.write_text(_with_probe(seed.read_text(encoding="utf-8")), encoding="utf-8")
    light = page_dom.parse(run_chromium(chromium, probe, "--dump-dom"))
    dark = page_dom.parse(run_chromium(chromium, probe, "--dump-dom", "--force-dark-mode"))

    def background(root: page_dom.Element) -> int:
        html = root.find_all(lambda e: e.tag == "html")[0]
        return sum(int(n) for n in re.findall(r"\d+", html.attrs["data-bg"])[:3])

    assert background(light) > 600 and background(dark) < 150


def test_the_policy_stops_a_script_slipped_into_the_page(chromium: str, seed: Path) -> None:
    # Even if escaping ever failed, the page's own policy would not run what got in.
    html = seed.read_text(encoding="utf-8").replace(
        "</body>", "<script>document.documentElement.dataset.ran = 'yes'</script></body>"
    )
    slipped = seed.with_name("slipped.html")
    slipped.write_text(html, encoding="utf-8")
    assert 'data-ran="yes"' not in run_chromium(chromium, slipped, "--dump-dom")
    unguarded = seed.with_name("unguarded.html")
    unguarded.write_text(_with_probe(html), encoding="utf-8")
    assert 'data-ran="yes"' in run_chromium(chromium, unguarded, "--dump-dom")  # the control


def test_screenshots_wide_and_narrow(chromium: str, seed: Path) -> None:
    for width in (1600, 480):
        shot = seed.with_name(f"shot-{width}.png")
        run_chromium(chromium, seed, f"--screenshot={shot}", width=width)
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (width, 1000)
        assert len(data) > 30_000  # a drawn page, not a blank one
