"""The optional tables of campaign.toml: per-message links and images, link tracking, handles
per platform, and per-campaign platform limits.

::

    [messages.share]                        # per message (the template's name)
    url = "https://example.org/love/film"   # its call-to-action link (default: campaign url)
    image = "https://example.org/film.jpg"  # an http(s) URL, or a path in the campaign;
                                            # alt text: the template's `image_alt` block
    image_file = "images/film.jpg"          # the same picture as a file in the campaign:
                                            # what [privacy] inline_images carries inside
                                            # the email (JPEG, PNG, GIF or WebP, 1 MB)

    [tracking]                              # UTM tags on the campaign's own links
    utm_campaign = "lovealwayswins"         # required in the table
    utm_source = "{channel}"                # default; {channel} {medium} {message} {locale}
    utm_medium = "{medium}"                 # default: social, or email
    utm_content = "{message}-{locale}"      # default
    hosts = ["act.example.org"]             # more own hosts (the campaign's and the
                                            # messages' link hosts always are)

    [handles.ioc]                           # {{ handles.ioc }} in a template
    x = "@iocmedia"                         # what each platform gets...
    bluesky = "@olympics.example"
    default = "IOC"                         # ...and every other channel (required); or
                                            # by locale: { en = "IOC", fr = "CIO" }

    [platforms.mastodon]                    # an instance with a higher limit
    max_characters = 1000
    max_hashtags = 5

    [release]                               # when each language may be sent
    require_approval = true                 # a reviewer's approval makes a locale ready
    deadline = 2026-12-10T09:00:00+01:00    # after it, held supporters get...
    at_deadline = "fallback"                # ...their fallback chain's language ("hold":
                                            # they stay held)
    [release.approved]                      # written by `outreach approve LOCALE`
    es = { date = "2026-12-01", digest = "sha256:..." }

    [privacy]                               # a low-trace email for supporters at risk
    locales = ["ru"]                        # every supporter in these locales, and/or
    column = "at_risk"                      # those whose CSV column says yes/true/1
    inline_images = false                   # the image and its alt text are left out;
                                            # true: the message's image_file travels
                                            # inside the email (a cid: part)
    from = "Newsletter <news@example.org>"  # optional: a neutral sender

    [merge.columns]                         # what a supporters CSV column that reaches
    petition_url = "url"                    # an email's body may hold besides one line of
    message = "text"                        # plain text: "url" (one http(s) URL) or "text"
                                            # (line breaks and links)

>>> from outreach.toml_reader import TomlReader
>>> import tomllib
>>> text = '[tracking]\\nutm_campaign = "love"\\n'
>>> parse_tracking(TomlReader(text, "campaign.toml"), tomllib.loads(text)).campaign
'love'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from outreach.toml_reader import NOT_ONE_LINE, TomlReader
from outreach.urls import is_http_link, is_http_url

__all__ = [
    "COLUMN_KINDS",
    "IMAGE_TYPES",
    "MAX_IMAGE_FILE",
    "Approval",
    "Handle",
    "Limits",
    "MessageSettings",
    "Privacy",
    "Release",
    "Tracking",
    "image_type",
    "is_image_url",
    "parse_handles",
    "parse_merge_columns",
    "parse_merge_files",
    "parse_merge_sample",
    "parse_messages",
    "parse_platforms",
    "parse_privacy",
    "parse_release",
    "parse_tracking",
    "sniff_image",
]

#: Image files a post or an email may carry, by extension, with their media type.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
#: The largest image file an email carries inside itself (``image_file``), in bytes: an
#: email's picture is tens of kilobytes; some providers refuse messages over 10 MB, and a
#: file a pull request adds must not be read whole whatever its size.
MAX_IMAGE_FILE = 1_000_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: What a column declared in ``[merge.columns]`` may hold, where it reaches a body (an
#: undeclared column holds one line of plain text; see :mod:`outreach.merge.audience`).
COLUMN_KINDS = {
    "url": "one http(s) URL, nothing else",
    "text": "line breaks and links",
}
# A column as merge names it (outreach.merge.supporters.column_name): "Petition URL" is
# petition_url, "2nd" is _2nd.
_COLUMN = re.compile(r"(?:_\d|[^\W\d_])(?:\w*[^\W_])?")
_FIELDS = ("channel", "medium", "message", "locale")


@dataclass(frozen=True)
class MessageSettings:
    """``[messages.<name>]``: the message's own link and image (``None``: none set)."""

    url: str | None = None
    image: str | None = None
    #: the same picture as a file in the campaign (what an email carries inside itself)
    image_file: str | None = None


