"""A merge's plan, recalled: what a warm run would work out again before its first row.

Before it reads a row, a merge finds out that the message has an email, which fields its
templates use and how (:func:`~outreach.merge.fields.analyse`), whether each locale's
catalogs can be read, and each locale's first skeleton, proved
(:meth:`~outreach.merge.skeleton.MessageMaker.prepare`). A skeleton kept in the check cache
is found by a key that holds the catalogs as compiled, so even a run that recalls every
skeleton loads Jinja2, the templates and every catalog only to work out that key. When the
same run was made before, none of it is needed: the plan (the fields' use, and each
locale's skeleton's key in the check cache) is kept in the check cache too, under the
inputs of all of it -- outreach's code, the libraries and Python
(:func:`~outreach.cache.code_fingerprint`), campaign.toml as read, the bytes of every file
of ``messages/`` and of ``locales/`` (every template and layout, every catalog of every
chain and the POT), the campaign's time zones and their rules, the variables (``--var``
too), the message, the CSV's columns in order, the unsubscribe links and their secret's
digest, SMTPUTF8, the line end, whether the messages are made for SMTP. A renderer's work
depends on nothing else (the low-trace variant, which inlines an image file, and a run
with ``--ready-only``, which reads the sign-offs, never use a plan).

The plan is a value of the check cache like any other: MAC'd under the machine's secret,
a miss when its MAC or its shape is wrong, and only kept when every locale had its
catalogs read and its skeleton proved (a run with a held locale or a skeleton that failed
its proof works it all out every time), and only when its inputs, worked out again once it
is, are the ones its key was made of (:func:`unchanged`: no file saved meanwhile). A
skeleton it names is the one the check cache keeps under that key, MAC'd as well; one that
is missing makes the whole plan a miss.

>>> use = FieldUse(plain={"name"}, complex={"n": "a filter"}, subject_via="")
>>> _use(_stored_use(use)) == use
True
>>> _use({**_stored_use(use), "complex": {"n": 3}}) is None
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from outreach.items import EMAIL
from outreach.merge.fields import FieldUse

if TYPE_CHECKING:
    from outreach.cache import CheckCache
    from outreach.campaign import Campaign
    from outreach.render import Renderer
    from outreach.unsubscribe import Unsubscribe

__all__ = [
    "PLANS",
    "Plan",
    "has_email",
    "plan_inputs",
    "plan_key",
    "recall_plan",
    "store_plan",
    "unchanged",
]

#: The check cache's namespace of merge plans.
PLANS = "plans"

_SETS = ("plain", "conditions", "subject", "subject_names", "assigned")


class Plan:
    """A recalled plan: the fields' use, and each locale's skeleton's key in the cache."""

    __slots__ = ("skeletons", "use")

    def __init__(self, use: FieldUse, skeletons: Mapping[str, str]) -> None:
        self.use = use
        self.skeletons = dict(skeletons)


def plan_inputs(
    cache: CheckCache | None, campaign: Campaign, renderer: Renderer, message: str
) -> tuple[object, ...] | None:
    """What every plan of ``message`` depends on besides the run's own settings (see the
    module's description); ``None`` when there is no cache, or a plan would not be used
    (the low-trace variant, sample values, a campaign made by hand, a folder of
    ``messages/`` or ``locales/`` that cannot be listed: its files may be read, yet their
    bytes could not be part of the key)."""
    if cache is None or not cache.enabled or not campaign.config_digest:
        return None
    if renderer.private or renderer.samples is not None or campaign.privacy.enabled:
        return None
    from outreach.cache import code_fingerprint
    from outreach.files import tree_digest, zone_rules

    try:
        files = tree_digest(
            {"messages": campaign.messages_dir, "locales": campaign.locales_dir}, strict=True
        )
    except OSError:
        return None
    zones = []
    for locale in campaign.locales:
        zone = campaign.timezone_for(locale)
        try:  # a date in the audience's time zone: its rules (a system update changes them)
            rules = hashlib.sha256(zone_rules(zone)).hexdigest() if zone else None
        except OSError:
            rules = "missing"
        zones.append((locale, zone, rules))
    return (
        code_fingerprint(),
        str(campaign.root),
        campaign.config_digest,
        files,
        tuple(zones),
        tuple(campaign.locales),
        campaign.source_locale,
        tuple(sorted((k, type(v).__qualname__, repr(v)) for k, v in renderer.variables.items())),
        message,
    )


