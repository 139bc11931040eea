r"""Reading campaign.toml: typed access that reports the line of the offending key.

>>> toml = TomlReader('[campaign]\nname = 3\n', "messages/campaign.toml")
>>> str(toml.error("'name' must be a non-empty string", key="name"))
"messages/campaign.toml:2: 'name' must be a non-empty string"
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from outreach.display import NOT_ONE_LINE
from outreach.errors import ConfigError, LocaleError
from outreach.locales import normalize_locale

__all__ = ["HASHTAG", "NOT_ONE_LINE", "TomlReader", "is_zone"]

HASHTAG = re.compile(r"#\w+")


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class TomlReader:
    """Typed access to the parsed TOML that reports the line of the offending key."""

    def __init__(self, text: str, where: str) -> None:
        self.lines = text.split("\n")  # lines as TOML counts them, not splitlines()
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
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(section[1:])}\s*\]")
            start = next((n for n, line in enumerate(self.lines) if header.match(line)), 0)
            if not bare and header.match(self.lines[start]):
                return start + 1  # the table itself: its header line
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

    def only_keys(self, table: Mapping[str, Any], where: str, keys: Sequence[str]) -> None:
        """Refuse, at its line, a key of the table ``[where]`` that is not one of ``keys``
        (the error lists them in this order).

        >>> TomlReader("[merge]\\nsupress = []\\n", "c.toml").only_keys(
        ...     {"supress": []}, "merge", ("columns", "suppress"))
        Traceback (most recent call last):
        outreach.errors.ConfigError: c.toml:2: [merge] has unknown keys: supress (keys: ...)
        """
        unknown = sorted(set(table) - set(keys))
        if unknown:
            raise self.error(
                f"[{where}] has unknown keys: {', '.join(unknown)} (keys: {', '.join(keys)})",
                key=f"[{where}]{unknown[0]}",
            )

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

    def shipped(self, locale: str, raw: str, locales: tuple[str, ...], key: str) -> str:
        """``locale`` if the campaign ships it, or ships a regional variant of the language
        ``locale`` names (``pt`` for ``pt_BR``); an error otherwise."""
        if locale in locales or (
            "_" not in locale and any(loc.split("_", 1)[0] == locale for loc in locales)
        ):
            return locale
        table = key.rpartition("]")[0].lstrip("[")
        raise self.error(
            f"[{table}] has {raw!r}, a locale the campaign does not ship "
            f"(its locales are {', '.join(locales)})",
            key=key,
        )

    def hashtag(self, tag: str, key: str) -> None:
        if not HASHTAG.fullmatch(tag) or tag[1:].isdigit():
            raise self.error(
                f"{tag!r} is not a hashtag a platform would link "
                "(a '#' then letters, digits or '_', at least one letter)",
                key=key,
            )