@dataclass(frozen=True)
class Tracking:
    """``[tracking]``: how the campaign's own links are tagged (UTM parameters).

    Each value is a template over ``{channel}`` (``x``, ``email``, ...), ``{medium}``
    (``social`` or ``email``), ``{message}`` and ``{locale}`` (BCP 47, ``pt-BR``).
    """

    campaign: str
    source: str = "{channel}"
    medium: str = "{medium}"
    content: str = "{message}-{locale}"
    term: str | None = None
    hosts: tuple[str, ...] = ()

    def parameters(self, *, channel: str, message: str, locale: str) -> list[tuple[str, str]]:
        """The ``utm_*`` pairs for one link, in the order Google's URL builder writes them.

        >>> Tracking("love").parameters(channel="x", message="share", locale="pt_BR")
        [('utm_source', 'x'), ('utm_medium', 'social'), ('utm_campaign', 'love'), \
('utm_content', 'share-pt-BR')]
        """
        values = {
            "channel": channel,
            "medium": "email" if channel in ("email", "mailto") else "social",
            "message": message,
            "locale": locale.replace("_", "-"),
        }
        pairs = [
            ("utm_source", self.source),
            ("utm_medium", self.medium),
            ("utm_campaign", self.campaign),
            ("utm_content", self.content),
        ]
        if self.term is not None:
            pairs.append(("utm_term", self.term))
        return [(key, value.format_map(values)) for key, value in pairs]


@dataclass(frozen=True)
class Handle:
    """``[handles.<name>]``: an account as each platform names it; ``default`` for the rest,
    by locale (``""`` is every locale's).

    >>> ioc = Handle({"": "IOC", "fr": "CIO"}, {"x": "@iocmedia"})
    >>> ioc.on("x", "fr"), ioc.on("mastodon", "fr_CA"), ioc.on("mastodon", "es")
    ('@iocmedia', 'CIO', 'IOC')
    """

    default: Mapping[str, str]
    by_channel: Mapping[str, str]

    def on(self, channel: str, locale: str) -> str:
        if channel in self.by_channel:
            return self.by_channel[channel]
        for key in (locale, locale.split("_", 1)[0], ""):
            if key in self.default:
                return self.default[key]
        return next(iter(self.default.values()))


@dataclass(frozen=True)
class Limits:
    """``[platforms.<channel>]``: this campaign's limits where they differ from the
    platform's defaults (a Mastodon instance with 1,000 characters)."""

    max_characters: int | None = None
    max_hashtags: int | None = None


