"""Print pip constraints pinning every direct dependency to its declared lower bound.

``pip install -c <(python scripts/lowest_constraints.py) -e '.[test]'`` installs the
oldest releases pyproject.toml claims to work with, so the tests keep those claims
true (transitive dependencies still resolve to what these allow). A requirement named
twice (``click`` at run time and for the tests) is pinned to the higher bound.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_LOWER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)$")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


#: Linters: they check our code, not the package's claims, and each release flags
#: different things, so they always run at their newest.
TOOLS = frozenset({"ruff", "mypy"})


def lowest(pyproject: Path = PYPROJECT, extras: tuple[str, ...] = ("test",)) -> dict[str, str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = _LOWER.match(requirement.strip())
        if not match:
            continue  # unbounded (types-PyYAML): nothing was claimed
        name = re.sub(r"[-_.]+", "-", match[1]).lower()
        version = match[2]
        if name in TOOLS:
            continue
        if name not in pins or _version_key(version) > _version_key(pins[name]):
            pins[name] = version
    return pins


def main() -> None:
    # --runtime: only what `pip install xpost-posse` brings (for the installed-wheel check).
    extras = () if "--runtime" in sys.argv[1:] else ("test",)
    for name, version in lowest(extras=extras).items():
        sys.stdout.write(f"{name}=={version}\n")


if __name__ == "__main__":
    main()
