"""The TOML configuration: typed, validated, with errors that name the key.

Secrets are never config keys (DESIGN.md: Security rules). Each adapter validates
its own ``[platform]`` table with its ``Settings`` type, so a third-party adapter
brings its own keys.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from xpost import environment
from xpost.errors import ConfigError
from xpost.limits import MAX_CONFIG_BYTES, LimitExceeded, check_tree, read_regular_file
from xpost.suggest import did_you_mean
from xpost.validation import TYPE_NAMES, convert, key_error

StructT = TypeVar("StructT", bound=msgspec.Struct)


class SiteConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    base_url: str | None = None
    permalink: str = "/post/:slug/"
    content: list[str] = msgspec.field(default_factory=list)
    timezone: str = "UTC"
    write_back: bool = False
    #: The site's language (``ja``, ``en``): for posts whose front matter names none.
    language: str | None = None


Duration = int | str


class PublishConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: None (unset): the installed adapters' defaults (``Config.targets``).
    targets: list[str] | None = None
    #: The most one request may take in all (not per socket read): a trickling server
    #: leaves its target unknown instead of holding the run (and its lock) for ever.
    timeout: Duration = "30s"
    #: The most one publish or run may take; past it nothing new starts and what is in
    #: flight is cut at the deadline (its target unknown, exit code 1).
    deadline: Duration = "9m"


class LedgerConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str | None = None
    #: A PostgreSQL ledger (``postgresql://host/db``) instead of the SQLite file; its
    #: password comes from XPOST_LEDGER_URL, PGPASSWORD, ~/.pgpass or the keyring.
    url: str | None = None


#: ``[schedule]`` durations: seconds as a number, or "90s", "5m", "2h", "1d", "1h30m".
_DURATION_PART = re.compile(r"(\d+)([smhd])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``xpost run``: how cautiously unattended runs publish."""

    min_age: Duration = "5m"  # a file must be unchanged this long (not half-written)
    max_posts: Annotated[int, msgspec.Meta(ge=1)] = 5  # posts published per run
    cooldown: Duration = "0s"  # between two posts to the same platform
    retry_limit: Annotated[int, msgspec.Meta(ge=0)] = 5  # failed attempts before giving up
    first_run_limit: Annotated[int, msgspec.Meta(ge=0)] = 3  # due posts an empty ledger takes

    def seconds(self, key: Literal["min_age", "cooldown"]) -> float:
        return parse_duration(getattr(self, key))


def parse_duration(value: Duration) -> float:
    """Seconds in ``value``: ``300``, ``"300"``, ``"5m"``, ``"1h30m"``; ``ValueError`` if not."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a duration of 0 or more, got {value}")
        return float(value)
    text = value.strip().lower()
    if text.isdigit():
        return float(text)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"expected a duration like '30s', '5m', '2h' or '1d', got {value!r}")
    return float(sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


class Config(msgspec.Struct, kw_only=True):
    """The whole configuration. ``platforms`` holds each adapter's raw table."""

    site: SiteConfig = msgspec.field(default_factory=SiteConfig)
    publish: PublishConfig = msgspec.field(default_factory=PublishConfig)
    ledger: LedgerConfig = msgspec.field(default_factory=LedgerConfig)
    schedule: ScheduleConfig = msgspec.field(default_factory=ScheduleConfig)
    platforms: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    path: Path | None = None  # the file it came from, None for the built-in defaults
    # The ``[site]`` keys the file sets; the others come from the site's own config
    # (``xpost.sites``) when it has them. None (a Config built in code): all are set.
    site_explicit: frozenset[str] | None = None

    def targets(self) -> list[str]:
        """``[publish] targets``, else the installed adapters that say they are default
        targets (``Adapter.default_rank``: those that come with xpost), loaded only now:
        a command given ``--to``, or a config naming its targets, imports no other."""
        if self.publish.targets is not None:
            return self.publish.targets
        from xpost.adapters import registry

        return registry.default_targets()

    def site_sets(self, key: str) -> bool:
        """Whether ``[site] key`` is the user's own value (it wins over the site's)."""
        return self.site_explicit is None or key in self.site_explicit


