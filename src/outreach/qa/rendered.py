"""Render-level checks: every social post and email as it will be sent, in every locale.

A catalog can be perfect entry by entry and still produce a post that X cuts off, or a post
whose hashtag the renderer had to append because the translation lost it. These checks
render each message with :class:`outreach.render.Renderer` and report, per message and
channel:

* ``length``: the post is over the platform's limit (counted as the platform counts it), or
  over its byte, link or hashtag caps; an email whose HTML Gmail would clip (a warning);
* ``hashtags``: a hashtag the platform would cut short or not link, or a post with no
  campaign hashtag (the renderer appended one);
* ``urls``: a post without the campaign link (the renderer appended it), an email that
  has lost a link the source-language email has, or a message that links to a host its
  source-language version does not (once per message, naming the channels; this is where
  a one-name domain such as ``evil.io``, which the entry checks only warn about, is an
  error);
* ``render`` (a warning): a template that cannot be rendered, so that its posts and email
  could not be checked (a variable given only at merge time, for instance);
* ``postal-address`` (a warning, once, at campaign.toml): the campaign sends email but
  ``[email] postal_address`` is not set (CAN-SPAM requires the sender's physical address);
* ``privacy`` (a warning, at the template): the low-trace email of a ``[privacy]`` locale
  (of every locale, when a column marks supporters at risk) still makes the mail client
  load something remote (an image, a background, a style sheet the template writes).

Each finding carries the msgid of the string at fault when one string is: the only string of
the post's block, or the only one that carries the hashtag or the link.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> found = check_rendered(campaign, ["en"], files={"en": "locales/en/LC_MESSAGES/messages.po"})
>>> [(f.file, f.check, f.severity) for f in found]    # a new campaign has no postal address
[('messages/campaign.toml', 'postal-address', 'warning')]
>>> sorted(block_strings(campaign, "welcome"))
['body', 'post', 'preheader', 'subject', 'text']
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, cast

from outreach.errors import CatalogError, InputError, TemplateError
from outreach.findings import Finding, Severity
from outreach.platforms import has_hashtag
from outreach.render import HIJACK
from outreach.tokens import new_hosts
from outreach.tracking import links_in, url_key

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.render import Email, Post, Renderer

__all__ = ["block_strings", "check_rendered", "copied_entries", "setting_finding"]

#: Gmail shows only the start of an email whose HTML is larger (bytes), and a link to the rest.
GMAIL_CLIP = 102 * 1024
#: ``(msgctxt, msgid)`` of a translatable string.
Key = tuple[str | None, str]
LineLookup = Callable[[str], Mapping[Key, int]]


def block_strings(campaign: Campaign, message: str) -> dict[str, list[Key]]:
    """For each ``{% block %}`` of ``messages/<message>.j2``, the strings it translates.

    Parsed the way the renderer and ``pybabel extract`` see the template (i18n extension,
    trimmed), so the msgids are those of the catalogs.
    """
    from jinja2 import Environment, TemplateSyntaxError, nodes
    from jinja2.ext import extract_from_ast

    path = campaign.messages_dir / f"{message}.j2"
    env = Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    try:
        tree = env.parse(campaign.read(path).decode("utf-8"), message, str(path))
    except TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", path=path, line=exc.lineno) from None
    blocks: dict[str, list[Key]] = {}
    for block in tree.find_all(nodes.Block):
        keys: list[Key] = []
        found = extract_from_ast(cast(nodes.Template, block), babel_style=True)
        for _, function, strings in found:
            values = strings if isinstance(strings, tuple) else (strings,)
            if function in ("pgettext", "npgettext") and len(values) >= 2:
                context, msgid = values[0], values[1]
            else:
                context, msgid = None, values[0]
            if isinstance(msgid, str):
                keys.append((context if isinstance(context, str) else None, msgid))
        blocks[block.name] = keys
    return blocks


class _Context:
    """What every finding of one run needs: files, lines, labels, entry-level errors."""

    def __init__(
        self,
        campaign: Campaign,
        files: Mapping[str, str],
        lines: LineLookup | None,
        entry_errors: Collection[tuple[str, str, str | None]],
        entry_copies: Collection[tuple[str, str, str | None]] = (),
    ) -> None:
        self.campaign = campaign
        self.files = files
        self.lines = lines
        self.entry_errors = set(entry_errors)
        self.entry_copies = set(entry_copies)

    def finding(
        self,
        locale: str,
        check: str,
        message: str,
        key: Key | None,
        severity: Severity = "error",
    ) -> Finding:
        line = None
        if key is not None and self.lines is not None:
            line = self.lines(locale).get(key)
        msgctxt, msgid = key if key is not None else (None, None)
        return Finding(
            self.campaign.label(locale),
            self.files.get(locale, self.campaign.relative(self.campaign.po_path(locale))),
            line,
            msgid,
            msgctxt,
            check,
            severity,
            message,
        )

    def already_reported(self, locale: str, key: Key | None) -> bool:
        if key is None:
            return False
        return (self.campaign.label(locale), key[1], key[0]) in self.entry_errors

    def reported_as_copy(self, locale: str, key: Key | None) -> bool:
        """The catalog already says this entry shows the source text (``untranslated``,
        ``same-as-source``, ``fuzzy``): one cause, one finding."""
        return key is not None and (self.campaign.label(locale), key[1], key[0]) in (
            self.entry_copies
        )


#: The catalog checks that say an entry shows the source text.
_COPY_CHECKS = frozenset({"untranslated", "same-as-source", "fuzzy"})


def copied_entries(findings: Iterable[Finding]) -> set[tuple[str, str, str | None]]:
    """``(locale label, msgid, msgctxt)`` of the entries that catalog findings report as
    showing the source text: what :func:`check_rendered` takes as ``entry_copies``."""
    return {
        (f.locale, f.msgid, f.msgctxt)
        for f in findings
        if f.msgid is not None and f.check in _COPY_CHECKS
    }


def check_rendered(
    campaign: Campaign,
    locales: Sequence[str],
    *,
    files: Mapping[str, str],
    lines: LineLookup | None = None,
    entry_errors: Collection[tuple[str, str, str | None]] = (),
    entry_copies: Collection[tuple[str, str, str | None]] = (),
    samples: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Finding]:
    """Render every message in every locale and channel, and report what would go wrong.

    ``files`` maps each locale to its catalog's path for the findings, ``lines(locale)``
    gives entry lines by ``(msgctxt, msgid)``, and ``entry_errors`` lists
    ``(locale label, msgid, msgctxt)`` of entries that already have an error, so that a lost
    hashtag or link is not reported twice; ``entry_copies`` those the catalog checks already
    report as showing the source text (``untranslated``, ``same-as-source``, ``fuzzy``), so
    that untranslated alt text is one warning, not two. Supporters' columns take
    ``[merge.sample]`` and ``samples`` (:attr:`outreach.render.Renderer.samples`).
    """
    from outreach.render import EMAIL, Renderer

    renderer = Renderer(campaign, samples=samples or {})
    context = _Context(campaign, files, lines, entry_errors, entry_copies)
    findings: list[Finding] = []
    sends_email = False
    for message in renderer.messages:
        try:
            strings = block_strings(campaign, message)
            channels = renderer.channels(message)
        except TemplateError as exc:
            findings.append(_template_finding(campaign, exc))
            continue
        sends_email = sends_email or EMAIL in channels
        findings.extend(_check_message(renderer, context, message, strings, channels, locales))
    if sends_email and not campaign.email.postal_address:
        findings.append(_no_postal_address(campaign))
    findings.extend(_privacy_loads(campaign, locales, context, samples or {}))
    return findings


def _privacy_loads(
    campaign: Campaign,
    locales: Sequence[str],
    context: _Context,
    samples: Mapping[str, Mapping[str, str]],
) -> Iterator[Finding]:
    """The ``privacy`` warnings: each message's private email, in each locale whose
    supporters may get it, that still loads something remote (supporters' columns from the
    same samples as the normal email)."""
    privacy = campaign.privacy
    if not privacy.enabled:
        return
    # imported here, past the test: the email HTML code (and what it imports) is 40-80 ms
    # of a check whose campaign sends no private email
    from outreach.emailhtml import remote_loads
    from outreach.render import EMAIL, Renderer

    wanted = [loc for loc in locales if privacy.column is not None or loc in privacy.locales]
    renderer = Renderer(campaign, private=True, samples=samples)
    for message in renderer.messages:
        try:
            if EMAIL not in renderer.channels(message):
                continue
            for locale in wanted:
                loads = remote_loads(renderer.render_email(message, locale).html)
                if not loads:
                    continue
                shown = ", ".join(loads[:3]) + (", ..." if len(loads) > 3 else "")
                found = context.finding(
                    locale,
                    "privacy",
                    f"{message} ({campaign.label(locale)}): the private email for supporters at "
                    f"risk still loads "
                    f"{shown}: the sender learns who opened it (write it without remote "
                    "images or styles)",
                    None,
                    "warning",
                )
                template = campaign.relative(campaign.messages_dir / f"{message}.j2")
                yield dataclasses.replace(found, file=template, line=None)
        except (TemplateError, CatalogError):
            continue  # reported as a render warning or a syntax finding already


def _no_postal_address(campaign: Campaign) -> Finding:
    """The warning for a campaign that sends email without a postal address, at the
    ``[email]`` table of campaign.toml when it has one."""
    import re

    line = None
    try:
        text = campaign.read(campaign.config_path).decode("utf-8", "replace")
    except (OSError, InputError):
        text = ""
    for number, written in enumerate(text.split("\n"), start=1):
        if re.match(r"\s*\[\s*email\s*\]", written):
            line = number
            break
    message = (
        "the campaign sends email without a postal address: bulk mail must show the "
        "sender's physical address (CAN-SPAM); set [email] postal_address in campaign.toml"
    )
    return setting_finding(campaign, line, "postal-address", message)


def setting_finding(campaign: Campaign, line: int | None, check: str, message: str) -> Finding:
    """A warning about a setting of campaign.toml, at ``line`` (``None``: the file)."""
    return Finding(
        campaign.label(campaign.source_locale),
        campaign.relative(campaign.config_path),
        line,
        None,
        None,
        check,
        "warning",
        message,
    )


def _template_finding(campaign: Campaign, exc: TemplateError) -> Finding:
    """A template that does not render (a supporters' column without a sample value, say:
    the renderer's error names the column and the two ways to give it one): its posts and
    emails cannot be checked. A warning: the translations are not at fault, and
    ``outreach render`` reports template errors."""
    from pathlib import Path

    file = campaign.relative(Path(exc.path)) if exc.path else campaign.relative(campaign.root)
    source = campaign.label(campaign.source_locale)
    message = f"not checked as rendered: {exc.message}"
    return Finding(source, file, exc.line, None, None, "render", "warning", message)


def _check_message(
    renderer: Renderer,
    context: _Context,
    message: str,
    strings: Mapping[str, list[Key]],
    channels: Sequence[str],
    locales: Sequence[str],
) -> Iterator[Finding]:
    from outreach.items import Email, Post

    campaign = renderer.campaign
    source_items: dict[str, Post | Email] = {}
    for locale in locales:
        hijacks: dict[tuple[str, str], list[str]] = {}
        suspects: dict[tuple[str, str], Key | None] = {}
        items: dict[str, Post] = {}
        for channel in channels:
            try:
                if channel not in source_items:
                    source_items[channel] = renderer.render(
                        message, campaign.source_locale, channel
                    )
                item = renderer.render(message, locale, channel)
            except CatalogError:
                break  # an unreadable catalog: already reported as a syntax finding
            except TemplateError as exc:
                yield _template_finding(campaign, exc)
                return
            source_item = source_items[channel]
            for found in new_hosts(item.text, source_item.text, campaign.own_hosts):
                hijacks.setdefault(found, []).append(channel)
                block = f"post_{channel}" if f"post_{channel}" in strings else "post"
                if channel == "email":
                    block = "text"
                suspects.setdefault(found, _carrying(strings.get(block, []), ()))
            if isinstance(item, Email):
                assert isinstance(source_item, Email)
                yield from _check_email(context, message, item, source_item, strings, locale)
            else:
                assert not isinstance(source_item, Email)
                items[channel] = item
                yield from _check_post(context, message, item, source_item, strings, locale)
        sources = {c: p for c, p in source_items.items() if isinstance(p, Post)}
        yield from _check_handles(context, message, items, sources, strings, locale)
        first = next(iter(items.values()), None)
        source_first = next((source_items[c] for c in items), None)
        if first is not None and first.image and isinstance(source_first, Post):
            yield from _check_image(context, message, first, source_first, items, strings, locale)
        for found, where in hijacks.items():
            host, written = found
            text = (
                f"{message!r} on {', '.join(where)}: links to {host} (“{written}”), which the "
                f"message in {campaign.source_locale} does not: a possible link hijack"
            )
            yield context.finding(locale, "urls", text, suspects[found])


def _carrying(keys: Sequence[Key], needles: Sequence[str]) -> Key | None:
    """The one string among ``keys`` that carries one of ``needles``, or the only string."""
    unique = list(dict.fromkeys(keys))
    if len(unique) == 1:
        return unique[0]
    found = [k for k in unique if any(n in k[1] for n in needles)]
    return found[0] if len(found) == 1 else None


def _check_post(
    context: _Context,
    message: str,
    post: Post,
    source: Post,
    strings: Mapping[str, list[Key]],
    locale: str,
) -> Iterator[Finding]:
    from outreach.platforms import hashtag_problems

    campaign = context.campaign
    block = f"post_{post.channel}" if f"post_{post.channel}" in strings else "post"
    keys = strings.get(block, [])
    where = f"post {message!r} on {post.channel}"
    tag_problems = hashtag_problems(post.text, post.channel)
    whole = _carrying(keys, ())
    for problem in post.problems:
        if problem not in tag_problems and HIJACK not in problem:  # hijacks: reported below
            yield context.finding(locale, "length", f"{where}: {problem}", whole)
    if not context.already_reported(locale, whole):
        for problem in tag_problems:
            yield context.finding(locale, "hashtags", f"{where}: {problem}", whole)
    for added in post.added:
        if added in source.added:
            continue  # the template itself lacks it: not a translation problem
        if "://" in added:  # the message's link
            key = _carrying(keys, ("%(url)s", added))
            check, text = "urls", f"{where}: the link {added} was lost and had to be appended"
        else:
            tags = (*campaign.hashtags_for(locale), "%(hashtag)s", "%(hashtags)s")
            key = _carrying(keys, tags)
            check = "hashtags"
            text = f"{where}: no campaign hashtag in the text; {added} had to be appended"
        if not context.already_reported(locale, key):
            yield context.finding(locale, check, text, key)


#: Alt-text limits of images, in characters: Mastodon's MediaAttachment
#: MAX_DESCRIPTION_LENGTH, and X's media metadata API (``alt_text.text``, maxLength 1000).
ALT_TEXT_LIMITS = {"mastodon": 1500, "x": 1000}


def _check_image(
    context: _Context,
    message: str,
    post: Post,
    source: Post,
    items: Mapping[str, Post],
    strings: Mapping[str, list[Key]],
    locale: str,
) -> Iterator[Finding]:
    """A message's image needs alt text, translated, within each platform's alt-text limit."""
    keys = strings.get("image_alt", [])
    key = _carrying(keys, ())
    where = f"the image of {message!r}"
    if not post.image_alt.strip():
        if locale == context.campaign.source_locale or source.image_alt.strip():
            yield _missing_alt(context, message, where, locale, key)
        return
    copied = locale != context.campaign.source_locale and post.image_alt == source.image_alt
    if copied and not (
        context.already_reported(locale, key) or context.reported_as_copy(locale, key)
    ):
        text = f"{where}: the alt text is not translated: it is read out in the source language"
        yield context.finding(locale, "images", text, key, "warning")
    for channel, cap in ALT_TEXT_LIMITS.items():
        if channel in items and len(post.image_alt) > cap:
            text = (
                f"{where}: the alt text is {len(post.image_alt):,} characters, over the "
                f"{cap:,} that {channel} takes"
            )
            yield context.finding(locale, "images", text, key)


_POST_BLOCK = re.compile(r"\{%-?\s*block\s+post\b")


def _missing_alt(
    context: _Context, message: str, where: str, locale: str, key: Key | None
) -> Finding:
    """No alt text: a finding at the template line where the ``image_alt`` block goes
    (before the ``post`` block, whose image it describes), when the template lacks it."""
    template = context.campaign.messages_dir / f"{message}.j2"
    text = (
        f"{where} has no alt text: give the template an image_alt block (what the picture "
        "shows, for people who cannot see it)"
    )
    if key is not None or not template.is_file():
        return context.finding(locale, "images", text, key)
    try:
        body = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return context.finding(locale, "images", text, key)
    found = _POST_BLOCK.search(body)
    line = body.count("\n", 0, found.start()) + 1 if found else 1
    return Finding(
        context.campaign.label(locale),
        context.campaign.relative(template),
        line,
        None,
        None,
        "images",
        "error",
        f"{text}: add {{% block image_alt %}}{{% trans %}}…{{% endtrans %}}{{% endblock %}} "
        "before this line",
    )


def _check_handles(
    context: _Context,
    message: str,
    items: Mapping[str, Post],
    sources: Mapping[str, Post],
    strings: Mapping[str, list[Key]],
    locale: str,
) -> Iterator[Finding]:
    """An X handle (``@iocmedia``) published on Mastodon names a local account of whichever
    instance posts it, and on Bluesky (whose handles are domains) nobody: a warning, with
    the way out (a post variant, or ``[handles.<name>]`` in campaign.toml). Reported for
    the source locale when the template writes it, else for the locale that adds it."""
    from outreach.tokens import find_mentions, mention_key

    x_post = items.get("x")
    if x_post is None:
        return
    x_handles = {mention_key(m) for m in find_mentions(x_post.text) if m.count("@") == 1}
    for channel in ("mastodon", "bluesky"):
        post = items.get(channel)
        if post is None:
            continue
        source = sources.get(channel)
        inherited = set()
        if source is not None and locale != context.campaign.source_locale:
            inherited = {mention_key(m) for m in find_mentions(source.text)}
        for mention in find_mentions(post.text):
            key = mention_key(mention)
            if mention.count("@") != 1 or key not in x_handles or key in inherited:
                continue
            block = f"post_{channel}" if f"post_{channel}" in strings else "post"
            means = (
                "names a local account of the posting instance"
                if channel == "mastodon"
                else "links to no one (Bluesky handles are domains)"
            )
            text = (
                f"post {message!r} on {channel}: {mention} is an X handle; on {channel} it "
                f"{means} (give the platform its own handle with [handles.<name>] in "
                f"campaign.toml, or a post_{channel} block)"
            )
            entry = _carrying(strings.get(block, []), ())
            yield context.finding(locale, "handles", text, entry, "warning")


def _links_to(text: str, key: str) -> bool:
    """Whether ``text`` (a text part, or HTML) has a link that is ``key``'s link."""
    import html

    return any(url_key(found) == key for found in links_in(html.unescape(text)))


def _check_email(
    context: _Context,
    message: str,
    email: Email,
    source: Email,
    strings: Mapping[str, list[Key]],
    locale: str,
) -> Iterator[Finding]:
    campaign = context.campaign
    where = f"email {message!r}"
    keys = [k for block in ("subject", "preheader", "body", "text") for k in strings.get(block, [])]
    for problem in email.problems:
        if HIJACK not in problem:  # reported as a urls finding, naming the channels
            yield context.finding(locale, "render", f"{where}: {problem}", None)
    size = len(email.html.encode("utf-8"))
    if size > GMAIL_CLIP:
        text = f"{where}: the HTML is {size / 1024:.0f} KB; Gmail clips an email past 102 KB"
        yield context.finding(locale, "length", text, None, "warning")
    link = url_key(campaign.url_for(message))
    for part, have, want in (("text", email.text, source.text), ("HTML", email.html, source.html)):
        if _links_to(want, link) and not _links_to(have, link):
            key = _carrying(keys, ("%(url)s", campaign.url_for(message)))
            if not context.already_reported(locale, key):
                text = f"{where}: the {part} part has lost the link {campaign.url_for(message)}"
                yield context.finding(locale, "urls", text, key)
        source_tags = [t for t in campaign.hashtags if has_hashtag(want, t)]
        accepted = campaign.hashtags_for(locale)
        if source_tags and not any(has_hashtag(have, t) for t in accepted):
            key = _carrying(keys, (*source_tags, "%(hashtag)s"))
            if not context.already_reported(locale, key):
                text = f"{where}: the {part} part has lost the hashtag {source_tags[0]}"
                yield context.finding(locale, "hashtags", text, key)
