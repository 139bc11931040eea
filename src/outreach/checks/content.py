"""What a post must carry unchanged: campaign hashtags, links, @mentions and emoji.

Hashtags may be replaced by an accepted variant for the locale (``localized_hashtags`` in
campaign.toml); links and mentions must stay exactly as in the source, and a link or domain
the source does not have is reported as a possible hijack.

>>> from outreach.checks.registry import CatalogInfo, Unit, messages
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="fr", file="fr.po", plural_forms=PluralForms(2, "n > 1"),
...                    hashtags=("#LoveAlwaysWins",),
...                    accepted_hashtags=("#LoveAlwaysWins", "#LAmourGagneToujours"))
>>> def unit(source, text):
...     return Unit(source, None, None, (text,), frozenset(), 7, False, info)
>>> messages(hashtags(unit("Love wins #LoveAlwaysWins", "L’amour gagne #L’AmourGagneToujours")))
... # doctest: +ELLIPSIS
['hashtag #LAmourGagneToujours is broken by an apostrophe in “#L’AmourGagneToujours”: ...']
>>> messages(urls(unit("Sign: https://example.org/love", "Signez : https://evil.com/love")))
... # doctest: +ELLIPSIS
['link https://evil.com/love points to evil.com, ...: a possible link hijack ...']
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import unquote

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.domains import top_level_domains
from outreach.placeholders import PYTHON_PLACEHOLDER, TEMPLATE_VARIABLE, fill
from outreach.tokens import (
    find_emoji,
    find_hashtags,
    find_mentions,
    find_short_domains,
    find_urls,
    host_scripts,
    may_link,
    mention_key,
    silent_mention,
    url_host,
    x_links,
)

__all__ = ["bare_domain", "emoji", "hashtags", "mentions", "urls"]

# What people put inside a hashtag that ends it on X and Mastodon.
_SEPARATORS = {
    " ": "a space",
    "\u00a0": "a no-break space",
    "\u202f": "a no-break space",
    "'": "an apostrophe",
    "’": "an apostrophe",
    "‘": "an apostrophe",
    "`": "an apostrophe",
    "´": "an apostrophe",
    "-": "a hyphen",
    "‐": "a hyphen",
    "‑": "a hyphen",
    "–": "a dash",
    ".": "a full stop",
}


def _has_tag(text: str, tag: str) -> bool:
    body = re.escape(tag[1:])
    return re.search(rf"(?<![\w#＃])[#＃]{body}(?![\w\u200c\u200d·])", text) is not None


@entry_check("hashtags", "error", trigger="[#＃%]")
def hashtags(unit: Unit) -> Iterator[str | Problem]:
    """Every campaign hashtag of the source, unchanged or as an accepted variant.

    Errors (certain from the catalog): a campaign hashtag of the source missing, broken by a
    space, apostrophe or hyphen, misspelled, or another tag in its place; platforms would
    link something else or nothing.

    Precondition ``#``, ``＃`` or ``%``: without a hashtag or a ``%(hashtag…`` placeholder
    in the source there is nothing to keep.
    """
    info = unit.catalog
    known = set(info.hashtags) | set(info.accepted_hashtags)
    for variants in info.hashtag_variants.values():
        known.update(variants)
    if not known:
        return
    accepted = tuple(dict.fromkeys((*info.hashtags, *info.accepted_hashtags)))
    if "%(hashtag" in unit.source_text:
        yield from _hashtag_placeholder(unit, accepted)
    if "#" not in unit.source_text and "＃" not in unit.source_text:
        return
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for tag in dict.fromkeys(t for t in find_hashtags(source) if t in known):
            if any(_has_tag(text, a) for a in accepted):
                continue
            yield problem(unit, index, _lost_tag(tag, text, accepted, unit))


_HASHTAG_PLACEHOLDER = re.compile(r"(?P<hash>[#＃](?P<space>\s*))?%\((?P<name>hashtags?)\)s")


def _hashtag_placeholder(unit: Unit, accepted: tuple[str, ...]) -> Iterator[Problem]:
    """What translators do to ``%(hashtag)s``, which renders as the hashtag, ``#`` and all:
    a ``#`` before it (the post would read ``##LoveAlwaysWins`` or ``# #LoveAlwaysWins``),
    or the tag written out in its place but misspelled, or another tag (a tag written out
    correctly renders as intended). A placeholder left out with no tag in its place is the
    ``placeholders`` check's."""
    tag = accepted[0] if accepted else "#Tag"
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for name in ("hashtag", "hashtags"):
            placeholder = f"%({name})s"
            if placeholder not in source:
                continue
            for match in _HASHTAG_PLACEHOLDER.finditer(text):
                if match.group("name") != name or match.group("hash") is None:
                    continue
                if match.group() in source:
                    continue  # the template's own way of writing it
                written, hash_sign = match.group(), match.group("hash")[0]
                if match.group("space"):
                    yield problem(
                        unit,
                        index,
                        f"a stray “{hash_sign}” before {placeholder}: the post would read "
                        f"“{hash_sign} {tag}”; write {placeholder} alone (it carries the #)",
                    )
                else:
                    yield problem(
                        unit,
                        index,
                        f"“{written}” doubles the “#”: {placeholder} already begins with one, "
                        f"so the post would read “{hash_sign}{tag}”; write {placeholder}",
                    )
            if placeholder in text:
                continue
            found = [t for t in find_hashtags(text) if not any(_has_tag(t, a) for a in accepted)]
            if not found or any(_has_tag(text, a) for a in accepted):
                continue
            split = next((b for a in accepted if (b := _broken(text, a)) and b[1]), None)
            if split is not None:
                written, separator, linked = split
                yield problem(
                    unit,
                    index,
                    f"“{written}” is written in place of {placeholder}, split by {separator}: "
                    f"platforms would link only “{linked}”; write {placeholder}, or the tag "
                    "without the break",
                )
                continue
            written = found[0]
            near = next(
                (
                    a
                    for a in accepted
                    if 0
                    < _distance(written.casefold(), a.casefold())
                    <= max(1, min(3, len(a) // 6))
                ),
                None,
            )
            if near is not None:
                yield problem(
                    unit,
                    index,
                    f"{written} is written in place of {placeholder}, and misspells {near}: "
                    f"write {placeholder}",
                )
            else:
                yield problem(
                    unit,
                    index,
                    f"{written} is written in place of {placeholder}, but it is not a campaign "
                    f"hashtag for {unit.catalog.locale} ({', '.join(accepted)}): write "
                    f"{placeholder}, or list {written} under [campaign.localized_hashtags]",
                )


def _lost_tag(tag: str, text: str, accepted: tuple[str, ...], unit: Unit) -> str:
    """Say what happened to ``tag``: broken, recased, misspelled, swapped, or dropped."""
    for target in accepted:
        broken = _broken(text, target)
        if broken is not None:
            written, separator, linked = broken
            if separator is None:
                return f"hashtag {target} was changed to {written}; keep it exactly as written"
            return (
                f"hashtag {target} is broken by {separator} in “{written}”: platforms would "
                f"link only “{linked}”"
            )
        if _lost_hash(text, target):
            return f"hashtag {target} lost its “#”: it would not be linked"
    for target in accepted:
        glued = _glued(text, target)
        if glued:
            return glued
    found = find_hashtags(text)
    for written in found:
        for target in accepted:
            distance = _distance(written.casefold(), target.casefold())
            if 0 < distance <= max(1, min(3, len(target) // 6)):
                return f"hashtag {target} is misspelled as {written}"
    for written in found:
        for other, variants in unit.catalog.hashtag_variants.items():
            if written in variants and written not in accepted:
                return (
                    f"hashtag {tag} was replaced by {written}, the variant for {other}; "
                    f"{unit.catalog.locale} accepts {', '.join(accepted)}"
                )
    note = ""
    if found:
        note = (
            f" (the translation has {', '.join(found)}; if that is an accepted variant, list it "
            "under [campaign.localized_hashtags])"
        )
    return f"hashtag {tag} is missing from the translation{note}"


def _glued(text: str, target: str) -> str | None:
    """A message when ``target`` is written whole but touches a word (“は#Tag”, “#Tagで”)."""
    for match in re.finditer(rf"[#＃]{re.escape(target[1:])}", text):
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if before.isalnum() or before in "_&":
            return (
                f"hashtag {target} is glued to the text before it (“{before}{target}”): "
                "platforms would not link it; put a space before the tag"
            )
        if after.isalnum() or after == "_":
            linked = find_hashtags(text[match.start() :])[:1] or [target]
            return (
                f"hashtag {target} runs into the text after it: platforms would link "
                f"{linked[0]}; put a space after the tag"
            )
    return None


def _broken(text: str, target: str) -> tuple[str, str | None, str] | None:
    """``(as written, separator name or None, what X would link)`` when ``text`` has
    ``target`` split by a separator, or in other letter case; ``None`` otherwise."""
    body = target[1:].casefold()
    for match in re.finditer(r"[#＃]", text):
        start = match.end()
        squeezed: list[str] = []
        separator: str | None = None
        first_separator = -1
        position = start
        while position < len(text) and len(squeezed) < len(body):
            char = text[position]
            if char in _SEPARATORS and squeezed:
                if separator is None:
                    separator, first_separator = _SEPARATORS[char], position
            elif char.casefold() == body[len(squeezed)]:
                squeezed.append(char)
            else:
                break
            position += 1
        if len(squeezed) == len(body):
            written = text[match.start() : position]
            if separator is None and written[1:] == target[1:]:
                continue  # a longer tag that starts with the target (#LoveAlwaysWinsToday)
            linked = text[match.start() : first_separator] if separator else written
            return written, separator, linked
    return None


def _lost_hash(text: str, target: str) -> bool:
    return re.search(rf"(?<![\w#＃]){re.escape(target[1:])}(?!\w)", text) is not None


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@entry_check("urls", "error", trigger="[.:@]", filled=True)
def urls(unit: Unit) -> Iterator[str | Problem]:
    """Every link of the source kept exactly; no new link, host or look-alike host.

    Links are found as the platforms find them (:func:`outreach.tokens.find_urls`, and X's own
    extractor, twitter-text: :func:`outreach.tokens.x_links`), in the text as written and as
    a supporter reads it, placeholders filled: ``%(url).19s.evil.com``
    is a link to another host. A link as written that begins in a placeholder (``s请求.zip``
    in ``下载%(num)s请求.zip``: the ``s`` of ``%(num)s`` and the words a script without spaces
    runs into it) is the link read in its place with the placeholders filled: judged after
    that one, it gives way to its finding when that is as severe (:func:`_read_filled`).
    Hosts are compared as browsers resolve them (case, full-width letters, IDNA), and a host
    that mixes scripts (``ехаmple.org``, Cyrillic letters in a Latin name) is reported even
    where the rest matches, and even where the "source" has it when that is a stand-in, the
    translation itself (:attr:`~outreach.checks.registry.Unit.stand_in`: a message key's).

    Errors (a danger, or certain): a link to a host the source does not link to (a possible
    hijack), a look-alike host, a link of the source missing or changed. In the translators'
    credits (``translator-credits``: :attr:`~outreach.checks.registry.Unit.credits`), links
    and addresses are the translators' own: one warning. Warnings
    (judgements): an example address or domain localised (``jdoe@example.com`` in help
    text; a link for a link of the source on such a domain, one for one: ``http://proxy.
    example.com:3128/`` written ``proxy.ejemplo.com``, :func:`_in_place_of`), or left out
    (the source's example leads nowhere), a link on a site
    the source links to, a link run into the text after it,
    a link changed to the same site's pages in the translation's language
    (``/pt_BR/master``: :func:`_locale_added`; ``?hl=fr``, ``gpl.fr.html``:
    :func:`_language_parameter`) or to the same page on the site's host for
    that language (``fr.wikipedia.org``: :func:`_language_host`), the same page written
    another way (a trailing slash or ``www.`` added or dropped, ``http`` made ``https``, a
    section anchor written in the language, ``#Request_methods`` ->
    ``#HTTP-Anfragemethoden``, but never a one-page app's route, ``#/team/x``:
    :func:`_same_page`), a loopback example written another way (``localhost`` ->
    ``127.0.0.1``: the reader's own machine, :func:`_loopback`), a link of the source run
    into the words before it in a language written without spaces (``发送至Shuup.com``) or
    after a one-letter Arabic or Hebrew prefix (``بـopenstreetmap.org``, ``ל-botbouncer.com``:
    :func:`_glued_host`), a domain named in prose
    (``pretalx.com``, no scheme or path) left out: the wording may name the site another
    way; the suffix of a DOI of the source written apart from its prefix
    (``10.1234 / foo.bar``: :func:`_doi_suffix`); a host made only by a placeholder read
    as its own name, its value not known
    (``kaydı.%(link_start)s`` read as ``kaydı.link``: :func:`_stand_in_host`; a placeholder
    with a known value, ``%(url)s``, is read as that value and judged as a link); a
    ``mailto:`` that names no address (no ``@``: the German ``mailto:-Link``,
    :func:`_names_no_address`); an example
    path (``/path/to/…``, the convention for a path to replace) localised segment for
    segment on the same site (:func:`_placeholder_path_localized`), or a link's
    metavariables (``github.com/<username>/…``, as written or escaped) written in the
    translation's language, all else kept (:func:`_metavariables_localized`); a link or
    address on a host no one can own (a domain reserved for examples or a top-level name
    no registry delegates, ``.tld``, ``.local``: :func:`_is_example`),
    whether it takes the place of a link of the source (said once, with the link it
    replaces: ``https://linotp2.my.domain`` written ``https://linotp2.remoteserver.local``)
    or not: it leads to no one's site, so it is no hijack, and whether the source's link
    was an example to replace or a page to open, only a reader can judge; the source's
    link written as a description of the host to give (``https://<FQDN des Servers>``:
    :func:`_described_in_place`), for the same reason. Hosts are compared in
    any letter case (``Pretalx.com`` is ``pretalx.com``). Another page of a site the source
    links stays an error (on a shared host it is another account's: ``/f/someone-else``), as
    does ``https`` made ``http``.

    Where the source has a template's variables or tags, a dotted name inside one
    (``{{ pedido.tienda }}``: :data:`_TEMPLATE_TAG`) is a variable, no link; a variable
    renamed is the placeholders check's error.

    Precondition ``.``, ``:`` or ``@``, in the texts as written or filled, or their NFKC
    forms: every link the finders find has one (``://``, ``www.``, ``mailto:``, an address's
    or a mention's ``@``, a host's dot; twitter-text is asked only about dotted text), and
    with no link in the source or the translation, as written or filled, nothing is
    reported.
    """
    if _linkless(unit):
        return
    if unit.credits:
        yield from _credited(unit, [u for _, text in unit.filled_forms() for u in _links(text)])
        return
    tags = frozenset(m.group(0) for m in _TEMPLATE_TAG.finditer(unit.source_text))
    plain = functools.partial(_untemplated, tags=tags) if tags else str
    source_text = plain(unit.source_text)
    source_hosts = {
        url_host(u) for u in _links(plain(unit.shown(unit.source_text))) + _links(source_text)
    }
    source_hosts.add(url_host(unit.catalog.url))  # the campaign's own site is no hijack
    local_source = any(map(_loopback, source_hosts))
    for index, written_text in unit.filled_forms():
        text = plain(written_text)
        source = plain(unit.source_for(index))
        want, have = find_urls(source), find_urls(text)
        shown_text = plain(unit.shown(written_text))
        shown = find_urls(shown_text)
        source_shown = find_urls(plain(unit.shown(source))) if "%" in source else []
        on_x = x_links(text)
        have_anywhere = set(have) | set(on_x)
        reported: set[str] = set()
        # the one link a warning excuses on a host of its own (a DOI's suffix, a localised
        # example, a file name): another link there is still a hijack (``https://evil.com/x``
        # beside ``juan@evil.com``), reported once
        excused: dict[str, set[str]] = {}
        renamed: dict[str, str] = {}  # a link read as a file name: the source's it replaces
        examples = _examples(source, url_host(unit.catalog.url))
        replaced = [e for e in examples if e not in have]  # a localised example's place
        source_as_read = f"{source}\n{plain(unit.shown(source))}"
        filled_links = shown + x_links(shown_text)
        # a link as written that begins in a placeholder (``s请求.zip`` in ``%(num)s请求.zip``)
        # and the links read in its place with the placeholders filled: judged after them,
        # it gives way to their finding (one link, one finding: the supporter's reading)
        in_place: dict[str, list[str]] = {
            url: found
            for url in dict.fromkeys(have + on_x)
            if url not in filled_links
            and (found := _read_filled(url, text, shown_text, filled_links, unit.values))
        }
        given: dict[str, str] = {}  # the severity of the finding each link was given
        unowned: list[str] = []  # links on a host no one can own (_is_example)
        links = list(dict.fromkeys(have + on_x + filled_links))
        for url in [u for u in links if u not in in_place] + list(in_place):
            host = url_host(url)
            scripts = host_scripts(url)
            glued = _glued_host(url, source_hosts)
            if host not in source_hosts and _spelled_in(url, source_as_read):
                continue  # the source's own characters, which its extractors split otherwise
            if host not in source_hosts and (doi := _doi_suffix(url, source_as_read, text)):
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"{url} is the suffix of the source's identifier {doi} (a DOI, no link), "
                    "written apart from its prefix: no new host, but check the identifier "
                    "(a DOI has no spaces)",
                    "warning",
                )
                continue
            if host not in source_hosts and _loopback(host) and local_source:
                continue  # the reader's own machine, as the source's link: paired below
            if glued is not None:
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"link {glued} runs into the text "
                    f"{'after' if url.startswith(glued) else 'before'} it (“{url}”): some apps "
                    "would link all of it; fine where the language joins the words so, "
                    "otherwise put a space between",
                    "warning",
                )
            elif host not in source_hosts and examples and _reaches_no_one(url):
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"link {url} takes the place of the source's example "
                    f"({', '.join(examples)}) on {host}, also a domain no one can own: fine",
                    "warning",
                )
            elif host not in source_hosts and _reaches_no_one(url):
                # no one's site: paired below with a link of the source it takes the place
                # of, or reported on its own (one finding either way); not excused, so that
                # the source's link it stands for is still looked for
                unowned.append(url)
            elif host not in source_hosts and (
                partner := _in_place_of(url, text, replaced, source)
            ):  # one localised example in place of one of the source's, of its kind
                replaced.remove(partner)
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"{url} takes the place of the source's example ({partner}) but is on "
                    f"{host}, a real domain: keep an example domain (example.com), which no "
                    "one can own",
                    "warning",
                )
            elif host not in source_hosts and _language_host(
                host, source_hosts, unit.catalog.locale
            ):
                continue  # the site's pages in the translation's language: paired below
            elif host not in source_hosts and (
                named := _file_name_for(
                    url,
                    # the source as the link is read: as written, or placeholders filled
                    [
                        u
                        for u in (
                            want + source_shown if url in have_anywhere else source_shown + want
                        )
                        if u not in renamed.values()
                    ]
                    # and the name its filled reading replaces: the same link
                    + [renamed[u] for u in in_place.get(url, ()) if u in renamed],
                    have + shown,
                )
            ):  # as written, or with its placeholders filled (``request_%(num)s.zip``)
                _excuse(excused, reported, url, host)
                renamed[url] = named  # one file name for one of the source's
                if _gives_way(in_place.get(url), given, "warning"):
                    continue
                given[url] = "warning"
                yield problem(
                    unit,
                    index,
                    f"{url} takes the place of {named}, a file name on a top-level domain "
                    f"(.{named.rsplit('.', 1)[1].lower()}): fine as a file name, but X, "
                    "Bluesky and some mail clients would link it to that website",
                    "warning",
                )
            elif host not in source_hosts and _names_no_address(url):
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"{url} names no address (no @ in it): no one to write to, no host to "
                    "go to; fine where it is a word (the German “mailto:-Link”, a mailto: "
                    "link), otherwise write the address",
                    "warning",
                )
            elif len(scripts) > 1 and (host not in source_hosts or unit.stand_in):
                reported.add(host)
                if _gives_way(in_place.get(url), given, "error"):
                    continue
                given[url] = "error"
                yield problem(
                    unit,
                    index,
                    f"link {url} has a host that mixes {' and '.join(sorted(scripts))} letters "
                    "(a look-alike of another site?): a possible link hijack",
                )
            elif (
                host not in source_hosts
                and url not in have_anywhere
                and (stand_in := _stand_in_host(host, written_text, unit.values, plain))
            ):
                _excuse(excused, reported, url, host)
                yield problem(
                    unit,
                    index,
                    f"{url}, as a supporter reads it, is a host only with {stand_in} read as "
                    "its own name (its value is not known here): no link as written; check the "
                    "text that runs into the placeholder (a space left out?)",
                    "warning",
                )
            elif host not in source_hosts and (
                host not in reported
                or _excuse_key(url) not in excused.get(host, {_excuse_key(url)})
            ):
                excused.pop(host, None)
                reported.add(host)
                if _gives_way(in_place.get(url), given, "error"):
                    continue
                given[url] = "error"
                written = (
                    ""
                    if url in have_anywhere
                    else " (as a supporter reads it, placeholders filled)"
                )
                listed = [u for u in dict.fromkeys(want) if u not in have]
                shown_missing = f" (the source links {', '.join(listed)})" if listed else ""
                yield problem(
                    unit,
                    index,
                    f"link {url}{written} points to {host}, which the source does not link "
                    f"to: a possible link hijack{shown_missing}",
                )
        if want == have:
            yield from _unowned_links(unit, index, unowned)
            continue
        want_keys, have_keys = {_link_key(u) for u in want}, {_link_key(u) for u in have}
        missing = [u for u in dict.fromkeys(want) if _link_key(u) not in have_keys]
        extra = [
            u
            for u in dict.fromkeys(have)
            if _link_key(u) not in want_keys and url_host(u) not in reported
        ]
        if reported:
            missing = []  # said with the hijack
        descriptions = [
            m.group() for m in _DESCRIBED_HOST.finditer(text) if _ends_host(text, m.end())
        ]
        # links first, then domains named in prose, which a link on their host may cover
        missing.sort(key=_bare)
        own = url_host(unit.catalog.url)
        for url in list(missing):
            runs_on = [u for u in extra if u.startswith(url) and _glued_text(u[len(url) :])]
            if runs_on:  # "example.orgのウェブサイト": kept, but the text runs into it
                extra.remove(runs_on[0])
                yield problem(
                    unit,
                    index,
                    f"link {url} runs into the text after it: some apps would link "
                    f"{runs_on[0]}; put a space after the link",
                    "warning",
                )
                continue
            if _written_in(url, text):
                continue  # kept as written, in text no extractor splits from it
            same_host = [u for u in extra if url_host(u) == url_host(url)]
            loopback = [u for u in extra if _loopback(url_host(u)) and _loopback(url_host(url))]
            if loopback and not same_host:
                yield problem(
                    unit,
                    index,
                    f"link {url} is written {loopback[0]}, another name of the reader's own "
                    "machine (a loopback address): fine for an example, check the port and path",
                    "warning",
                )
                extra.remove(loopback[0])
                continue
            localized = [u for u in same_host if _localized(url, u)]
            same_page = [(u, how) for u in same_host if (how := _same_page(url, u))]
            language_site = [
                u
                for u in extra
                if _language_host(url_host(u), {url_host(url)}, unit.catalog.locale)
            ]
            if same_page:
                written, how = same_page[0]
                yield problem(
                    unit,
                    index,
                    f"link {url} is written {written} ({how}: the same page on most sites; "
                    "check that it opens)",
                    "warning",
                )
                extra.remove(written)
            elif _bare(url):
                site = url_host(url) in {url_host(u) for u in have}
                yield problem(
                    unit,
                    index,
                    f"{url} is not written out, though the translation links the same site: "
                    "fine if the wording names it another way"
                    if site
                    else f"the source names {url}, the translation does not: fine if the "
                    "wording names the site another way (a domain in prose is no link to "
                    "lose)",
                    "warning",
                )
            elif language_site:
                other = language_site[0]
                extra.remove(other)
                if _same_page(_on_host(url, url_host(other)), other) or _link_key(
                    _on_host(url, url_host(other))
                ) == _link_key(other):
                    yield problem(
                        unit,
                        index,
                        f"link {url} was changed to {other}, the same page on the site's "
                        f"host for the translation's language ({unit.catalog.locale}): check "
                        "that it leads to the same page",
                        "warning",
                    )
                else:  # another page: on a shared host, another account's
                    yield problem(unit, index, f"link {url} was changed to {other}")
            elif localized:
                extra.remove(localized[0])  # /en/ -> /fr/ on the same site: localisation
            elif same_host and _is_address(url) and _is_address(same_host[0]):
                yield problem(
                    unit,
                    index,
                    f"address {url} was changed to {same_host[0]} (the same domain: fine for "
                    "an example address, not for one supporters write to)",
                    "warning",
                )
                extra.remove(same_host[0])
            elif docs := [
                u
                for u in same_host
                if _locale_added(url, u, unit.catalog.locale)
                or _language_parameter(url, u, unit.catalog.locale)
            ]:
                yield problem(
                    unit,
                    index,
                    f"link {url} was changed to {docs[0]}, on the same site with the "
                    f"translation's language ({unit.catalog.locale}) in its address, as "
                    "documentation sites give each language its pages: check that it leads "
                    "to the same page",
                    "warning",
                )
                extra.remove(docs[0])
            elif same_host and url in examples:  # not the campaign's own site
                yield problem(
                    unit,
                    index,
                    f"the source's example {url} is written {same_host[0]}, on the same domain, "
                    "which no one can own: fine",
                    "warning",
                )
                extra.remove(same_host[0])
            elif placeholder := [u for u in same_host if _placeholder_path_localized(url, u)]:
                yield problem(
                    unit,
                    index,
                    f"the source's example path in {url} (a path to replace, /path/to/…) is "
                    f"written {placeholder[0]}, on the same site: fine for a localised example",
                    "warning",
                )
                extra.remove(placeholder[0])
            elif metavariables := [u for u in same_host if _metavariables_localized(url, u)]:
                yield problem(
                    unit,
                    index,
                    f"the source's example {url} is written {metavariables[0]}: its "
                    "metavariables (what the reader puts there) in the translation's language, "
                    "the rest as the source has it: fine",
                    "warning",
                )
                extra.remove(metavariables[0])
            elif same_host:
                yield problem(unit, index, f"link {url} was changed to {same_host[0]}")
                extra.remove(same_host[0])
            elif url in examples:
                yield problem(
                    unit,
                    index,
                    f"the source's example {url} is not in the translation: fine if the "
                    "translator gave a local example, but keep a domain reserved for examples "
                    "(example.com), which no one can own",
                    "warning",
                )
            elif stand_in := next(
                (u for u in unowned if _same_kind(u, text, url, source)), None
            ):  # one for one, of its kind
                unowned.remove(stand_in)
                if stand_in in extra:
                    extra.remove(stand_in)
                if _on_own_site(url_host(url), own):  # a page of the campaign: no example
                    yield _own_page_lost(
                        unit,
                        index,
                        url,
                        f"{stand_in}, on {url_host(stand_in)}, a host no one can own",
                    )
                    continue
                yield problem(
                    unit,
                    index,
                    f"link {url} is written {stand_in}, on {url_host(stand_in)}, a host no one "
                    "can own (a name reserved for examples, or one no registry delegates): no "
                    f"hijack, and fine where {url} is an example to replace; where readers "
                    "must open it, keep the source's link",
                    "warning",
                )
            elif description := _described_in_place(url, descriptions):
                descriptions.remove(description)
                if _on_own_site(url_host(url), own):  # a page of the campaign: no example
                    yield _own_page_lost(
                        unit, index, url, f"as a description of a host (“{description}”)"
                    )
                    continue
                yield problem(
                    unit,
                    index,
                    f"link {url} is written as a description of the host to give "
                    f"(“{description}”): no link, so no hijack; fine in a format hint, but "
                    "where readers must open the source's link, keep it",
                    "warning",
                )
            else:
                yield problem(unit, index, f"link {url} is missing from the translation")
        yield from _unowned_links(unit, index, unowned)
        extra = [u for u in extra if u not in unowned]
        for url in extra:
            if url_host(url) != own:  # the campaign's own site, written out: fine
                yield problem(
                    unit,
                    index,
                    f"link {url} is not in the source (a site the source links to)",
                    "warning",
                )


