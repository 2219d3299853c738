"""Hugo: ``hugo.*``/``config.*`` or ``config/_default/`` (+ ``config/production/``).

What is read, as Hugo 0.111 (Debian's) builds URLs, checked against ``hugo list all``
in tests/test_sites_real_builds.py: ``baseURL``, ``permalinks`` (per top-level
section), ``timeZone``, ``contentDir``, ``uglyURLs``, ``disablePathToLower``,
``defaultContentLanguage``, ``defaultContentLanguageInSubdir`` and ``languages``
(each with its own ``contentDir``, ``baseURL`` and ``permalinks``). Hugo's keys are
case-insensitive, so every key is read lowercased.
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from msgspec import Struct, field

from xpost.errors import ConfigError
from xpost.permalink import expand_permalink, join_url, urlize
from xpost.sites.base import Page, Site, read_data_file, table_setting, text_setting

_NAMES = ("hugo", "config")
_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
#: The names of a Hugo config in the site's folder (besides the ``config/`` folder).
CONFIG_NAMES = tuple(name + suffix for name in _NAMES for suffix in _SUFFIXES)
_SECTION_PAGES = ("_index.md", "_index.markdown", "_index.mdx", "_index.html")
_BUNDLE_INDEXES = ("index.md", "index.markdown", "index.mdx", "index.html")


class Language(Struct, frozen=True):
    code: str
    content_dir: str | None = None
    base_url: str | None = None
    permalinks: dict[str, str] | None = None  # None: the site's


class HugoSite(Site, frozen=True, dict=True):  # dict: where cached_property keeps its value
    permalinks: dict[str, str] = field(default_factory=dict)  # top-level section → pattern
    content_dir: str = "content"
    default_language: str = "en"
    default_in_subdir: bool = False
    languages: dict[str, Language] = field(default_factory=dict)
    ugly_urls: bool = False
    keep_case: bool = False  # disablePathToLower

    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        # Plain strings, not pathlib: a site of 10,000 posts asks this 10,000 times.
        source = page.path
        language, content_root = self._language_of(source)
        relative = _relative(source, content_root)
        if relative is None:
            return None  # not content of this site
        site_base = language.base_url or base_url or self.base_url  # multihost: per language
        if site_base is None:
            return None
        url = page.front_matter.get("url")
        if isinstance(url, str) and url.strip():
            return join_url(site_base, url.strip())  # Hugo adds no language folder to it
        base = site_base
        in_subdir = language.code != self.default_language or self.default_in_subdir
        if language.base_url is None and self.languages and in_subdir:  # no table: no folders
            base = join_url(site_base, language.code + "/")
        return join_url(base, self._path(page, relative, language, permalink))

    def _path(self, page: Page, relative: str, language: Language, override: str | None) -> str:
        """The page's path; ``relative`` is its file's path under the content folder."""
        parts = relative.split("/")
        file_name = parts[-1]
        is_bundle = file_name in _BUNDLE_INDEXES
        folders = tuple(parts[:-2] if is_bundle else parts[:-1])
        if is_bundle:
            name = parts[-2] if len(parts) > 1 else ""
        else:
            name = _strip_language(file_name, self.languages)
        permalinks = self.permalinks if language.permalinks is None else language.permalinks
        pattern = override or (permalinks.get(folders[0]) if folders else None)
        if pattern:
            path = expand_permalink(
                pattern,
                slug=urlize(page.slug or page.title),
                title=page.title,
                date=page.date,
                filename=urlize(name),
                section=folders[0] if folders else "",
                sections=self._sections(relative, folders),
            )
        else:
            path = "/".join(["", *folders, urlize(page.slug) if page.slug else name, ""])
        if self.ugly_urls and path.endswith("/") and path != "/":
            path = path[:-1] + ".html"
        return path if self.keep_case else path.lower()

    def _sections(self, relative: str, folders: tuple[str, ...]) -> tuple[str, ...]:
        """Hugo's sections: the top folder, then each folder below with an ``_index``."""
        if len(folders) <= 1:
            return folders  # the top folder is a section without one
        _, root_text = self._language_of(os.path.join(os.fspath(self.root), relative))
        content_root = Path(root_text)
        sections: list[str] = []
        for depth, folder in enumerate(folders):
            here = content_root.joinpath(*folders[: depth + 1])
            if depth > 0 and not any((here / name).is_file() for name in _SECTION_PAGES):
                break
            sections.append(folder)
        return tuple(sections)

    @cached_property
    def _only_language(self) -> Language:
        return Language(self.default_language)

    def _language_of(self, source: str) -> tuple[Language, str]:
        """The page's language and its content folder (resolved), from its path."""
        if not self.languages:  # one language: every page is in it, under contentDir
            return self._only_language, _real_folder(self.root, self.content_dir)
        for language in self.languages.values():
            if language.content_dir:
                folder = _real_folder(self.root, language.content_dir)
                if source == folder or _relative(source, folder) is not None:
                    return language, folder
        folder = _real_folder(self.root, self.content_dir)
        file_name = os.path.basename(source)
        stem = _stem(file_name)
        code = _suffix(stem)[1:].lower()  # post.ja.md, index.ja.md in a bundle
        if code in self.languages and file_name not in _BUNDLE_INDEXES:
            return self.languages[code], folder
        if (file_name in _BUNDLE_INDEXES or stem.startswith("index.")) and code in self.languages:
            return self.languages[code], folder
        default = self.languages.get(self.default_language, Language(self.default_language))
        return default, folder


