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

import copy
import datetime as dt
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from outreach.errors import ConfigError, InputError, LocaleError
from outreach.items import InlineImage
from outreach.locales import normalize_locale
from outreach.settings import (
    Handle,
    Limits,
    MessageSettings,
    Privacy,
    Release,
    Tracking,
    parse_handles,
    parse_merge_columns,
    parse_merge_files,
    parse_merge_sample,
    parse_messages,
    parse_platforms,
    parse_privacy,
    parse_release,
    parse_tracking,
)
from outreach.toml_reader import NOT_ONE_LINE, TomlReader, is_zone
from outreach.urls import is_http_url

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.items import Array

__all__ = [
    "CONFIG_NAME",
    "DOMAIN",
    "Campaign",
    "EmailSettings",
    "Exemption",
    "list_locale",
    "load_campaign",
    "parse_campaign",
    "set_approval",
    "setting_line",
    "toml_string",
]

T = TypeVar("T")
DOMAIN = "messages"
CONFIG_NAME = "campaign.toml"


@dataclass(frozen=True)
class EmailSettings:
    """The ``[email]`` table: who sends, and how supporters leave."""

    sender: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    #: the sender's physical postal address, one item per line, for every email's footer
    #: (CAN-SPAM requires one in commercial bulk mail; ``outreach check`` warns without it)
    postal_address: tuple[str, ...] = ()
    #: where each email can be read on the web; ``{message}`` and ``{locale}`` are filled in
    view_in_browser_url: str | None = None
    #: the campaign's colour (links, buttons, the footer link), ``#rrggbb``
    brand_color: str | None = None

    def view_in_browser(self, message: str, locale: str) -> str | None:
        """The "view in browser" link of one email: ``view_in_browser_url`` with its
        ``{message}`` and ``{locale}`` (as campaign.toml writes it) filled in, URL-quoted.

        >>> EmailSettings(view_in_browser_url="https://x.org/{message}/{locale}.html"
        ...               ).view_in_browser("share", "pt-BR")
        'https://x.org/share/pt-BR.html'
        """
        if self.view_in_browser_url is None:
            return None
        from urllib.parse import quote

        values = {"message": quote(message, safe=""), "locale": quote(locale, safe="")}
        return _URL_FIELD.sub(lambda m: values[m.group(1)], self.view_in_browser_url)