CONFIG_ENV = environment.CONFIG
LOCAL_CONFIG = "xpost.toml"
_SECTIONS: dict[str, type[msgspec.Struct]] = {
    "site": SiteConfig,
    "publish": PublishConfig,
    "ledger": LedgerConfig,
    "schedule": ScheduleConfig,
}
# A key is a secret when it is one of these words or ends in ``_<word>``.
_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "bearer",
    "private_key",
    "consumer_key",
)
# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_TOML_POSITION = r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)"


def find_config(explicit: Path | None) -> Path | None:
    """The config file to use: ``--config``, ``$XPOST_CONFIG``, ``./xpost.toml``, the user's.

    An explicitly named file that does not exist is an error; None means "use the
    built-in defaults".
    """
    if explicit is not None:
        return _must_exist(explicit, "--config")
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return _must_exist(Path(from_env), CONFIG_ENV)
    local = Path(LOCAL_CONFIG)
    if local.is_file():
        return local
    from platformdirs import user_config_dir  # only when no nearer config exists

    user = Path(user_config_dir("xpost")) / "config.toml"
    return user if user.is_file() else None


def _must_exist(path: Path, origin: str) -> Path:
    if not path.exists():
        raise ConfigError(f"{path}: config file not found (named by {origin})")
    if not path.is_file():
        raise ConfigError(f"{path}: config file is not a file (named by {origin})")
    return path


def load_config(path: Path | None, known_platforms: Collection[str]) -> Config:
    """Read and validate the TOML config; None gives the built-in defaults.

    ``known_platforms`` are the installed adapters' names: the only other top-level
    tables allowed, and the only values ``[publish] targets`` may name.
    """
    if path is None:
        return with_site_defaults(Config(site_explicit=frozenset()))
    raw = _read_toml(path)
    too_big = check_tree(raw)
    if too_big:
        raise ConfigError(f"{path}: the config file has {too_big}")
    _reject_secrets(raw, path, (), known_platforms)
    sections: dict[str, msgspec.Struct] = {}
    platforms: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: [{key}] must be a table, got {_type_name(value)}")
            sections[key] = _convert(value, _SECTIONS[key], path, key)
        elif key in known_platforms:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: [{key}] must be a table, got {_type_name(value)}")
            platforms[key] = value
        else:
            known = ", ".join([*_SECTIONS, *sorted(known_platforms)])
            hint = did_you_mean(key, [*_SECTIONS, *known_platforms])
            raise ConfigError(f"{path}: unknown key '{key}'{hint} (known: {known})")
    site_table = raw.get("site", {})
    config = Config(
        **sections,  # type: ignore[arg-type]
        platforms=platforms,
        path=path,
        site_explicit=frozenset(site_table),
    )
    _check_site(config.site, path)
    _check_targets(config.publish, path, known_platforms)
    _check_schedule(config.schedule, path)
    _check_publish(config.publish, path)
    _check_ledger(config.ledger, path)
    return with_site_defaults(config)


def with_site_defaults(config: Config) -> Config:
    """``config`` with the ``[site]`` values it does not set taken from the site's own
    config (Hugo, Jekyll, Astro, Zenn CLI, Qiita CLI), found at or above the config
    file's folder, else the current folder."""
    from xpost.sites import find_site  # reads YAML: only once a config is loaded

    folders = [config.path.resolve().parent] if config.path is not None else []
    site = None
    for folder in [*folders, Path.cwd()]:
        site = find_site(folder)
        if site is not None:
            break
    if site is None:
        return config
    values: dict[str, Any] = {}
    if not config.site_sets("base_url") and site.base_url:
        values["base_url"] = site.base_url
    if not config.site_sets("timezone") and site.timezone:
        try:
            ZoneInfo(site.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{site.config_file}: unknown time zone {site.timezone!r} "
                "(set [site] timezone to an IANA name like 'Asia/Tokyo')"
            ) from None
        values["timezone"] = site.timezone
    if not config.site_sets("content") and site.content:
        found = [str(site.root / folder) for folder in site.content]
        values["content"] = [folder for folder in found if Path(folder).is_dir()]
    if not values.get("content", True):
        del values["content"]
    if not values:
        return config
    return msgspec.structs.replace(config, site=msgspec.structs.replace(config.site, **values))


