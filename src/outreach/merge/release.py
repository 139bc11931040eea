"""Which locales a merge sends now, and what becomes of the supporters of the others.

A locale is held when its message cannot go out as translated: a catalog of its chain
cannot be read, or the message would use a translation refused for an error finding (sent
in the fallback language string by string, the email would be half-translated). The row
loop (:func:`outreach.merge.rows.rows`) asks :meth:`Gate.route` for each supporter it is
about to send:

* ``hold`` (the default): nothing is sent to them; over SMTP they stay ``pending`` in the
  journal, so that the same command, run again once the catalog is fixed, sends exactly
  them (those accepted before are never sent again);
* ``fallback``: they get the whole message in the first locale of their fallback chain that
  is not held (``pt_BR`` -> ``pt`` -> the source locale); when none is left, they are held.

>>> gate = Gate({"de": "locales/de/LC_MESSAGES/messages.po:7: unterminated string"},
...             {"de": ["de", "en"], "en": ["en"]}, "fallback")
>>> gate.route("de"), gate.route("en")
('en', 'en')
>>> Gate(gate.held, gate.chains, "hold").route("de") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["BROKEN_POLICIES", "Gate", "Policy"]

#: What ``--broken-locales`` may say.
Policy = Literal["hold", "fallback"]
BROKEN_POLICIES: tuple[Policy, ...] = ("hold", "fallback")


@dataclass
class Gate:
    """The held locales (``locale -> why``, one ``path:line: problem`` line), each
    campaign locale's fallback chain, and the policy for the held ones' supporters."""

    held: Mapping[str, str]
    chains: Mapping[str, Sequence[str]]
    policy: Policy = "hold"
    _routes: dict[str, str | None] = field(default_factory=dict, repr=False)

    def route(self, locale: str) -> str | None:
        """The locale to send a supporter of ``locale`` in, or ``None``: hold them."""
        if locale not in self.held:
            return locale
        if locale not in self._routes:
            usable = [link for link in self.chains.get(locale, ())[1:] if link not in self.held]
            self._routes[locale] = usable[0] if usable and self.policy == "fallback" else None
        return self._routes[locale]

    def why(self, locale: str) -> str | None:
        """Why ``locale`` is held (its first reason), or ``None``."""
        return self.held.get(locale)
