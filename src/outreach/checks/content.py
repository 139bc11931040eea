"""What a post must carry unchanged: campaign hashtags, links, @mentions and emoji.

Hashtags may be replaced by an accepted variant for the locale (``localized_hashtags`` in
campaign.toml); links and mentions must stay exactly as in the source, and a link or domain
the source does not have is reported as a possible hijack.

>>> from outreach.checks.registry import CatalogInfo, Unit
>>> from outreach.plurals import PluralForms
>>> info = CatalogInfo(locale="fr", file="fr.po", plural_forms=PluralForms(2, "n > 1"),
...                    hashtags=("#LoveAlwaysWins",),
...                    accepted_hashtags=("#LoveAlwaysWins", "#LAmourGagneToujours"))
>>> def unit(source, text):
...     return Unit(source, None, None, (text,), frozenset(), 7, False, info)
>>> list(hashtags(unit("Love wins #LoveAlwaysWins", "L’amour gagne #L’AmourGagneToujours")))
... # doctest: +ELLIPSIS
['hashtag #LAmourGagneToujours is broken by an apostrophe in “#L’AmourGagneToujours”: ...']
>>> list(urls(unit("Sign: https://example.org/love", "Signez : https://evil.example/love")))
... # doctest: +ELLIPSIS
['link https://evil.example/love points to evil.example, ...: a possible link hijack ...']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.checks.registry import Unit, entry_check
from outreach.checks.tokens import find_emoji, find_hashtags, find_mentions, find_urls, url_host

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


def _where(unit: Unit, index: int) -> str:
    return f" (plural form {index})" if unit.is_plural else ""


def _has_tag(text: str, tag: str) -> bool:
    body = re.escape(tag[1:])
    return re.search(rf"(?<![\w#＃])[#＃]{body}(?![\w\u200c\u200d·])", text) is not None


@entry_check("hashtags", "error")
def hashtags(unit: Unit) -> Iterator[str]:
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
            yield _lost_tag(tag, text, accepted, unit) + _where(unit, index)


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
def urls(unit: Unit) -> Iterator[str]:
    """Every link of the source kept exactly; no new link or domain."""
    all_hosts = {url_host(u) for u in find_urls(unit.source_text)}
    for index, text in unit.filled_forms():
        want = find_urls(unit.source_for(index))
        have = find_urls(text)
        if want == have:
            continue
        missing = [u for u in dict.fromkeys(want) if u not in have]
        extra = [u for u in dict.fromkeys(have) if u not in want]
        where = _where(unit, index)
        for url in list(extra):
            host = url_host(url)
            if host not in all_hosts:
                shown = f" (the source links {', '.join(missing)})" if missing else ""
                yield (
                    f"link {url} points to {host}, which the source does not link to: "
                    f"a possible link hijack{shown}{where}"
                )
                extra.remove(url)
                missing.clear()
        for url in list(missing):
            same_host = [u for u in extra if url_host(u) == url_host(url)]
            if same_host:
                yield f"link {url} was changed to {same_host[0]}{where}"
                extra.remove(same_host[0])
            else:
                yield f"link {url} is missing from the translation{where}"
        for url in extra:
            yield f"link {url} is not in the source{where}"


@entry_check("mentions", "error")
def mentions(unit: Unit) -> Iterator[str]:
    """Every ``@handle`` of the source kept exactly; no new one (it would notify someone)."""
    if "@" not in unit.source_text and not any("@" in form for form in unit.forms):
        return
    for index, text in unit.filled_forms():
        want = dict.fromkeys(find_mentions(unit.source_for(index)))
        have = dict.fromkeys(find_mentions(text))
        missing = [m for m in want if m not in have]
        extra = [m for m in have if m not in want]
        where = _where(unit, index)
        if len(missing) == 1 and len(extra) == 1:
            yield f"mention {missing[0]} was changed to {extra[0]}{where}"
            continue
        for handle in missing:
            yield f"mention {handle} is missing from the translation{where}"
        for handle in extra:
            yield f"mention {handle} is not in the source: it would notify that account{where}"


@entry_check("emoji", "warning")
def emoji(unit: Unit) -> Iterator[str]:
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
            yield f"emoji {shown} of the source {verb} missing{_where(unit, index)}"
