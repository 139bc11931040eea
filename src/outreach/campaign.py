"""``messages/campaign.toml`` -> :class:`Campaign`.

A campaign is a directory::

    messages/campaign.toml                  settings (this module)
    messages/*.j2                           one Jinja2 template per message, plus _layouts
    locales/messages.pot                    extracted source strings
    locales/<locale>/LC_MESSAGES/messages.po

Example::

    >>> text = '''
    ... [campaign]
    ... name = "Love Always Wins"
    ... source_locale = "en"
    ... locales = ["en", "es", "pt-BR"]
    ... hashtags = ["#LoveAlwaysWins"]
    ... url = "https://example.org/love"
    ... '''
    >>> c = parse_campaign(text, root=".")
    >>> c.locales
    ('en', 'es', 'pt_BR')
    >>> c.hashtags_for("pt_BR")
    ('#LoveAlwaysWins',)
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outreach.errors import ConfigError, LocaleError
from outreach.locales import normalize_locale

__all__ = ["CONFIG_NAME", "DOMAIN", "Campaign", "EmailSettings", "load_campaign", "parse_campaign"]

DOMAIN = "messages"
CONFIG_NAME = "campaign.toml"
_HASHTAG = re.compile(r"#\w+")


@dataclass(frozen=True)
class EmailSettings:
    """The ``[email]`` table: who sends, and how supporters leave."""

    sender: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None


@dataclass(frozen=True)
class Campaign:
    """A campaign on disk: its settings and where its files live."""

    root: Path
    name: str
    source_locale: str
    locales: tuple[str, ...]
    hashtags: tuple[str, ...]
    url: str
    localized_hashtags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timezones: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    email: EmailSettings = field(default_factory=EmailSettings)
    locale_labels: Mapping[str, str] = field(default_factory=dict)
    version: str = "1.0"

    # -- where things live --------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "messages" / CONFIG_NAME

    @property
    def messages_dir(self) -> Path:
        return self.root / "messages"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def pot_path(self) -> Path:
        return self.locales_dir / f"{DOMAIN}.pot"

    def po_path(self, locale: str) -> Path:
        """``locales/<locale>/LC_MESSAGES/messages.po``; ``locale`` must be normalised."""
        return self.locales_dir / normalize_locale(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"

    def mo_path(self, locale: str) -> Path:
        return self.po_path(locale).with_suffix(".mo")

    def relative(self, path: Path) -> str:
        """``path`` relative to the campaign root, with ``/`` separators."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    # -- settings -----------------------------------------------------------------------
    @property
    def target_locales(self) -> tuple[str, ...]:
        """Every locale but the source."""
        return tuple(loc for loc in self.locales if loc != self.source_locale)

    def hashtags_for(self, locale: str) -> tuple[str, ...]:
        """The campaign hashtags followed by the locale's accepted variants."""
        extra: tuple[str, ...] = ()
        for candidate in (locale, locale.split("_", 1)[0]):
            if candidate in self.localized_hashtags:
                extra = self.localized_hashtags[candidate]
                break
        return self.hashtags + tuple(t for t in extra if t not in self.hashtags)

    def label(self, locale: str) -> str:
        """The locale as written in campaign.toml (``pt-BR`` stays ``pt-BR``)."""
        return self.locale_labels.get(locale, locale)

    def resolve_locale(self, name: str) -> str:
        """Normalise a user-given locale and require that the campaign has it."""
        normal = normalize_locale(name)
        if normal not in self.locales:
            known = ", ".join(self.locales)
            raise LocaleError(f"the campaign has no locale {name!r} (it has {known})")
        return normal


def load_campaign(root: str | os.PathLike[str] = ".") -> Campaign:
    """Read ``<root>/messages/campaign.toml``."""
    root_path = Path(root)
    path = root_path / "messages" / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "no campaign here (messages/campaign.toml is missing; "
            "run 'outreach init DIR' or pass -C DIR)",
            path=path,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=path) from None
    return parse_campaign(text, root=root_path, path=path)