@dataclass(frozen=True)
class Exemption:
    """An organizer's exception to a check, from campaign.toml::

        [[checks.ignore]]
        check = "wrong-language"      # required: the check
        locale = "es"                 # optional: only this locale
        msgid = "Sochi 2014"          # optional: only this entry (and msgctxt = "...")
        reason = "a place name"       # required: why, for whoever reads the file next

    Translators cannot write these (a flag in a ``.po`` never silences an error); the file
    is the organizer's.
    """

    check: str
    reason: str
    locale: str | None = None
    msgid: str | None = None
    msgctxt: str | None = None

    def covers(self, finding: Any) -> bool:
        """Whether ``finding`` (a :class:`outreach.checks.Finding`) is excepted."""
        return self.applies(finding.check, finding.locale, finding.msgid, finding.msgctxt)

    def applies(self, check: str, locale: str, msgid: str | None, msgctxt: str | None) -> bool:
        """Whether the findings of ``check`` on the entry ``msgctxt``/``msgid`` of the
        catalog of ``locale`` are excepted (as :meth:`covers` says of one finding)."""
        if check != self.check:
            return False
        if self.locale is not None and locale.replace("-", "_") != self.locale:
            return False
        if self.msgid is not None and msgid != self.msgid:
            return False
        return self.msgctxt is None or msgctxt == self.msgctxt


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
    exemptions: tuple[Exemption, ...] = ()
    messages: Mapping[str, MessageSettings] = field(default_factory=dict)
    tracking: Tracking | None = None
    handles: Mapping[str, Handle] = field(default_factory=dict)
    platform_limits: Mapping[str, Limits] = field(default_factory=dict)
    #: ``[merge.columns]``: what a supporters CSV column may hold where it reaches an
    #: email's body, ``"url"`` or ``"text"`` (undeclared: one line of plain text)
    merge_columns: Mapping[str, str] = field(default_factory=dict)
    #: ``[release]``: approvals and the deadline rule (:mod:`outreach.release`)
    release: Release = field(default_factory=Release)
    #: ``[privacy]``: who gets the low-trace email
    privacy: Privacy = field(default_factory=Privacy)
    #: ``[campaign.localized_names]``: the campaign's name in a locale (:meth:`name_for`)
    localized_names: Mapping[str, str] = field(default_factory=dict)
    #: ``[merge.sample]``: sample values of supporters' columns for ``render``, ``preview``
    #: and ``check`` (never ``merge``)
    merge_sample: Mapping[str, str] = field(default_factory=dict)
    #: ``[merge] suppress``: the suppression lists every merge reads (relative to the root)
    merge_suppress: tuple[str, ...] = ()
    #: ``[merge] preferences``: the language preferences file (relative to the root)
    merge_preferences: str = "suppress/preferences.csv"
    #: SHA-256 of the campaign.toml text these settings were read from (cache keys use it:
    #: the file may have changed since)
    config_digest: str = ""

    # -- where things live --------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "messages" / CONFIG_NAME

    @property
    def messages_dir(self) -> Path:
        return self.root / "messages"

    def template_paths(self) -> list[Path]:
        """Every ``messages/**/*.j2`` file, in the order ``pybabel extract`` visits them.

        Like pybabel: a directory's files (sorted) before its subdirectories (sorted), and
        directories whose names start with ``.`` or ``_`` are skipped, so that both tools
        write the same POT.
        """
        found: list[Path] = []
        for root, dirnames, filenames in os.walk(self.messages_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
            for name in sorted(filenames):
                if not name.endswith(".j2"):
                    continue
                path = Path(root) / name
                if not _utf8(str(path.relative_to(self.messages_dir))):
                    raise InputError(  # the directory: the name itself cannot be printed
                        f"the template name {name!r} is not UTF-8 text: rename it", path=root
                    )
                found.append(path)
        return found

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

    def read(self, path: Path) -> bytes:
        """The bytes of a file of the campaign, read without following a symbolic link
        (:func:`outreach.files.read_inside`)."""
        from outreach.files import read_inside

        return read_inside(self.root, path)

    def write(self, path: Path, data: bytes) -> None:
        """Write a file of the campaign atomically, never through a symbolic link."""
        from outreach.files import atomic_write_bytes

        atomic_write_bytes(path, data, inside=self.root)

    def relative(self, path: Path) -> str:
        """``path`` relative to the campaign root, with ``/`` separators."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    # -- settings -----------------------------------------------------------------------
    def url_for(self, message: str) -> str:
        """``message``'s call-to-action link: its ``[messages.<name>] url``, else the
        campaign's."""
        own = self.messages.get(message)
        return own.url if own is not None and own.url else self.url

    def image_for(self, message: str) -> str | None:
        """``message``'s image (an http(s) URL or a path in the campaign), if it has one."""
        own = self.messages.get(message)
        return own.image if own is not None else None

    def inline_image(self, message: str) -> InlineImage | None:
        """``message``'s image as a file the email carries inside itself (``[privacy]
        inline_images``): its ``image_file``, else its ``image`` when that is a path in the
        campaign; ``None`` for a message without an image.

        The file is untrusted (a pull request can add it): it must lie inside the campaign,
        reached through no symbolic link, be a regular file of at most
        :data:`~outreach.settings.MAX_IMAGE_FILE` bytes (no more is read), and be a JPEG,
        PNG, GIF or WebP by its magic bytes, the kind its name says. Anything else, or an
        image given only as a URL, is a :class:`ConfigError` at the setting's line:
        nothing is ever downloaded to be inlined.
        """
        from urllib.parse import urlsplit

        from outreach.errors import InputError
        from outreach.files import read_inside
        from outreach.settings import MAX_IMAGE_FILE, image_type, is_image_url, sniff_image
        from outreach.urls import ascii_domain

        own = self.messages.get(message)
        if own is None or not (own.image or own.image_file):
            return None
        name, key = own.image_file, f"[messages.{message}]image_file"
        if name is None and own.image and not is_image_url(own.image):
            name, key = own.image, f"[messages.{message}]image"
        if name is None:
            raise ConfigError(
                f"[privacy] inline_images = true, but the message {message!r} has its image "
                f"only as a URL: set [messages.{message}] image_file to the same picture as "
                "a file in the campaign (nothing is downloaded to be inlined)",
                path=self.config_path,
                line=setting_line(self, "[privacy]inline_images"),
            )
        line = setting_line(self, key)

        def refuse(what: str) -> ConfigError:
            return ConfigError(
                f"{key.split(']', 1)[1]} {name!r} {what}", path=self.config_path, line=line
            )

        try:
            data = read_inside(self.root, self.root / name, limit=MAX_IMAGE_FILE)
        except FileNotFoundError:
            raise refuse("does not exist in the campaign") from None
        except InputError as exc:
            raise refuse(f"cannot be read: {exc.message}") from None
        except OSError as exc:
            raise refuse(f"cannot be read: {exc.strerror or exc}") from None
        if len(data) > MAX_IMAGE_FILE:
            raise refuse(f"is over {MAX_IMAGE_FILE:,} bytes: too big to travel in an email")
        found, named = sniff_image(data), image_type(name)
        if found is None:
            raise refuse("is not a JPEG, PNG, GIF or WebP image (by its first bytes)")
        if found != named:
            raise refuse(f"holds {found}, not the {named} its name says")
        host = ascii_domain(urlsplit(self.url).hostname or "") or "localhost"
        digest = hashlib.sha256(data).hexdigest()[:32]
        return InlineImage(Path(name).name, found, data, f"{digest}@{host}")

    @property
    def own_hosts(self) -> frozenset[str]:
        """The campaign's own link hosts (lower case): its URL's, every message URL's, and
        ``[tracking] hosts``. Only links to these are tagged, and only they are the
        campaign's in the link checks."""
        from urllib.parse import urlsplit

        urls = [self.url, *(m.url for m in self.messages.values() if m.url)]
        hosts = {(urlsplit(u).hostname or "").lower() for u in urls}
        if self.tracking is not None:
            hosts.update(self.tracking.hosts)
        return frozenset(h for h in hosts if h)

    @property
    def target_locales(self) -> tuple[str, ...]:
        """Every locale but the source."""
        return tuple(loc for loc in self.locales if loc != self.source_locale)

    def hashtags_for(self, locale: str) -> tuple[str, ...]:
        """The campaign hashtags followed by the locale's accepted variants."""
        extra = _nearest(self.localized_hashtags, locale) or ()
        return self.hashtags + tuple(t for t in extra if t not in self.hashtags)

    def name_for(self, locale: str) -> str:
        """The campaign's name in ``locale``: ``[campaign.localized_names]`` (the nearest
        locale of its chain: ``pt_BR`` takes ``pt``'s), else ``name``.

        >>> Campaign(Path("."), "Pride", "en", ("en", "es"), (), "https://example.org",
        ...          localized_names={"es": "Orgullo"}).name_for("es_MX")
        'Orgullo'
        """
        return _nearest(self.localized_names, locale) or self.name

    def timezone_for(self, locale: str) -> str | None:
        """The time zone of the locale's audience from ``[campaign.timezones]``, if any."""
        return _nearest(self.timezones, locale)

    def label(self, locale: str) -> str:
        """The locale as written in campaign.toml (``pt-BR`` stays ``pt-BR``)."""
        return self.locale_labels.get(locale, locale)

    def chain(self, locale: str) -> list[str]:
        """``locale``'s fallback chain (:func:`outreach.locales.fallback_chain`) through the
        locales the campaign lists, ending in the source: a catalog that campaign.toml does
        not list is never checked, so no output falls back to it (``es_MX`` -> ``es``, even
        where ``locales/es_419`` exists)."""
        from outreach.locales import fallback_chain

        return [
            link
            for link in fallback_chain(locale, self.source_locale)
            if link in self.locales or link == self.source_locale
        ]

    def resolve_locale(self, name: str) -> str:
        """Normalise a user-given locale and require that the campaign has it."""
        normal = normalize_locale(name)
        if normal not in self.locales:
            known = ", ".join(self.locales)
            raise LocaleError(f"the campaign has no locale {name!r} (it has {known})")
        return normal


def _nearest(table: Mapping[str, T], locale: str) -> T | None:
    """The value for ``locale`` or its nearest CLDR parent (``pt_BR`` may use ``pt``'s)."""
    from outreach.locales import locale_parents

    for candidate in locale_parents(locale):
        if candidate in table:
            return table[candidate]
    return None


def load_campaign(root: str | os.PathLike[str] = ".") -> Campaign:
    """Read ``<root>/messages/campaign.toml``."""
    from outreach.files import read_inside

    root_path = Path(root)
    path = root_path / "messages" / CONFIG_NAME
    try:
        text = read_inside(root_path, path).decode("utf-8")
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
    text = text.removeprefix("\ufeff")  # a BOM some Windows editors write
    reader = TomlReader(text, where)
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
    if NOT_ONE_LINE.search(name):
        raise reader.error(
            "'name' must be one line of text (no line breaks or control characters)", key="name"
        )
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
    if not is_http_url(url):
        raise reader.error(
            f"url must be a whole http(s) link without spaces, not {url!r}", key="url"
        )

    names: dict[str, str] = {}
    for raw, localized_name in reader.table(table, "localized_names").items():
        where_key = f"[campaign.localized_names]{raw}"
        loc = reader.shipped(reader.locale(raw, where_key), raw, locales, where_key)
        if not isinstance(localized_name, str) or not localized_name.strip():
            raise reader.error("a localized name must be a string", key=where_key)
        if NOT_ONE_LINE.search(localized_name):
            raise reader.error(
                "a localized name must be one line of text (no line breaks or control characters)",
                key=where_key,
            )
        names[loc] = localized_name

    localized: dict[str, tuple[str, ...]] = {}
    for raw, tags in reader.table(table, "localized_hashtags").items():
        where_key = f"[campaign.localized_hashtags]{raw}"
        loc = reader.shipped(reader.locale(raw, where_key), raw, locales, where_key)
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise reader.error("localized hashtags must be a list of strings", key=where_key)
        for tag in tags:
            reader.hashtag(tag, where_key)
        localized[loc] = tuple(tags)

    timezones: dict[str, str] = {}
    for raw, zone in reader.table(table, "timezones").items():
        where_key = f"[campaign.timezones]{raw}"
        loc = reader.shipped(reader.locale(raw, where_key), raw, locales, where_key)
        if not isinstance(zone, str) or not is_zone(zone):
            raise reader.error(f"unknown time zone {zone!r}", key=where_key)
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

    email = _email_settings(reader, reader.table(data, "email"))
    exemptions = _exemptions(reader, data, locales)
    from outreach.platforms import POST_CHANNELS

    messages = parse_messages(reader, data)
    tracking = parse_tracking(reader, data)
    handles = parse_handles(reader, data, POST_CHANNELS, locales)
    platform_limits = parse_platforms(reader, data, POST_CHANNELS)
    merge_columns = parse_merge_columns(reader, data)
    release = parse_release(reader, data, locales)
    privacy = parse_privacy(reader, data, locales)
    merge_sample = parse_merge_sample(reader, data)
    merge_suppress, merge_preferences = parse_merge_files(reader, data)

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
        localized_names=names,
        timezones=timezones,
        variables=variables,
        email=email,
        locale_labels=labels,
        exemptions=exemptions,
        messages=messages,
        tracking=tracking,
        handles=handles,
        platform_limits=platform_limits,
        merge_columns=merge_columns,
        release=release,
        privacy=privacy,
        merge_sample=merge_sample,
        merge_suppress=merge_suppress,
        merge_preferences=merge_preferences or "suppress/preferences.csv",
        config_digest=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )


# ``{message}`` in view_in_browser_url; a colour as the layout takes it.
_URL_FIELD = re.compile(r"\{(message|locale)\}")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def _email_settings(reader: TomlReader, table: Mapping[str, Any]) -> EmailSettings:
    """The ``[email]`` table: one-line settings, a postal address of one or more lines, a
    "view in browser" link with only ``{message}`` and ``{locale}`` to fill in, a colour."""
    keys = ("from", "reply_to", "unsubscribe_url", "unsubscribe_mailto")
    values = {key: reader.optional_string(table, key) for key in (*keys, "view_in_browser_url")}
    for key, value in values.items():
        if value is not None and ("\n" in value or "\r" in value):
            raise reader.error(f"email.{key} must be on one line", key=f"[email]{key}")
        if value is not None and key.startswith("unsubscribe_"):
            from outreach.unsubscribe import link_problem

            problem = link_problem(key, value)
            if problem:
                raise reader.error(problem, key=f"[email]{key}")
    address = reader.optional_string(table, "postal_address")
    lines: tuple[str, ...] = ()
    if address is not None:
        lines = tuple(line.strip() for line in address.splitlines() if line.strip())
        if not lines or any(NOT_ONE_LINE.search(line) for line in lines):
            raise reader.error(
                "email.postal_address must be text: one or more lines, no control characters",
                key="[email]postal_address",
            )
    view = values["view_in_browser_url"]
    filled = _URL_FIELD.sub("x", view) if view is not None else None
    if filled is not None and (not is_http_url(filled) or "{" in filled or "}" in filled):
        raise reader.error(
            "email.view_in_browser_url must be a whole http(s) link; it may contain "
            f"{{message}} and {{locale}}, nothing else in braces (not {view!r})",
            key="[email]view_in_browser_url",
        )
    color = reader.optional_string(table, "brand_color")
    if color is not None and not _COLOR.fullmatch(color):
        raise reader.error(
            f"email.brand_color must be a colour as #rrggbb, not {color!r}",
            key="[email]brand_color",
        )
    return EmailSettings(
        sender=values["from"],
        reply_to=values["reply_to"],
        unsubscribe_url=values["unsubscribe_url"],
        unsubscribe_mailto=values["unsubscribe_mailto"],
        postal_address=lines,
        view_in_browser_url=view,
        brand_color=color.lower() if color else None,
    )


