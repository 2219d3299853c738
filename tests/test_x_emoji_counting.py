"""X's weighted count of emoji equals npm twitter-text 3.1.0's, newer sequences included.

``contracts/twitter-text/COUNTING.md``: an emoji sequence the reference's emoji data
does not know (❤️‍🔥, 🐦‍🔥, 🧑🏽‍🔬) counts per code point, so xpost must count it the
same way, never as 2. The corpus here is built from Unicode properties, not from the
generated list it checks: every pictograph alone and with U+FE0F, every skin-tone
base with every tone, every pair of regional indicators, keycaps, ZWJ joins.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
from pathlib import Path

import pytest
import regex

from xpost.render.twitter_text import weighted_length

REPO = Path(__file__).resolve().parents[1]
COUNTER = REPO / "tests" / "node" / "twitter_count.mjs"

ZWJ = "\u200d"
TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]
NAMED = [
    "❤️‍🔥", "🐦‍🔥", "🐱‍👤", "🧑‍💻", "🧑🏽‍🔬", "❤️‍🩹", "😮‍💨", "🧔‍♀️", "🏳️‍⚧️", "🏴‍☠️",
    "👩🏽‍🤝‍👩🏻", "🫱🏼‍🫲🏿", "🫠", "🫶🏽", "🐕‍🦺", "👁️‍🗨️", "♾️", "🤵‍♂️", "🇺🇳", "🇦🇦",
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "👩‍💻", "👍🏽", "🇯🇵", "1️⃣", "#⃣", "©", "©️", "®", "™", "‼️",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☺", "☺️", "🐱🏽", "👍🏽️",
]  # fmt: skip


def _code_points(pattern: str) -> list[str]:
    compiled = regex.compile(pattern)
    return [chr(c) for c in range(0xA0, 0x1FB00) if compiled.match(chr(c))]


def corpus() -> list[str]:
    pictographs = _code_points(r"\p{Extended_Pictographic}")
    bases = _code_points(r"\p{Emoji_Modifier_Base}")
    texts = list(NAMED)
    texts += pictographs + [p + "\ufe0f" for p in pictographs]
    texts += [base + tone for base in bases for tone in TONES]
    texts += [base + tone + ZWJ + sign + "\ufe0f" for base in bases[:40] for tone in TONES[:2]
              for sign in "♀♂"]  # fmt: skip
    regional = [chr(c) for c in range(0x1F1E6, 0x1F200)]
    texts += [a + b for a, b in itertools.product(regional, repeat=2)]
    texts += [k + v + "\u20e3" for k in "#*0123456789" for v in ("", "\ufe0f")]
    rng = random.Random(9)  # fixed: CI must not turn red by chance
    people = ["🧑", "👨", "👩", "🧒", "🧓"]
    things = ["💻", "🔬", "🚀", "🎨", "🍳", "🦯", "🦼", "🤝", "❤️", "🔥", "🩹", "🎄", "🍼"]
    for _ in range(400):
        person = rng.choice(people) + rng.choice(["", *TONES])
        texts.append(person + ZWJ + rng.choice(things))
    # In running text: the count of the whole is what X checks.
    for _ in range(300):
        pieces = [*rng.sample(NAMED, 3), "日本語", "abc ", "https://example.com/x ", "。"]
        rng.shuffle(pieces)
        texts.append("".join(pieces))
    return texts


@pytest.mark.node
def test_emoji_counts_match_twitter_text(node_modules: Path) -> None:
    texts = corpus()
    assert len(texts) > 3000
    result = subprocess.run(
        ["node", str(COUNTER)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "XPOST_NODE_MODULES": str(node_modules)},
        timeout=120,
    )
    expected: list[int] = json.loads(result.stdout)
    mismatches = [
        (text, ours, theirs)
        for text, theirs in zip(texts, expected, strict=True)
        if (ours := weighted_length(text)) != theirs
    ]
    assert mismatches == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("❤️‍🔥", 5), ("🐦‍🔥", 5), ("🐱‍👤", 5), ("🧑‍💻", 5), ("🧑🏽‍🔬", 5), ("👩‍💻", 2), ("🇦🇦", 4)],
)
def test_newer_sequences_count_per_code_point(text: str, expected: int) -> None:
    # Exact values from npm twitter-text 3.1.0 (checked by the test above).
    assert weighted_length(text) == expected