def _one_line(reader: TomlReader, table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or NOT_ONE_LINE.search(value):
        raise reader.error(f"{where}{key} must be a one-line string", key=f"[{where}]{key}")
    return value


def is_image_url(image: str) -> bool:
    """Whether a message's ``image`` is a link: an http(s) URL as a whole setting must be
    (:func:`outreach.urls.is_http_url`, what :func:`parse_messages` accepted as one); else
    it is a path in the campaign. Never the lenient reading a browser gives an ``href``
    (``" //host/x.png"``): a value that reads as a path is used as a path.

    >>> is_image_url("https://example.org/love/film-still.jpg"), is_image_url("img/a.png")
    (True, False)
    >>> is_image_url(" //example.org@evil.com/p.png")
    False
    """
    return is_http_url(image)


def image_type(image: str) -> str | None:
    """The media type of ``image`` by its extension (a URL's without its query and
    fragment), or ``None`` for a kind of file outreach does not send.

    >>> image_type("https://example.org/a.JPG?w=600"), image_type("img/a.tiff")
    ('image/jpeg', None)
    """
    path = image.split("?", 1)[0].split("#", 1)[0] if is_image_url(image) else image
    return IMAGE_TYPES.get(PurePosixPath(path).suffix.lower())


def sniff_image(data: bytes) -> str | None:
    """The media type of an image file by its first bytes (its magic number), or ``None``
    when it is none of the kinds in :data:`IMAGE_TYPES`: what a file holds, not what its
    name says.

    >>> sniff_image(b"\\x89PNG\\r\\n\\x1a\\n..."), sniff_image(b"\\xff\\xd8\\xff\\xe0")
    ('image/png', 'image/jpeg')
    >>> sniff_image(b"GIF89a"), sniff_image(b"GIF87a")
    ('image/gif', 'image/gif')
    >>> sniff_image(b"RIFF\\x10\\0\\0\\0WEBPVP8 "), sniff_image(b"<svg>")
    ('image/webp', None)
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _image(reader: TomlReader, value: str, key: str, *, url: bool = True) -> str:
    if not (url and is_http_url(value)):
        path = PurePosixPath(value)
        if (
            path.is_absolute()
            or ".." in path.parts
            or "\\" in value
            or ":" in value
            or value != value.strip()
            or is_http_link(value)  # "//host/x.png": a browser would fetch it from a host
        ):
            raise reader.error(
                f"image {value!r} must be an http(s) URL or a path inside the campaign"
                if url
                else f"image_file {value!r} must be a path inside the campaign (images/a.jpg)",
                key=key,
            )
    if image_type(value) is None:
        raise reader.error(
            f"image {value!r} must be a {', '.join(sorted(IMAGE_TYPES))} file", key=key
        )
    return value


def parse_messages(reader: TomlReader, data: Mapping[str, Any]) -> dict[str, MessageSettings]:
    """``[messages.<name>]`` tables, by message name."""
    found: dict[str, MessageSettings] = {}
    for name, table in reader.table(data, "messages").items():
        where = f"messages.{name}"
        if not isinstance(table, dict):
            raise reader.error(f"[{where}] must be a table", key=name)
        if not _NAME.fullmatch(name):
            raise reader.error(f"[{where}]: {name!r} is not a message name", key=f"[{where}]")
        reader.only_keys(table, where, ("url", "image", "image_file"))
        url = _one_line(reader, table, "url", where + "]")
        if url is not None and not is_http_url(url):
            raise reader.error(
                f"url must be a whole http(s) link without spaces, not {url!r}",
                key=f"[{where}]url",
            )
        image = _one_line(reader, table, "image", where + "]")
        if image is not None:
            image = _image(reader, image, f"[{where}]image")
        image_file = _one_line(reader, table, "image_file", where + "]")
        if image_file is not None:
            image_file = _image(reader, image_file, f"[{where}]image_file", url=False)
        found[name] = MessageSettings(url=url, image=image, image_file=image_file)
    return found


def parse_tracking(reader: TomlReader, data: Mapping[str, Any]) -> Tracking | None:
    """``[tracking]``, or ``None`` when the campaign does not tag its links."""
    if "tracking" not in data:
        return None
    table = reader.table(data, "tracking")
    keys = {"utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term", "hosts"}
    reader.only_keys(table, "tracking", sorted(keys))
    values: dict[str, str] = {}
    for key in ("utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term"):
        value = _one_line(reader, table, key, "tracking]")
        if value is None:
            continue
        try:
            value.format_map(dict.fromkeys(_FIELDS, ""))
        except (KeyError, ValueError, IndexError):
            raise reader.error(
                f"tracking.{key} may use only {{channel}}, {{medium}}, {{message}} and "
                f"{{locale}}, not {value!r}",
                key=f"[tracking]{key}",
            ) from None
        values[key] = value
    if "utm_campaign" not in values:
        raise reader.error(
            '[tracking] needs utm_campaign = "..." (the campaign\'s name in your analytics)',
            key="[tracking]",
        )
    hosts = table.get("hosts", [])
    if not isinstance(hosts, list) or not all(
        isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9.-]+", h) for h in hosts
    ):
        raise reader.error("tracking.hosts must be a list of host names", key="[tracking]hosts")
    return Tracking(
        campaign=values["utm_campaign"],
        source=values.get("utm_source", "{channel}"),
        medium=values.get("utm_medium", "{medium}"),
        content=values.get("utm_content", "{message}-{locale}"),
        term=values.get("utm_term"),
        hosts=tuple(h.lower().rstrip(".") for h in hosts),
    )


def parse_handles(
    reader: TomlReader,
    data: Mapping[str, Any],
    channels: tuple[str, ...],
    locales: tuple[str, ...],
) -> dict[str, Handle]:
    """``[handles.<name>]`` tables: ``default`` and one key per channel."""
    found: dict[str, Handle] = {}
    for name, table in reader.table(data, "handles").items():
        where = f"handles.{name}"
        if not isinstance(table, dict) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise reader.error(
                f"[{where}] must be a table named by an identifier", key=f"[{where}]"
            )
        reader.only_keys(table, where, ("default", *channels))
        default: dict[str, str] = {}
        if isinstance(table.get("default"), dict):
            for raw, value in table["default"].items():
                key = f"[{where}]default"
                locale = reader.shipped(reader.locale(raw, key), raw, locales, key)
                if not isinstance(value, str) or not value.strip() or NOT_ONE_LINE.search(value):
                    raise reader.error(f"{where}.default.{raw} must be a one-line string", key=key)
                default[locale] = value
        elif (value := _one_line(reader, table, "default", where + "]")) is not None:
            default[""] = value
        if not default:
            raise reader.error(
                f'[{where}] needs default = "..." (what channels without their own handle get)',
                key=f"[{where}]",
            )
        by_channel = {
            channel: value
            for channel in channels
            if (value := _one_line(reader, table, channel, where + "]")) is not None
        }
        found[name] = Handle(default, by_channel)
    return found


def parse_platforms(
    reader: TomlReader, data: Mapping[str, Any], channels: tuple[str, ...]
) -> dict[str, Limits]:
    """``[platforms.<channel>]`` tables: ``max_characters`` and ``max_hashtags``."""
    found: dict[str, Limits] = {}
    for channel, table in reader.table(data, "platforms").items():
        where = f"platforms.{channel}"
        if channel not in channels:
            raise reader.error(
                f"[{where}]: {channel!r} is not a post channel ({', '.join(channels)})",
                key=f"[{where}]",
            )
        if not isinstance(table, dict):
            raise reader.error(f"[{where}] must be a table", key=f"[{where}]")
        reader.only_keys(table, where, ("max_characters", "max_hashtags"))
        values: dict[str, int] = {}
        for key in ("max_characters", "max_hashtags"):
            value = table.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise reader.error(
                    f"{where}.{key} must be a positive whole number", key=f"[{where}]{key}"
                )
            values[key] = value
        found[channel] = Limits(**values)
    return found


def parse_merge_files(
    reader: TomlReader, data: Mapping[str, Any]
) -> tuple[tuple[str, ...], str | None]:
    """``[merge] suppress`` (the suppression lists every merge reads, paths relative to
    the campaign) and ``preferences`` (the language preferences file, by default
    ``suppress/preferences.csv``).

    >>> import tomllib
    >>> text = '[merge]\\nsuppress = ["suppress/unsubscribed.csv", "suppress/bounces.csv"]\\n'
    >>> parse_merge_files(TomlReader(text, "campaign.toml"), tomllib.loads(text))
    (('suppress/unsubscribed.csv', 'suppress/bounces.csv'), None)
    """
    table = reader.table(data, "merge")
    suppress = table.get("suppress", [])
    if not isinstance(suppress, list) or not all(
        isinstance(p, str) and p.strip() and "\x00" not in p for p in suppress
    ):
        raise reader.error(
            '[merge] suppress must be a list of paths: ["suppress/unsubscribed.csv"]',
            key="[merge]suppress",
        )
    preferences = table.get("preferences")
    if preferences is not None and (not isinstance(preferences, str) or not preferences.strip()):
        raise reader.error("[merge] preferences must be a path", key="[merge]preferences")
    return tuple(suppress), preferences


def parse_merge_columns(reader: TomlReader, data: Mapping[str, Any]) -> dict[str, str]:
    """``[merge.columns]``: column -> ``"url"`` or ``"text"`` (:data:`COLUMN_KINDS`).

    >>> import tomllib
    >>> text = '[merge.columns]\\npetition_url = "url"\\nmessage = "text"\\n'
    >>> parse_merge_columns(TomlReader(text, "campaign.toml"), tomllib.loads(text))
    {'petition_url': 'url', 'message': 'text'}
    >>> text = '[merge.columns]\\nname = "text"\\n'
    >>> parse_merge_columns(TomlReader(text, "campaign.toml"), tomllib.loads(text))
    Traceback (most recent call last):
    ...
    outreach.errors.ConfigError: campaign.toml:2: [merge.columns] cannot declare 'name': ...
    """
    table = reader.table(data, "merge")
    reader.only_keys(table, "merge", ("columns", "sample", "suppress", "preferences"))
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        raise reader.error(
            '[merge] columns must be a table: [merge.columns] then petition_url = "url"',
            key="[merge]columns",
        )
    kinds = " or ".join(f'"{kind}" ({what})' for kind, what in COLUMN_KINDS.items())
    found: dict[str, str] = {}
    for column, kind in columns.items():
        key = f"[merge.columns]{column}"
        if not _COLUMN.fullmatch(column) or column != column.lower():
            raise reader.error(
                f"[merge.columns] has {column!r}: write a column as templates name it, in "
                "lower case with '_' for spaces and punctuation ('Petition URL' is "
                "petition_url)",
                key=key,
            )
        if column in ("email", "name", "locale"):
            raise reader.error(
                f"[merge.columns] cannot declare {column!r}: it reaches the To header, which "
                "holds one line of plain text",
                key=key,
            )
        if kind not in COLUMN_KINDS:
            raise reader.error(f"merge.columns.{column} must be {kinds}, not {kind!r}", key=key)
        found[column] = kind
    return found


@dataclass(frozen=True)
class Approval:
    """A reviewer's approval of a locale: the day, and the digest of the strings approved
    (:func:`outreach.release.strings_digest`): it lapses when one of them changes."""

    date: str
    digest: str


@dataclass(frozen=True)
class Release:
    """``[release]``: whether a locale needs a reviewer's approval to be ready, the
    approvals, and the deadline rule for supporters held until then."""

    require_approval: bool = False
    approved: Mapping[str, Approval] = field(default_factory=dict)
    deadline: dt.datetime | None = None
    at_deadline: str = "hold"


#: What ``[release] at_deadline`` may say.
AT_DEADLINE = ("fallback", "hold")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def parse_release(reader: TomlReader, data: Mapping[str, Any], locales: tuple[str, ...]) -> Release:
    """``[release]`` (see the module's description).

    >>> import tomllib
    >>> text = ('[release]\\nrequire_approval = true\\ndeadline = 2026-12-10T09:00:00+01:00\\n'
    ...         'at_deadline = "fallback"\\n')
    >>> release = parse_release(TomlReader(text, "campaign.toml"), tomllib.loads(text), ("en",))
    >>> release.require_approval, release.deadline.isoformat(), release.at_deadline
    (True, '2026-12-10T09:00:00+01:00', 'fallback')
    """
    table = reader.table(data, "release")
    reader.only_keys(table, "release", ("approved", "at_deadline", "deadline", "require_approval"))
    require = table.get("require_approval", False)
    if not isinstance(require, bool):
        raise reader.error(
            "[release] require_approval is true or false", key="[release]require_approval"
        )
    deadline = table.get("deadline")
    if deadline is not None and (not isinstance(deadline, dt.datetime) or deadline.tzinfo is None):
        raise reader.error(
            "[release] deadline is a date and time with its offset, unquoted: "
            "2026-12-10T09:00:00+01:00",
            key="[release]deadline",
        )
    at_deadline = table.get("at_deadline", "hold")
    if at_deadline not in AT_DEADLINE:
        raise reader.error(
            f'[release] at_deadline is "fallback" or "hold", not {at_deadline!r}',
            key="[release]at_deadline",
        )
    approved: dict[str, Approval] = {}
    for raw, value in reader.table(table, "approved").items():
        key = f"[release.approved]{raw}"
        locale = reader.locale(raw, key)
        if locale not in locales:
            raise reader.error(
                f"[release.approved] has {raw!r}, a locale the campaign does not ship", key=key
            )
        if isinstance(value, str | dt.date):  # a date alone: approved, but of no strings
            approved[locale] = Approval(str(value), "")
            continue
        if not isinstance(value, dict) or set(value) != {"date", "digest"}:
            raise reader.error(
                f'[release.approved] {raw} is {{ date = "2026-12-01", digest = "sha256:..." }} '
                "(write it with outreach approve)",
                key=key,
            )
        date, digest = value["date"], value["digest"]
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise reader.error(
                f"[release.approved] {raw}: digest is sha256: and 64 hex digits", key=key
            )
        approved[locale] = Approval(str(date), digest)
    return Release(bool(require), approved, deadline, str(at_deadline))


@dataclass(frozen=True)
class Privacy:
    """``[privacy]``: who gets the low-trace email (every supporter of ``locales``, and
    those whose ``column`` says so), whether images are inlined, and a neutral sender."""

    locales: frozenset[str] = frozenset()
    column: str | None = None
    inline_images: bool = False
    sender: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.locales or self.column)


#: What a privacy column says for "yes, at risk" (case and spaces aside).
PRIVACY_YES = frozenset({"1", "true", "yes", "y", "x", "at risk", "at_risk"})


def parse_privacy(reader: TomlReader, data: Mapping[str, Any], locales: tuple[str, ...]) -> Privacy:
    """``[privacy]`` (see the module's description).

    >>> import tomllib
    >>> text = '[privacy]\\nlocales = ["ru"]\\ncolumn = "at_risk"\\n'
    >>> privacy = parse_privacy(TomlReader(text, "c.toml"), tomllib.loads(text), ("en", "ru"))
    >>> sorted(privacy.locales), privacy.column, privacy.inline_images
    (['ru'], 'at_risk', False)
    """
    table = reader.table(data, "privacy")
    reader.only_keys(table, "privacy", ("column", "from", "inline_images", "locales"))
    found: set[str] = set()
    raw_locales = table.get("locales", [])
    if not isinstance(raw_locales, list) or not all(isinstance(x, str) for x in raw_locales):
        raise reader.error("[privacy] locales is a list of locales", key="[privacy]locales")
    for raw in raw_locales:
        locale = reader.locale(raw, "[privacy]locales")
        if locale not in locales:
            raise reader.error(
                f"[privacy] locales has {raw!r}, a locale the campaign does not ship",
                key="[privacy]locales",
            )
        found.add(locale)
    column = table.get("column")
    if column is not None and (
        not isinstance(column, str) or not _COLUMN.fullmatch(column) or column != column.lower()
    ):
        raise reader.error(
            "[privacy] column is a supporters CSV column as templates name it (at_risk)",
            key="[privacy]column",
        )
    inline = table.get("inline_images", False)
    if not isinstance(inline, bool):
        raise reader.error("[privacy] inline_images is true or false", key="[privacy]inline_images")
    sender = _one_line(reader, table, "from", "privacy]")
    return Privacy(frozenset(found), column, inline, sender)


#: The longest sample value: a name or a line, not a document.
MAX_SAMPLE = 1000


def parse_merge_sample(reader: TomlReader, data: Mapping[str, Any]) -> dict[str, str]:
    """``[merge.sample]``: column -> a sample value, for ``render``, ``preview`` and
    ``check``, which run without a supporters CSV (``merge`` never uses them: a supporter's
    own values, or none).

    >>> import tomllib
    >>> text = '[merge.sample]\\nfirst_name = "Alex"\\n'
    >>> parse_merge_sample(TomlReader(text, "campaign.toml"), tomllib.loads(text))
    {'first_name': 'Alex'}
    >>> text = '[merge.sample]\\nfirst_name = 3\\n'
    >>> parse_merge_sample(TomlReader(text, "campaign.toml"), tomllib.loads(text))
    Traceback (most recent call last):
    ...
    outreach.errors.ConfigError: campaign.toml:2: merge.sample.first_name must be a string ...
    """
    table = reader.table(data, "merge")
    sample = table.get("sample", {})
    if not isinstance(sample, dict):
        raise reader.error(
            '[merge] sample must be a table: [merge.sample] then first_name = "Alex"',
            key="[merge]sample",
        )
    found: dict[str, str] = {}
    for column, value in sample.items():
        key = f"[merge.sample]{column}"
        if not _COLUMN.fullmatch(column) or column != column.lower():
            raise reader.error(
                f"[merge.sample] has {column!r}: write a column as templates name it, in "
                "lower case with '_' for spaces and punctuation ('First name' is first_name)",
                key=key,
            )
        if not isinstance(value, str) or len(value) > MAX_SAMPLE:
            raise reader.error(
                f"merge.sample.{column} must be a string of at most {MAX_SAMPLE:,} characters "
                '(first_name = "Alex")',
                key=key,
            )
        found[column] = value
    return found