def _exemptions(
    reader: TomlReader, data: Mapping[str, Any], locales: tuple[str, ...]
) -> tuple[Exemption, ...]:
    """``[[checks.ignore]]``: the organizer's exceptions (see :class:`Exemption`)."""
    checks = reader.table(data, "checks")
    entries = checks.get("ignore", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise reader.error(
            "checks.ignore must be an array of tables ([[checks.ignore]])", key="ignore"
        )
    if not entries:
        return ()
    from outreach.findings import CHECK_NAMES as known

    found = []
    for entry in entries:
        check = entry.get("check")
        if not isinstance(check, str) or check not in known:
            raise reader.error(
                f"[[checks.ignore]] check = {check!r} is not a check "
                f"(checks: {', '.join(sorted(known))})",
                key="[checks.ignore]check",
            )
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise reader.error(
                '[[checks.ignore]] needs a reason = "..." (why the finding does not apply)',
                key="[checks.ignore]check",
            )
        values = {}
        for key in ("locale", "msgid", "msgctxt"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                raise reader.error(
                    f"[[checks.ignore]] {key} must be a string", key=f"[checks.ignore]{key}"
                )
            values[key] = value
        locale = values["locale"]
        if locale is not None:
            locale = reader.shipped(
                reader.locale(locale, "[checks.ignore]locale"),
                locale,
                locales,
                "[checks.ignore]locale",
            )
        unknown = set(entry) - {"check", "reason", "locale", "msgid", "msgctxt"}
        if unknown:
            raise reader.error(
                f"[[checks.ignore]] has unknown keys: {', '.join(sorted(unknown))}",
                key="[checks.ignore]check",
            )
        found.append(Exemption(check, reason, locale, values["msgid"], values["msgctxt"]))
    return tuple(found)


def setting_line(campaign: Campaign, key: str) -> int | None:
    """The line of a setting in campaign.toml, ``"[email]unsubscribe_url"`` style (for
    findings about settings); ``None`` if the file cannot be read."""
    from outreach.errors import InputError

    try:
        text = campaign.read(campaign.config_path).decode("utf-8", "replace")
    except (OSError, InputError):
        return None
    return TomlReader(text.removeprefix("\ufeff"), CONFIG_NAME).line_of(key)


def toml_string(value: str) -> str:
    r"""``value`` as a TOML basic string (JSON's escapes are TOML's, but for DEL).

    >>> print(toml_string('Say "hi"'))
    "Say \"hi\""
    """
    text = json.dumps(value, ensure_ascii=False)
    for char in "\x7f\x85\u2028\u2029":  # DEL must be escaped; line breaks had better be
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


#: ``add-locale`` edits campaign.toml with tomlkit only below this many dotted keys
#: (``a.b = 1``): tomlkit's parse time grows with the square of the dotted keys in one table
#: (measured: 1,000 of them 1.3 s, 2,000 7 s, against 0.03 s for 2,000 plain keys), and a
#: campaign.toml may come from a pull request. Above it, the locale is added by hand.
MAX_DOTTED_KEYS = 200
_KEY_PART = r"""(?:[\w-]+|"[^"\n]*"|'[^'\n]*')"""
_DOTTED_KEY = re.compile(rf"^[ \t]*{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})+[ \t]*=", re.M)


def list_locale(text: str, locale: str, *, path: str | os.PathLike[str] = CONFIG_NAME) -> str:
    r"""campaign.toml ``text`` with ``locale`` appended to the ``locales`` of [campaign].

    tomlkit reads the file and appends to the list; everything else -- comments, blank
    lines, key order, line ends, a BOM -- stays as it was. The new item follows the list's
    own layout: on the line of the last item if the list closes there, else on a line of
    its own, indented like the last item, with a trailing comma if the last item has one::

        >>> text = '''# Campaign settings
        ... [campaign]
        ... name = "Pride 2027"     # keep it short
        ... source_locale = "en"
        ... locales = [
        ...     "en",  # the source
        ...     "es",  # Spanish [LatAm, Spain]
        ... ]
        ... hashtags = ["#Pride"]
        ... url = "https://example.org/pride"
        ... '''
        >>> print(list_locale(text, "ar"), end="")
        # Campaign settings
        [campaign]
        name = "Pride 2027"     # keep it short
        source_locale = "en"
        locales = [
            "en",  # the source
            "es",  # Spanish [LatAm, Spain]
            "ar",
        ]
        hashtags = ["#Pride"]
        url = "https://example.org/pride"
        >>> old = text[text.index("locales") : text.index("hashtags")]
        >>> one_line = text.replace(old, 'locales = ["en", "es"]  # shipped\n')
        >>> print(list_locale(one_line, "ar").splitlines()[4])
        locales = ["en", "es", "ar"]  # shipped

    tomlkit has its own way in two details: the new item comes after comment lines that end
    the list, and it writes the last item's trailing comma anew (``"en" ,`` becomes
    ``"en",``). The edited text is parsed again and must differ from the old one in that
    list alone. Invalid TOML, a campaign without a ``locales`` list, or one this does not
    edit (an inline ``campaign = {...}`` table, a comma on the line after the last item's
    comment, valid TOML that tomlkit will not read, more than :data:`MAX_DOTTED_KEYS`
    dotted keys) raise a ``ConfigError`` with the line.
    """
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError
    from tomlkit.items import Array, InlineTable

    where = os.fspath(path)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    try:
        before = tomllib.loads(body)
    except tomllib.TOMLDecodeError:
        parse_campaign(text, root=".", path=where)  # raises, with the line
        raise
    reader = TomlReader(body, where)
    table = before.get("campaign")
    locales = table.get("locales") if isinstance(table, dict) else None
    if not isinstance(locales, list):
        raise reader.error("no 'locales' list in [campaign]", key="locales")
    refusal = reader.error(
        f"cannot add {locale!r} to the 'locales' of [campaign]; add it by hand", key="locales"
    )
    if len(_DOTTED_KEY.findall(body)) > MAX_DOTTED_KEYS:
        raise refusal  # tomlkit's time grows with the square of dotted keys in a table
    try:  # tomllib has read it: tomlkit should too, but the file may come from anyone
        document = tomlkit.parse(body)
    except (ParseError, TOMLKitError):
        # valid TOML (tomllib read it) that tomlkit will not (its nesting limit, say)
        raise refusal from None
    campaign = document.get("campaign")
    array = None
    if campaign is not None and not isinstance(campaign, InlineTable):
        array = campaign.get("locales")
    if not isinstance(array, Array) or document.as_string() != body:
        raise refusal
    newline = "\r\n" if "\r\n" in body else "\n"
    _append_item(document, array, locale, newline)
    edited = document.as_string()
    expected = copy.deepcopy(before)
    expected["campaign"]["locales"] = [*locales, locale]
    try:
        after = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        raise refusal from None
    if after != expected and repr(after) != repr(expected):  # repr: nan != nan
        raise refusal
    result = bom + edited
    if locale not in parse_campaign(result, root=".", path=where).locales:
        raise refusal
    return result


def _append_item(document: TOMLDocument, array: Array, value: str, newline: str) -> None:
    """Append ``value`` to ``array``, a list in ``document``, laid out like the list (see
    :func:`list_locale`); ``newline`` is the file's line end."""
    if not array:
        array.add_line(value, indent="", newline=False, add_comma=False)
        return
    tail, prefix = _around_last_item(document, array)
    comma = "," in tail
    if "\n" not in (tail.partition(",")[2] if comma else tail):  # closes on this line
        array.add_line(value, indent=" ", newline=False, add_comma=comma)
    else:
        indent = prefix if not prefix.strip() else " " * len(prefix)
        array.add_line(value, indent=newline + indent, newline=False, add_comma=comma)


def _around_last_item(document: TOMLDocument, array: Array) -> tuple[str, str]:
    """What follows the last item of ``array`` up to its ``]``, without comments (commas
    and white space are all TOML allows there), and what precedes the item on its line.

    tomlkit does not say where an item is: a marker stands in for the item while the
    document is written out, then the item is put back.
    """
    last = array[-1]
    marker, text = "outreach-last-item", document.as_string()
    while marker in text:
        marker += "-"
    array[-1] = marker
    try:
        whole, own = document.as_string(), array.as_string()
    finally:
        array[-1] = last
    quoted = f'"{marker}"'
    start = whole.index(quoted)
    prefix = whole[whole.rfind("\n", 0, start) + 1 : start]
    tail = own[own.index(quoted) + len(quoted) : own.rindex("]")]
    return re.sub(r"#[^\n]*", "", tail), prefix


def set_approval(text: str, label: str, day: str, digest: str, *, path: str) -> str:
    """campaign.toml ``text`` with ``[release.approved] label = { date, digest }`` set
    (tomlkit: every other line, comment and key stays as it was, a BOM too). Like
    :func:`list_locale`, it refuses (a ``ConfigError``) a file with more than
    :data:`MAX_DOTTED_KEYS` dotted keys, whose parse time in tomlkit grows with their square.

    >>> text = '[campaign]\\nname = "x"  # kept\\n'
    >>> print(set_approval(text, "es", "2026-12-01", "sha256:" + "0" * 64, path="c.toml"))
    ... # doctest: +ELLIPSIS
    [campaign]
    name = "x"  # kept
    <BLANKLINE>
    [release.approved]
    es = {date = "2026-12-01", digest = "sha256:000...000"}
    <BLANKLINE>
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import InlineTable

    refusal = ConfigError(
        f"cannot write [release.approved] {label} here: add it by hand "
        f'({label} = {{ date = "{day}", digest = "{digest}" }})',
        path=path,
    )
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    if len(_DOTTED_KEY.findall(body)) > MAX_DOTTED_KEYS:
        raise refusal  # tomlkit's time grows with the square of dotted keys in a table
    try:  # tomlkit refuses some layouts its own way (an inline [release] table, say)
        document = tomlkit.parse(body)
        release = document.get("release")
        if release is None:
            release = tomlkit.table(is_super_table=True)
            document.add("release", release)
        approved = release.get("approved") if isinstance(release, dict) else None
        if approved is None and isinstance(release, dict):
            approved = (
                tomlkit.inline_table() if isinstance(release, InlineTable) else tomlkit.table()
            )
            release["approved"] = approved
        if not isinstance(approved, dict):
            raise refusal
        entry = tomlkit.inline_table()
        entry.update({"date": day, "digest": digest})
        approved[label] = entry
        edited = document.as_string()
        value = tomllib.loads(edited)["release"]["approved"][label]
    except (TOMLKitError, tomllib.TOMLDecodeError, ValueError, KeyError, TypeError):
        raise refusal from None
    if value != {"date": day, "digest": digest}:
        raise refusal
    return bom + edited


def _utf8(name: str) -> bool:
    """Whether a file name read from the system is UTF-8 text (undecodable bytes come back
    as lone surrogates, which no template name, message name or ``.po`` may hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
