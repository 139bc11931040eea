"""Who a merge must not reach: the suppression lists, the journals' hard bounces, and the
language each supporter asked for.

Before anything is written or sent, :func:`suppression_for` reads every list of
``--suppress`` and of campaign.toml's ``[merge] suppress`` (a missing or unreadable one
stops the run: sending without it is the one unsafe fallback), and adds the recipients
that a server refused with a 5xx in an earlier mailing of the same campaign (the journals
of the other messages beside the supporters CSV whose campaign is this one's), as
``bounced``. This message's own journal keeps its own rule: a recipient it has as failed
is reported as ``failed earlier``, and ``--retry-failed`` sends it again. The row loop
(:func:`outreach.merge.rows.rows`) skips a supporter whose address key is listed, and the
summary counts them by reason.

:func:`preferences_for` reads the language preferences the unsubscribe page writes
(``[merge] preferences``, by default ``suppress/preferences.csv``): a preference wins
over the CSV's ``locale`` column.

>>> from outreach.suppression import Suppression
>>> found = Suppression(); found.add("ana@example.net", "unsubscribed")
>>> found.reason("ana@example.net"), found.reason("bo@example.net")
('unsubscribed', None)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from outreach.errors import JournalError, OutreachError
from outreach.files import ensure_inside
from outreach.suppression import Suppression, load_preferences, load_suppression

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = ["BOUNCED", "preferences_for", "suppression_files", "suppression_for"]

#: The reason of a recipient a server refused with a 5xx in an earlier run.
BOUNCED = "bounced"


def suppression_files(campaign: Campaign, given: tuple[Path, ...]) -> list[Path]:
    """``--suppress`` files, then ``[merge] suppress``'s: inside the campaign, reached
    through no symbolic link (campaign.toml can come in a pull request: it may not make a
    merge read, and print a line of, a file elsewhere)."""
    files = list(given)
    files += [
        ensure_inside(campaign.root, campaign.root / name) for name in campaign.merge_suppress
    ]
    return files


def suppression_for(
    campaign: Campaign, supporters: Path, given: tuple[Path, ...], message: str
) -> Suppression:
    """Every suppressed address of a run of ``message`` (see the module's text)."""
    found = load_suppression(suppression_files(campaign, given))
    for path in _journals(supporters, message):
        for key in _bounced(path, campaign.name):
            found.add(key, BOUNCED)
    return found


def _journals(supporters: Path, message: str) -> list[Path]:
    """The journals beside ``supporters`` of the other messages (``<stem>.<message>.journal``
    and their ``--jobs`` shards)."""
    own = f"{supporters.stem}.{message}."
    beside = sorted(supporters.parent.glob(f"{_escape(supporters.stem)}.*.journal"))
    return [
        path
        for path in beside
        if not path.name.startswith(own) and path.is_file() and not path.is_symlink()
    ]


def _escape(text: str) -> str:
    import glob

    return glob.escape(text)


def _bounced(path: Path, campaign: str) -> list[str]:
    """The keys ``path`` (a journal) has as failed with a 5xx reply, if it is a journal of
    ``campaign``; a file that is no journal of it is none of this run's business."""
    from outreach.merge.journal import Journal

    try:
        journal = Journal.open(path, {}, readonly=True)
    except (OutreachError, JournalError):
        return []
    try:
        if journal.meta().get("campaign") != campaign:
            return []
        return journal.bounced()
    except OutreachError:
        return []
    finally:
        journal.close()


def preferences_for(campaign: Campaign) -> dict[str, str]:
    """``{address key: campaign locale}`` the supporters chose on the unsubscribe page."""
    labels = {campaign.label(locale).lower(): locale for locale in campaign.locales}
    labels.update({locale.lower().replace("_", "-"): locale for locale in campaign.locales})
    path = ensure_inside(campaign.root, campaign.root / campaign.merge_preferences)
    return load_preferences(path, labels)
