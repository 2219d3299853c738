"""The registry's own entry-point reader finds what importlib.metadata finds."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from xpost.adapters import entry_points as reader


def metadata_view(group: str) -> list[tuple[str, str]]:
    return [(ep.name, ep.value) for ep in metadata.entry_points(group=group)]


def fast_view(group: str) -> list[tuple[str, str]]:
    return [(ep.name, ep.value) for ep in reader.entry_points(group)]


@pytest.mark.parametrize("group", ["xpost.adapters", "console_scripts", "pytest11"])
def test_agrees_with_importlib_metadata_here(group: str) -> None:
    assert fast_view(group) == metadata_view(group)


def dist(folder: Path, name: str, text: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "entry_points.txt").write_text(text, encoding="utf-8")


def test_path_order_and_the_first_distribution_of_a_name_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    dist(first, "xpost_Extra-1.0.dist-info", "# comment\n[xpost.adapters]\nextra = pkg.mod:Cls\n")
    dist(first, "other-2.0-py3.11.egg-info", "[xpost.adapters]\nother = other_mod:Other [x]\n")
    dist(first, "other-3.0.dist-info", "[xpost.adapters]\nother = newer:Other\n")
    dist(second, "xpost.extra-0.9.dist-info", "[xpost.adapters]\nextra = old:Cls\n")
    dist(
        second,
        "third-1.0.dist-info",
        "[console_scripts]\nx = y:z\n\n[xpost.adapters]\n t = a.b:C.d \n",
    )
    (second / "broken-1.0.dist-info").mkdir()  # no entry_points.txt at all
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    group = "xpost.adapters"
    assert fast_view(group) == metadata_view(group)
    other = dict(metadata_view(group))["other"]  # whichever the folder lists first
    assert sorted(fast_view(group)) == [
        ("extra", "pkg.mod:Cls"),
        ("other", other),
        ("t", "a.b:C.d"),
    ]


def test_an_archive_on_the_path_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt", "[xpost.adapters]\nz = zm:Z\n")
    answer = [metadata.EntryPoint("z", "zm:Z", "xpost.adapters")]
    asked: list[str] = []

    def from_metadata(group: str) -> list[metadata.EntryPoint]:
        asked.append(group)
        return answer

    monkeypatch.setattr(metadata, "entry_points", from_metadata)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(archive)])
    assert fast_view("xpost.adapters") == [("z", "zm:Z")]
    assert asked == ["xpost.adapters"]


def test_load_follows_the_attribute_path() -> None:
    entry = reader.EntryPoint("x", "xpost.adapters.entry_points:EntryPoint.load [extra]", "g")
    assert entry.load() is reader.EntryPoint.load
    with pytest.raises(ValueError, match="not an entry point value"):
        reader.EntryPoint("x", "not a value!", "g").load()


def test_the_registry_does_not_import_importlib_metadata() -> None:
    probe = (
        "import sys; from xpost.adapters import registry; names = registry.installed();"
        "print('twitter' in names, 'importlib.metadata' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["True", "False"]


def test_distribution_names_are_the_metadata_names() -> None:
    ours = {ep.name: ep.dist.name for ep in reader.entry_points("xpost.adapters") if ep.dist}
    theirs = {
        ep.name: ep.dist.name for ep in metadata.entry_points(group="xpost.adapters") if ep.dist
    }
    assert ours == theirs
    assert ours["twitter"] == "xpost-posse"
