"""The source strings a catalog translates, as the templates say them.

Everything in a ``.po`` is translator text, its ``msgid_plural`` too: gettext looks a plural
up by its singular msgid only, so a translator can rewrite the ``msgid_plural`` of an entry
(to one that "has" a new link, say) without changing which entry renders. The checks must
therefore judge a translation against the source the templates give, never against the
``.po``'s copy of it. :func:`template_sources` reads that source from ``messages/**/*.j2`` as
``outreach extract`` (and ``pybabel extract``) does; a campaign without templates falls back
to its POT (generated, but the only source there is).

Each string also knows the values its placeholders take where the templates give them:
``{% trans handle=ioc_handle %}`` binds ``%(handle)s`` to the campaign variable
``ioc_handle`` (``@iocmedia``), so that the checks read ``%(handle)s_x`` as the supporter
would, ``@iocmedia_x``: another account.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> found = template_sources(campaign)
>>> found.origin, len(found.strings) > 0
('templates', True)
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from outreach.errors import OutreachError, TemplateError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

    from outreach.cache import CheckCache
    from outreach.campaign import Campaign

__all__ = [
    "COMMENT_TAGS",
    "JINJA2_OPTIONS",
    "SourceString",
    "Sources",
    "context_values",
    "extract_catalog",
    "template_sources",
    "template_strings",
]

# The extraction pybabel does with the mapping documented in docs/guide/commands.md:
#   [jinja2: messages/**.j2]
#   encoding = utf-8
#   trimmed = true
#   silent = false
#   pybabel extract -F babel.cfg -c TRANSLATORS: -o locales/messages.pot .
JINJA2_OPTIONS = {"encoding": "utf-8", "trimmed": "true", "silent": "false"}
COMMENT_TAGS = ("TRANSLATORS:",)

#: ``(msgctxt, msgid)`` of a translatable string.
Key = tuple[str | None, str]
#: How a template binds a placeholder: ``("name", variable)``, ``("const", text)`` or
#: ``("unknown", "")`` (a filter, an expression, different bindings in different places).
Binding = tuple[str, str]

_FUNCTIONS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


@dataclass(frozen=True)
class SourceString:
    """One source string: its plural (``None`` for a singular string) and the values the
    templates give its placeholders, where those are known text."""

    msgid_plural: str | None
    values: Mapping[str, str] = field(default_factory=dict)
    #: every value a placeholder renders as somewhere, where it has several (a handle: its
    #: account on each channel that has one, its name in each locale elsewhere)
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """The source strings of a campaign by ``(msgctxt, msgid)``; ``origin`` says where they
    come from (``templates`` or ``POT``), ``digest`` identifies them (for caches)."""

    strings: Mapping[Key, SourceString]
    origin: str
    digest: str

    def get(self, key: Key) -> SourceString | None:
        return self.strings.get(key)


def template_sources(campaign: Campaign, cache: CheckCache | None = None) -> Sources | None:
    """The campaign's source strings: from its templates, else from its POT, else ``None``
    (a campaign of catalogs alone: the checks then have only the catalogs to go by).

    Templates that cannot be read or parsed fall back to the POT too; ``outreach render``
    and the rendered checks report them. With the check ``cache``, what the templates say
    is remembered by their digest (extracting them costs more than a check that finds
    nothing changed).
    """
    try:
        texts = tuple((campaign.relative(p), campaign.read(p)) for p in campaign.template_paths())
    except (OSError, OutreachError):
        texts = ()
    if texts:
        digest = _digest(texts)
        parsed = _PARSED.get(digest) or _recalled(cache, digest)
        if parsed is None:
            try:
                parsed = _extracted(campaign), _all_bindings(texts)
            except OutreachError:
                return _from_pot(campaign)
            _remember(cache, digest, parsed)
        if len(_PARSED) > 16:
            _PARSED.clear()
        _PARSED[digest] = parsed  # every catalog of a run, and its renderer, asks again
        plurals, bindings = parsed
        context = context_values(campaign)
        strings = {
            key: SourceString(
                plural,
                _values(campaign, context, bindings.get(key, {})),
                _variants(campaign, bindings.get(key, {})),
            )
            for key, plural in plurals.items()
        }
        return Sources(strings, "templates", digest)
    return _from_pot(campaign)


Parsed = tuple[dict[Key, str | None], dict[Key, dict[str, Binding]]]
_PARSED: dict[str, Parsed] = {}


def _cache_key(cache: CheckCache, digest: str) -> str:
    import babel
    import jinja2

    from outreach._version import __version__

    return cache.key("sources", 1, __version__, babel.__version__, jinja2.__version__, digest)


def _recalled(cache: CheckCache | None, digest: str) -> Parsed | None:
    """The templates' strings as a check cache remembers them (it is keyed by this machine's
    secret: no file can forge it), or ``None``."""
    if cache is None or not cache.enabled:
        return None
    value = cache.get("files", _cache_key(cache, digest))
    try:
        plurals: dict[Key, str | None] = {}
        bindings: dict[Key, dict[str, Binding]] = {}
        for context, msgid, plural, names in value:
            key = (None if context is None else str(context), str(msgid))
            plurals[key] = None if plural is None else str(plural)
            if names:
                bindings[key] = {str(n): (str(kind), str(v)) for n, kind, v in names}
    except (TypeError, ValueError):
        return None
    return plurals, bindings


def _remember(cache: CheckCache | None, digest: str, parsed: Parsed) -> None:
    if cache is None or not cache.enabled:
        return
    plurals, bindings = parsed
    value = [
        [key[0], key[1], plural, [[n, k, v] for n, (k, v) in bindings.get(key, {}).items()]]
        for key, plural in plurals.items()
    ]
    cache.put("files", _cache_key(cache, digest), value)


def _digest(texts: tuple[tuple[str, bytes], ...]) -> str:
    digest = hashlib.sha256()
    for name, data in texts:
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _extracted(campaign: Campaign) -> dict[Key, str | None]:
    """``outreach extract``'s strings (so, pybabel's) by key, with their plurals."""
    from outreach.pofile import iter_messages

    found: dict[Key, str | None] = {}
    for message in iter_messages(extract_catalog(campaign)):
        if isinstance(message.id, list | tuple):
            found[(message.context, str(message.id[0]))] = str(message.id[1])
        else:
            found[(message.context, str(message.id))] = None
    return found


def _all_bindings(texts: tuple[tuple[str, bytes], ...]) -> dict[Key, dict[str, Binding]]:
    merged: dict[Key, dict[str, Binding]] = {}
    for name, data in texts:
        for key, names in _bindings(name, data).items():
            into = merged.setdefault(key, {})
            for placeholder, binding in names.items():
                if into.get(placeholder, binding) != binding:
                    binding = ("unknown", "")  # bound differently elsewhere
                into[placeholder] = binding
    return merged


def template_strings(campaign: Campaign, names: Iterable[str]) -> set[Key]:
    """Every string the templates ``messages/<name>`` translate, in every branch (what a
    supporter may get, whatever their values), as extraction reads them; a template that
    cannot be read or parsed gives none (``render`` and ``check`` report it).

    >>> import pathlib, tempfile
    >>> from outreach.scaffold import init_campaign
    >>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
    >>> (None, "Thank you for joining us") in template_strings(campaign, ["welcome.j2"])
    True
    """
    found: set[Key] = set()
    for name in names:
        path = campaign.messages_dir / name
        try:
            data = campaign.read(path)
        except (OSError, OutreachError):
            continue
        found |= set(_bindings(campaign.relative(path), data))
    return found


@functools.lru_cache(maxsize=256)
def _bindings(name: str, data: bytes) -> dict[Key, dict[str, Binding]]:
    """How one template binds the placeholders of each string it translates."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    env = Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # {% trans %} as keyword calls
    try:
        tree = env.parse(data.decode("utf-8"), name)
    except (TemplateSyntaxError, UnicodeDecodeError):
        return {}
    found: dict[Key, dict[str, Binding]] = {}
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in _FUNCTIONS:
            continue
        strings = [
            a.value if isinstance(a, nodes.Const) and isinstance(a.value, str) else None
            for a in call.args
        ]
        context, msgid = (
            [*strings, None, None][:2]
            if call.node.name in ("pgettext", "npgettext")
            else (None, strings[0] if strings else None)
        )
        if msgid is None:
            continue
        names = found.setdefault((context, msgid), {})
        for keyword in call.kwargs:
            names[keyword.key] = _binding(keyword.value)
    return found