@lru_cache(maxsize=256)  # a site's few content folders, resolved once, not once per page
def _real_folder(root: Path, folder: str) -> str:
    return os.fspath((root / folder).resolve())


def _relative(path: str, folder: str) -> str | None:
    """``path`` below ``folder`` (both absolute and normalized), else None: what
    ``PurePath.relative_to`` says, for strings."""
    prefix = folder if folder.endswith("/") else folder + "/"
    return path[len(prefix) :] if path.startswith(prefix) and len(path) > len(prefix) else None


def _suffix(name: str) -> str:
    """``PurePath(name).suffix`` of a file name."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _stem(name: str) -> str:
    """``PurePath(name).stem`` of a file name."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _strip_language(file_name: str, languages: dict[str, Language]) -> str:
    stem = _stem(file_name)
    if not languages:
        return stem
    code = _suffix(stem)[1:].lower()
    return _stem(stem) if code in languages else stem


def find_config(folder: Path) -> list[Path]:
    """Hugo's config files in ``folder``, lowest precedence first ([] when not a Hugo site)."""
    files: list[Path] = []
    for env in ("_default", "production"):
        env_dir = folder / "config" / env
        if env_dir.is_dir():
            files.extend(
                sorted(p for p in env_dir.iterdir() if p.suffix in _SUFFIXES and p.is_file())
            )
    for name in _NAMES:  # hugo.* wins over config.*; the first found is the one Hugo reads
        found = [folder / (name + s) for s in _SUFFIXES if (folder / (name + s)).is_file()]
        if found:
            files.append(found[0])
            break
    return files


def read_site(folder: Path) -> HugoSite | None:
    files = find_config(folder)
    if not files:
        return None
    settings: dict[str, Any] = {}
    for path in files:
        table = _lowered(read_data_file(path))
        stem = path.stem.split(".")[0].lower()  # languages.toml, permalinks.en.toml...
        if stem in ("hugo", "config"):
            _merge(settings, table)
        elif stem in ("languages", "permalinks"):
            _merge(settings, {stem: table})
    main = files[-1]
    if main.stem == "config" and main.parent == folder and not _looks_like_hugo(folder, settings):
        return None  # a config.toml of some other tool, not a Hugo site
    base_url = _http_url(text_setting(settings, "baseurl", main))
    languages = _languages(table_setting(settings, "languages", main), main)
    default_language = (text_setting(settings, "defaultcontentlanguage", main) or "en").lower()
    content_dir = text_setting(settings, "contentdir", main) or "content"
    content = [content_dir, *(lang.content_dir for lang in languages.values() if lang.content_dir)]
    timezone = text_setting(settings, "timezone", main) or "UTC"  # Hugo's default
    questions = () if base_url else ("base_url",)
    return HugoSite(
        kind="hugo",
        root=folder,
        config_file=main,
        base_url=base_url,
        timezone=timezone,
        content=tuple(dict.fromkeys(content)),
        questions=questions,
        permalinks=_permalinks(table_setting(settings, "permalinks", main), main),
        content_dir=content_dir,
        default_language=default_language,
        default_in_subdir=settings.get("defaultcontentlanguageinsubdir") is True,
        languages=languages,
        ugly_urls=settings.get("uglyurls") is True,
        keep_case=settings.get("disablepathtolower") is True,
    )


_HUGO_FOLDERS = ("content", "layouts", "themes", "archetypes")
_HUGO_KEYS = ("baseurl", "theme", "contentdir", "languagecode", "permalinks", "languages")


def _looks_like_hugo(folder: Path, settings: dict[str, Any]) -> bool:
    """``config.*`` is a common name: it is Hugo's only beside Hugo's folders or keys."""
    if (folder / "config" / "_default").is_dir() or any(key in settings for key in _HUGO_KEYS):
        return True
    return any((folder / name).is_dir() for name in _HUGO_FOLDERS)


def _languages(table: dict[str, Any], path: Path) -> dict[str, Language]:
    languages: dict[str, Language] = {}
    for code, raw in table.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: languages.{code}: expected a table")
        if raw.get("disabled") is True:
            continue
        permalinks = raw.get("permalinks")
        languages[str(code).lower()] = Language(
            code=str(code).lower(),
            content_dir=text_setting(raw, "contentdir", path),
            base_url=_http_url(text_setting(raw, "baseurl", path)),
            permalinks=None if permalinks is None else _permalinks(permalinks, path),
        )
    return languages


def _permalinks(table: object, path: Path) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: permalinks: expected a table of section = pattern")
    patterns: dict[str, str] = {}
    for section, pattern in table.items():
        if isinstance(pattern, dict):
            continue  # Hugo ≥ 0.120's per-kind tables (page/section/term): not Hugo 0.111
        if not isinstance(pattern, str):
            raise ConfigError(f"{path}: permalinks.{section}: expected a string")
        patterns[str(section).lower()] = pattern
    return patterns


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _lowered(table: dict[str, Any]) -> dict[str, Any]:
    return {
        str(key).lower(): _lowered(value) if isinstance(value, dict) else value
        for key, value in table.items()
    }


def _merge(into: dict[str, Any], table: dict[str, Any]) -> None:
    for key, value in table.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
