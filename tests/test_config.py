"""Finding and validating the TOML config file."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from xpost.config import Config, LedgerConfig, PublishConfig, SiteConfig, find_config, load_config
from xpost.errors import ConfigError

PLATFORMS = ("connpass", "qiita", "twitter", "zenn")
KNOWN_KEYS = "(known: site, publish, ledger, schedule, connpass, qiita, twitter, zenn)"
BAD_URL = "xpost.toml: [site] base_url: expected an http(s) URL like 'https://example.com/', got "
SECRET = " looks like a secret; secrets never go in the config file: "
KEYRING_HINT = "remove it and keep credentials in the keyring ('xpost auth set PLATFORM')"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory and user config dir with no config in them."""
    user_dir = tmp_path / "user-config"
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: str(user_dir / app))
    monkeypatch.delenv("XPOST_CONFIG", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(text: str, tmp_path: Path) -> Config:
    return load_config(write(tmp_path / "xpost.toml", text), PLATFORMS)


def error(text: str, tmp_path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load(text, tmp_path)
    return str(caught.value).replace(str(tmp_path / "xpost.toml"), "xpost.toml")


# --- find_config -----------------------------------------------------------------------


def test_no_config_anywhere(home: Path) -> None:
    assert find_config(None) is None


def test_user_config_dir_is_the_last_resort(home: Path) -> None:
    user = write(home / "user-config" / "xpost" / "config.toml", "")
    assert find_config(None) == user


def test_local_xpost_toml_beats_the_user_config(home: Path) -> None:
    write(home / "user-config" / "xpost" / "config.toml", "")
    write(home / "work" / "xpost.toml", "")
    assert find_config(None) == Path("xpost.toml")


def test_env_beats_local(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / "work" / "xpost.toml", "")
    env = write(home / "env.toml", "")
    monkeypatch.setenv("XPOST_CONFIG", str(env))
    assert find_config(None) == env


def test_flag_beats_env(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XPOST_CONFIG", str(write(home / "env.toml", "")))
    flag = write(home / "flag.toml", "")
    assert find_config(flag) == flag


def test_a_missing_explicit_config_is_an_error(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(Path("nope.toml"))
    assert str(caught.value) == "nope.toml: config file not found (named by --config)"
    monkeypatch.setenv("XPOST_CONFIG", "gone.toml")
    with pytest.raises(ConfigError) as caught:
        find_config(None)
    assert str(caught.value) == "gone.toml: config file not found (named by XPOST_CONFIG)"


# --- load_config ----------------------------------------------------------------------


def test_no_path_gives_the_defaults() -> None:
    config = load_config(None, PLATFORMS)
    assert config == Config(site_explicit=frozenset())  # no [site] key set by the user
    assert config.site.permalink == "/post/:slug/"
    assert config.publish.targets is None  # unset: the installed adapters' defaults
    assert config.targets() == ["twitter", "qiita", "zenn", "connpass"]


def test_default_targets_are_the_adapters_that_say_so_in_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Built from the registry and the adapters' own ``default_rank``, not a list of
    names; an adapter distribution beside xpost (no rank) is a target once named."""
    from xpost.adapters import registry
    from xpost.adapters.entry_points import EntryPoint

    built_in = dict(registry.installed())
    other = EntryPoint("other", "xpost_notes:NotesAdapter", registry.GROUP)  # tests/example-adapter
    monkeypatch.setattr(registry, "installed", lambda: {**built_in, "other": other})
    assert load_config(None, [*built_in, "other"]).targets() == [
        "twitter",
        "qiita",
        "zenn",
        "connpass",
    ]
    del built_in["qiita"]
    assert Config().targets() == ["twitter", "zenn", "connpass"]
    assert Config(publish=PublishConfig(targets=["other"])).targets() == ["other"]


def test_a_full_config(tmp_path: Path) -> None:
    config = load(
        """
[site]
base_url = "https://chezo.uno/"
permalink = "/post/:year/:slug/"
content = ["content/post"]
timezone = "Asia/Tokyo"
write_back = true

[publish]
targets = ["twitter", "zenn"]

[ledger]
path = "~/ledger.sqlite"

[zenn]
repo = "~/src/zenn-content"
branch = "main"

[qiita.team]
host = "example.qiita.com"
""",
        tmp_path,
    )
    assert config.site == SiteConfig(
        base_url="https://chezo.uno/",
        permalink="/post/:year/:slug/",
        content=["content/post"],
        timezone="Asia/Tokyo",
        write_back=True,
    )
    assert config.publish == PublishConfig(targets=["twitter", "zenn"])
    assert config.ledger == LedgerConfig(path="~/ledger.sqlite")
    assert config.platforms == {
        "zenn": {"repo": "~/src/zenn-content", "branch": "main"},
        "qiita": {"team": {"host": "example.qiita.com"}},
    }
    assert config.path == tmp_path / "xpost.toml"


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load("", tmp_path) == Config(path=tmp_path / "xpost.toml", site_explicit=frozenset())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[site]\nbase_ur = "https://x"\n', "xpost.toml: [site] unknown key 'base_ur'"),
        (
            "[site]\npermalink = 3\n",
            "xpost.toml: [site] permalink: expected a string, got an integer",
        ),
        (
            "[site]\nbase_url = 3\n",
            "xpost.toml: [site] base_url: expected a string, got an integer",
        ),
        (
            "[site]\ncontent = [1]\n",
            "xpost.toml: [site] content[0]: expected a string, got an integer",
        ),
        (
            '[site]\ncontent = "posts"\n',
            "xpost.toml: [site] content: expected a list, got a string",
        ),
        (
            '[site]\nwrite_back = "yes"\n',
            "xpost.toml: [site] write_back: expected true or false, got a string",
        ),
        (
            "[site]\npermalink = 2024-01-01T00:00:00\n",
            "xpost.toml: [site] permalink: expected a string, got a date-time",
        ),
        ('site = "x"\n', "xpost.toml: [site] must be a table, got a string"),
        ('zenn = "x"\n', "xpost.toml: [zenn] must be a table, got a string"),
        (
            "[mastodon]\nx = 1\n",
            "xpost.toml: unknown key 'mastodon' " + KNOWN_KEYS,
        ),
        (
            'base_url = "https://x"\n',
            "xpost.toml: unknown key 'base_url' " + KNOWN_KEYS,
        ),
        (
            '[publish]\ntargets = ["twitter", "mastodon"]\n',
            "xpost.toml: [publish] targets: unknown platform 'mastodon' "
            "(known: connpass, qiita, twitter, zenn)",
        ),
        (
            '[site]\nbase_url = "chezo.uno"\n',
            BAD_URL + "'chezo.uno'",
        ),
        (
            '[site]\nbase_url = "ftp://chezo.uno/"\n',
            BAD_URL + "'ftp://chezo.uno/'",
        ),
        (
            '[site]\ntimezone = "Mars/Olympus"\n',
            "xpost.toml: [site] timezone: unknown time zone 'Mars/Olympus' "
            "(use an IANA name like 'Asia/Tokyo' or 'UTC')",
        ),
        (
            '[site]\nbase_url = "https://x"\nbase_url = "https://y"\n',
            "xpost.toml:3: not valid TOML: cannot overwrite a value (column 23)",
        ),
        (
            "[site\n",
            "xpost.toml:1: not valid TOML: "
            "expected ']' at the end of a table declaration (column 6)",
        ),
    ],
)
def test_errors_name_the_key(text: str, message: str, tmp_path: Path) -> None:
    assert error(text, tmp_path) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[qiita]\ntoken = "abc123"\n',
            "xpost.toml: [qiita] token"
            + SECRET
            + "run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN",
        ),
        (
            '[twitter]\naccess_token_secret = "abc123"\n',
            "xpost.toml: [twitter] access_token_secret"
            + SECRET
            + "run 'xpost auth set twitter' or set XPOST_TWITTER_ACCESS_TOKEN_SECRET",
        ),
        (
            '[connpass]\napi-key = "abc123"\n',
            "xpost.toml: [connpass] api-key"
            + SECRET
            + "run 'xpost auth set connpass' or set XPOST_CONNPASS_API_KEY",
        ),
        (
            '[qiita.team]\nBearer = "abc123"\n',
            "xpost.toml: [qiita.team] Bearer"
            + SECRET
            + "run 'xpost auth set qiita' or set XPOST_QIITA_BEARER",
        ),
        (
            'password = "abc123"\n',
            "xpost.toml: password" + SECRET + KEYRING_HINT,
        ),
        (
            '[mastodon]\nprivate_key = "abc123"\n',
            "xpost.toml: [mastodon] private_key" + SECRET + KEYRING_HINT,
        ),
    ],
)
def test_secrets_are_refused_without_echoing_them(text: str, message: str, tmp_path: Path) -> None:
    got = error(text, tmp_path)
    assert got == message
    assert "abc123" not in got


def test_keys_that_merely_mention_tokens_are_fine(tmp_path: Path) -> None:
    config = load('[twitter]\ntoken_env = "MY_VAR"\nmax_tokens = 3\n', tmp_path)
    assert config.platforms == {"twitter": {"token_env": "MY_VAR", "max_tokens": 3}}


def test_unreadable_configs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, PLATFORMS)
    assert str(caught.value) == f"{tmp_path}: config file is a directory"
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b"[site]\n# caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(latin1, PLATFORMS)
    assert str(caught.value) == f"{latin1}:2: config file is not UTF-8 text"
