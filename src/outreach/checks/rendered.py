"""Render-level checks: every social post and email as it will be sent, in every locale.

A catalog can be perfect entry by entry and still produce a post that X cuts off, or a post
whose hashtag the renderer had to append because the translation lost it. These checks
render each message with :class:`outreach.render.Renderer` and report, per message and
channel:

* ``length``: the post is over the platform's limit (counted as the platform counts it), or
  over its byte, link or hashtag caps;
* ``hashtags``: a hashtag the platform would cut short or not link, or a post with no
  campaign hashtag (the renderer appended one);
* ``urls``: a post without the campaign link (the renderer appended it), an email that
  has lost a link the source-language email has, or a message that links to a host its
  source-language version does not (once per message, naming the channels; this is where
  a one-name domain such as ``evil.io``, which the entry checks only warn about, is an
  error);
* ``render`` (a warning): a template that cannot be rendered, so that its posts and email
  could not be checked (a variable given only at merge time, for instance).

Each finding carries the msgid of the string at fault when one string is: the only string of
the post's block, or the only one that carries the hashtag or the link.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> check_rendered(campaign, ["en"], files={"en": "locales/en/LC_MESSAGES/messages.po"})
[]
>>> sorted(block_strings(campaign, "welcome"))
['body', 'post', 'preheader', 'subject', 'text']
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, cast

from outreach.checks.registry import Finding, Severity
from outreach.errors import CatalogError, TemplateError
from outreach.platforms import has_hashtag

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.render import Email, Post, Renderer

__all__ = ["block_strings", "check_rendered"]

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
    ) -> None:
        self.campaign = campaign
        self.files = files
        self.lines = lines
        self.entry_errors = set(entry_errors)

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


def check_rendered(
    campaign: Campaign,
    locales: Sequence[str],
    *,
    files: Mapping[str, str],
    lines: LineLookup | None = None,
    entry_errors: Collection[tuple[str, str, str | None]] = (),
) -> list[Finding]:
    """Render every message in every locale and channel, and report what would go wrong.

    ``files`` maps each locale to its catalog's path for the findings, ``lines(locale)``
    gives entry lines by ``(msgctxt, msgid)``, and ``entry_errors`` lists
    ``(locale label, msgid, msgctxt)`` of entries that already have an error, so that a lost
    hashtag or link is not reported twice.
    """
    from outreach.render import Renderer

    renderer = Renderer(campaign)
    context = _Context(campaign, files, lines, entry_errors)
    findings: list[Finding] = []
    for message in renderer.messages:
        try:
            strings = block_strings(campaign, message)
            channels = renderer.channels(message)
        except TemplateError as exc:
            findings.append(_template_finding(campaign, exc))
            continue
        findings.extend(_check_message(renderer, context, message, strings, channels, locales))
    return findings


def _template_finding(campaign: Campaign, exc: TemplateError) -> Finding:
    """A template that does not render (a variable supplied only at merge time, say): its
    posts and emails cannot be checked. A warning: the translations are not at fault, and
    ``outreach render`` reports template errors."""
    from pathlib import Path

    file = campaign.relative(Path(exc.path)) if exc.path else campaign.relative(campaign.root)
    source = campaign.label(campaign.source_locale)
    message = f"not checked as rendered: {exc.message}"
    if "is undefined" in exc.message:
        message += " (give it a value under [variables] in campaign.toml to check this message)"
    return Finding(source, file, exc.line, None, None, "render", "warning", message)


def _check_message(
    renderer: Renderer,
    context: _Context,
    message: str,
    strings: Mapping[str, list[Key]],
    channels: Sequence[str],
    locales: Sequence[str],
) -> Iterator[Finding]:
    from outreach.render import Email

    campaign = renderer.campaign
    source_items: dict[str, Post | Email] = {}
    for locale in locales:
        hijacks: dict[tuple[str, str], list[str]] = {}
        suspects: dict[tuple[str, str], Key | None] = {}
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
            for found in _new_hosts(item.text, source_item.text, campaign.url):
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
                yield from _check_post(context, message, item, source_item, strings, locale)
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
        if problem not in tag_problems:
            yield context.finding(locale, "length", f"{where}: {problem}", whole)
    if not context.already_reported(locale, whole):
        for problem in tag_problems:
            yield context.finding(locale, "hashtags", f"{where}: {problem}", whole)
    for added in post.added:
        if added in source.added:
            continue  # the template itself lacks it: not a translation problem
        if added == campaign.url:
            key = _carrying(keys, ("%(url)s", campaign.url))
            check, text = "urls", f"{where}: the link {added} was lost and had to be appended"
        else:
            tags = (*campaign.hashtags_for(locale), "%(hashtag)s", "%(hashtags)s")
            key = _carrying(keys, tags)
            check = "hashtags"
            text = f"{where}: no campaign hashtag in the text; {added} had to be appended"
        if not context.already_reported(locale, key):
            yield context.finding(locale, check, text, key)


def _new_hosts(text: str, source: str, own: str) -> list[tuple[str, str]]:
    """``(host, as written)`` for each host ``text`` links to that ``source`` and the
    campaign's own link do not: links as the entry checks find them, and the one-name
    country-code domains (``evil.io``) that X and Bluesky link too, which the entry checks
    only warn about (they look like abbreviations)."""
    from outreach.tokens import find_short_domains, find_urls, url_host, x_links

    def links(value: str) -> list[str]:
        return find_urls(value) + find_short_domains(value) + x_links(value)

    known = {url_host(u) for u in links(source)} | {url_host(own)}
    found: dict[str, str] = {}
    for url in links(text):
        host = url_host(url)
        if host not in known and host not in found:
            found[host] = url
    return list(found.items())


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
        yield context.finding(locale, "render", f"{where}: {problem}", None)
    for part, have, want in (("text", email.text, source.text), ("HTML", email.html, source.html)):
        if campaign.url in want and campaign.url not in have:
            key = _carrying(keys, ("%(url)s", campaign.url))
            if not context.already_reported(locale, key):
                text = f"{where}: the {part} part has lost the link {campaign.url}"
                yield context.finding(locale, "urls", text, key)
        source_tags = [t for t in campaign.hashtags if has_hashtag(want, t)]
        accepted = campaign.hashtags_for(locale)
        if source_tags and not any(has_hashtag(have, t) for t in accepted):
            key = _carrying(keys, (*source_tags, "%(hashtag)s"))
            if not context.already_reported(locale, key):
                text = f"{where}: the {part} part has lost the hashtag {source_tags[0]}"
                yield context.finding(locale, "hashtags", text, key)
