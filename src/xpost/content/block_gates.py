"""markdown-it's block rules, each tried only on a line it could match.

markdown-it tries every block rule in turn on every line, and every paragraph line
again as a possible terminator — for a line of prose, about a dozen Python calls
that each return ``False`` after a look at the line's first character. Most of the
block rules can only match a line that starts (after its indentation) with certain
characters: a fence with a backtick or tilde, a list item with a bullet or digit, and
so on. ``gate_block_rules`` replaces each chain of rules with one function that looks
at that character once and tries only the rules that could match, in their order.
Skipping a rule that would have returned ``False`` changes nothing, so the tokens
are the same as markdown-it's own (``tests/test_block_gates.py`` compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.ruler import Ruler

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

# The characters a line must start with (after its indentation) for the rule to match,
# as each rule checks first (markdown-it-py 3–4, mdit-py-plugins 0.4–0.7: the block
# rules in ``markdown_it/rules_block/``, ``dollarmath`` and ``footnote``). A rule not
# named here is tried on every line.
FIRST_CHARACTERS = {
    "math_block": "$",  # $$
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",  # bullets; ordered lists start with an ASCII digit
    "footnote_def": "[",  # [^label]:
    "reference": "[",  # [label]: url
    "html_block": "<",
    "heading": "#",
}
# A table needs its next line to start a delimiter row; an indented code block needs
# four columns of indentation beyond the block's; a setext heading, an underline
# (``===``, ``---``) before the next blank line.
_DELIMITER_ROW = "|-:"
_UNDERLINE = "-="
_TABLE, _CODE, _SETEXT = "table", "code", "lheading"


def gate_block_rules(md: MarkdownIt) -> None:
    """Make ``md``'s block parser try only the rules a line's first character allows.

    Call it once ``md`` is configured (rules and plugins added, enabled, disabled):
    the chains are fixed when it is called.
    """
    md.block.ruler = _GatedRuler(md.block.ruler)


class _GatedRuler(Ruler[RuleFuncBlockType]):
    """A configured block ruler whose every chain is one dispatching function."""

    def __init__(self, configured: Ruler[RuleFuncBlockType]) -> None:
        super().__init__()
        self.__rules__ = configured.__rules__
        names = {id(rule.fn): rule.name for rule in configured.__rules__}
        chains = {"", *(alt for rule in configured.__rules__ if rule.enabled for alt in rule.alt)}
        self._chains: dict[str, list[RuleFuncBlockType]] = {}
        for chain in chains:
            rules = [
                (name, _with_underline(fn) if name == _SETEXT else fn)
                for fn in configured.getRules(chain)
                for name in [names.get(id(fn), "")]
            ]
            self._chains[chain] = [_first_match(rules)] if rules else []

    def getRules(self, chainName: str = "") -> list[RuleFuncBlockType]:
        return self._chains.get(chainName, [])


def _with_underline(lheading: RuleFuncBlockType) -> RuleFuncBlockType:
    """``lheading``, tried only when a line below, before the next blank one, could be
    its underline: markdown-it's rule scans the same lines, and a paragraph's
    terminators on each, before it gives up — on every paragraph."""

    def setext(state: StateBlock, line: int, end_line: int, silent: bool) -> bool:
        src, starts, shifts, ends = state.src, state.bMarks, state.tShift, state.eMarks
        indents, indent = state.sCount, state.blkIndent
        below = line + 1
        while below < end_line:
            start = starts[below] + shifts[below]
            if start >= ends[below]:
                return False  # a blank line ends the paragraph before any underline
            if indents[below] >= indent and src[start] in _UNDERLINE:
                return lheading(state, line, end_line, silent)
            below += 1
        return False

    return setext


def _first_match(rules: list[tuple[str, RuleFuncBlockType]]) -> RuleFuncBlockType:
    """One rule standing for ``rules`` in order: true as soon as one of them is."""

    def candidates(first: str, table: bool, code: bool) -> tuple[RuleFuncBlockType, ...]:
        return tuple(
            fn
            for name, fn in rules
            if (name != _TABLE or table)
            and (name != _CODE or code)
            and (name not in FIRST_CHARACTERS or (first != "" and first in FIRST_CHARACTERS[name]))
        )

    def variants(first: str) -> tuple[tuple[RuleFuncBlockType, ...], ...]:
        # Indexed by 2 * (next line may be a table's delimiter row) + (indented code).
        return tuple(candidates(first, t, c) for t in (False, True) for c in (False, True))

    by_first = {ch: variants(ch) for ch in set("".join(FIRST_CHARACTERS.values()))}
    other = variants("")  # a blank line or any other character: only the ungated rules

    def first_match(state: StateBlock, line: int, end_line: int, silent: bool) -> bool:
        src = state.src
        pos = state.bMarks[line] + state.tShift[line]
        chosen = by_first.get(src[pos], other) if pos < state.eMarks[line] else other
        variant = 1 if state.sCount[line] - state.blkIndent >= 4 else 0  # is_code_block
        following = line + 1
        if following < end_line:
            start = state.bMarks[following] + state.tShift[following]
            if start < state.eMarks[following] and src[start] in _DELIMITER_ROW:
                variant += 2
        for rule in chosen[variant]:  # noqa: SIM110 (a generator in any() costs more here)
            if rule(state, line, end_line, silent):
                return True
        return False

    return first_match