def _binding(node: object) -> Binding:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return "name", node.name
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return "const", node.value
    if (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "handles"
    ):
        return "handle", node.attr  # {{ handles.ioc }}: [handles.ioc] in campaign.toml
    return "unknown", ""


def _values(
    campaign: Campaign, context: Mapping[str, str], bindings: Mapping[str, Binding]
) -> dict[str, str]:
    """The text each placeholder renders as, where the template gives it one the campaign
    knows (``context``: its variables and the renderer's own, url, hashtag ...)."""
    values: dict[str, str] = {}
    for placeholder, (kind, value) in bindings.items():
        if kind == "const":
            values[placeholder] = value
        elif kind == "name" and value in context:
            values[placeholder] = context[value]
        elif kind == "handle" and value in campaign.handles:
            # the X handle if there is one: where a glued word would hijack a mention
            handle = campaign.handles[value]
            values[placeholder] = handle.by_channel.get("x") or handle.on("mastodon", "")
    return values


def _variants(campaign: Campaign, bindings: Mapping[str, Binding]) -> dict[str, tuple[str, ...]]:
    """Every value of each placeholder bound to a handle that names the account in more
    than one way: ``@iocmedia`` on X is ``@olympics.example`` on Bluesky and ``COI``
    elsewhere, and a translation must not make a new mention out of any of them."""
    variants: dict[str, tuple[str, ...]] = {}
    for placeholder, (kind, value) in bindings.items():
        if kind == "handle" and value in campaign.handles:
            handle = campaign.handles[value]
            every = (*handle.by_channel.values(), *handle.default.values())
            if len(set(every)) > 1:
                variants[placeholder] = tuple(dict.fromkeys(every))
    return variants


