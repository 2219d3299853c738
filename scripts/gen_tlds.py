"""Generate ``src/xpost/render/tlds.py`` from twitter-text's ``tlds.yml``.

The conformance file lists one case per top-level domain (``https://twitter.<tld>``)
in two groups, ``country`` and ``generic``; the TLD lists the URL extractor needs
are exactly those. Run from anywhere::

    .venv/bin/python scripts/gen_tlds.py [path/to/tlds.yml]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "contracts" / "twitter-text" / "tlds.yml"
TARGET = ROOT / "src" / "xpost" / "render" / "tlds.py"
PREFIX = "https://twitter."


def read_tlds(source: Path) -> dict[str, list[str]]:
    tests = yaml.safe_load(source.read_text(encoding="utf-8"))["tests"]
    groups: dict[str, list[str]] = {}
    for group in ("country", "generic"):
        names = []
        for case in tests[group]:
            text: str = case["text"]
            if not text.startswith(PREFIX):
                raise SystemExit(f"{source}: unexpected case text {text!r}")
            names.append(text.removeprefix(PREFIX).lower())
        groups[group] = names
    return groups


def tuple_literal(words: list[str]) -> str:
    """A tuple literal, one word a line (the layout ``ruff format`` keeps)."""
    return "(\n" + "".join(f"    {json.dumps(word, ensure_ascii=False)},\n" for word in words) + ")"


def render(groups: dict[str, list[str]], source_name: str) -> str:
    return (
        f'"""Top-level domains twitter-text recognises, generated from {source_name}.\n\n'
        'Do not edit: run ``scripts/gen_tlds.py``.\n"""\n\n'
        f"COUNTRY_TLDS: tuple[str, ...] = {tuple_literal(groups['country'])}\n\n"
        f"GENERIC_TLDS: tuple[str, ...] = {tuple_literal(groups['generic'])}\n"
    )


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    TARGET.write_text(render(read_tlds(source), "twitter-text's tlds.yml"), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1:])