def parse_campaign(
    text: str, *, root: str | os.PathLike[str], path: str | os.PathLike[str] | None = None
) -> Campaign:
    """Validate campaign.toml text; every error names the line it is about."""
    where = os.fspath(path) if path is not None else CONFIG_NAME
    reader = _Reader(text, where)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"invalid TOML: {message}", path=where, line=line) from None

    table = data.get("campaign")
    if not isinstance(table, dict):
        raise reader.error("missing [campaign] table", key=None)

    name = reader.string(table, "name")
    source_raw = reader.string(table, "source_locale")
    source = reader.locale(source_raw, "source_locale")
    raw_locales = reader.string_list(table, "locales")
    labels: dict[str, str] = {}
    for raw in raw_locales:
        normal = reader.locale(raw, "locales")
        if normal in labels:
            raise reader.error(f"locale {raw!r} is listed twice", key="locales")
        labels[normal] = raw
    locales = tuple(labels)
    if source not in labels:
        raise reader.error(
            f"source_locale {source_raw!r} must be one of the campaign's locales",
            key="source_locale",
        )
    hashtags = tuple(reader.string_list(table, "hashtags"))
    for tag in hashtags:
        reader.hashtag(tag, "hashtags")
    url = reader.string(table, "url")
    if not re.match(r"https?://[^\s/]+", url):
        raise reader.error(f"url must be an http(s) link, not {url!r}", key="url")

    localized: dict[str, tuple[str, ...]] = {}
    for raw, tags in reader.table(table, "localized_hashtags").items():
        where_key = f"[campaign.localized_hashtags]{raw}"
        loc = reader.locale(raw, where_key)
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise reader.error("localized hashtags must be a list of strings", key=where_key)
        for tag in tags:
            reader.hashtag(tag, where_key)
        localized[loc] = tuple(tags)

    timezones: dict[str, str] = {}
    for raw, zone in reader.table(table, "timezones").items():
        loc = reader.locale(raw, f"[campaign.timezones]{raw}")
        if not isinstance(zone, str) or not _is_zone(zone):
            raise reader.error(f"unknown time zone {zone!r}", key=f"[campaign.timezones]{raw}")
        timezones[loc] = zone

    variables = dict(reader.table(data, "variables"))
    for key, value in variables.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise reader.error(
                f"variable name {key!r} is not an identifier", key=f"[variables]{key}"
            )
        if not isinstance(value, str | int | float | bool | dt.date | dt.datetime | list):
            raise reader.error(
                f"variable {key!r} must be a string, number or date", key=f"[variables]{key}"
            )

    email_table = reader.table(data, "email")
    email = EmailSettings(
        sender=reader.optional_string(email_table, "from"),
        reply_to=reader.optional_string(email_table, "reply_to"),
        unsubscribe_url=reader.optional_string(email_table, "unsubscribe_url"),
        unsubscribe_mailto=reader.optional_string(email_table, "unsubscribe_mailto"),
    )
    for key in ("from", "reply_to", "unsubscribe_url", "unsubscribe_mailto"):
        value = email_table.get(key)
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise reader.error(f"email.{key} must be on one line", key=f"[email]{key}")

    version = table.get("version", "1.0")
    if not isinstance(version, str | int | float):
        raise reader.error("'version' must be a string", key="version")
    return Campaign(
        root=Path(root),
        version=str(version),
        name=name,
        source_locale=source,
        locales=locales,
        hashtags=hashtags,
        url=url,
        localized_hashtags=localized,
        timezones=timezones,
        variables=variables,
        email=email,
        locale_labels=labels,
    )


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class _Reader:
    """Typed access to the parsed TOML that reports the line of the offending key."""

    def __init__(self, text: str, where: str) -> None:
        self.lines = text.splitlines()
        self.where = where

    def line_of(self, key: str | None) -> int | None:
        """The line of ``key``; ``"[section]key"`` looks for it from that table's header on
        (``es`` in ``[campaign.timezones]``, not the ``es`` of an earlier table). Without a
        key (a missing one), the line of the ``[campaign]`` header."""
        start = 0
        if key is None:
            key = "\x00"  # matches no line: fall through to the [campaign] header
        section, bracket, bare = key.rpartition("]")
        if bracket and section.startswith("["):
            header = re.compile(rf"^\s*\[\s*{re.escape(section[1:])}\s*\]")
            start = next((n for n, line in enumerate(self.lines) if header.match(line)), 0)
            key = bare
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number, line in enumerate(self.lines[start:], start=start + 1):
            if pattern.match(line):
                return number
        for number, line in enumerate(self.lines, start=1):
            if line.strip() == "[campaign]":
                return number
        return 1

    def error(self, message: str, *, key: str | None) -> ConfigError:
        return ConfigError(message, path=self.where, line=self.line_of(key))

    def string(self, table: Mapping[str, Any], key: str) -> str:
        if key not in table:
            raise self.error(f"missing required key {key!r} in [campaign]", key=None)
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key!r} must be a non-empty string", key=key)
        return value

    def optional_string(self, table: Mapping[str, Any], key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{key!r} must be a string", key=key)
        return value

    def string_list(self, table: Mapping[str, Any], key: str) -> list[str]:
        if key not in table:
            raise self.error(f"missing required key {key!r} in [campaign]", key=None)
        value = table[key]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self.error(f"{key!r} must be a non-empty list of strings", key=key)
        return list(value)

    def table(self, parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"{key!r} must be a table", key=key)
        return value

    def locale(self, raw: str, key: str) -> str:
        try:
            return normalize_locale(raw)
        except LocaleError as exc:
            raise self.error(exc.message, key=key) from None

    def hashtag(self, tag: str, key: str) -> None:
        if not _HASHTAG.fullmatch(tag) or tag[1:].isdigit():
            raise self.error(
                f"{tag!r} is not a hashtag a platform would link "
                "(a '#' then letters, digits or '_', at least one letter)",
                key=key,
            )