def _own_page_lost(unit: Unit, index: int, url: str, written: str) -> Problem:
    """The error for ``url``, a page of the campaign's own site, ``written`` where no reader
    can open it (on a host no one can own, or as a description of a host): supporters must
    open the campaign's pages, so no example excuses it."""
    return problem(
        unit,
        index,
        f"link {url}, on the campaign's own site, is written {written}: no reader can open it",
    )


def _same_kind(url: str, text: str, other: str, source: str) -> bool:
    """Whether ``url`` (of ``text``) and ``other`` (of ``source``) are of one kind, as a
    link written in place of another must be: both web links, or both addresses or bare
    domains (:func:`_is_address_or_domain`).

    >>> _same_kind("https://a.local/x", "", "https://b.org/y", ""), _same_kind(
    ...     "jo@a.local", "", "https://b.org/y", "")
    (True, False)
    """
    return _is_address_or_domain(url, text) == _is_address_or_domain(other, source)


def _on_own_site(host: str, own: str) -> bool:
    """Whether ``host`` is the campaign's own site ``own`` or a host under or above it
    (``act.allout.org`` and ``allout.org``): its pages are where supporters go, never an
    example.

    >>> _on_own_site("allout.org", "act.allout.org"), _on_own_site("evil.org", "allout.org")
    (True, False)
    """
    return bool(own) and (host == own or own.endswith(f".{host}") or host.endswith(f".{own}"))


