"""What the package index and a fresh machine see: the distribution's name, its links,
its lower bounds, and a wheel that installs into an empty environment and works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DIST = PYPROJECT["project"]["name"]
REPO = PYPROJECT["project"]["urls"]["Source"]
#: Set by scripts/test in the lowest-versions run; read now, before the autouse
#: fixtures clear every XPOST_* variable for the test.
WHEEL_CONSTRAINTS = os.environ.get("XPOST_WHEEL_CONSTRAINTS")
#: pip's download cache of the real user (the fixtures give each test a fresh HOME).
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"
)
sys.path.insert(0, str(ROOT / "scripts"))
from lowest_constraints import lowest  # noqa: E402


def _normalised(name: str) -> str:
    """The package index's comparison: case, separators and look-alikes folded."""
    folded = re.sub(r"[-_.]+", "", name.lower())
    return folded.translate(str.maketrans({"o": "0", "l": "1", "i": "1"}))


def test_the_distribution_name_is_not_taken_by_a_look_alike() -> None:
    # Names on the index whose folded form would collide (checked with `pip index
    # versions` when the name was chosen): the unrelated `xpost` and `x-post-cli`.
    taken = {"xpost", "x-post-cli", "xpost-cli"}
    assert _normalised(DIST) not in {_normalised(name) for name in taken}
    assert PYPROJECT["project"]["scripts"] == {"xpost": "xpost.cli:main"}


def _install_lines() -> list[tuple[str, str]]:
    files = [ROOT / "README.md", *sorted((ROOT / "contrib").rglob("*"))]
    installers = r"pipx? install|uv tool install|uvx|pipx run|uv pip install"
    pattern = re.compile(rf"\b(?:{installers})\s+([^\s`]+)")
    found = []
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":  # the commands, not prose naming the unrelated project
            text = "\n".join(re.findall(r"```.*?```", text, flags=re.DOTALL))
        found += [(path.name, match[1].strip("'\"")) for match in pattern.finditer(text)]
    return found


def test_every_install_line_names_the_distribution() -> None:
    lines = _install_lines()
    assert lines, "the README shows how to install"
    for where, target in lines:
        if target.startswith("-"):  # `pip install -q -e .`: the source checkout
            continue
        assert target == DIST or target.startswith(f"{DIST}["), (where, target)


def test_readme_links_work_on_the_package_page() -> None:
    """The index shows the README without the repository: links must be absolute, and
    those into this repository must name files that exist."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", readme, flags=re.DOTALL)
    prose = re.sub(r"`[^`\n]*`", "", prose)  # Zenn's `@[card](url)` is code, not a link
    targets = re.findall(r"\]\(([^)\s]+)\)", prose)
    assert targets
    for target in targets:
        assert target.startswith("https://"), (
            f"README link {target}: the package index shows the README without the "
            f"repository, so write it in full ({REPO}/blob/main/… or {REPO}#anchor)"
        )
        if target.startswith(tuple(f"{REPO}/{kind}/main/" for kind in ("blob", "tree", "raw"))):
            path = target.split("/main/", 1)[1]
            assert (ROOT / path).exists(), target


def test_license_and_metadata_a_package_page_needs() -> None:
    project = PYPROJECT["project"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert project["license"] == "MIT"
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(project["urls"])
    classifiers = project["classifiers"]
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert not [c for c in classifiers if "Windows" in c or "OS Independent" in c]


def test_every_dependency_has_a_lower_bound_the_lowest_run_installs() -> None:
    pins = lowest()
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, requirement
    assert pins["pyyaml"] == "6.0.4" and pins["msgspec"] == "0.19" and pins["tweepy"] == "4.15"
    assert "urllib3" in pins  # imported by the HTTP clients, so declared


# --- a wheel on a fresh machine -----------------------------------------------------


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PIP_CACHE_DIR": PIP_CACHE}
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT, env=env)
    (built,) = out.glob("xpost_posse-*.whl")
    return built


def _installed_xpost(wheel: Path, home: Path) -> Path:
    """``pipx install WHEEL`` when pipx is there (the test extra brings it), else a
    fresh venv. ``XPOST_WHEEL_CONSTRAINTS`` (the lowest-versions run) pins what the
    wheel's dependencies resolve to."""
    constraints = WHEEL_CONSTRAINTS
    env = {**os.environ, "PIPX_HOME": str(home / "pipx"), "PIPX_BIN_DIR": str(home / "bin")}
    env["PIP_CACHE_DIR"] = PIP_CACHE
    env.pop("VIRTUAL_ENV", None)
    try:
        import pipx  # noqa: F401
    except ImportError:
        pipx_found = False
    else:
        pipx_found = not constraints  # pipx cannot pass a constraints file through
    if pipx_found:
        _run(sys.executable, "-m", "pipx", "install", "--python", sys.executable, wheel, env=env)
        return home / "bin" / "xpost"
    venv.create(home / "venv", with_pip=True)
    extra = ["-c", constraints] if constraints else []
    _run(home / "venv" / "bin" / "python", "-m", "pip", "install", "-q", *extra, wheel, env=env)
    return home / "venv" / "bin" / "xpost"


def test_the_wheel_installs_into_a_fresh_environment_and_works(wheel: Path, tmp_path: Path) -> None:
    xpost = _installed_xpost(wheel, tmp_path)
    # Nothing of the user's: no config, no data dir, no keyring.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    version = PYPROJECT["project"].get("version") or _version()
    assert _run(xpost, "--version", env=env) == f"xpost, version {version}\n"
    assert _run(xpost, env=env).startswith("Usage: xpost [OPTIONS] COMMAND [ARGS]...")
    # The README's quick start, run from the checkout as written there.
    quick_start = ("publish", "examples/hello-xpost/index.md", "--dry-run")
    preview = _run(xpost, *quick_start, cwd=ROOT, env=env)
    assert "── X · create · " in preview and "── Zenn · create · " in preview
    # The example config ships inside the wheel, byte for byte.
    python = xpost.resolve().parent / "python"  # pipx links bin/xpost into its venv
    probe = "import importlib.resources as r; print(r.files('xpost')"
    probe += ".joinpath('config.example.toml').read_text(encoding='utf-8'), end='')"
    shipped = _run(python, "-c", probe, env=env)
    assert shipped == (ROOT / "config.example.toml").read_text(encoding="utf-8")


def _version() -> str:
    text = (ROOT / "src" / "xpost" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match
    return match[1]
