"""The adapter author's guide works as written: its code is the example distribution's
code (``tests/example-adapter``), whose own test publishes through the real command
against a local Notes service that checks every request (``xpost.testing``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "adapters.md"
PACKAGE = ROOT / "tests" / "example-adapter"


def test_the_guide_shows_the_package_as_it_is() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("pyproject.toml", "src/xpost_notes/__init__.py", "tests/test_xpost_notes.py"):
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert text.strip() in guide, f"docs/adapters.md does not show {name} as it is"
