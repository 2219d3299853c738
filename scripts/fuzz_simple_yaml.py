"""Differential fuzz: the plain-YAML reader and the fast timestamps against PyYAML.

Generates front-matter-like documents (generator shapes, YAML 1.1's tricky scalars,
comments, flow collections, timestamps, then random one-character mutations) and
checks, for each:

- ``read_simple_yaml`` either declines (``None``) or returns what PyYAML returns with
  the reference loader (our loader with PyYAML's own timestamp constructor), compared
  by ``repr`` (types, time zones and all);
- our loader (fast timestamps) and the reference loader give the same value or the
  same error message.

Run from the repository (a few minutes for 300,000 documents)::

    .venv/bin/python scripts/fuzz_simple_yaml.py [documents] [seed]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from xpost.frontmatter import _YamlLoader
from xpost.simple_yaml import read_simple_yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from yaml_scalars import TRICKY_SCALARS  # the test's list, one copy

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Reference(_YamlLoader):  # type: ignore[misc]
    """Our loader with PyYAML's own timestamp constructor (before the fast path)."""


def _pyyaml_timestamp(loader: Any, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Reference.add_constructor(_TIMESTAMP, _pyyaml_timestamp)

NAMES = ["title", "date", "tags", "summary", "xpost", "draft", "image", "url", "lastmod"]
KEYS = ["title", "date", "tags", "a", "x_y", "k-1", "a.b", "on", "Yes", "null", "n", "id", "é"]
SCALARS = [
    *TRICKY_SCALARS,
    *[
        "C#",
        "x#y",
        "日本語",
        "http://x/y?z=1",
    ],
    "plain text",
    "a #b",
    "a:b",
    "a: b",
    "'q'",
    "'it''s'",
    "''",
    '""',
    '"dq"',
    '"a\\nb"',
    "[a, b]",
    "[]",
    "[1, yes, ~]",
    "['a, b']",
    "[a: b]",
    "[a:b]",
    "{a: 1}",
    "{a: b, c: 'd'}",
    "{}",
    "{a: }",
    "{a:1}",
    "-",
    "- x",
    "?",
    ":x",
    "&a x",
    "*a",
    "!t x",
    "|",
    ">",
    "# c",
    "x # c",
    "'q' # c",
    "[a] # c",
    "{a: 1} # c",
]
DIGITS = "0123456789"


def _digits(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(rng.randint(low, high)))


def timestamp(rng: random.Random) -> str:
    year = rng.choice(["2024", "1999", "0000", "9999", "0001", _digits(rng, 4, 4)])
    month = rng.choice(["01", "1", "12", "13", "00", "02", _digits(rng, 1, 2)])
    day = rng.choice(["01", "1", "28", "29", "30", "31", "32", _digits(rng, 1, 2)])
    text = f"{year}-{month}-{day}"
    if rng.random() < 0.3:
        return text
    sep = rng.choice(["T", "t", " ", "  ", "\t", "x"])
    hour = rng.choice(["00", "9", "09", "23", "24", _digits(rng, 1, 2)])
    minute = rng.choice(["00", "59", "60", _digits(rng, 2, 2)])
    second = rng.choice(["00", "59", "60", "61", _digits(rng, 2, 2)])
    text += f"{sep}{hour}:{minute}:{second}"
    if rng.random() < 0.4:
        text += "." + _digits(rng, 0, 12)
    if rng.random() < 0.7:
        space = rng.choice(["", "", " ", "  ", "\t"])
        zone = rng.choice(
            [
                "Z",
                "z",
                "+09:00",
                "-07:00",
                "+9",
                "-9",
                "+09",
                "+0900",
                "+23:59",
                "+24:00",
                f"{rng.choice('+-')}{_digits(rng, 1, 2)}:{_digits(rng, 2, 2)}",
            ]
        )
        text += space + zone
    return text


def scalar(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return timestamp(rng)
    if roll < 0.8:
        return rng.choice(SCALARS)
    pieces = [*SCALARS, " ", ", ", "#", " #", ":", ": ", "'", '"', "[", "]", "{", "}", "-"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))


def structured(rng: random.Random) -> str:
    """Mostly well formed: distinct keys, each a scalar, a nested table or a list."""
    lines = []
    keys = KEYS if rng.random() < 0.2 else NAMES
    for key in rng.sample(keys, rng.randint(1, 6)):
        shape = rng.random()
        comment = rng.choice(["", "", "", " # c", "  #c", "#c"])
        if shape < 0.6:
            lines.append(f"{key}: {scalar(rng)}{comment}")
            while rng.random() < 0.2:  # wrapped onto deeper lines, as dumpers do
                lines.append(f"{rng.choice(['', ' ', '  ', '    '])}{scalar(rng)}")
        elif shape < 0.7:  # a block scalar
            lines.append(f"{key}: {rng.choice(['|', '|-', '|+', '>', '>-', '>+', '|2', '>1'])}")
            base = rng.choice([1, 2, 2, 4])
            for _ in range(rng.randint(0, 4)):
                deeper = " " * rng.choice([0, 0, 0, 1, 2, -1])
                lines.append(f"{' ' * base}{deeper}{scalar(rng)}{rng.choice(['', '', ' '])}")
        elif shape < 0.8:
            lines.append(f"{key}:{comment}")
            for sub in rng.sample(keys, rng.randint(1, 3)):
                lines.append(f"  {sub}: {scalar(rng)}")
        else:
            lines.append(f"{key}:")
            indent = rng.choice(["", "  "])
            for _ in range(rng.randint(1, 3)):
                lines.append(f"{indent}- {scalar(rng)}{rng.choice(['', '', ' # c'])}")
    return mutate(rng, "\n".join(lines), rng.choice([0, 0, 0, 0, 1]))


def mutate(rng: random.Random, text: str, times: int) -> str:
    for _ in range(times):  # a random one-character change
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(" \n#:-'\"[]{},.Tt+Z0\t\\") + text[at + 1 :]
    return text


WORDS = ["text", "C#", "x #y", "a:b", "a: b", "- x", "[a]", "'q'", '"q"', "yes", "1", "日本", "{a}"]


def block(rng: random.Random) -> str:
    """A key with a block scalar, then another key, mostly well formed."""
    header = rng.choice(["|", "|-", "|+", ">", ">-", ">+", "| # c", "|2", ">-  "])
    lines = [f"{rng.choice(NAMES)}: {header}"]
    base = rng.choice([1, 2, 2, 4])
    for _ in range(rng.randint(0, 5)):
        deeper = rng.choice([0, 0, 0, 0, 1, 2, -1])
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        lines.append(" " * (base + deeper) + words + rng.choice(["", "", "", " "]))
    if rng.random() < 0.7:
        lines.append(f"{rng.choice(['', '  '])}next: {scalar(rng)}")
    return mutate(rng, "\n".join(lines), rng.choice([0, 0, 0, 1]))


def document(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return block(rng)
    if roll < 0.25:
        return f"{rng.choice(NAMES)}: {timestamp(rng)}"
    if roll < 0.7:
        return structured(rng)
    lines = []
    for _ in range(rng.randint(1, 8)):
        indent = " " * rng.choice([0, 0, 0, 0, 1, 2, 2, 4])
        shape = rng.random()
        key = rng.choice(KEYS)
        if shape < 0.5:
            lines.append(f"{indent}{key}: {scalar(rng)}")
        elif shape < 0.65:
            lines.append(f"{indent}{key}:{rng.choice(['', ' ', '  # c'])}")
        elif shape < 0.85:
            lines.append(f"{indent}- {scalar(rng)}")
        elif shape < 0.92:
            lines.append(f"{indent}# {scalar(rng)}")
        else:
            lines.append(indent)
    return mutate(rng, "\n".join(lines), rng.choice([0, 0, 0, 1, 2]))


def load(source: str, loader: Any) -> tuple[str, Any]:
    try:
        return "ok", yaml.load(source, Loader=loader)
    except yaml.YAMLError as exc:
        return "error", str(exc)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 13)
    started = time.monotonic()
    taken = stamped = mismatches = 0
    for _ in range(count):
        source = document(rng)
        expected = load(source, _Reference)
        ours = load(source, _YamlLoader)
        if repr(ours) != repr(expected):
            mismatches += 1
            print("loader differs:", repr(source), ours, expected)
        simple = read_simple_yaml(source, _YamlLoader)
        if simple is not None:
            taken += 1
            stamped += "datetime." in repr(simple)
            if expected[0] != "ok" or repr(simple) != repr(expected[1]):
                mismatches += 1
                print("reader differs:", repr(source), simple, expected)
    took = time.monotonic() - started
    print(
        f"{count:,} documents, {taken:,} taken by the reader ({stamped:,} with a date),"
        f" {mismatches} mismatches, {took:.0f} s"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