def _check_ledger(ledger: LedgerConfig, path: Path) -> None:
    if ledger.url is None:
        return
    parts = urlsplit(ledger.url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"{path}: [ledger] url must be a PostgreSQL URL such as "
            f"'postgresql://host/dbname', not {parts.scheme or ledger.url!r}"
        )
    try:
        password = parts.password
    except ValueError:
        password = None
    if password or "password=" in parts.query:
        raise ConfigError(
            f"{path}: [ledger] url holds a password; secrets never go in the config file: "
            "remove it and set PGPASSWORD, ~/.pgpass, XPOST_LEDGER_URL or "
            "'xpost auth set ledger'"
        )


def _read_toml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"{path}: config file is a directory")
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)
    except IsADirectoryError:
        raise ConfigError(f"{path}: config file is a directory") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except LimitExceeded as exc:
        raise ConfigError(f"{path}: config file is {exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{bad_line}: config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        toml_line, reason = toml_error_position(str(exc))
        where = f"{path}:{toml_line}" if toml_line else f"{path}"
        raise ConfigError(f"{where}: not valid TOML: {reason}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


def toml_error_position(message: str) -> tuple[int | None, str]:
    """Split tomllib's ``"Reason (at line L, column C)"`` into ``(L, "reason (column C)")``."""
    match = re.search(_TOML_POSITION, message)
    if match is None:
        return None, message
    reason = message[: match.start()]
    reason = reason[:1].lower() + reason[1:]
    if match.group(1) is None:
        return None, f"{reason} (at end of document)"
    return int(match.group(1)), f"{reason} (column {match.group(2)})"


def _is_secret_key(key: str) -> bool:
    name = key.lower().replace("-", "_")
    return any(name == word or name.endswith("_" + word) for word in _SECRET_WORDS)


def _reject_secrets(
    table: dict[str, Any], path: Path, where: tuple[str, ...], known: Collection[str]
) -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _reject_secrets(value, path, (*where, key), known)
        elif _is_secret_key(key):
            # Never echo the value: it may be a real credential.
            section = f"[{'.'.join(where)}] " if where else ""
            platform = where[0] if where and where[0] in known else None
            if platform is None:
                hint = "remove it and keep credentials in the keyring ('xpost auth set PLATFORM')"
            else:
                env = f"XPOST_{platform}_{key}".upper().replace("-", "_")
                hint = f"run 'xpost auth set {platform}' or set {env}"
            raise ConfigError(
                f"{path}: {section}{key} looks like a secret; "
                f"secrets never go in the config file: {hint}"
            )


def _convert(value: dict[str, Any], kind: type[StructT], path: Path, section: str) -> StructT:
    try:
        return convert(value, kind)
    except msgspec.ValidationError as exc:
        key, problem = key_error(exc)
        raise ConfigError(
            f"{path}: [{section}] {key}: {problem}" if key else f"{path}: [{section}] {problem}"
        ) from None


def _type_name(value: object) -> str:
    names = {str: "str", bool: "bool", int: "int", float: "float", list: "array"}
    return TYPE_NAMES.get(names.get(type(value), ""), type(value).__name__)


def _check_site(site: SiteConfig, path: Path) -> None:
    if site.base_url is not None:
        parts = urlsplit(site.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"{path}: [site] base_url: expected an http(s) URL like "
                f"'https://example.com/', got {site.base_url!r}"
            )
    try:
        ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{path}: [site] timezone: unknown time zone {site.timezone!r} "
            "(use an IANA name like 'Asia/Tokyo' or 'UTC')"
        ) from None


def _check_targets(publish: PublishConfig, path: Path, known: Collection[str]) -> None:
    for target in publish.targets or ():
        if target not in known:
            names = ", ".join(sorted(known)) or "none installed"
            raise ConfigError(
                f"{path}: [publish] targets: unknown platform '{target}'"
                f"{did_you_mean(target, known)} (known: {names})"
            )


def _check_publish(publish: PublishConfig, path: Path) -> None:
    for key in ("timeout", "deadline"):
        try:
            seconds = parse_duration(getattr(publish, key))
        except ValueError as exc:
            raise ConfigError(f"{path}: [publish] {key}: {exc}") from None
        if seconds <= 0:
            raise ConfigError(f"{path}: [publish] {key}: must be more than 0 seconds")


def _check_schedule(schedule: ScheduleConfig, path: Path) -> None:
    for key in ("min_age", "cooldown"):
        try:
            parse_duration(getattr(schedule, key))
        except ValueError as exc:
            raise ConfigError(f"{path}: [schedule] {key}: {exc}") from None
