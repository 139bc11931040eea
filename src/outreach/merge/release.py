"""Which locales a merge sends now, and what becomes of the supporters of the others.

A locale is held when its message cannot go out as translated: a catalog of its chain
cannot be read, or the message would use a translation refused for an error finding (sent
in the fallback language string by string, the email would be half-translated); with
``--ready-only``, also when it is not ready (:mod:`outreach.release`). The row loop
(:func:`outreach.merge.rows.rows`) asks :meth:`Gate.route` for each supporter it is about
to send:

* held (the default): nothing is sent to them; over SMTP they stay ``pending`` in the
  journal, so that the same command, run again once the locale is fixed or ready, sends
  exactly them (those accepted before are never sent again);
* fallback (``--broken-locales fallback`` for a broken locale; ``[release] at_deadline =
  "fallback"`` once the deadline has passed for one that is not ready): they get the whole
  message in the first locale of their fallback chain that is not held (``pt_BR`` -> ``pt``
  -> the source locale); when none is left, they are held.

>>> gate = Gate({"de": "locales/de/LC_MESSAGES/messages.po:7: unterminated string"},
...             {"de": ["de", "en"], "en": ["en"]}, frozenset({"de"}))
>>> gate.route("de"), gate.route("en")
('en', 'en')
>>> Gate(gate.held, gate.chains).route("de") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["BROKEN_POLICIES", "Gate"]

#: What ``--broken-locales`` may say.
BROKEN_POLICIES = ("hold", "fallback")


@dataclass
class Gate:
    """The held locales (``locale -> why``, one line), each campaign locale's fallback
    chain, and the held locales whose supporters get their fallback chain's language."""

    held: Mapping[str, str]
    chains: Mapping[str, Sequence[str]]
    fallback: frozenset[str] = frozenset()
    #: the held locales that are only not ready yet (``--ready-only``): held as asked, not
    #: a problem of the run (a broken one is)
    waiting: frozenset[str] = frozenset()
    _routes: dict[str, str | None] = field(default_factory=dict, repr=False)

    def route(self, locale: str) -> str | None:
        """The locale to send a supporter of ``locale`` in, or ``None``: hold them."""
        if locale not in self.held:
            return locale
        if locale not in self._routes:
            usable = [link for link in self.chains.get(locale, ())[1:] if link not in self.held]
            self._routes[locale] = usable[0] if usable and locale in self.fallback else None
        return self._routes[locale]
