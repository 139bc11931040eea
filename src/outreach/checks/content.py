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
>>> messages(urls(unit("Sign: https://example.org/love", "Signez : https://evil.example/love")))
... # doctest: +ELLIPSIS
['link https://evil.example/love points to evil.example, ...: a possible link hijack ...']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.checks.registry import Problem, Unit, entry_check, problem
from outreach.tokens import (
    find_emoji,
    find_hashtags,
    find_mentions,
    find_urls,
    host_scripts,
    mention_key,
    url_host,
)

__all__ = ["emoji", "hashtags", "mentions", "urls"]

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


@entry_check("hashtags", "error")
def hashtags(unit: Unit) -> Iterator[str | Problem]:
    """Every campaign hashtag of the source, unchanged or as an accepted variant."""
    info = unit.catalog
    known = set(info.hashtags) | set(info.accepted_hashtags)
    for variants in info.hashtag_variants.values():
        known.update(variants)
    if not known or ("#" not in unit.source_text and "＃" not in unit.source_text):
        return
    accepted = tuple(dict.fromkeys((*info.hashtags, *info.accepted_hashtags)))
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        for tag in dict.fromkeys(t for t in find_hashtags(source) if t in known):
            if any(_has_tag(text, a) for a in accepted):
                continue
            yield problem(unit, index, _lost_tag(tag, text, accepted, unit))


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


@entry_check("urls", "error")
def urls(unit: Unit) -> Iterator[str | Problem]:
    """Every link of the source kept exactly; no new link, host or look-alike host.

    Links are found as the platforms find them (:func:`outreach.tokens.find_urls`), in the
    text as written and as a supporter reads it, placeholders filled: ``%(url).19s.evil.example``
    is a link to another host. Hosts are compared as browsers resolve them (case, full-width
    letters, IDNA), and a host that mixes scripts (``ехаmple.org``, Cyrillic letters in a Latin
    name) is reported even where the rest matches.
    """
    source_hosts = {url_host(u) for u in find_urls(unit.shown(unit.source_text))}
    source_hosts |= {url_host(u) for u in find_urls(unit.source_text)}
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        want, have = find_urls(source), find_urls(text)
        shown = find_urls(unit.shown(text))
        reported: set[str] = set()
        for url in dict.fromkeys(have + shown):
            host = url_host(url)
            scripts = host_scripts(url)
            if len(scripts) > 1 and host not in source_hosts:
                reported.add(host)
                yield problem(
                    unit,
                    index,
                    f"link {url} has a host that mixes {' and '.join(sorted(scripts))} letters "
                    "(a look-alike of another site?): a possible link hijack",
                )
            elif host not in source_hosts and host not in reported:
                reported.add(host)
                written = "" if url in have else " (as a supporter reads it, placeholders filled)"
                listed = [u for u in dict.fromkeys(want) if u not in have]
                shown_missing = f" (the source links {', '.join(listed)})" if listed else ""
                yield problem(
                    unit,
                    index,
                    f"link {url}{written} points to {host}, which the source does not link "
                    f"to: a possible link hijack{shown_missing}",
                )
        if want == have:
            continue
        missing = [u for u in dict.fromkeys(want) if u not in have]
        extra = [u for u in dict.fromkeys(have) if u not in want and url_host(u) not in reported]
        if reported:
            missing = []  # said with the hijack
        for url in list(missing):
            same_host = [u for u in extra if url_host(u) == url_host(url)]
            if same_host:
                yield problem(unit, index, f"link {url} was changed to {same_host[0]}")
                extra.remove(same_host[0])
            else:
                yield problem(unit, index, f"link {url} is missing from the translation")
        for url in extra:
            yield problem(unit, index, f"link {url} is not in the source")


@entry_check("mentions", "error")
def mentions(unit: Unit) -> Iterator[str | Problem]:
    """Every ``@handle`` of the source kept; no new one (it would notify someone).

    Mentions are found as X and Mastodon find them (full-width ``＠`` too), in the text as
    written and as read with placeholders filled, and compared as the platforms compare
    accounts (letter case does not matter).
    """
    texts = (unit.source_text, *unit.forms)
    if not any("@" in t or "＠" in t or "%(" in t for t in texts):
        return
    for index, text in unit.filled_forms():
        source = unit.source_for(index)
        want = {mention_key(m): m for m in find_mentions(unit.shown(source))}
        want.update({mention_key(m): m for m in find_mentions(source)})
        have = {mention_key(m): m for m in find_mentions(text)}
        have.update(
            {k: m for m in find_mentions(unit.shown(text)) if (k := mention_key(m)) not in have}
        )
        written = {mention_key(m): m for m in find_mentions(source)}
        missing = [m for k, m in written.items() if k not in have]
        extra = [m for k, m in have.items() if k not in want]
        if len(missing) == 1 and len(extra) == 1:
            yield problem(unit, index, f"mention {missing[0]} was changed to {extra[0]}")
            continue
        for handle in missing:
            yield problem(unit, index, f"mention {handle} is missing from the translation")
        for handle in extra:
            yield problem(
                unit, index, f"mention {handle} is not in the source: it would notify that account"
            )


@entry_check("emoji", "warning")
def emoji(unit: Unit) -> Iterator[str | Problem]:
    """An emoji of the source dropped from the translation."""
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
