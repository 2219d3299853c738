""" "Did you mean …?" for a mistyped command, platform or config key."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one choice ``word`` is most likely a typo of, or None when none is close."""
    options = list(dict.fromkeys(choices))
    # Case-insensitive: "Twiter" is as much a typo of "twitter" as "twiter" is.
    lowered = {option.lower(): option for option in options}
    import difflib  # only on a typo: ``xpost --help`` stays at click's own cost

    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``": did you mean 'twitter'?"`` to append to an error message, or ``""``."""
    match = closest(word, choices)
    return f": did you mean '{match}'?" if match and match != word else ""