def has_email(
    cache: CheckCache | None,
    inputs: tuple[object, ...] | None,
    channels: Callable[[], Sequence[str]],
    again: Callable[[], tuple[object, ...] | None],
) -> bool:
    """Whether the message has an email: known from a run before (under ``inputs``, which
    hold every template and outreach's code), else ``channels()`` has it (then noted, if
    ``again()``, the inputs worked out anew, are still ``inputs``: see :func:`unchanged`)."""
    if cache is None or inputs is None:
        return EMAIL in channels()
    key = cache.key(PLANS, "email", 1, *inputs)
    if cache.get(PLANS, key) is True:
        return True
    found = EMAIL in channels()
    if found and unchanged(inputs, again):
        cache.put(PLANS, key, True)
    return found


def unchanged(
    inputs: tuple[object, ...] | None, again: Callable[[], tuple[object, ...] | None]
) -> bool:
    """Whether ``again()`` (:func:`plan_inputs` worked out now) is ``inputs`` (worked out
    when the run started): what a run worked out is kept under its inputs only then. The
    files are read after the key is made of them; one saved in between (a ``git pull``, a
    translation platform's push) would leave a plan of the old bytes made of the new, which
    the old bytes, back, would recall."""
    return inputs is not None and again() == inputs


def plan_key(
    cache: CheckCache | None,
    inputs: tuple[object, ...] | None,
    columns: Sequence[str],
    unsubscribe: Unsubscribe,
    *,
    utf8: bool,
    newline: bytes,
    wire: bool,
) -> str | None:
    """The check cache's key of this run's plan: ``inputs`` (:func:`plan_inputs`) and the
    run's settings that a message maker depends on."""
    if cache is None or inputs is None:
        return None
    secret = (unsubscribe.secret or "").encode("utf-8", "surrogatepass")
    return cache.key(
        PLANS,
        1,
        *inputs,
        tuple(columns),
        unsubscribe.url,
        unsubscribe.mailto,
        hashlib.sha256(secret).hexdigest(),
        utf8,
        newline,
        wire,
    )


def recall_plan(cache: CheckCache | None, key: str | None, locales: Sequence[str]) -> Plan | None:
    """The plan kept under ``key``, or ``None`` (none, or not one: the cache authenticates
    what it returns, this checks its shape; a plan must name a skeleton for each of
    ``locales``)."""
    if cache is None or key is None:
        return None
    value = cache.get(PLANS, key)
    if not isinstance(value, dict):
        return None
    use = _use(value.get("use"))
    skeletons = value.get("skeletons")
    if use is None or not isinstance(skeletons, dict):
        return None
    if sorted(skeletons) != sorted(locales):
        return None
    if not all(isinstance(k, str) for k in skeletons.values()):
        return None
    return Plan(use, skeletons)


def store_plan(
    cache: CheckCache | None, key: str | None, use: FieldUse, skeletons: Mapping[str, str]
) -> None:
    """Keep a plan under ``key`` (:func:`plan_key`)."""
    if cache is None or key is None:
        return
    cache.put(PLANS, key, {"use": _stored_use(use), "skeletons": dict(skeletons)})


def _stored_use(use: FieldUse) -> dict[str, Any]:
    found: dict[str, Any] = {name: sorted(getattr(use, name)) for name in _SETS}
    found["complex"] = dict(use.complex)
    found["subject_via"] = use.subject_via
    return found


def _use(value: object) -> FieldUse | None:
    """The :class:`FieldUse` :func:`_stored_use` wrote, or ``None`` for anything else."""
    if not isinstance(value, dict):
        return None
    sets: dict[str, set[str]] = {}
    for name in _SETS:
        items = value.get(name)
        if not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
            return None
        sets[name] = set(items)
    complex_ = value.get("complex")
    if not (
        isinstance(complex_, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in complex_.items())
    ):
        return None
    via = value.get("subject_via")
    if not isinstance(via, str):
        return None
    return FieldUse(complex=dict(complex_), subject_via=via, **sets)
