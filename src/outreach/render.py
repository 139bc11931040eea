"""Render messages per locale and channel: emails and social posts.

A message is one template, ``messages/<name>.j2``, whose blocks are its parts:

=============  ======================================================================
``subject``    the email subject (one line; pgettext context ``subject``)
``preheader``  the inbox preview line (one line; context ``preheader``)
``body``       the HTML email body, placed into ``_email.html.j2``
``text``       the plain-text email body, placed into ``_email.txt.j2``
``post``       the social post; ``post_x``, ``post_mastodon``, ... override it per channel
=============  ======================================================================

A message with ``body`` or ``text`` has the ``email`` channel; one with ``post`` has every
social channel. Each locale gets two Jinja2 environments, built lazily and cached: one for
HTML (autoescape on, translations sanitised to their source's markup, and ``button()``, the
bulletproof email button of :mod:`outreach.emailhtml`) and one for text. An email's blocks
and layouts also see ``lang``, ``dir``, the brand colour and the ``[email]`` footer settings
(postal address, "view in browser" link).

>>> from outreach.campaign import load_campaign
>>> renderer = Renderer(load_campaign("."))                       # doctest: +SKIP
>>> post = renderer.render("share", "es", "x")                    # doctest: +SKIP
>>> post.text.endswith("#LoveAlwaysWins"), post.length <= post.limit   # doctest: +SKIP
(True, True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import gettext
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.errors import CatalogError, TemplateError, UsageError
from outreach.files import tree_digest, zone_rules
from outreach.items import EMAIL, Email, InlineImage, Post, Rendered, parse_variables
from outreach.settings import is_image_url

if TYPE_CHECKING:
    from jinja2 import BaseLoader, BytecodeCache, Environment, Template

    from outreach.cache import CheckCache
    from outreach.campaign import Campaign
    from outreach.findings import Finding
    from outreach.sources import Sources
    from outreach.translations import LocaleTranslations
    from outreach.unsubscribe import Unsubscribe

__all__ = [
    "EMAIL",
    "Email",
    "Held",
    "Post",
    "Rendered",
    "Renderer",
    "held_lines",
    "parse_variables",
]

#: How a render problem says a post or email links where its source does not.
HIJACK = "a possible link hijack (outreach check names the string)"
HTML_LAYOUT = "_email.html.j2"
TEXT_LAYOUT = "_email.txt.j2"


class _LocaleEnvironments:
    """The HTML and text environments of one locale."""

    def __init__(
        self,
        campaign: Campaign,
        locale: str,
        chain: gettext.NullTranslations,
        lookup: Callable[[str | None, str, bool], None],
        compiled: tuple[BytecodeCache, BytecodeCache],
    ) -> None:
        from outreach.emailhtml import button
        from outreach.formatting import babel_filters
        from outreach.sanitize import SafeTranslations

        filters = {
            name: _never_folded(function)
            for name, function in babel_filters(locale, campaign.timezone_for(locale)).items()
        }
        self.html = _environment(campaign, autoescape=True, compiled=compiled[0])
        self.html.globals["button"] = button  # the bulletproof email button
        self.text = _environment(campaign, autoescape=False, compiled=compiled[1])
        for env, html in ((self.html, True), (self.text, False)):
            env.filters.update(filters)
            safe = SafeTranslations(chain, html=html, lookup=lookup)
            env.install_gettext_callables(  # type: ignore[attr-defined]
                safe.gettext,
                safe.ngettext,
                newstyle=True,
                pgettext=safe.pgettext,
                npgettext=safe.npgettext,
            )


def _never_folded(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a filter that Jinja2 calls when the template runs, never when it
    compiles: Jinja2 folds a filter of constants (``{{ 1234.5|number }}``) into the compiled
    code, which every locale shares (:func:`_compiled_templates`), and the locale filters
    must give each locale its own digits and dates. A ``pass_context`` filter is never
    folded."""
    from jinja2 import pass_context

    @pass_context
    def call(context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call


def _environment(
    campaign: Campaign, *, autoescape: bool, compiled: BytecodeCache | None = None
) -> Environment:
    """A Jinja2 environment over the campaign's templates, then outreach's default layouts.

    Undefined variables are errors (a typo must not send an email with a blank), and the
    i18n extension trims ``{% trans %}`` white space as the extractor does. ``compiled``
    holds the templates' compiled code for every environment configured alike.
    """
    from importlib import resources

    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    builtin = str(resources.files("outreach") / "skeleton" / "messages")
    env = Environment(
        loader=ChoiceLoader([_campaign_loader(campaign), FileSystemLoader(builtin)]),
        extensions=["jinja2.ext.i18n"],
        autoescape=autoescape,
        undefined=StrictUndefined,
        auto_reload=False,
        bytecode_cache=compiled,
    )
    env.policies["ext.i18n.trimmed"] = True
    del env.globals["lipsum"]  # random text: the same campaign would render differently
    return env


def _campaign_loader(campaign: Campaign) -> BaseLoader:
    """A Jinja2 loader for ``messages/`` that reads no template through a symbolic link
    (a pull request could add one pointing at any file of the machine)."""
    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class CampaignTemplates(BaseLoader):
        def get_source(
            self, environment: Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            path = campaign.messages_dir.joinpath(*split_template_path(template))
            try:
                data = campaign.read(path)
            except FileNotFoundError:
                raise TemplateNotFound(template) from None
            return data.decode("utf-8"), str(path), lambda: True

    return CampaignTemplates()


def _compiled_templates() -> BytecodeCache:
    """A Jinja2 bytecode cache in memory: each template is compiled once per renderer and
    kind (HTML or text), not once per locale. Only the configuration decides the compiled
    code (autoescape is folded into it; globals and translations are looked up when it
    runs, and the locale filters are never folded: :func:`_never_folded`), and every
    locale's environment of one kind is configured alike.

    >>> cache = _compiled_templates()
    >>> from jinja2 import DictLoader, Environment
    >>> one, two = (Environment(loader=DictLoader({"t": "{{ 1 + 1 }}"}), bytecode_cache=cache)
    ...             for _ in range(2))
    >>> one.get_template("t").render(), two.get_template("t").render()
    ('2', '2')
    >>> len(cache.code)
    1
    """
    from jinja2 import BytecodeCache
    from jinja2.bccache import Bucket

    class CompiledTemplates(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, tuple[str, Any]] = {}

        def load_bytecode(self, bucket: Bucket) -> None:
            found = self.code.get(bucket.key)
            if found is not None and found[0] == bucket.checksum:
                bucket.code = found[1]

        def dump_bytecode(self, bucket: Bucket) -> None:
            self.code[bucket.key] = (bucket.checksum, bucket.code)

    return CompiledTemplates()


_UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")


def sample_hint(column: str) -> str:
    """What to say when ``column`` has no value where no supporter is at hand (``render``,
    ``preview``, ``check``): the two ways to give it one.

    >>> print(sample_hint("first_name"))
    a supporters' column? give it a sample value: first_name = "..." under [merge.sample] in \
campaign.toml, or --supporters FILE.csv (its first row of each locale)
    """
    return (
        f'a supporters\' column? give it a sample value: {column} = "..." under '
        "[merge.sample] in campaign.toml, or --supporters FILE.csv (its first row of each "
        "locale)"
    )


class Renderer:
    """Renders a campaign's messages; one instance caches environments per locale."""

    def __init__(
        self,
        campaign: Campaign,
        variables: Mapping[str, Any] | None = None,
        *,
        cache: CheckCache | None = None,
        private: bool = False,
        samples: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.campaign = campaign
        #: emails in the low-trace variant (``[privacy]``): no UTM tags, no remote image and
        #: its alt text (with ``inline_images``, the image inside the email as a ``cid:``
        #: part), no "view in browser" link, the ``subject_private`` block when the
        #: template has one
        self.private = private
        #: sample values of supporters' columns where no supporter is at hand (``render``,
        #: ``preview``, ``check``): ``[merge.sample]``, then these (``--supporters``: locale
        #: -> column -> value, ``""`` for every locale without its own); ``None`` for no
        #: sample at all (``merge``: a supporter's own values, or an error)
        self.samples = samples
        #: the check cache, if any: catalogs and templates checked before are recalled
        #: from it, not checked again (the caller saves it)
        self.cache = cache
        #: what ``--var`` gave: it wins over everything the campaign computes (``url`` too)
        self.overrides = dict(variables or {})
        self.variables = {**campaign.variables, **self.overrides}
        self._environments: dict[str, _LocaleEnvironments] = {}
        self._catalogs: dict[str, LocaleTranslations] = {}
        self._unreadable: dict[str, CatalogError] = {}
        #: the locales :meth:`render_all` left out, and why (:meth:`held`)
        self.held_back: dict[str, Held] = {}
        self._recorders: list[set[tuple[str | None, str, bool]]] = []
        self._source_texts: dict[tuple[str, str], str] = {}
        self._compiled: tuple[BytecodeCache, BytecodeCache] | None = None
        #: what :meth:`_context` and :meth:`_email_context` work out once (immutable parts)
        self._fixed: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        self._fixed_email: dict[tuple[str, str], dict[str, Any]] = {}
        self._inline: dict[str, InlineImage | None] = {}

    def _refused(self, locale: str, used: set[tuple[str | None, str, bool]]) -> tuple[Finding, ...]:
        """The error findings of the translations ``used`` would have taken in ``locale``'s
        chain, and which were left out: a refused entry, a catalog whose charset is
        refused, or a broken ``Plural-Forms`` when a plural string was asked for. Each once,
        in chain order."""
        from outreach.translations import refusal_applies

        keys = {(context, msgid) for context, msgid, _ in used}
        plural = any(is_plural for _, _, is_plural in used)
        found: dict[Finding, None] = {}
        for link in self.campaign.chain(locale):
            loaded = self._catalogs.get(link)
            for finding in loaded.refused if loaded is not None else ():
                if refusal_applies(finding, keys, plural):
                    found.setdefault(finding)
        return tuple(found)

    @contextlib.contextmanager
    def recording(self) -> Iterator[set[tuple[str | None, str, bool]]]:
        """Collect ``(msgctxt, msgid, plural)`` of every string rendered inside the block
        (``msgid`` is the singular of a plural string), whatever the locale.

        >>> renderer = Renderer(load_campaign("."))                  # doctest: +SKIP
        >>> with renderer.recording() as used:                       # doctest: +SKIP
        ...     _ = renderer.render("share", "es", "x")
        >>> sorted(used)[0][1][:16]                                  # doctest: +SKIP
        'Love always wins'
        """
        seen: set[tuple[str | None, str, bool]] = set()
        self._recorders.append(seen)
        try:
            yield seen
        finally:
            self._recorders.remove(seen)

    def translations(self, locale: str) -> LocaleTranslations:
        """``locale``'s own catalog as rendering uses it: read, checked and compiled once per
        renderer (:func:`outreach.translations.load_locale`); ``mo`` is ``None`` without a
        catalog. ``locale`` must be normalised (``pt_BR``)."""
        loaded = self._catalogs.get(locale)
        if loaded is None:
            from outreach.translations import load_locale

            loaded = load_locale(self.campaign, locale, self._sources, self.cache)
            self._catalogs[locale] = loaded
        return loaded

    @cached_property
    def _sources(self) -> Sources | None:
        """The templates' source strings, read once per renderer."""
        from outreach.sources import template_sources

        return template_sources(self.campaign, self.cache)

    @property
    def sources(self) -> Sources | None:
        """The templates' source strings (``None`` for a campaign of catalogs alone)."""
        return self._sources

    # -- what there is -----------------------------------------------------------------
    @cached_property
    def messages(self) -> list[str]:
        """Message names: every ``messages/*.j2`` that is not a ``_layout``."""
        top = self.campaign.messages_dir
        return sorted(
            p.name[: -len(".j2")]
            for p in self.campaign.template_paths()
            if p.parent == top and not p.name.startswith("_")
        )

    def channels(self, message: str) -> list[str]:
        """The channels ``message`` has, email first, then social channels in fixed order."""
        from outreach.platforms import POST_CHANNELS

        blocks = self._template(self.campaign.source_locale, message, html=False).blocks
        channels = [EMAIL] if ("body" in blocks or "text" in blocks) else []
        if "post" in blocks or any(f"post_{c}" in blocks for c in POST_CHANNELS):
            channels += [c for c in POST_CHANNELS if "post" in blocks or f"post_{c}" in blocks]
        return channels

    def resolve_message(self, name: str) -> str:
        name = name.removesuffix(".j2")
        if name not in self.messages:
            known = ", ".join(self.messages) or "none"
            raise UsageError(
                f"no message {name!r} in {self.campaign.messages_dir} (messages: {known})"
            )
        return name

    # -- rendering ---------------------------------------------------------------------
    def render(self, message: str, locale: str, channel: str) -> Rendered:
        """Render one message in one locale for one channel."""
        if channel == EMAIL:
            return self.render_email(message, locale)
        return self.render_post(message, locale, channel)

    def render_all(
        self,
        messages: Sequence[str] | None = None,
        locales: Sequence[str] | None = None,
        channels: Sequence[str] | None = None,
    ) -> Iterator[Rendered]:
        """Every message x locale x channel, in a stable order, except what is held: a
        locale whose catalog (or a parent's) cannot be read, and an item that would use a
        translation refused for an error finding (:meth:`held`). What was held, and why,
        is in :attr:`held_back` afterwards."""
        for message in messages or self.messages:
            own = self.channels(message)
            wanted = [c for c in own if channels is None or c in channels]
            for locale in locales or [self.campaign.source_locale]:
                if self.held(locale) is not None:
                    continue
                for channel in wanted:
                    item = self.render(message, locale, channel)
                    if self.held(locale, item) is None:
                        yield item

    def catalog_error(self, locale: str) -> CatalogError | None:
        """The error of the first catalog of ``locale``'s chain that cannot be read (a
        syntax error, a charset it is not in ...), or ``None``: rendering ``locale`` would
        need that catalog, so the locale is held; every other locale renders as usual."""
        for link in self.campaign.chain(locale):
            found = self._unreadable.get(link)
            if found is None and link not in self._catalogs:
                try:
                    self.translations(link)
                except CatalogError as exc:
                    self._unreadable[link] = found = exc
            if found is not None:
                return found
        return None

    def fingerprint(self, message: str, locale: str) -> str:
        """A digest of everything ``message``'s email in ``locale`` depends on besides the
        values a render is given: outreach's code and the libraries and Python it runs on,
        campaign.toml and the source strings (:func:`outreach.cache.check_fingerprint`),
        the bytes of every file of ``messages/`` and of outreach's own layouts (any of them
        a template can include), each catalog of the locale's chain as compiled (its
        ``.mo`` bytes and refusals), the variables (``--var`` too), the sample values, the
        low-trace variant and its inlined image, the audience's time zone and its rules
        (:func:`outreach.files.zone_rules`). A cached result keyed by it (and by the
        values) is what a render would give now (raises
        :class:`~outreach.errors.CatalogError` for a catalog of the chain that cannot be
        read, :class:`OSError` for a folder of ``messages/`` that cannot be listed: a
        template in it can be included, and its bytes cannot be part of the digest).

        >>> from outreach.scaffold import init_campaign
        >>> import tempfile
        >>> campaign = init_campaign(Path(tempfile.mkdtemp()) / "c")
        >>> one = Renderer(campaign).fingerprint("share", "en")
        >>> one == Renderer(campaign).fingerprint("share", "en")
        True
        >>> one == Renderer(campaign, {"url": "https://example.org/x"}).fingerprint("share", "en")
        False
        """
        import hashlib

        digest = hashlib.sha256(self._files_digest)
        for link in self.campaign.chain(locale):
            loaded = self.translations(link)
            digest.update(f"\0{link}\0".encode())
            digest.update(hashlib.sha256(loaded.mo).digest() if loaded.mo is not None else b"-")
            digest.update(repr([f.to_json() for f in loaded.refused]).encode())
        image = self._inline_image(message) if self.private else None
        zone = self.campaign.timezone_for(locale)
        try:  # a date in the audience's time zone: its rules (a system update changes them)
            rules = hashlib.sha256(zone_rules(zone)).hexdigest() if zone else None
        except OSError:
            rules = "missing"
        settings = (
            message,
            locale,
            zone,
            rules,
            self.private,
            sorted((k, type(v).__qualname__, repr(v)) for k, v in self.variables.items()),
            None
            if self.samples is None
            else sorted((k, sorted(v.items())) for k, v in self.samples.items()),
            None
            if image is None
            else (image.filename, image.media_type, image.content_id, image.data),
        )
        digest.update(repr(settings).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    @cached_property
    def _files_digest(self) -> bytes:
        """:meth:`fingerprint`'s part that is the same for every message and locale: the
        code, campaign.toml and source strings, and the bytes of the templates' folders."""
        import hashlib
        from importlib import resources

        from outreach.cache import check_fingerprint

        digest = hashlib.sha256(check_fingerprint(self.campaign, self._sources).encode())
        builtin = Path(str(resources.files("outreach") / "skeleton" / "messages"))
        folders = {"messages": self.campaign.messages_dir, "layouts": builtin}
        digest.update(tree_digest(folders, strict=True).encode("ascii"))
        return digest.digest()

    def held(self, locale: str, item: Rendered | None = None) -> Held | None:
        """Why ``locale`` (or one ``item`` rendered in it) is held, or ``None``.

        A locale is held whole when a catalog of its chain cannot be read
        (:meth:`catalog_error`); an item is held when it would have used a translation
        that was refused for an error finding (its ``refused``): sent in the fallback
        language instead, a supporter would get a half-translated message. Each is
        noted in :attr:`held_back` (a locale once, with every reason found).
        """
        error = self.catalog_error(locale)
        if error is not None:
            found = self.held_back.setdefault(locale, Held(locale, (str(error),)))
            return found
        if item is None or not item.refused:
            return None
        known = self.held_back.get(locale)
        lines = tuple(dict.fromkeys((*(known.lines if known else ()), *map(str, item.refused))))
        found = Held(locale, lines)
        self.held_back[locale] = found
        return found

    def render_post(self, message: str, locale: str, channel: str) -> Post:
        """One social post; ``refused`` says which translations it would have used that
        were left out for their errors."""
        with self.recording() as used:
            post = self._post(message, locale, channel)
        return dataclasses.replace(post, refused=self._refused(locale, used))

    def _post(self, message: str, locale: str, channel: str) -> Post:
        from outreach.platforms import hashtag_problems, measure, platform

        platform(channel)  # validates the channel name
        text, added, link = self._compose(message, locale, channel)
        limits = self.campaign.platform_limits.get(channel)
        measured = measure(
            channel,
            text,
            limit=limits.max_characters if limits else None,
            max_hashtags=limits.max_hashtags if limits else None,
        )
        problems = [
            *measured.problems,
            *hashtag_problems(text, channel),
            *self._hijacks(message, locale, channel, text),
        ]
        image, alt = self._image(message, locale)
        share = self._share_link(channel, message, locale, text, link)
        return Post(
            message,
            self.campaign.label(locale),
            channel,
            text,
            measured.length,
            measured.limit,
            tuple(problems),
            tuple(added),
            share,
            url=link,
            image=image,
            image_alt=alt,
        )

    def _hijacks(
        self,
        message: str,
        locale: str,
        channel: str,
        text: str,
        recipient: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """A problem for each host ``text`` links to that the same post in the source
        locale does not: the entry checks refuse such a translation, but a one-name domain
        (``evil.io``) is only a warning there (it looks like an abbreviation), so the post
        itself is judged too, and never goes out as fine (docs/reference/trust-model.md). An
        email for one ``recipient`` (``outreach merge``) is compared with the source email for
        the same recipient: a host in their own fields is theirs, not the translation's."""
        from outreach.tokens import new_hosts

        source, own = self.campaign.source_locale, self.campaign.own_hosts
        found = new_hosts(text, "", own) if locale != source else []
        if not found:
            return []  # the source itself, or only the campaign's own links
        if recipient:
            original = self._email(message, source, recipient).text
        else:
            key = (message, channel)
            if key not in self._source_texts:
                if channel == EMAIL:
                    self._source_texts[key] = self._email(message, source, {}).text
                else:
                    self._source_texts[key] = self._compose(message, source, channel)[0]
            original = self._source_texts[key]
        known = {host for host, _ in new_hosts(original, "", own)}
        return [
            f"links to {host} (“{written}”), which the message in {source} does not: {HIJACK}"
            for host, written in found
            if host not in known
        ]

    def _compose(
        self, message: str, locale: str, channel: str, source: str | None = None
    ) -> tuple[str, list[str], str]:
        """A post's text for ``channel`` (its ``post_<channel>`` block, else ``post``) with
        what it lacks appended (the message's link, a campaign hashtag) and the campaign's
        own links tagged for ``source`` (default: the channel); what was appended
        (untagged); and the message's link as tagged. ``channel`` may be a share target
        without a post channel (``telegram``): the generic post."""
        from outreach.platforms import has_hashtag
        from outreach.tracking import links_in, tag_text, tag_url, url_key

        template = self._template(locale, message, html=False)
        block = f"post_{channel}" if f"post_{channel}" in template.blocks else "post"
        if block not in template.blocks:
            raise UsageError(f"message {message!r} has no social post (no {{% block post %}})")
        context = self._context(locale, channel, message)
        text = _tidy_post(self._block(template, block, context, message))
        link = str(context["url"])
        added: list[str] = []
        accepted = self.campaign.hashtags_for(locale)
        if not any(has_hashtag(text, tag) for tag in accepted):
            added.append(self.campaign.hashtags[0])
        if not any(url_key(found) == url_key(link) for found in links_in(text)):
            added.insert(0, link)
        if added:
            text = f"{text} {' '.join(added)}" if text else " ".join(added)
        pairs, hosts = self._tags(message, locale, source or channel)
        return tag_text(text, pairs, hosts), added, tag_url(link, pairs, hosts)

    def _tags(
        self, message: str, locale: str, source: str
    ) -> tuple[list[tuple[str, str]], frozenset[str]]:
        """The UTM pairs for links of ``message`` in ``locale`` reached through ``source``
        (a channel or share target), and the hosts they go on; none without ``[tracking]``."""
        tracking = self.campaign.tracking
        if tracking is None:
            return [], frozenset()
        pairs = tracking.parameters(channel=source, message=message, locale=locale)
        return pairs, self._own_hosts

    @cached_property
    def _own_hosts(self) -> frozenset[str]:
        """The campaign's own hosts (:attr:`outreach.campaign.Campaign.own_hosts`), once."""
        return self.campaign.own_hosts

    def _image(self, message: str, locale: str) -> tuple[str | None, str]:
        """The message's image and its alt text in ``locale`` (the ``image_alt`` block)."""
        image = self.campaign.image_for(message)
        if image is None:
            return None, ""
        template = self._template(locale, message, html=False)
        context = self._context(locale, "image", message)
        return image, _one_line(self._block(template, "image_alt", context, message))

    def share_links(self, message: str, locale: str) -> dict[str, str]:
        """Ready-to-paste share-intent URLs (:data:`outreach.sharelinks.TARGETS`), each
        prefilled with the post written for that platform (``post_bluesky`` for Bluesky,
        the generic ``post`` where there is no variant or post channel, as for Telegram)
        and the email's subject for ``mailto``."""
        from outreach.platforms import POST_CHANNELS
        from outreach.sharelinks import TARGETS

        channels = self.channels(message)
        if not any(c != EMAIL for c in channels):
            return {}
        links: dict[str, str] = {}
        for target in TARGETS:
            channel = target if target in POST_CHANNELS else "share"
            source = "email" if target == "mailto" else target
            text, _, url = self._compose(message, locale, channel, source)
            link = self._share_link(target, message, locale, text, url)
            if link is not None:
                links[target] = link
        return links

    def _share_link(
        self, target: str, message: str, locale: str, text: str, url: str
    ) -> str | None:
        """``target``'s share link for ``text`` and ``url`` (the message's link, tagged for
        ``target`` by :meth:`_compose`), or ``None`` for a channel without one."""
        from outreach.sharelinks import TARGETS, share_link

        if target not in TARGETS:
            return None
        subject = None
        if target == "mailto" and EMAIL in self.channels(message):
            subject = self.render_email(message, locale).subject
        return share_link(
            target, text=text, url=url, hashtags=self.campaign.hashtags[:1], subject=subject
        )

    def render_email(
        self, message: str, locale: str, recipient: Mapping[str, Any] | None = None
    ) -> Email:
        """One email; ``refused`` as for :meth:`render_post`. ``recipient`` adds one
        supporter's variables (``outreach merge``: the CSV's columns and their own
        ``unsubscribe_url``) over the campaign's and ``--var``'s."""
        with self.recording() as used:
            mail = self._email(message, locale, recipient or {})
        return dataclasses.replace(mail, refused=self._refused(locale, used))

    def _email(self, message: str, locale: str, recipient: Mapping[str, Any]) -> Email:
        from markupsafe import Markup

        context = {**self._email_context(message, locale), **recipient}
        lang, direction = context["lang"], context["dir"]
        image, image_alt = self._image(message, locale)
        inline = None
        if self.private:  # nothing that reports back: no remote image, no web copy
            inline = self._inline_image(message) if image else None
            image, image_alt = (inline.url, image_alt) if inline else (None, "")
            context["view_in_browser_url"] = None
        text_template = self._template(locale, message, html=False)
        html_template = self._template(locale, message, html=True)
        subject_block = "subject"
        if self.private and "subject_private" in text_template.blocks:
            subject_block = "subject_private"  # a neutral subject, when the template has one
        subject = _one_line(self._block(text_template, subject_block, context, message))
        preheader = _one_line(self._block(text_template, "preheader", context, message))
        shown = image if image and (is_image_url(image) or inline) else None
        layout = {  # the message's image, unless --var image_url says otherwise
            "image_url": shown,
            "image_alt": image_alt,
            **context,
            "subject": subject,
            "preheader": preheader,
        }
        if self.private:  # nor may --var image_url: a private email loads nothing remote
            layout.update(image_url=shown, image_alt=image_alt)
        body_html = self._block(html_template, "body", context, message)
        html = self._layout(
            self._envs(locale).html, HTML_LAYOUT, {**layout, "body": Markup(body_html)}
        )
        problems = []
        if not subject:
            problems.append("the subject is empty")
        if image and not is_image_url(image) and not inline:
            problems.append(
                f"the image {image} is a file: an email shows an image by its URL "
                "(set [messages.<name>] image to an https URL)"
            )
        text = self._text_part(message, locale, layout)
        if not self.private:  # a private email carries no tracking tags
            text, html = self._tag_email(message, locale, text, html)
        problems += self._hijacks(message, locale, EMAIL, text, recipient)
        return Email(
            message=message,
            locale=self.campaign.label(locale),
            subject=subject,
            preheader=preheader,
            text=text,
            html=_inline_css(html),
            lang=lang,
            direction=direction,
            headers=self._headers(lang),
            problems=tuple(problems),
            image=image,
            image_alt=image_alt,
            private=self.private,
            inline=inline,
        )

    def _inline_image(self, message: str) -> InlineImage | None:
        """The image a private email carries inside itself (``[privacy] inline_images``),
        read and checked once per message (:meth:`Campaign.inline_image
        <outreach.campaign.Campaign.inline_image>`); ``None`` when it is left out."""
        if not self.campaign.privacy.inline_images:
            return None
        if message not in self._inline:
            self._inline[message] = self.campaign.inline_image(message)
        return self._inline[message]

    def _tag_email(self, message: str, locale: str, text: str, html: str) -> tuple[str, str]:
        """The text and HTML parts with the campaign's own links tagged for email; the
        unsubscribe and "view in browser" links are left as they are."""
        from outreach.tracking import tag_html, tag_text

        pairs, hosts = self._tags(message, locale, EMAIL)
        if not pairs:
            return text, html
        email = self.campaign.email
        utility = (email.unsubscribe_url, email.view_in_browser_url)
        leave = [u.split("{", 1)[0] for u in utility if u]

        def skip(url: str) -> bool:
            return any(url.startswith(prefix) for prefix in leave)

        return tag_text(text, pairs, hosts, skip=skip), tag_html(html, pairs, hosts, skip=skip)

    def environment(self, locale: str, *, html: bool) -> Environment:
        """The Jinja2 environment the renderer uses for ``locale`` (HTML: autoescape on,
        translations sanitised), e.g. to parse a template as it will be rendered."""
        envs = self._envs(locale)
        return envs.html if html else envs.text

    def render_page(self, name: str, locale: str, context: dict[str, Any]) -> str:
        """The campaign's HTML template ``name`` (a page such as ``_unsubscribe.html.j2``,
        the campaign's or outreach's own) rendered in ``locale`` with ``context``: the same
        environment, translations and errors (:class:`~outreach.errors.TemplateError`, at
        the template's line) as an email's."""
        return self._layout(self._envs(locale).html, name, context)

    def render_text(self, message: str, locale: str) -> str:
        """Only the plain-text part of ``message``'s email (its ``text`` block in the layout)."""
        text = self._text_part(message, locale, self._email_context(message, locale))
        return self._tag_email(message, locale, text, "")[0]

    # -- internals ---------------------------------------------------------------------
    def _text_part(self, message: str, locale: str, context: dict[str, Any]) -> str:
        template = self._template(locale, message, html=False)
        body = _tidy_text(self._block(template, "text", context, message))
        text = self._layout(self._envs(locale).text, TEXT_LAYOUT, {**context, "body": body})
        return _tidy_text(text) + "\n"

    def _envs(self, locale: str) -> _LocaleEnvironments:
        envs = self._environments.get(locale)
        if envs is None:
            from outreach.translations import build_chain

            for link in self.campaign.chain(locale):
                self.translations(link)
            chain = build_chain(self.campaign, locale, self._catalogs)
            recorders = self._recorders

            def lookup(context: str | None, msgid: str, plural: bool) -> None:
                for recorder in recorders:
                    recorder.add((context, msgid, plural))

            if self._compiled is None:
                self._compiled = (_compiled_templates(), _compiled_templates())
            envs = _LocaleEnvironments(self.campaign, locale, chain, lookup, self._compiled)
            self._environments[locale] = envs
        return envs

    def _template(self, locale: str, message: str, *, html: bool) -> Template:
        envs = self._envs(locale)
        return self._load(envs.html if html else envs.text, f"{message}.j2")

    def _load(self, env: Environment, name: str) -> Template:
        try:
            return env.get_template(name)
        except Exception as exc:  # Jinja2's classes imported only when one is raised
            from jinja2 import TemplateNotFound, TemplateSyntaxError

            if isinstance(exc, TemplateSyntaxError):
                path = exc.filename or str(self.campaign.messages_dir / name)
                message = exc.message or "syntax error"
                raise TemplateError(message, path=path, line=exc.lineno) from None
            if isinstance(exc, TemplateNotFound):
                raise UsageError(f"no template {name!r} in {self.campaign.messages_dir}") from None
            if isinstance(exc, UnicodeDecodeError):
                where = self.campaign.messages_dir / name
                raise TemplateError(f"not UTF-8: {exc.reason}", path=where, line=1) from None
            raise

    def _context(self, locale: str, channel: str, message: str) -> dict[str, Any]:
        """What a template sees: ``[variables]``, then what outreach computes (``url`` is the
        message's link; ``handles`` each ``[handles.<name>]`` as ``channel`` names it), then
        ``--var`` values, which win. A new dict (and new lists and dicts in it) every time;
        what it is made of is worked out once per locale, channel and message."""
        campaign = self.campaign
        fixed = self._fixed.get((locale, channel, message))
        if fixed is None:
            samples = self.samples
            sample: dict[str, str] = (
                {**campaign.merge_sample, **samples.get(locale, samples.get("", {}))}
                if samples is not None
                else {}
            )
            fixed = (
                campaign.url_for(message),
                tuple(campaign.hashtags_for(locale)),
                tuple((name, h.on(channel, locale)) for name, h in campaign.handles.items()),
                self._unsubscribe.preview()[0],
                sample,
                campaign.name_for(locale),
            )
            self._fixed[(locale, channel, message)] = fixed
        url, hashtags, handles, unsubscribe, sample, name = fixed
        return {
            **campaign.variables,
            **sample,
            "campaign_name": name,
            "url": url,
            "hashtag": campaign.hashtags[0],
            "hashtags": list(hashtags),
            "handles": dict(handles),
            "locale": locale,
            "channel": channel,
            "message": message,
            "unsubscribe_url": unsubscribe,
            **self.overrides,
        }

    def _email_context(self, message: str, locale: str) -> dict[str, Any]:
        """What an email's blocks and layouts see besides :meth:`_context`: ``lang`` and
        ``dir`` (from the locale's script: ar, fa, he are right-to-left), the brand colour and its
        dark-mode variant, the postal address (a list of lines, empty when not set) and
        the "view in browser" link (``None`` when not set), from ``[email]``; worked out once
        per message and locale, as :meth:`_context`."""
        email = self.campaign.email
        fixed = self._fixed_email.get((message, locale))
        if fixed is None:
            from outreach.emailhtml import BRAND_COLOR, dark_variant
            from outreach.locales import text_direction

            brand = email.brand_color or BRAND_COLOR
            fixed = {
                "lang": locale.replace("_", "-"),
                "dir": text_direction(locale),
                "brand_color": brand,
                "brand_color_dark": dark_variant(brand),
                "view_in_browser_url": email.view_in_browser(message, self.campaign.label(locale)),
            }
            self._fixed_email[(message, locale)] = fixed
        return {
            **self._context(locale, EMAIL, message),
            "lang": fixed["lang"],
            "dir": fixed["dir"],
            "brand_color": fixed["brand_color"],
            "brand_color_dark": fixed["brand_color_dark"],
            "postal_address": list(email.postal_address),
            "view_in_browser_url": fixed["view_in_browser_url"],
        }

    def _block(self, template: Template, block: str, context: dict[str, Any], message: str) -> str:
        render = template.blocks.get(block)
        if render is None:
            return ""

        def run() -> str:
            try:
                return "".join(render(template.new_context(context)))
            except Exception:
                # What Template.render does: point the traceback at template lines.
                template.environment.handle_exception()
                raise  # handle_exception always raises; this satisfies the type checker

        return self._guard(run, template, message)

    def _layout(self, env: Environment, name: str, context: dict[str, Any]) -> str:
        template = self._load(env, name)
        return self._guard(lambda: template.render(context), template, name)

    def _guard(self, run: Callable[[], str], template: Template, message: str) -> str:
        try:
            return run()
        except Exception as exc:  # Jinja2's class imported only when something is raised
            from jinja2 import TemplateError as JinjaError

            if isinstance(exc, JinjaError):
                text = f"{message}: {exc}"
                undefined = _UNDEFINED.fullmatch(str(exc))
                if undefined and self.samples is not None:
                    text += f": {sample_hint(undefined.group(1))}"
                raise TemplateError(
                    text, path=template.filename, line=_template_line(exc)
                ) from None
            if isinstance(exc, (TypeError, ValueError, KeyError, ArithmeticError)):
                raise TemplateError(
                    f"{message}: {type(exc).__name__}: {exc}",
                    path=template.filename,
                    line=_template_line(exc),
                ) from None
            raise

    @cached_property
    def _unsubscribe(self) -> Unsubscribe:
        from outreach.unsubscribe import Unsubscribe

        email = self.campaign.email
        return Unsubscribe(email.unsubscribe_url, email.unsubscribe_mailto)

    def _headers(self, lang: str) -> tuple[tuple[str, str], ...]:
        """``Content-Language`` and the unsubscribe headers that need no recipient (a link
        with ``{token}`` or ``{email}`` is filled by ``outreach merge``, per supporter)."""
        return (("Content-Language", lang), *self._unsubscribe.preview()[1])


@dataclasses.dataclass(frozen=True)
class Held:
    """A locale whose outputs are held back, and why: one ``path:line: problem`` line per
    reason (the catalog that cannot be read, or each refused translation).

    >>> Held("de", ("locales/de/LC_MESSAGES/messages.po:12: unterminated string",)).summary
    'de: held (locales/de/LC_MESSAGES/messages.po:12: unterminated string)'
    """

    locale: str
    lines: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line naming the locale and its first reason."""
        more = f" and {len(self.lines) - 1} more" if len(self.lines) > 1 else ""
        return f"{self.locale}: held ({self.lines[0]}{more})"


def held_lines(held: Mapping[str, Held]) -> list[str]:
    """Every reason of every held locale (each line once), then one summary line naming the
    held locales: what a command prints before it exits 1.

    >>> for line in held_lines({"de": Held("de", ("de.po:3: unterminated string",))}):
    ...     print(line)
    de.po:3: unterminated string
    held back: de (its outputs were not produced; every other locale was)
    """
    if not held:
        return []
    lines = list(dict.fromkeys(line for h in held.values() for line in h.lines))
    names = ", ".join(sorted(held))
    return [*lines, f"held back: {names} (its outputs were not produced; every other locale was)"]


def _template_line(exc: BaseException) -> int | None:
    """The template line a rendering error happened on, from Jinja's rewritten traceback."""
    line = getattr(exc, "lineno", None)
    if line:
        return int(line)
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


# Runs of ordinary spaces and tabs; no-break spaces (U+00A0, U+202F) are typography and stay.
_SPACES = re.compile(r"[ \t\f\v]+")
# Everything a mail header or a terminal would take as a line break.
_BREAKS = re.compile(r"[ \t\f\v]*(?:\r\n|[\r\n\x85\u2028\u2029])[ \t\f\v]*")


def _one_line(text: str) -> str:
    r"""Collapse spaces and line breaks into single spaces: headers stay on one line.

    >>> _one_line(" Dites au CIO\u202f:\n  non\r\nBcc: x ")
    'Dites au CIO\u202f: non Bcc: x'
    """
    return _SPACES.sub(" ", _BREAKS.sub(" ", text)).strip(" ")


def _tidy_post(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip(" ") for line in _BREAKS.sub("\n", text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n ")


def _tidy_text(text: str) -> str:
    """Strip template indentation and runs of blank lines; keep the "-- " signature line."""
    lines = [line if line == "-- " else line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _inline_css(html: str) -> str:
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    return str(inliner.inline(html))