def _unowned_links(unit: Unit, index: int, unowned: list[str]) -> Iterator[Problem]:
    """A warning for each link of ``unowned`` (on a host no one can own) that takes the place
    of none of the source's: it leads to no one's site, so no hijack, but to no page either.
    A name on the reader's own network (``.local``, ``.lan``) is answered by a machine there,
    the reader's or one on the same network, never by a site a translator can set up.
    """
    for url in unowned:
        yield problem(
            unit,
            index,
            f"link {url} points to {url_host(url)}, a host no one can own (a name reserved "
            "for examples, or one no registry delegates): no one's site, so no hijack; fine "
            "for an example, but no reader can open it",
            "warning",
        )


#: A link's host written as a description of the host to give, between the brackets that
#: mark a metavariable: ``https://<FQDN des entfernten Servers>``, ``https://[votre serveur]``,
#: ``https://{servidor}``, escaped or not.
_DESCRIBED_HOST = re.compile(
    r"\b[a-z][a-z0-9+.-]{1,15}://(?:<[^<>\n]{1,80}>|&lt;.{1,80}?&gt;|%3C.{1,80}?%3E"
    r"|\[[^\[\]\n]{1,80}\]|\{[^{}\n]{1,80}\})",
    re.IGNORECASE,
)


#: Markup that breaks a line where a reader sees it (``<br>``, ``</p>``): the link ends there.
_LINE_TAG = re.compile(
    r"</?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|pre|table|blockquote|hr)\b[^<>]*>", re.IGNORECASE
)
#: Any other tag, which a reader does not see: the text on both sides of it runs together.
_TAG = re.compile(r"<[^<>\n]*>")
#: What, right after a description of a host, carries the host on: a letter or digit, a
#: dot or colon before one (``.evil.com``, ``:pw``), an ``@`` (the description was a user
#: name), or an escape (``%40``, ``&#64;``).
_HOST_GOES_ON = re.compile(r"[\w@%&-]|[.:][^\W\d_]|\.\d")


def _ends_host(text: str, end: int) -> bool:
    """Whether the link's host ends at ``end``, right after a description of the host
    (:data:`_DESCRIBED_HOST`), as a browser and a reader read it: nothing but a port, a path,
    a query or the end of the link follows, markup a reader does not see left out. A
    browser drops tabs and line breaks in a link (an ``href``): an ``@`` after them still
    makes the description a user name, and the host what follows it.

    >>> _ends_host("https://<FQDN>:5000/linotp.", 14), _ends_host("https://<x>@evil.com", 11)
    (True, False)
    >>> _ends_host("https://<span>evil</span>.com", 14), _ends_host("https://<x></code> o", 11)
    (False, True)
    """
    rest = _TAG.sub("", _LINE_TAG.sub(" ", text[end : end + 500]))
    authority = re.split(r"[/?#\\ \"'`]", re.sub(r"[\t\r\n]", "", rest), maxsplit=1)[0]
    return "@" not in authority and not _HOST_GOES_ON.match(rest)


def _described_in_place(url: str, descriptions: list[str]) -> str | None:
    """The description of ``descriptions`` (:data:`_DESCRIBED_HOST`) written with ``url``'s
    scheme: the source's link given as what the reader puts there, as format hints do.

    >>> _described_in_place("https://linotp2.my.domain", ["https://<FQDN des Servers>"])
    'https://<FQDN des Servers>'
    >>> _described_in_place("mailto:jo@example.org", ["https://<server>"]) is None
    True
    """
    scheme, sep, _ = url.partition("://")
    if not sep:
        return None
    return next((d for d in descriptions if d.lower().startswith(f"{scheme.lower()}://")), None)


def _linkless(unit: Unit) -> bool:
    """Whether no finder could find a link in ``unit``: not in its source texts nor in a
    form the check reads, as written, normalised or with the placeholders filled
    (:func:`outreach.tokens.may_link`; only a ``%`` fills anything,
    :func:`outreach.placeholders.fill`). Then the check has nothing to compare, and it
    returns before its set-up: most entries of a catalog hold no link, and the set-up
    (texts filled, examples, links as X reads them) was about 120 µs an entry, 45% of
    ``outreach compile``'s checking on bench_compile.py's catalogs (cProfile).

    >>> from outreach.checks.registry import CatalogInfo
    >>> def unit(msgid, text): return Unit(msgid, None, None, (text,), frozenset(), 1,
    ...                                     False, CatalogInfo(locale="es", file="es.po"))
    >>> _linkless(unit("Sign now.", "Firma ya.")), _linkless(unit("Sign.", "Firma en evil.com"))
    (True, False)
    """
    texts = [unit.msgid, unit.msgid_plural, unit.written_plural]
    texts += [text for _, text in unit.filled_forms()]
    return not any(
        text and (may_link(text) or ("%" in text and may_link(unit.shown(text)))) for text in texts
    )


