"""Readiness per locale and message, and a reviewer's approval of a locale.

A message is *ready* in a locale when it can go out as translated:

* every catalog of the locale's chain can be read;
* every string the message uses (in every channel it has) is translated, complete and not
  fuzzy, by a catalog of the chain other than the source's: nothing falls back to the source
  text (the source locale is always ready);
* none of those strings has an error finding (such a translation is never used);
* when ``[release] require_approval = true``, the locale is approved, and its approval still
  holds: ``outreach approve LOCALE`` records the day and a digest of every translation the
  messages use (:func:`strings_digest`); when one of them changes, the digest no longer
  matches and the approval lapses.

``outreach status`` shows it per locale and message (:func:`readiness`); ``outreach merge
--ready-only`` sends only the ready locales (:func:`ready_locales`).

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> [(r.locale, r.ready) for r in readiness(campaign)]
[('en', True)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from outreach.errors import ConfigError, ProblemsFound, TemplateError

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.render import Renderer
    from outreach.settings import Approval

__all__ = [
    "LocaleReadiness",
    "MessageReadiness",
    "approve",
    "readiness",
    "ready_locales",
    "strings_digest",
]

#: ``(msgctxt, msgid)`` of a translatable string (the singular msgid of a plural).
Key = tuple[str | None, str]


@dataclass(frozen=True)
class MessageReadiness:
    """One message in one locale: ready, or why not (one reason a line)."""

    message: str
    reasons: tuple[str, ...] = ()
    untranslated: tuple[Key, ...] = ()  # untranslated or fuzzy, falling back to the source
    errors: tuple[str, ...] = ()  # error findings on its strings, path:line: message

    @property
    def ready(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "ready": self.ready,
            "reasons": list(self.reasons),
            "untranslated": [{"msgctxt": c, "msgid": m} for c, m in self.untranslated],
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class LocaleReadiness:
    """One locale: each message's readiness, the approval and the digest of its strings."""

    locale: str
    label: str
    messages: tuple[MessageReadiness, ...]
    digest: str
    approval: str  # "not required", "approved", "not approved", "lapsed"
    approved_on: str | None = None
    broken: str | None = None  # path:line: problem of a catalog that cannot be read
    translation_ready: bool = field(default=False)

    @property
    def ready(self) -> bool:
        return self.translation_ready and self.approval in ("not required", "approved")

    def why(self) -> list[str]:
        """Why the locale is not ready (empty when it is)."""
        if self.broken is not None:
            return [f"the catalog cannot be read: {self.broken}"]
        reasons = [f"{m.message}: {r}" for m in self.messages for r in m.reasons]
        if self.approval == "not approved":
            reasons.append(f"not approved (outreach approve {self.label})")
        elif self.approval == "lapsed":
            reasons.append(
                f"its approval of {self.approved_on} lapsed: a string it approved has changed "
                f"(outreach approve {self.label} again)"
            )
        return reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "locale": self.label,
            "ready": self.ready,
            "approval": self.approval,
            "approved_on": self.approved_on,
            "digest": self.digest,
            "broken": self.broken,
            "why": self.why(),
            "messages": [m.to_json() for m in self.messages],
        }


def strings_digest(strings: Mapping[Key, Sequence[str]]) -> str:
    """``sha256:`` and the hex digest of ``strings`` (key -> translation forms), whatever
    their order: the same translations give the same digest, any change another.

    >>> a = strings_digest({(None, "Sign"): ("Firma",)})
    >>> b = strings_digest({(None, "Sign"): ("Firme",)})
    >>> a == strings_digest({(None, "Sign"): ("Firma",)}), a == b, a[:7]
    (True, False, 'sha256:')
    """
    rows = sorted(
        [context or "", msgid, list(forms)] for (context, msgid), forms in strings.items()
    )
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def readiness(
    campaign: Campaign,
    messages: Sequence[str] | None = None,
    *,
    renderer: Renderer | None = None,
) -> list[LocaleReadiness]:
    """Each campaign locale's readiness for ``messages`` (default: every message), in the
    campaign's order. The digest always covers every message (an approval is of the whole
    locale), whatever ``messages`` shows."""
    from outreach.render import Renderer

    renderer = renderer or Renderer(campaign)
    names = list(renderer.messages)
    shown = [renderer.resolve_message(m) for m in messages] if messages else names
    return [_locale(campaign, renderer, locale, names, shown) for locale in campaign.locales]


