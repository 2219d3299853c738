"""Reading one entry-point group from the installed packages' metadata, cheaply.

``importlib.metadata`` answers the same question but costs ~40 ms to import (email,
zipfile, csv, …) — more than the rest of a dry-run's own work. Here the folders on
``sys.path`` are listed and the ``entry_points.txt`` of each ``*.dist-info`` and
``*.egg-info`` folder is read, the way ``importlib.metadata`` (Python 3.11–3.13) finds
them: path order, then the folder's listing order, the first distribution of a name
wins. Anything else on the path (a zip file, an egg) and the answer comes from
``importlib.metadata`` itself. tests/test_entry_points.py checks both agree.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from functools import reduce
from typing import Any

from msgspec import Struct

# importlib.metadata's EntryPoint.pattern: "module.sub:Attr.attr [extra]".
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
_SEPARATORS = re.compile(r"[-_.]+")
_SUFFIXES = (".dist-info", ".egg-info")


class Distribution(Struct, frozen=True):
    """The installed distribution an entry point comes from (its metadata folder)."""

    path: str
    known_name: str | None = None  # when importlib.metadata found it (in an archive)

    @property
    def name(self) -> str:
        """The project name its metadata declares (``Name:``), e.g. "xpost-posse"."""
        if self.known_name is not None:
            return self.known_name
        for file in ("METADATA", "PKG-INFO"):
            try:
                with open(os.path.join(self.path, file), encoding="utf-8") as metadata:
                    for line in metadata:
                        if line.lower().startswith("name:"):
                            return line.partition(":")[2].strip()
                        if not line.strip():
                            break  # the headers end at the first empty line
            except (OSError, UnicodeDecodeError):
                continue
        return ""


class EntryPoint(Struct, frozen=True):
    """One entry point: ``name = value`` in ``[group]`` of a distribution's metadata."""

    name: str
    value: str
    group: str
    dist: Distribution | None = None

    def load(self) -> Any:
        """Import the module the value names and return the attribute (as importlib does)."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"not an entry point value: {self.value!r}")
        module = importlib.import_module(match.group("module"))
        return reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` over every installed distribution, in path order."""
    found = _read_folders(group)
    if found is None:
        from importlib import metadata

        return [
            EntryPoint(ep.name, ep.value, ep.group) for ep in metadata.entry_points(group=group)
        ]
    return found


def _read_folders(group: str) -> list[EntryPoint] | None:
    """None when a ``sys.path`` entry is neither a folder nor missing (a zip archive)."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except (FileNotFoundError, PermissionError):
            continue
        except OSError:  # NotADirectoryError: an archive on the path
            return None
        if folder.lower().endswith(".egg"):
            return None  # an egg folder: its metadata is laid out otherwise
        for name in names:
            if not name.lower().endswith(_SUFFIXES):
                continue
            distribution = _normalize(name.lower().rpartition(".")[0].partition("-")[0])
            if distribution in seen:
                continue
            seen.add(distribution)
            found.extend(_read(Distribution(os.path.join(folder, name)), group))
    return found


def _normalize(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


def _read(distribution: Distribution, group: str) -> list[EntryPoint]:
    try:
        with open(os.path.join(distribution.path, "entry_points.txt"), encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return []
    found: list[EntryPoint] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            name, _, value = line.partition("=")
            found.append(EntryPoint(name.strip(), value.strip(), group, distribution))
    return found