def _credited(unit: Unit, found: list[str]) -> Iterator[Problem]:
    """The links or handles of the translators' credits (:attr:`Unit.credits`): theirs by
    convention, so one warning to check them, never an error (a message a template renders
    is still judged as rendered: a link to a host its source-language version lacks is an
    error there)."""
    if found:
        yield problem(
            unit,
            0,
            f"the translators' credits name {', '.join(dict.fromkeys(found))}: expected in "
            "this message (the translators' own pages and addresses); check they are theirs",
            "warning",
        )


def _stand_in_host(
    host: str, text: str, values: dict[str, str], plain: Callable[[str], str]
) -> str | None:
    """The placeholder of ``text`` whose stand-in makes ``host``'s top-level label: a named
    placeholder with no known value is read as its own name
    (:func:`outreach.placeholders.fill`), the label is the name's start, and with a space in
    its place no link on ``host`` is left (``kaydı.%(link_start)s`` read as
    ``kaydı.link_start``; at run time the value is whatever the program passes, here a tag).
    Nor may the placeholder, empty (a link's tag in plain text), join the text around it into
    a link of its own: ``evil.%(link_start)scom/x`` is ``evil.com/x`` there.
    A placeholder with a known value (``%(url)s``) is read as that value: never a stand-in.

    >>> _stand_in_host("kayd.link", "Bak kayd.%(link_start)sburaya", {}, str)
    '%(link_start)s'
    >>> _stand_in_host("evil.com", "%(name)s.evil.com", {}, str)
    >>> _stand_in_host("evil.link", "See evil.%(link_start)scom/x", {}, str)
    """
    for match in re.finditer(r"%\((\w+)\)", text):
        name = match.group(1)
        if name in values or not name.lower().startswith(host.rsplit(".", 1)[-1].lower()):
            continue
        apart = {url_host(u) for u in _links(plain(fill(text, {**values, name: " "})))}
        joined = {url_host(u) for u in _links(plain(fill(text, {**values, name: ""})))}
        if host not in apart and joined <= apart:
            return f"%({name})s"
    return None


#: A DOI as written in prose: ``10.`` and a registrant code, ``/``, a suffix.
_DOI = re.compile(r"(?<![\w./])(10\.\d{4,9})/([^\s/]+)")


def _doi_suffix(url: str, source: str, text: str) -> str | None:
    """The DOI of ``source`` whose suffix is ``url``, as written (``10.1234/foo.bar``),
    where ``text`` writes the DOI's prefix too, apart (``10.1234 / foo.bar``, as
    right-to-left text sets it): a reader sees the source's own identifier, no new host.

    >>> _doi_suffix("foo.bar", "Example: 10.1234/foo.bar", "مثال: 10.1234 / foo.bar")
    '10.1234/foo.bar'
    >>> _doi_suffix("evil.com", "Example: 10.1234/foo.bar", "10.1234 / evil.com")
    """
    for match in _DOI.finditer(source):
        if match.group(2).rstrip(".,;:)").lower() == url.lower() and match.group(1) in text:
            return match.group(0)
    return None


def _spelled_in(url: str, source: str) -> bool:
    """Whether the translation's ``url`` is written in ``source`` as it stands, in any letter
    case, where no host or address goes on before it or letters and dots after it: the source
    writes those very characters, though its extractors read them with what follows
    (``X.XXX.XXX-X``, a number's format, read as the domain ``X.XXX``). Nothing is new to a
    reader; a host that only ends the source's (``evil.com`` in ``foo.evil.com``) or begins
    it (``evil.com`` in ``evil.com.au``) is another host.

    >>> _spelled_in("X.XXX.XXX", "in X.XXX.XXX-X or XXXXXXXX format")
    True
    >>> _spelled_in("evil.com", "see foo.evil.com"), _spelled_in("evil.com", "see evil.com.au")
    (False, False)
    """
    for match in re.finditer(re.escape(url), source, re.IGNORECASE):
        before = source[match.start() - 1 : match.start()]
        after = source[match.end() : match.end() + 1]
        if not re.match(r"[\w.@/:-]", before) and not re.match(r"[\w.]", after):
            return True
    return False


def _glued_text(rest: str) -> bool:
    """Whether what an extractor read past a link is text run into it: a letter of a
    script written without spaces, or of a compound word (``のウェブサイト``, ``-Seite``).

    >>> _glued_text("のウェブサイト"), _glued_text("-Seite"), _glued_text("/fr/")
    (True, True, False)
    """
    head = rest.lstrip("-")
    return bool(head) and head[0].isalpha() and (not head[0].isascii() or rest[0] == "-")


#: RFC 2606 section 3: second-level domains reserved for documentation; no one can own a
#: host in them, so a link there is an example, never a hijack.
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
#: Top-level names that name the reader's own machine or network rather than a
#: placeholder: ``homeassistant.local``, ``openwrt.lan``, ``mail.corp``, ``app.localhost``
#: are where a reader's device or their organisation's server answers (the Home Assistant,
#: OpenWrt, Raspberry Pi guides link them to be opened). Another such name in place of one
#: leads to no one's site; a real domain there sends the reader to a stranger's. RFC 6761
#: section 6.3 reserves ``.localhost`` (the reader's own machine), RFC 6762 gives ``.local``
#: to multicast DNS on the reader's network, RFC 8375 ``.home.arpa`` to home networks, and
#: ICANN's board reserved ``.internal`` for private networks (2024) and will not delegate
#: ``.corp``, ``.home`` and ``.mail`` (name collisions, 2018); ``.lan`` and ``.localdomain``
#: are what home routers name their networks.
_LOCAL_NETWORK_TLDS = (
    ".localhost",
    ".local",
    ".home.arpa",
    ".internal",
    ".corp",
    ".home",
    ".mail",
    ".lan",
    ".localdomain",
)
#: Top-level names no one can register a host under (a host under one: ``shop.test``; the
#: bare word is no host, as in the handle ``@example``), so a link there leads to no one's
#: site: RFC 2606 section 2's ``.test``, ``.example`` and ``.invalid``, the local network's
#: names, and ``.tld`` and ``.domain``, what documentation writes for "your domain". None is
#: in the root zone (the tests hold each against twitter-text's list of the delegated ones).
_EXAMPLE_TLDS = (".test", ".example", ".invalid", *_LOCAL_NETWORK_TLDS, ".tld", ".domain")


def _on_local_network(host: str) -> bool:
    """Whether ``host`` names a machine on the reader's own network or the machine itself
    (:data:`_LOCAL_NETWORK_TLDS`, ``localhost``).

    >>> _on_local_network("openwrt.lan"), _on_local_network("rspamd.domain.tld")
    (True, False)
    """
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(_LOCAL_NETWORK_TLDS)


#: An address in a mail link: its path's, comma-separated, or a ``to``, ``cc`` or ``bcc``
#: field's (percent-decoded first).
_MAIL_ADDRESS = re.compile(r"[^\s,;?&=@<>\"']+@([^\s,;?&=@<>\"'/#]+)")


def _reaches_no_one(url: str) -> bool:
    """Whether every host ``url`` reaches is one no one can own (:func:`_is_example`): a mail
    link writes to each address it names, the path's and its ``cc`` or ``bcc`` fields', and
    a real one among them (``mailto:a@nas.local?bcc=x@evil.com``) gets a copy.

    >>> _reaches_no_one("mailto:a@nas.local?subject=Hi"), _reaches_no_one("https://nas.local")
    (True, True)
    >>> _reaches_no_one("mailto:a@nas.local?bcc=x%40evil.com")
    False
    >>> _reaches_no_one("mailto:x@evil.com,a@nas.local")
    False
    """
    host = url_host(url)
    if not url.lower().startswith("mailto:"):
        return _is_example(host)
    hosts = {host} | {
        url_host(f"mailto:x@{m.group(1)}")
        for m in _MAIL_ADDRESS.finditer(unquote(unicodedata.normalize("NFKC", url)))
    }
    return all(_is_example(h) for h in hosts)


def _is_example(host: str) -> bool:
    """Whether no one can own ``host``: it is on a domain reserved for examples or under a
    top-level name no registry delegates (:data:`_EXAMPLE_TLDS`). Only these: a name merely
    missing from twitter-text's list of delegated ones (``.schmilblick``) may be delegated
    after the list was made, and a link there would then be someone's site.

    >>> _is_example("formiga.example.com"), _is_example("example.org"), _is_example("evil.com")
    (True, True, False)
    >>> _is_example("shop.test"), _is_example("example"), _is_example("contest.com")
    (True, False, False)
    >>> _is_example("rspamd.dominio.tld"), _is_example("nas.local"), _is_example("tld.com")
    (True, True, False)
    >>> _is_example("nas.casa.local"), _is_example("evil.com.tld"), _is_example("a.b.home.arpa")
    (False, False, True)
    >>> _is_example("mondomain.schmilblick")
    False
    """
    host = host.lower().rstrip(".")
    if any(host == domain or host.endswith(f".{domain}") for domain in _EXAMPLE_DOMAINS):
        return True
    suffix = next((t for t in _EXAMPLE_TLDS if host.endswith(t)), None)
    if suffix is None:
        return False
    # X's extractor, finding no top-level domain it knows at the end, ends the link at the
    # last label it knows for one: ``nas.casa.local`` is a link to nas.casa there (.casa is
    # delegated), ``rspamd.evil.com.tld`` one to rspamd.evil.com; under a delegated name
    # (``home.arpa``) it links the whole host
    tlds = top_level_domains()
    if suffix.rsplit(".", 1)[1] in tlds:
        return True
    labels = host[: -len(suffix)].split(".")
    return not any(label in tlds or label.startswith("xn--") for label in labels[1:])


#: The conventional path of documentation examples (``/path/to/file``): a path to replace.
_PLACEHOLDER_PATH = re.compile(r"/path/to(?:/|$)", re.IGNORECASE)


def _placeholder_path_localized(url: str, written: str) -> bool:
    """Whether ``written`` is ``url`` with its placeholder path localised: ``url``'s path
    begins with ``/path/to/``, the convention of documentation for a path the reader
    replaces (``ftp://host.com/path/to/my/branch``), and ``written`` keeps all before the path
    (scheme, user, host, port) and as many segments (``/caminho/para/meu/ramo``). The source
    gives no page to lose; a translation keeping its shape on the same site is a localised
    example (a judgement, as for an address changed on its domain: on a host that gives
    accounts by path, the first segment names one).

    >>> _placeholder_path_localized("ftp://host.com/path/to/my/branch",
    ...                             "ftp://host.com/caminho/para/meu/ramo")
    True
    >>> _placeholder_path_localized("ftp://host.com/path/to/my/branch", "ftp://evil.com/a/b/c/d")
    False
    >>> _placeholder_path_localized("https://host.com/docs/path", "https://host.com/doc/chemin")
    False
    """
    paths = _paths_on_one_site(url, written)
    if paths is None or not _PLACEHOLDER_PATH.match(f"/{paths[0]}"):
        return False
    path, other_path = paths
    return path.rstrip("/").count("/") == other_path.rstrip("/").count("/")


def _paths_on_one_site(url: str, written: str) -> tuple[str, str] | None:
    """The paths (with query and fragment) of ``url`` and ``written`` when all before them
    is the same in any letter case: scheme, user, host and port; else ``None``.

    >>> _paths_on_one_site("HTTP://Host.com/a?b", "http://host.com/c"), _paths_on_one_site(
    ...     "https://a.org/x", "https://b.org/x")
    (('a?b', 'c'), None)
    """
    scheme, _, rest = url.partition("://")
    other_scheme, _, other_rest = written.partition("://")
    head, _, path = rest.partition("/")
    other_head, _, other_path = other_rest.partition("/")
    if scheme.lower() != other_scheme.lower() or head.lower() != other_head.lower():
        return None
    return path, other_path


