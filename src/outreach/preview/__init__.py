"""``outreach preview``: a static site showing every message x locale x channel.

``index.html`` has, per message, a table of locales x channels whose cells open each email
and post as a supporter would see it and say what is wrong with it (over the limit and by
how much, a hashtag or link appended, strings shown in another language, check errors);
each locale's translation progress as an SVG chart; and ``outreach check``'s findings per
locale, each linking to its entry on the locale's page (``l/<locale>.html``). Email pages
(``m/<message>/<locale>/email.html``) show the inbox line, the real HTML email in sandboxed
frames 600 and 375 pixels wide and the text part; post pages
(``m/<message>/<locale>/<channel>.html``) the post as a card, its length against the
platform's limit as the platform counts it, its links and hashtags, and its share link.

The site is deterministic (the same campaign gives the same bytes), local (no page loads
anything from the network) and written whole (:func:`build_preview` builds it beside the
output directory and swaps it in). :class:`Site` keeps the pages in memory and rebuilds
only what a changed file touches, for ``--serve`` (:mod:`outreach.preview.serve`).

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> result = build_preview(campaign, campaign.root / "preview")
>>> result.pages, result.index.name, result.problems
(9, 'index.html', [])
>>> sorted(p for p in Site(campaign).build() if p.startswith("m/"))[:2]
['m/welcome/en/bluesky.html', 'm/welcome/en/email.html']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outreach.campaign import Campaign
    from outreach.preview.model import Model

__all__ = ["Change", "PreviewResult", "Site", "build_preview", "classify_changes"]

DEFAULT_DIR = "preview"


@dataclass(frozen=True)
class PreviewResult:
    """What :func:`build_preview` wrote: the directory, its index page, how many message
    pages it has, and the problems it shows (one line each, as ``render`` and ``check``
    print them; empty when every cell is fine)."""

    out: Path
    index: Path
    pages: int
    problems: list[str]


@dataclass
class Change:
    """What a set of changed files touches: everything, or some messages and locales
    (and, for the POT, every locale's counts)."""

    full: bool = False
    messages: set[str] = field(default_factory=set)
    locales: set[str] = field(default_factory=set)
    recount: bool = False

    def __bool__(self) -> bool:
        return self.full or bool(self.messages or self.locales) or self.recount


def classify_changes(campaign: Campaign, paths: Iterable[str | os.PathLike[str]]) -> Change:
    """What changed files mean for the preview.

    ``campaign.toml`` and shared templates (``messages/_*.j2``, or any template below
    ``messages/``) touch everything; ``messages/<name>.j2`` that message; a locale's
    ``messages.po`` that locale (and those that fall back on it); ``messages.pot`` the
    counts. Anything else touches nothing.

    >>> from pathlib import Path
    >>> from outreach.campaign import parse_campaign
    >>> campaign = parse_campaign('''[campaign]
    ... name = "x"
    ... source_locale = "en"
    ... locales = ["en", "es"]
    ... hashtags = ["#X"]
    ... url = "https://example.org"''', root=Path("/c"))
    >>> classify_changes(campaign, ["/c/locales/es/LC_MESSAGES/messages.po", "/c/messages/a.j2"])
    Change(full=False, messages={'a'}, locales={'es'}, recount=False)
    >>> classify_changes(campaign, ["/c/messages/_email.html.j2"]).full
    True
    """
    root = Path(os.path.abspath(campaign.root))
    change = Change()
    for raw in paths:
        try:
            parts = Path(os.path.abspath(raw)).relative_to(root).parts
        except ValueError:
            continue
        if not parts:
            continue
        name = parts[-1]
        if parts[0] == "messages":
            if parts == ("messages", "campaign.toml"):
                change.full = True
            elif name.endswith(".j2"):
                if len(parts) == 2 and not name.startswith("_"):
                    change.messages.add(name[: -len(".j2")])
                else:
                    change.full = True
        elif parts[0] == "locales":
            if parts == ("locales", "messages.pot"):
                change.recount = True
            elif parts[2:] == ("LC_MESSAGES", "messages.po") and parts[1] in campaign.locales:
                change.locales.add(parts[1])
    return change


class Site:
    """The preview of one campaign, held in memory: :meth:`build` makes every page,
    :meth:`update` remakes the pages a change touches. ``pages`` maps each file's path
    in the site to its bytes."""

    def __init__(
        self,
        campaign: Campaign,
        variables: Mapping[str, Any] | None = None,
        samples: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        from outreach.preview.model import Model

        self.campaign = campaign
        self.variables = dict(variables or {})
        #: sample values of supporters' columns (``--supporters``; see Renderer.samples)
        self.samples = dict(samples or {})
        self.model: Model = Model(campaign, self.variables, self.samples)
        self.pages: dict[str, bytes] = {}
        self._whole = False  # whether model and pages are complete

    def build(self) -> dict[str, bytes]:
        """Every page, from scratch."""
        from outreach.preview.model import Model
        from outreach.preview.pages import render_pages

        self._whole = False
        self.model = Model(self.campaign, self.variables, self.samples)
        self.model.refresh()
        self.pages = render_pages(self.model)
        self._whole = True
        return self.pages

    def update(self, change: Change) -> dict[str, bytes]:
        """Remake what ``change`` touches and return every page (the site as it is now).

        After a failed update (the error propagates) the next one rebuilds everything."""
        from outreach.campaign import load_campaign
        from outreach.preview.pages import render_pages

        if change.full or not self._whole:
            if change.full:
                self.campaign = load_campaign(self.campaign.root)
            return dict(self.build())
        self._whole = False
        model = self.model
        before = set(model.cells)
        model.refresh(change.messages, change.locales, recount=change.recount)
        touched_locales = model.dependents(change.locales)
        keys = {
            key
            for key in model.cells
            if key[0] in change.messages or key[1] in touched_locales or key not in before
        }
        locale_pages = set(model.locales) if change.messages or change.recount else touched_locales
        live = {cell.page for cell in model.cells.values()}
        pages = {
            path: data
            for path, data in self.pages.items()
            if not path.startswith("m/") or path in live
        }
        pages.update(render_pages(model, keys, locale_pages))
        self.pages = pages
        self._whole = True
        return dict(self.pages)


def build_preview(
    campaign: Campaign,
    out: str | os.PathLike[str] | None = None,
    variables: Mapping[str, Any] | None = None,
    samples: Mapping[str, Mapping[str, str]] | None = None,
) -> PreviewResult:
    """Build the preview of ``campaign`` into ``out`` (default: ``preview/`` in the
    campaign directory), replacing a previous preview there whole.

    Raises :class:`~outreach.errors.UsageError` for an output directory that is not a
    previous preview (or is the campaign itself), and the error of any template or catalog
    that cannot be read; the output directory is then left as it was."""
    from outreach.preview.output import check_output_dir, replace_directory

    target = Path(out) if out is not None else Path(campaign.root) / DEFAULT_DIR
    check_output_dir(target, Path(campaign.root))
    site = Site(campaign, variables, samples)
    pages = site.build()
    replace_directory(target, pages)
    count = sum(1 for path in pages if path.startswith("m/"))
    return PreviewResult(target, target / "index.html", count, site.model.problems)