def _locale(
    campaign: Campaign, renderer: Renderer, locale: str, names: list[str], shown: list[str]
) -> LocaleReadiness:
    from outreach.translations import mo_strings

    label = campaign.label(locale)
    release = campaign.release
    approval = release.approved.get(locale)
    error = renderer.catalog_error(locale)
    if error is not None:
        state = "not required" if not release.require_approval else "not approved"
        return LocaleReadiness(locale, label, (), "", state, None, str(error))
    source = campaign.source_locale
    provided: dict[Key, tuple[str, ...]] = {}
    for link in reversed(campaign.chain(locale)):  # the nearest link wins
        loaded = renderer.translations(link)
        if link != source and loaded.mo is not None:
            provided.update(mo_strings(loaded.mo))
    results: dict[str, MessageReadiness] = {}
    used_all: set[Key] = set()
    for message in names:
        try:
            used, refused = _used(renderer, message, locale)
        except TemplateError as exc:  # that message only: the others are judged as usual
            results[message] = MessageReadiness(message, (f"its template: {exc}",))
            continue
        used_all |= used
        if message not in shown:
            continue
        refused_keys = {(f.msgctxt, f.msgid) for f in refused}
        missing = tuple(
            sorted(
                (k for k in used - provided.keys() - refused_keys),
                key=lambda k: (k[1], k[0] or ""),
            )
        )
        if locale == source:
            missing = ()
        reasons: list[str] = []
        if refused:
            count = len({(f.msgctxt, f.msgid) for f in refused})
            reasons.append(f"{count} string(s) with an error finding (outreach check)")
        if missing:
            reasons.append(f"{len(missing)} string(s) untranslated or fuzzy")
        results[message] = MessageReadiness(
            message, tuple(reasons), missing, tuple(dict.fromkeys(str(f) for f in refused))
        )
    digest = strings_digest({key: provided[key] for key in used_all if key in provided})
    state = _approval(locale, source, approval, digest, release.require_approval)
    translated = all(results[m].ready for m in shown if m in results)
    results = {m: r for m, r in results.items() if m in shown}
    return LocaleReadiness(
        locale,
        label,
        tuple(results[m] for m in shown if m in results),
        digest,
        state,
        approval.date if approval is not None else None,
        translation_ready=translated,
    )


def _approval(
    locale: str, source: str, approval: Approval | None, digest: str, required: bool
) -> str:
    if not required or locale == source:
        return "not required"
    if approval is None:
        return "not approved"
    return "approved" if approval.digest == digest else "lapsed"


def _used(renderer: Renderer, message: str, locale: str) -> tuple[set[Key], tuple[Any, ...]]:
    """The strings ``message`` may use (its template's, in every branch, and the email
    layouts' when it has an email: what a supporter may get, whatever their values; read,
    not rendered, so that a template whose variables come from the supporters CSV is judged
    too), and the error findings of those whose translation is refused in ``locale``'s
    chain."""
    from outreach.render import EMAIL, HTML_LAYOUT, TEXT_LAYOUT
    from outreach.sources import template_strings
    from outreach.translations import refusal_applies

    campaign = renderer.campaign
    files = [f"{message}.j2"]
    if EMAIL in renderer.channels(message):
        files += [HTML_LAYOUT, TEXT_LAYOUT]
    keys = template_strings(campaign, files)
    sources = renderer.sources
    plural = any(
        (found := sources.get(key) if sources is not None else None) is not None
        and found.msgid_plural is not None
        for key in keys
    )
    refused: dict[Any, None] = {}
    for link in campaign.chain(locale):
        for finding in renderer.translations(link).refused:
            if refusal_applies(finding, keys, plural):
                refused.setdefault(finding)
    return keys, tuple(refused)


def ready_locales(states: Iterable[LocaleReadiness]) -> dict[str, str]:
    """``locale -> why it is not ready`` (one line) for each locale that is not."""
    found: dict[str, str] = {}
    for state in states:
        if not state.ready:
            reasons = state.why()
            found[state.locale] = reasons[0] + (
                f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
            )
    return found


def approve(campaign: Campaign, locale: str, today: dt.date | None = None) -> LocaleReadiness:
    """Record a reviewer's approval of ``locale`` in campaign.toml's ``[release.approved]``:
    the day and the digest of every translation the messages use. Refuses
    (:class:`~outreach.errors.ProblemsFound`, each reason a line) a locale that is not
    ready in every other way. Returns the locale's readiness as approved."""
    normal = campaign.resolve_locale(locale)
    (state,) = [s for s in readiness(campaign) if s.locale == normal]
    if not state.translation_ready:
        raise ProblemsFound(
            state.why(), summary=f"{state.label} is not ready: nothing was approved"
        )
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    config = campaign.config_path
    try:
        text = campaign.read(config).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=config) from None
    from outreach.campaign import set_approval

    edited = set_approval(text, state.label, day, state.digest, path=str(config))
    campaign.write(config, edited.encode("utf-8"))
    return state