#: A path segment that names what the reader puts there, not a page: ``<username>``, as
#: escaped in HTML (``&lt;username&gt;``, ``&#60;…&#62;``) or in a link (``%3C…%3E``),
#: ``{user}`` or ``[repo]``. No host gives a page or an account such a name (an account's
#: name has no brackets), so one written in the translation's language leads nowhere new.
#: An angle bracket as written or escaped, opening and closing (:data:`_BRACKETS` too).
_OPEN_ANGLE, _CLOSE_ANGLE = r"<|&lt;|&#0*60;|&#x0*3c;|%3C", r">|&gt;|&#0*62;|&#x0*3e;|%3E"
_METAVARIABLE = re.compile(
    rf"(?:{_OPEN_ANGLE})[^<>/&%]+?(?:{_CLOSE_ANGLE})|\{{[^{{}}/]+\}}|\[[^\[\]/]+\]",
    re.IGNORECASE,
)


def _metavariables_localized(url: str, written: str) -> bool:
    """Whether ``written`` is ``url`` with its metavariables written in another language:
    the same scheme, host, port and user, the same path segments, query and fragment,
    except metavariables (:data:`_METAVARIABLE`; a segment's other characters kept, as
    ``<repo>.git``):
    ``http://github.com/&lt;username&gt;/&lt;repo_name&gt;/`` written
    ``http://github.com/&lt;nomeutente&gt;/&lt;nome_repository&gt;/``. A judgement, as for
    the example path ``/path/to/…``: the reader puts their own names there; a literal
    segment for a metavariable (``github.com/attacker/&lt;repo&gt;``) names an account, and
    stays a changed link.

    >>> _metavariables_localized("http://github.com/<user>/<repo>/", "http://github.com/<utente>/<repo>/")
    True
    >>> _metavariables_localized("https://gitlab.com/{user}/x", "https://gitlab.com/{utente}/x")
    True
    >>> _metavariables_localized("https://github.com/<user>/x", "https://github.com/attacker/x")
    False
    >>> _metavariables_localized("https://github.com/<user>/x", "https://github.io/<utente>/x")
    False
    """
    paths = _paths_on_one_site(url, written)
    if paths is None:
        return False
    segments, other_segments = paths[0].split("/"), paths[1].split("/")
    if len(segments) != len(other_segments):
        return False
    changed = [(a, b) for a, b in zip(segments, other_segments, strict=True) if a != b]
    return bool(changed) and all(
        _METAVARIABLE.search(a)
        and _METAVARIABLE.sub("<>", a) == _METAVARIABLE.sub("<>", b)
        and all(_is_name(m.group(0)) for m in _METAVARIABLE.finditer(b))
        for a, b in changed
    )


#: A metavariable's brackets, as written or escaped (:data:`_METAVARIABLE`).
_BRACKETS = re.compile(rf"^(?:{_OPEN_ANGLE}|\{{|\[)|(?:{_CLOSE_ANGLE}|\}}|\])$", re.IGNORECASE)


def _is_name(metavariable: str) -> bool:
    r"""Whether what ``metavariable`` holds between its brackets is a name, in any script:
    letters with their marks, digits, ``_``, ``-`` and the joiners some scripts write
    (``<nome_utente>``, ``<उपयोगकर्ता>``). Anything else may lead somewhere: a browser
    reads ``\`` as ``/``, so ``&lt;x\..\attacker#&gt;`` drops ``&lt;x`` and opens the
    account ``attacker`` (the ``#`` hides the rest); an HTML email shows
    ``&lt;u@evil.com&gt;`` as ``<u@evil.com>``, which mail clients link.

    >>> _is_name("&lt;nome_utente&gt;"), _is_name("[имя-пользователя]")
    (True, True)
    >>> _is_name("&lt;x\\..\\attacker#&gt;"), _is_name("&lt;evil.com&gt;"), _is_name("{a@b}")
    (False, False, False)
    """
    inner = _BRACKETS.sub("", metavariable)
    return bool(inner) and all(
        unicodedata.category(c)[0] in "LMN" or c in "_-\u200c\u200d" for c in inner
    )


def _names_no_address(url: str) -> bool:
    """Whether ``url`` is a ``mailto:`` reference with no ``@`` in it, as written,
    percent-decoded (``%40``) or in NFKC (``＠``): it names no one's address, so no domain
    to write to -- a word the finders read as a link (the German ``mailto:-Link``, "a
    mailto: link"). A mail client given it has no one to send to.

    >>> _names_no_address("mailto:-Link"), _names_no_address("mailto:jo@evil.com")
    (True, False)
    >>> _names_no_address("mailto:jo%40evil.com"), _names_no_address("mailto:?to=jo%40x.org")
    (False, False)
    >>> _names_no_address("mailto:jo＠evil.com"), _names_no_address("https://-Link")
    (False, False)
    """
    if not url.lower().startswith("mailto:"):
        return False
    rest = url[len("mailto:") :]
    for _ in range(3):  # %2540 is %40 once decoded
        rest = unquote(rest)
    return "@" not in unicodedata.normalize("NFKC", rest)


def _is_address(url: str, text: str = "") -> bool:
    """An email address (``ant@example.com``, ``mailto:…``) or the domain of one written
    after an ``@`` (``^.*@example\\.com``), not a web link."""
    if url.lower().startswith("mailto:") or ("@" in url and "/" not in url):
        return True
    at = text.find(url)
    return at > 0 and text[at - 1] == "@"


def _is_address_or_domain(url: str, text: str) -> bool:
    """An address, or a bare domain (no scheme, no path) as help texts give examples: not a
    link a post would carry (``https://…``)."""
    return _is_address(url, text) or ("://" not in url and "/" not in url)


def _examples(source: str, own: str) -> list[str]:
    """The source's links and addresses on a domain reserved for examples, other than the
    campaign's own site: a help text's ``jdoe@example.com``, or the domain of a pattern
    (``'@example.com'``, which the extractors read as a handle), which translators localise.
    An example on a real domain (``e.g. mp.office@parliament.uk``) is no example here: a
    supporter may write to it, so another host in its place stays a possible hijack.

    >>> _examples("e.g. jdoe@example.com or '@example.org'", "act.example.net")
    ['jdoe@example.com', 'example.org']
    >>> _examples("such as <em>email@domain.com</em>", "ngo.org")
    []
    """
    domains = [m[1:] for m in find_mentions(source) if "." in m]
    return [
        u
        for u in dict.fromkeys((*find_urls(source), *domains))
        if _is_example(host := url_host(u)) and host != own and not own.endswith(f".{host}")
    ]


def _in_place_of(url: str, text: str, replaced: list[str], source: str) -> str | None:
    """The example of the source (on a reserved domain, left out of the translation) that
    ``url`` takes the place of: one for one, a web link for a web link and an address or
    bare domain for an address or bare domain (``proxy.example.com:3128`` written
    ``proxy.ejemplo.com:3128``). An example address never excuses a new web link, nor one
    example two links.

    >>> _in_place_of("http://proxy.ejemplo.com/", "", ["http://proxy.example.com/"], "")
    'http://proxy.example.com/'
    >>> _in_place_of("https://evil.com/donate", "", ["jo@example.com"], "") is None
    True

    An example on the reader's own network (:func:`_on_local_network`:
    ``http://homeassistant.local:8123/``, ``http://openwrt.lan/``) is no placeholder but the
    address of their device, a real place to go: a real domain never takes its place.

    >>> _in_place_of("https://ha-login.com/", "", ["http://homeassistant.local:8123/"], "")
    """
    for example in replaced:
        if _on_local_network(url_host(example)):
            continue  # the reader's own device, no placeholder: a real host there is a hijack
        if _same_kind(url, text, example, source):
            return example
    return None


#: A template's variable or tag, ``{{ order.shop }}`` or ``{% if order.shop %}``, when the
#: source has one: the string is rendered as a template, and a dotted name in one is a
#: variable (``order.shop``, ``pedido.tienda``: .shop and .tienda are top-level domains),
#: never text a reader sees; a variable renamed is the placeholders check's. Only names,
#: filters and words: a quoted string (``{{ "evil.com" }}``) is rendered as written.
_TEMPLATE_TAG = re.compile(TEMPLATE_VARIABLE.pattern + r"|\{%[^{}'\"]{0,200}%\}")


def _untemplated(text: str, tags: frozenset[str] = frozenset()) -> str:
    """``text`` with each template variable (:data:`_TEMPLATE_TAG`: the placeholders check
    compares them) and each ``{% … %}`` tag of the source (``tags``) blanked. A tag the
    source does not have stays as written: a link inside it is a link a reader sees.

    >>> _untemplated("{{ pedido.tienda }} - Envío: https://example.org")
    '  - Envío: https://example.org'
    >>> _untemplated("{% if a %}x{% endif %}{% https://evil.com %}", frozenset({"{% if a %}"}))
    ' x{% endif %}{% https://evil.com %}'
    """

    def blank(match: re.Match[str]) -> str:
        found = match.group(0)
        return " " if found.startswith("{{") or found in tags else found

    return _TEMPLATE_TAG.sub(blank, text)


def _glued_host(url: str, hosts: set[str]) -> str | None:
    """The link of the source in ``url`` when letters of another script run into it, after
    it (``testing@example.com와``, ``example.orgのサイト``) or before it, as Arabic and Hebrew
    join a one-letter preposition to the next word (``بـopenstreetmap.org``, ``בexample.org``;
    Hebrew puts a hyphen or maqaf between it and a Latin word: ``ל-botbouncer.com``)
    and Chinese, Japanese or Thai write a host right after the sentence's last word
    (``发送至Shuup.com``: :data:`_AFTER_UNSPACED`).

    >>> _glued_host("بـopenstreetmap.org", {"openstreetmap.org"})
    'openstreetmap.org'
    >>> _glued_host("بـevil.org", {"openstreetmap.org"}) is None
    True
    >>> _glued_host("ל-botbouncer.com", {"botbouncer.com"}), _glued_host("ל-evil.com", {"a.org"})
    ('botbouncer.com', None)
    >>> _glued_host("统计数据将在24小时后定期发送至Shuup.com", {"shuup.com"})
    'Shuup.com'
    """
    if url.isascii():
        return None
    stripped = re.sub(r"[^\x00-\x7f]+$", "", url)
    if stripped != url and stripped and url[len(stripped)].isalpha():
        return stripped if url_host(stripped) in hosts else None
    head = _PROCLITIC.match(url)
    if head is not None and head.end() < len(url):
        rest = url[head.end() :]
        if rest.isascii() and url_host(rest) in hosts:
            return rest
    tail = _AFTER_UNSPACED.search(url)
    if tail is not None and url_host(tail.group(1)) in hosts:
        return tail.group(1)
    return None


#: Letters of Arabic or Hebrew (a tatweel too) joined to the word after them: a preposition
#: or article written as a prefix, in Hebrew with a hyphen (or maqaf, U+05BE) before a
#: Latin word.
_PROCLITIC = re.compile(
    r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufeff]{1,3}-?"
)
#: An ASCII host right after a letter or mark of a script written without spaces between
#: words (Chinese, Japanese, Korean, Thai, Lao, Khmer, Burmese, and CJK punctuation):
#: ``发送至Shuup.com`` is the sentence, then the host, as X reads it. No Latin look-alike
#: letter (Cyrillic, Greek, full-width Latin) is among them: ``аexample.org`` stays a host.
_AFTER_UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3000-\u30ff\u3130-\u318f"
    r"\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20]"
    r"([A-Za-z0-9][\x21-\x7e]*)$"
)


#: A hyphen and a word that ends there (no dot after it: not the rest of a host name), as
#: German and Dutch join a name to a noun: ``pretalx.com-Server``.
_COMPOUND_TAIL = re.compile(r"-[^\W\d_]+(?![\w.-])")


