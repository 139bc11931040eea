"""Campaign QA: what ``outreach check`` runs, above rendering.

The catalog checks (:mod:`outreach.checks`) judge each translated string on its own; the
checks here judge the campaign as supporters will meet it, so they sit above rendering:

=========  =========================================================================
campaign   :func:`~outreach.qa.campaign.check_campaign`: every catalog's checks (cached,
           in parallel), campaign.toml's own problems, then the rendered checks
rendered   every social post and email as it will be sent, in every locale (length,
           hashtags, links, mentions)
report     the text and GitHub-annotation formats of a :class:`~outreach.qa.campaign.
           CheckReport`
=========  =========================================================================

>>> from outreach.qa.report import format_text
>>> from outreach.qa.campaign import CheckReport
>>> format_text(CheckReport(findings=[], catalogs=4))
'0 errors, 0 warnings in 4 catalogs'
"""