def context_values(campaign: Campaign) -> dict[str, str]:
    """The text variables every template sees (campaign.toml's ``[variables]`` and the
    renderer's own), by name: what ``%(name)s`` renders as when a template passes the
    variable of that name."""
    values = {k: v for k, v in campaign.variables.items() if isinstance(v, str)}
    values.update(
        campaign_name=campaign.name,
        url=campaign.url,
        hashtag=campaign.hashtags[0] if campaign.hashtags else "",
    )
    if campaign.email.unsubscribe_url:
        values["unsubscribe_url"] = campaign.email.unsubscribe_url
    return values


def _from_pot(campaign: Campaign) -> Sources | None:
    from outreach.pofile import iter_messages, parse_po

    try:
        data = campaign.read(campaign.pot_path)
        po = parse_po(data, path=campaign.relative(campaign.pot_path))
    except (OSError, OutreachError):
        return None
    strings: dict[Key, SourceString] = {}
    for message in iter_messages(po.catalog):
        if isinstance(message.id, list | tuple):
            strings[(message.context, str(message.id[0]))] = SourceString(str(message.id[1]))
        else:
            strings[(message.context, str(message.id))] = SourceString(None)
    return Sources(strings, "POT", hashlib.sha256(data).hexdigest())


def extract_catalog(campaign: Campaign) -> Catalog:
    """Templates -> POT catalog, exactly as ``pybabel extract`` with the documented mapping."""
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.extract import extract as extract_from
    from jinja2 import TemplateSyntaxError

    from outreach.campaign import DOMAIN

    catalog = Catalog(
        project=campaign.name,
        version=campaign.version,
        domain=DOMAIN,
        charset="utf-8",
        copyright_holder=campaign.name,
        header_comment=(
            f"# Translations template for {campaign.name}.\n"
            f"# Edit the templates in messages/ and run 'outreach extract'; "
            "do not edit this file."
        ),
    )
    for path in campaign.template_paths():
        relative = campaign.relative(path)
        data = campaign.read(path)  # no template through a symbolic link, and no FIFO
        try:
            found = extract_from(
                # Jinja2's extractor by its import path: the name "jinja2" would have Babel
                # scan every installed distribution's entry points, for each template
                "jinja2.ext:babel_extract",
                BytesIO(data),
                keywords=DEFAULT_KEYWORDS,
                comment_tags=COMMENT_TAGS,
                options=JINJA2_OPTIONS,
            )
            for lineno, message, comments, context in found:
                catalog.add(
                    message,
                    None,
                    [(relative, lineno)],
                    auto_comments=comments,
                    context=context,
                )
        except TemplateSyntaxError as exc:
            raise TemplateError(exc.message or "syntax error", path=path, line=exc.lineno) from None
        except UnicodeDecodeError as exc:
            raise TemplateError(f"not UTF-8: {exc.reason}", path=path, line=1) from None
    return catalog