def _written_in(url: str, text: str) -> bool:
    """``url`` is in ``text`` as written, not inside a longer link (``example.org`` before
    ``のウェブサイト``, which the extractors read as one link or none, or joined to a noun by
    a hyphen, ``pretalx.com-Server``; ``pretalx.com-evil.net`` is another host).

    >>> _written_in("pretalx.com", "Der pretalx.com-Server"), _written_in("a.org", "a.org-x.net")
    (True, False)
    """
    start = text.find(url)
    while start != -1:
        end = start + len(url)
        after = text[end : end + 1]
        if not (after.isascii() and (after.isalnum() or after in "/._-")):
            return True
        if after == "-" and "://" not in url and _COMPOUND_TAIL.match(text, end):
            return True
        start = text.find(url, start + 1)
    return False


def _read_filled(
    url: str, text: str, filled: str, links: Sequence[str], values: dict[str, str]
) -> list[str]:
    """The links of ``filled`` (``text`` with its placeholders filled with ``values``; its
    links ``links``) read in the place of ``url``, a link of ``text`` as written that begins
    in a placeholder: the ``s`` of ``%(num)s`` is no letter a supporter reads, and in a
    script written without spaces the words around the placeholder run into the link. Empty
    when ``url`` begins nowhere in a placeholder, or ``filled`` is not ``text`` filled.

    >>> _read_filled("s请求.zip", "下载%(num)s请求.zip", "下载num请求.zip", ["下载num请求.zip"], {})
    ['下载num请求.zip']
    >>> _read_filled("s请求.zip", "下载s请求.zip", "下载s请求.zip", ["下载s请求.zip"], {})
    []
    """
    if "%" not in text or fill(text, values) != filled:
        return []
    spans = [m.span() for m in PYTHON_PLACEHOLDER.finditer(text) if m.group() != "%%"]
    found: list[str] = []
    for start in (m.start() for m in re.finditer(re.escape(url), text)):
        begun = [(a, b) for a, b in spans if a < start < b]
        if not begun:
            continue
        end = start + len(url)
        end = next((b for a, b in spans if a < end < b), end)  # a placeholder whole
        low = len(fill(text[: begun[0][0]], values))
        high = len(fill(text[:end], values))
        for link in links:
            for match in re.finditer(re.escape(link), filled):
                if match.start() < high and match.end() > low and link not in found:
                    found.append(link)
    return found


def _gives_way(in_place: list[str] | None, given: dict[str, str], severity: str) -> bool:
    """Whether a link as written gives way to the links read in its place with the
    placeholders filled (``in_place``, :func:`_read_filled`): one of them was given a
    finding at least as severe as ``severity``, about the same text. An error as written
    never gives way to a warning: a hijack as written stays one."""
    severe = {"warning", "error"} if severity == "warning" else {"error"}
    return any(given.get(link) in severe for link in in_place or ())


def _excuse(excused: dict[str, set[str]], reported: set[str], url: str, host: str) -> None:
    """Note that a warning covered ``url`` on ``host``: that one link (:func:`_excuse_key`),
    not the host, whose other links are still hijacks."""
    excused.setdefault(host, set()).add(_excuse_key(url))
    reported.add(host)


def _excuse_key(url: str) -> str:
    """A link as a warning excuses it, the same in every reading of the text: as written,
    where ``%%`` is a percent sign, and as a supporter reads it, where it is one; with its
    compatibility characters folded (NFKC, as the check's other reading of the text, and
    as browsers and mail clients fold a host: the ligature ``ĳ`` is ``ij``), so that one
    address written ``mĳne-mailadres@voorbeeld.nl`` is one link, not two. Another address on
    the host folds to another key, and stays a hijack.

    >>> _excuse_key("http://Beispiel.com/%%(username)s") == _excuse_key("http://beispiel.com/%(username)s")
    True
    >>> _excuse_key("mĳne-mailadres@voorbeeld.nl") == _excuse_key("mijne-mailadres@voorbeeld.nl")
    True
    """
    return unicodedata.normalize("NFKC", url).lower().replace("%%", "%")


def _link_key(url: str) -> str:
    """A link as a browser tells links apart: scheme and host in any letter case are the
    same (``Pretalx.com`` is ``pretalx.com``); the path's case is kept.

    >>> _link_key("HTTPS://Pretalx.COM/p/News") == _link_key("https://pretalx.com/p/News")
    True
    """
    site, path = _split_url(url)
    return f"{site}/{'/'.join(path)}"


#: What a one-page app's route puts in a link's fragment (``#/user/evil``, ``#!/…``,
#: ``#page?id=3``, ``#@name``), percent-encoded or not (``#%2Fuser%2Fevil``): such a
#: fragment picks the page, it is no section anchor.
_ROUTE = re.compile(r"[/?=&!@]")


def _route(anchor: str, other: str) -> bool:
    """Whether ``anchor`` -> ``other`` changes which page a one-page app shows, not where a
    page scrolls: either is a route (:data:`_ROUTE`, read percent-decoded), or the two do
    not write the same numbers (``#777000`` -> ``#666666``, a chat's or record's id: a
    heading written in the language keeps its numbers, ``#Step_2`` -> ``#Schritt_2``).

    MediaWiki writes a heading's other characters as ``.XX`` bytes (``#M.C3.A9thodes``,
    ``#Input.2FOutput``): read as the characters for the numbers, not as a route.

    >>> _route("Intro", "Einleitung"), _route("Step_2", "Schritt_٢")
    (False, False)
    >>> _route("Request_methods", "M.C3.A9todos_de_petici.C3.B3n"), _route("IO", "In.2FOut")
    (False, False)
    >>> _route("home", "%2Fteam%2Fevil"), _route("777000", "666666"), _route("", "42")
    (True, True, True)
    """
    if _ROUTE.search(unquote(anchor + "#" + other)):
        return True
    return _numbers(anchor) != _numbers(other)


def _numbers(anchor: str) -> list[int]:
    """The numbers an anchor writes, its percent and MediaWiki ``.XX`` escapes read."""
    text = unquote(re.sub(r"\.([0-9A-F]{2})", r"%\1", unquote(anchor)))
    return [int(n) for n in re.findall(r"\d+", text)]


def _same_page(url: str, other: str) -> str | None:
    """How ``other`` writes the page ``url`` links another way that leads to the same page on
    the sites that answer both: a trailing slash added or dropped (``/p/news/``), ``www.``
    added or dropped, ``http`` made ``https``, a section anchor written otherwise
    (``#Request_methods`` -> ``#HTTP-Anfragemethoden``, the language edition's own heading:
    the browser opens the same page and scrolls elsewhere); ``None`` when it is another page,
    the same link, or ``https`` made ``http`` (a connection anyone on the way can read and
    change). An anchor with ``/``, ``?``, ``=``, ``&``, ``!`` or ``@`` in either, written or
    percent-encoded, is a route of a one-page app (``#/user/evil``, ``#!/…``), another page:
    never the same, nor is an anchor whose numbers change (``#777000``, an id:
    :func:`_route`).

    >>> _same_page("https://a.org/p/news", "https://a.org/p/news/")
    'a trailing slash added or dropped'
    >>> _same_page("http://a.org/p", "https://www.a.org/p")
    'www. added or dropped, https for http'
    >>> _same_page("https://a.org/p", "http://a.org/p"), _same_page("https://a.org/p", "https://a.org/q")
    (None, None)
    >>> _same_page("https://a.org/p#Intro", "https://a.org/p#Einleitung")
    'a section anchor written otherwise'
    >>> _same_page("https://a.org/#/home", "https://a.org/#/evil")
    >>> _same_page("https://a.org/p", "https://evil.com:443@a.org/p")
    """
    if _link_key(url) == _link_key(other):
        return None
    url, _, anchor = url.partition("#")
    other, _, other_anchor = other.partition("#")
    if anchor != other_anchor:
        if _route(anchor, other_anchor):
            return None
        if _link_key(url) == _link_key(other):
            return "a section anchor written otherwise"
        rest = _same_page(url, other)
        return f"{rest}, a section anchor written otherwise" if rest else None
    (site, path), (other_site, other_path) = _split_url(url), _split_url(other)
    scheme, _, host = site.partition("://")
    other_scheme, _, other_host = other_site.partition("://")
    if url_host(host) != url_host(other_host):
        return None
    if ("@" in host or "@" in other_host) and host != other_host:
        # a user name added or changed (``https://evil.com:443@a.org/``) is no way of
        # writing the page: X links ``https://evil.com:443`` out of it
        return None
    if "/".join(path).rstrip("/") != "/".join(other_path).rstrip("/"):
        return None
    if (scheme, other_scheme) not in {(s, s) for s in ("", "http", "https")} | {
        ("http", "https"),
        ("", "https"),
    }:
        return None
    how = []
    if "/".join(path) != "/".join(other_path):
        how.append("a trailing slash added or dropped")
    if host != other_host:
        how.append("www. added or dropped")
    if scheme != other_scheme:
        how.append("https for http")
    return ", ".join(how) or None


@functools.cache
def _file_extensions() -> frozenset[str]:
    """The file extensions Python's :mod:`mimetypes` knows by default (``zip``, ``py``,
    ``mov``, ``sh``), without the system's ``mime.types`` files: the same on every machine."""
    import mimetypes

    table = mimetypes.MimeTypes()
    return frozenset(ext[1:].lower() for strict in table.types_map for ext in strict)


def _file_name_for(url: str, want: Sequence[str], have: Sequence[str]) -> str | None:
    """The source's file name that ``url`` takes the place of: both are bare names (no
    scheme, path or address) ending in the same file extension that is also a top-level
    domain, and the source's is not in the translation (``backup.zip`` translated
    ``sauvegarde.zip``). A file name is no link in a help text; in a post, the rendered
    checks judge the link it becomes.

    >>> _file_name_for("sauvegarde.zip", ["backup.zip"], ["sauvegarde.zip"])
    'backup.zip'
    >>> _file_name_for("evil.org", ["mysite.org"], ["evil.org"]) is None
    True
    """
    if not _bare(url) or "." not in url:
        return None
    suffix = url.rsplit(".", 1)[1].lower()
    if suffix not in _file_extensions():
        return None
    for source in want:
        if _bare(source) and source not in have and source.rsplit(".", 1)[-1].lower() == suffix:
            return source
    return None


def _language_host(host: str, hosts: set[str], locale: str) -> bool:
    """Whether ``host`` is one of ``hosts`` with the translation's language as its first
    label, in place of another language's or added (``fr.wikipedia.org`` for
    ``en.wikipedia.org``, ``fr.docs.example.org`` for ``docs.example.org``): the site's pages
    in that language, served by its owner. Another label (``evil.wikipedia.org``), another
    language, or a bare suffix (``fr.org`` for ``en.org``) is not.

    >>> _language_host("fr.wikipedia.org", {"en.wikipedia.org"}, "fr")
    True
    >>> _language_host("pt-br.docs.a.org", {"docs.a.org"}, "pt_BR")
    True
    >>> _language_host("de.wikipedia.org", {"en.wikipedia.org"}, "fr")
    False
    >>> _language_host("fr.org", {"en.org"}, "fr"), _language_host("fr.a.org", {"b.org"}, "fr")
    (False, False)
    """
    label, _, rest = host.partition(".")
    language = locale.replace("_", "-").lower()
    if label not in {language, language.split("-", 1)[0]} or "." not in rest:
        return False
    for source in hosts:
        first, _, base = source.partition(".")
        if source == rest or (base == rest and _LOCALE_SEGMENT.fullmatch(first)):
            return True
    return False


