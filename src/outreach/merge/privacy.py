"""Which supporters get the low-trace email (``[privacy]`` in campaign.toml).

Campaigns like the example's (against Russia's "propaganda" law) write to people for whom
being seen reading them is a risk. Every supporter whose locale ``[privacy] locales`` lists,
and every one whose ``column`` says so, gets the private variant of the message (rendered
by a :class:`~outreach.render.Renderer` with ``private=True``: no UTM tags, no remote
image, no "view in browser" link, the template's ``subject_private`` block when it has one)
from the neutral sender ``from`` when it is set.

The column errs on the side of the supporter: a cell is "not at risk" only when it is
empty or says so (``0``, ``false``, ``no``, ``n``, in any case); anything else (``yes``,
``1``, ``x``, ``maybe``) is at risk.

>>> rule = PrivacyRule(frozenset({"ru"}), "at_risk")
>>> rule.applies("ru", {}), rule.applies("en", {"at_risk": "Yes"})
(True, True)
>>> rule.applies("en", {"at_risk": "no"}), rule.applies("en", {"at_risk": "maybe"})
(False, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["NOT_AT_RISK", "PrivacyRule"]

#: What a privacy column's cell says for "not at risk" (case and spaces aside).
NOT_AT_RISK = frozenset({"", "0", "false", "no", "n"})


@dataclass(frozen=True)
class PrivacyRule:
    """The locales whose supporters all get the private email, and the column that marks
    others (``None``: none)."""

    locales: frozenset[str]
    column: str | None = None

    def applies(self, locale: str, fields: Mapping[str, str]) -> bool:
        """Whether a supporter of ``locale`` with these CSV ``fields`` gets the private
        email (``locale`` is the one they are sent in)."""
        if locale in self.locales:
            return True
        if self.column is None:
            return False
        return fields.get(self.column, "").strip().lower() not in NOT_AT_RISK