def _on_host(url: str, host: str) -> str:
    """``url`` with its host replaced by ``host`` (scheme and path kept).

    >>> _on_host("https://en.wikipedia.org/wiki/Sochi", "fr.wikipedia.org")
    'https://fr.wikipedia.org/wiki/Sochi'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    _, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host}{slash}{path}"


def _bare(url: str) -> bool:
    """A domain named in prose (``pretalx.com``): no scheme, no path, no address."""
    return "://" not in url and "/" not in url and "@" not in url and ":" not in url


def _links(text: str) -> list[str]:
    """Links as the checks find them and as X itself does (:func:`outreach.tokens.x_links`)."""
    return find_urls(text) + x_links(text)


_LOCALE_SEGMENT = re.compile(r"[A-Za-z]{2,3}(?:[_-](?:[A-Za-z]{4}|[A-Za-z]{2}|[0-9]{3}))?")


def _localized(source: str, translated: str) -> bool:
    """Whether ``translated`` is ``source`` with its language in the path changed, as
    translators of documentation links do (``/en/5.2/releases/`` -> ``/fr/5.2/releases/``).

    >>> _localized("https://docs.example.org/en/5.2/", "https://docs.example.org/pt-br/5.2/")
    True
    >>> _localized("https://example.org/en/sign", "https://example.org/en/donate")
    False
    """
    a_split, b_split = _split_url(source), _split_url(translated)
    if a_split[0] != b_split[0] or len(a_split[1]) != len(b_split[1]):
        return False
    changed = [(x, y) for x, y in zip(a_split[1], b_split[1], strict=True) if x != y]
    return bool(changed) and all(
        _LOCALE_SEGMENT.fullmatch(x) and _LOCALE_SEGMENT.fullmatch(y) for x, y in changed
    )


#: A documentation site's version segment (``/pt_BR/master/``, ``/ja/5.2/``, ``/fr/latest/``).
_VERSION_SEGMENT = re.compile(
    r"(?:latest|stable|master|main|dev|devel|current|v?\d{1,4}(?:\.\d{1,4}){0,2}(?:\.x)?)",
    re.IGNORECASE,
)


def _language_codes(locale: str) -> set[str]:
    """How a site may write ``locale``'s language in an address: ``pt_br`` and ``pt``.

    >>> sorted(_language_codes("pt-BR"))
    ['pt', 'pt_br']
    """
    language = locale.replace("-", "_").lower()
    return {language, language.split("_", 1)[0]}


def _names_language(word: str, own: set[str]) -> bool:
    """Whether a segment, parameter value or file-name part of an address names one of
    ``own`` (:func:`_language_codes`), in any case and with ``-`` or ``_`` (``pt-BR``)."""
    return word.replace("-", "_").lower() in own


def _locale_added(source: str, translated: str, locale: str) -> bool:
    """Whether ``translated`` is ``source`` on the same site with the catalog's own language
    put into its path (inserted, or in place of another language's segment), optionally
    followed by a version: how documentation sites give each language its pages
    (``https://www.sphinx-doc.org/`` -> ``https://www.sphinx-doc.org/pt_BR/master``). Any
    other change of the path (another page, another account on a shared host) is not.

    >>> _locale_added("https://docs.example.org/", "https://docs.example.org/pt_BR/main", "pt_BR")
    True
    >>> _locale_added("https://docs.example.org/a", "https://docs.example.org/ja/5.2/a/", "ja")
    True
    >>> _locale_added("https://git.example.org/", "https://git.example.org/fr/evil", "fr")
    False
    >>> _locale_added("https://docs.example.org/", "https://docs.example.org/de/", "fr")
    False
    """
    (site, path), (other_site, other_path) = _split_url(source), _split_url(translated)
    if site != other_site:
        return False
    before = [segment for segment in path if segment]
    after = [segment for segment in other_path if segment]
    own = _language_codes(locale)
    for at, segment in enumerate(after):
        if not _names_language(segment, own):
            continue
        rest = after[at + 1 :]
        tails = [rest, rest[1:]] if rest and _VERSION_SEGMENT.fullmatch(rest[0]) else [rest]
        swapped = before[:at] + before[at + 1 :]  # another language's segment replaced
        swap = at < len(before) and _LOCALE_SEGMENT.fullmatch(before[at]) is not None
        if any(after[:at] + tail in (before, swapped if swap else before) for tail in tails):
            return True
    return False


def _language_parameter(source: str, translated: str, locale: str) -> bool:
    """Whether ``translated`` is ``source`` with the catalog's own language given where the
    site reads a language from a query parameter or a file name, nothing else changed:
    ``?hl=en`` -> ``?hl=fr``, ``gpl.html`` -> ``gpl.fr.html`` (or ``gpl.en.html``), the same
    page in the translation's language on the same site, as :func:`_locale_added` for a path.

    >>> _language_parameter("https://a.org/x?hl=en&y=1", "https://a.org/x?hl=fr&y=1", "fr")
    True
    >>> _language_parameter("https://a.org/gpl.html", "https://a.org/gpl.fr.html", "fr")
    True
    >>> _language_parameter("https://a.org/x?hl=en", "https://a.org/x?hl=de", "fr")
    False
    >>> _language_parameter("https://a.org/x?user=en", "https://a.org/y?user=fr", "fr")
    False
    """
    (site, path), (other_site, other_path) = _split_url(source), _split_url(translated)
    if site != other_site or len(path) != len(other_path):
        return False
    changed = [(a, b) for a, b in zip(path, other_path, strict=True) if a != b]
    if len(changed) != 1:
        return False
    before, after = changed[0]
    own = _language_codes(locale)
    name, _, query = before.partition("?")
    other_name, _, other_query = after.partition("?")
    if name == other_name:
        pairs = [p.partition("=") for p in query.split("&")]
        other_pairs = [p.partition("=") for p in other_query.split("&")]
        if len(pairs) != len(other_pairs):
            return False
        swapped = [(a[2], b[2]) for a, b in zip(pairs, other_pairs, strict=True) if a != b]
        keys_kept = all(a[0] == b[0] for a, b in zip(pairs, other_pairs, strict=True))
        return (
            keys_kept
            and bool(swapped)
            and all(_LOCALE_SEGMENT.fullmatch(a) and _names_language(b, own) for a, b in swapped)
        )
    if query != other_query:
        return False
    parts, other_parts = name.split("."), other_name.split(".")
    if len(parts) < 2 or other_parts[0] != parts[0] or other_parts[-1] != parts[-1]:
        return False
    middle, other_middle = parts[1:-1], other_parts[1:-1]
    if len(other_middle) != 1 or not _names_language(other_middle[0], own):
        return False
    return not middle or (len(middle) == 1 and _LOCALE_SEGMENT.fullmatch(middle[0]) is not None)


def _loopback(host: str) -> bool:
    """Whether ``host`` names the reader's own machine: ``localhost``, ``127.x.x.x``,
    ``[::1]`` (an example of a local server in help text, never someone else's site).

    >>> _loopback("localhost"), _loopback("127.0.0.1"), _loopback("127.evil.org")
    (True, True, False)
    >>> _loopback("app.localhost"), _loopback("evil.com.localhost")
    (True, False)
    """
    if host in ("localhost", "[::1]", "::1"):
        return True
    if host.endswith(".localhost"):  # unless X links a part of it (:func:`_is_example`)
        return _is_example(host)
    parts = host.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() for p in parts)


def _split_url(url: str) -> tuple[str, list[str]]:
    """``(scheme and host, path segments with the query)`` of a link."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host, _, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}", path.split("/")


@entry_check("bare-domain", "warning", trigger="[.]")
def bare_domain(unit: Unit) -> Iterator[str | Problem]:
    """A one-name country-code domain the source does not have (``no.lu``, ``evil.io``).

    X and Bluesky link them, but an abbreviation looks the same (Turkish ``no.lu``), so the
    entry gets a warning; a rendered post that links to a host its source-language post does
    not is an error of the rendered checks (``urls``).

    All warnings: an abbreviation looks the same as a domain; only a reader can tell.

    Precondition ``.``: a text with no dot, in the source or a form, is not looked at.
    """
    if "." not in unit.source_text and not any("." in form for form in unit.forms):
        return
    source = {url_host(u) for u in find_short_domains(unit.shown(unit.source_text))}
    for index, text in unit.filled_forms():
        for domain in dict.fromkeys(find_short_domains(unit.shown(text))):
            if url_host(domain) not in source:
                yield problem(
                    unit,
                    index,
                    f"{domain} reads as a link to the website {url_host(domain)} on X, Bluesky "
                    "and in some mail clients, and the source has no such link: fine in a "
                    "label, but in a post write it so that it is not a domain",
                )


@entry_check("mentions", "error", trigger="[@＠%]")
def mentions(unit: Unit) -> Iterator[str | Problem]:
    """Every ``@handle`` of the source kept; no new one (it would notify someone).

    Mentions are found as X and Mastodon find them (full-width ``＠`` too), in the text as
    written and as read with placeholders filled with the values they render as (the
    campaign's, and those the templates bind: ``%(handle)s`` is ``@iocmedia``; then, one at
    a time, each other account or name a handle is on another channel or in another locale:
    ``@%(handle)s`` is ``@COI`` where the IOC is a name), and compared as the platforms
    compare accounts (letter case does not matter). In a template's string,
    a placeholder whose value is unknown must not run into letters, digits, ``_`` or ``@``
    the source does not put there: if it holds a handle, ``%(handle)s_x`` mentions another
    account.

    Errors (a danger: a mention notifies an account): an ``@handle`` of the source missing or
    changed, one added, a placeholder glued to handle characters. In the translators'
    credits (``translator-credits``), handles are the translators' own: one warning.
    Warnings: a handle that is the domain of an address or a pattern (``@example\\.com``)
    changed; a dotted name with no instance that notifies no one as written
    (``*@domain.com``, an address pattern's domain: X reads no mention after ``*``, and
    Mastodon has no local account with a dot in its name:
    :func:`outreach.tokens.silent_mention`) missing, changed or added; a handle on a domain
    reserved for examples (``'@example.com'``: no one can own it) missing, or changed to
    another domain (a localised example, ``'@beispiel.de'``); a handle of the source missing
    where the translation writes an ``@name`` with no ASCII letter or digit (``@group``
    written ``@グループ名``: a localised example, a name no platform reads as an account; one
    that mixes in ASCII letters, ``@еvil`` with a Cyrillic ``е``, is not one, and an added
    handle stays an error); a handle of the source missing whose name the translation writes
    as a word of its own, without the ``@`` (``the "staff" group`` for ``@staff``: it notifies
    no one, and may be right in prose). Nothing: a message id's disambiguation suffix left out
    (``Commit@@noun`` translated ``Commit``: ``@@`` glued to the word before it and ending the
    message, which the program strips before display); one added is an added mention.

    Precondition ``@``, ``＠`` or ``%``: without them, in the source or a form, there is no
    mention and no placeholder to fill with one.
    """
    texts = (unit.source_text, *unit.forms)
    if not any("@" in t or "＠" in t or "%(" in t for t in texts):
        return
    if unit.credits:
        yield from _credited(
            unit, [m for _, text in unit.filled_forms() for m in find_mentions(text)]
        )
        return
    if "%(" in unit.source_text:
        yield from _glued_placeholders(unit)
    for index, text in unit.filled_forms():
        source, text = _without_disambiguation(unit.source_for(index), text)
        written = {mention_key(m): m for m in find_mentions(source)}
        as_written = {mention_key(m): m for m in find_mentions(text)}
        missing: list[str] = []
        extra: dict[str, str] = {}
        for reading, values in enumerate(unit.value_sets):  # a handle, on each channel
            # the first reading is the unit's own values: the texts as the other checks
            # see them, filled once for all of them (Unit.shown)
            filled_source = unit.shown(source) if reading == 0 else fill(source, values)
            filled_text = unit.shown(text) if reading == 0 else fill(text, values)
            want = {mention_key(m): m for m in find_mentions(filled_source)}
            want.update(written)
            have = dict(as_written)
            have.update(
                {k: m for m in find_mentions(filled_text) if (k := mention_key(m)) not in have}
            )
            if reading == 0:
                missing = [m for k, m in written.items() if k not in have]
            extra.update((k, m) for k, m in have.items() if k not in want and k not in extra)
        # '@example.com', the domain of a help text's pattern, localised ('@beispiel.de');
        # kept but moved ('example.com@', reordered by hand for a right-to-left display)
        # is a different pattern: still an error
        examples = [
            m
            for m in missing
            if _is_example(key := mention_key(m)[1:]) and key not in mention_key(text)
        ]
        for handle in examples:
            missing.remove(handle)
            renamed = [m for k, m in extra.items() if "." in k]
            if renamed:
                extra.pop(mention_key(renamed[0]))
                domain = mention_key(renamed[0]).rpartition("@")[2]
                if _on_local_network(mention_key(handle)[1:]) and not _is_example(domain):
                    # a server on the reader's network, as for links (_in_place_of): a
                    # real domain in its place is someone's account
                    yield problem(
                        unit,
                        index,
                        f"“{handle}”, on the reader's own network, was changed to "
                        f"“{renamed[0]}”, on {domain}, a real domain: it would mention "
                        "that account; keep the source's",
                    )
                    continue
            yield problem(
                unit,
                index,
                f"“{handle}”, an example on a domain no one can own, "
                + (f"was changed to “{renamed[0]}”" if renamed else "is not in the translation")
                + ": fine in a help text's example, but in a post a handle that is not "
                "reserved would mention that account; keep the source's example",
                "warning",
            )
        if len(missing) == 1 and len(extra) == 1:
            (changed,) = extra.values()
            if silent_mention(source, missing[0]) and _wildcard_domain(text, changed):
                yield problem(
                    unit,
                    index,
                    f"“{missing[0]}” was changed to “{changed}”, where neither notifies anyone "
                    "(the domain of an address pattern: X reads no mention there, and Mastodon "
                    "has no account with a dot in its name): fine for a localised example",
                    "warning",
                )
                continue
            if _in_address(source, missing[0]) and _in_address(text, changed):
                yield problem(
                    unit,
                    index,
                    f"“{missing[0]}” was changed to “{changed}” where it reads as the domain of "
                    "an address or a pattern (a dot follows it): fine there, but in a post it "
                    f"would mention {changed}",
                    "warning",
                )
                continue
            yield problem(unit, index, f"mention {missing[0]} was changed to {changed}")
            continue
        localised = _localised_handles(text)
        for handle in missing:
            if _named_without_at(text, handle):
                yield problem(
                    unit,
                    index,
                    f"“{handle}” is not in the translation, which names {handle[1:]} without "
                    "the @: fine where the text speaks of the account (or group) in prose, "
                    "but in a post it no longer mentions it",
                    "warning",
                )
                continue
            if localised:
                yield problem(
                    unit,
                    index,
                    f"“{handle}” is not in the translation, which writes “{localised.pop(0)}” "
                    "in its place, a name no platform reads as an account (a localised "
                    "example: fine in a help text); if the source's is an account to mention, "
                    "keep it",
                    "warning",
                )
                continue
            if silent_mention(source, handle):
                yield problem(
                    unit,
                    index,
                    f"“{handle}” is not in the translation, where the source has it as the "
                    "domain of an address pattern, which notifies no one (X reads no mention "
                    "there, and Mastodon has no account with a dot in its name): fine if the "
                    "translation gives a local example",
                    "warning",
                )
                continue
            yield problem(unit, index, f"mention {handle} is missing from the translation")
        for handle in extra.values():
            if _wildcard_domain(text, handle) and any(
                silent_mention(source, m) for m in written.values()
            ):  # another pattern beside the source's own (*@domain.com): a localised one
                yield problem(
                    unit,
                    index,
                    f"“{handle}” is not in the source; as written it notifies no one (the "
                    "domain of an address pattern: X reads no mention there, and Mastodon has "
                    "no account with a dot in its name): check it is an example",
                    "warning",
                )
                continue
            yield problem(
                unit, index, f"mention {handle} is not in the source: it would notify that account"
            )


# '@' and a name with no ASCII letter or digit ('@グループ名', '@имя-хоста'): X and Mastodon
# read a handle only in [A-Za-z0-9_], so it notifies no one
_LOCALISED_HANDLE = re.compile(r"(?<![\w@＠])[@＠]((?:[^\W\d_A-Za-z]|[_-])+)(?![\w@＠])")
# 'Commit@@noun': a message id's disambiguation suffix, '@@' glued to the word before it and
# ending the message (git-cola's N_('Commit@@verb'); the program strips it before display)
_DISAMBIGUATION = re.compile(r"\w@([@＠][A-Za-z0-9_]+)\s*$")


def _localised_handles(text: str) -> list[str]:
    """``@name`` tokens of ``text`` whose name has no ASCII letter or digit: a localised
    example handle (``@username`` written ``@שם_המשתמש``). No platform reads one as an account;
    a name that mixes in ASCII letters (``@еvil``, a Cyrillic ``е``) is not one of these, nor
    is one of full-width or mathematical Latin letters (``@ｅｖｉｌ``), which reads as ASCII."""
    if "@" not in text and "＠" not in text:
        return []
    return [
        m.group(0)
        for m in _LOCALISED_HANDLE.finditer(text)
        if any(c.isalpha() for c in m.group(1)) and not _ascii_in_disguise(m.group(1))
    ]


def _ascii_in_disguise(name: str) -> bool:
    """Whether ``name`` reads, as its compatibility form, with ASCII letters or digits:
    full-width ``ｅｖｉｌ`` and mathematical ``𝐞𝐯𝐢𝐥`` letters are Latin ones a reader takes
    for ``evil``, no other script.

    >>> _ascii_in_disguise("ｅｖｉｌ"), _ascii_in_disguise("𝐞𝐯𝐢𝐥"), _ascii_in_disguise("グループ名")
    (True, True, False)
    """
    return re.search(r"[A-Za-z0-9]", unicodedata.normalize("NFKC", name)) is not None


def _named_without_at(text: str, handle: str) -> bool:
    """Whether ``text`` writes ``handle``'s name as a word of its own, without the ``@``
    (``the "staff" group`` for ``@staff``): not glued to ``@``, a letter, a digit, ``-``,
    ``/`` or a dot (``staff.evil.org``, ``staff@evil``, ``x/staff`` are other things).

    >>> _named_without_at('the "staff" group', "@staff")
    True
    >>> _named_without_at("staff.evil.org", "@staff"), _named_without_at("x@staff", "@staff")
    (False, False)
    """
    name = re.escape(handle[1:])
    return re.search(rf"(?<![\w@＠./-]){name}(?![\w@＠/-]|\.\w)", text, re.IGNORECASE) is not None


def _without_disambiguation(source: str, text: str) -> tuple[str, str]:
    """``source`` without its disambiguation suffix (``Commit@@noun``), which the program
    strips before display, and ``text`` without the same suffix: a translation that keeps
    it (``Validation@@noun``) is fine, one that writes its name as a handle of its own
    (``Validation @noun``) mentions that account, which the source never does.

    >>> _without_disambiguation("Commit@@noun", "Validation @noun")
    ('Commit', 'Validation @noun')
    >>> _without_disambiguation("Commit@@noun", "Validation@@noun")
    ('Commit', 'Validation')
    """
    m = _DISAMBIGUATION.search(source)
    if m is None:
        return source, text
    found = _DISAMBIGUATION.search(text)
    if found is not None and mention_key(found.group(1)) == mention_key(m.group(1)):
        text = text[: found.start() + 1]
    return source[: m.start() + 1], text


def _wildcard_domain(text: str, handle: str) -> bool:
    """Whether ``handle`` is, as written in ``text``, the domain of an address pattern with a
    wildcard (``*@domain.com``) that notifies no one (:func:`outreach.tokens.silent_mention`).
    Elsewhere the domain may end an ordinary address (``email@dominio.com``, which the urls
    check judges); any other character before the ``@`` makes an address the link finders
    miss and a supporter may write to (``give!@evil.org``).

    >>> _wildcard_domain("e.g. email@dominio.com or *@dominio.com", "@dominio.com")
    True
    >>> _wildcard_domain("escribe a give!@evil.org", "@evil.org")
    False
    """
    before = [text[m.start() - 1 : m.start()] for m in re.finditer(re.escape(handle), text)]
    return (
        silent_mention(text, handle)
        and "*" in before
        and all(c == "*" or c.isalnum() or c in "._%+-" for c in before)
    )


def _in_address(text: str, handle: str) -> bool:
    """Every ``handle`` of ``text`` is followed by a dot and a letter (``@example.com``, a
    regular expression's ``@example\\.com``): the domain of an address or a pattern.

    >>> _in_address("as in '^.*@example\\\\.com'", "@example"), _in_address("Ask @ioc.", "@ioc")
    (True, False)
    """
    found = [m.end() for m in re.finditer(re.escape(handle), text, re.IGNORECASE)]
    return bool(found) and all(
        re.match(r"\\?\.[^\W\d_]", text[end : end + 3]) is not None for end in found
    )


#: A named string placeholder directly followed by what would lengthen a handle it holds.
_GLUED = re.compile(r"%\((?P<name>[^)]{1,100})\)[#0 +-]{0,10}\d{0,20}(?:\.\d{1,20})?[sra]")
_HANDLE_TAIL = re.compile(r"[A-Za-z0-9_@＠][A-Za-z0-9_@＠.-]{0,30}")


def _glued_specs(text: str) -> dict[str, str]:
    """Each named string placeholder of ``text`` that runs into handle characters, and
    those characters (the first time)."""
    found: dict[str, str] = {}
    for match in _GLUED.finditer(text):
        tail = _HANDLE_TAIL.match(text, match.end())
        if tail is not None:
            found.setdefault(match.group(), tail.group())
    return found


def _glued_placeholders(unit: Unit) -> Iterator[Problem]:
    """Placeholders of a template string whose value outreach cannot know (a merge field, a
    filtered number) run into handle characters. Only for the templates' own strings: those
    are what outreach renders, and the templates say what each placeholder holds (a catalog
    checked alone has typography for that, ``whitespace``)."""
    sources = unit.catalog.sources
    if sources is None or sources.get((unit.msgctxt, unit.msgid)) is None:
        return
    known = unit.values
    for index, text in unit.filled_forms():
        source = set(_glued_specs(unit.source_for(index)))
        for spec, tail in _glued_specs(text).items():
            name = spec[2 : spec.index(")")]
            if spec in source or name in known:
                continue  # as the source writes it, or filled with its real value
            yield problem(
                unit,
                index,
                f"{spec} runs into “{tail}”, which the source does not put after it: if it "
                f"holds an account (@name), the post would mention @name{tail} instead; put "
                "a space or punctuation after it",
            )


@entry_check("emoji", "warning")
def emoji(unit: Unit) -> Iterator[str | Problem]:
    """An emoji of the source dropped from the translation.

    A warning: dropping an emoji is a judgement of style.
    """
    for index, text in unit.filled_forms():
        source_emoji = find_emoji(unit.source_for(index))
        if not source_emoji:
            continue
        have = set(find_emoji(text))
        missing = [e for e in dict.fromkeys(source_emoji) if e not in have]
        if missing:
            shown = " ".join(missing)
            verb = "is" if len(missing) == 1 else "are"
            yield problem(unit, index, f"emoji {shown} of the source {verb} missing")
