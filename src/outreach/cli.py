"""The ``outreach`` command line: parse arguments, call one library function, map errors.

Exit codes: 0 success; 1 the work ran and found problems; 2 the command could not run.
Errors print one ``path:line: message`` line each on stderr, never a traceback.

This module imports only click at start-up; each command imports the library it needs, so
``outreach --help`` stays fast and loads neither Jinja2, langdetect nor Babel's locale data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from outreach._version import __version__
from outreach.cli_support import (
    State,
    format_option,
    handles_errors,
    locale_option,
    pass_state,
    print_document,
    print_json,
    print_table,
    samples,
    supporters_option,
    var_option,
)
from outreach.display import visible


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="outreach")
@click.option(
    "-C",
    "--campaign",
    "campaign_dir",
    default=".",
    metavar="DIR",
    show_default=True,
    help="Work on the campaign in DIR instead of the current directory (like git -C).",
)
@click.pass_context
def main(ctx: click.Context, campaign_dir: str) -> None:
    """Multilingual advocacy messages: gettext catalogs in, emails and social posts out.

    A campaign keeps its calls to action as Jinja2 templates in messages/ and their
    translations as gettext catalogs in locales/. Translators edit .po files with the tools
    they know; outreach checks them, renders every message in every language, exports social
    posts for schedulers and mail-merges emails.
    """
    ctx.obj = State(campaign_dir)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="Campaign name (default: from the directory name).")
@click.option(
    "--source-locale", default="en", show_default=True, help="Locale the templates are written in."
)
@click.option("--hashtag", default="#TakeAction", show_default=True, help="The campaign hashtag.")
@click.option(
    "--url", default="https://example.org/act", show_default=True, help="Call-to-action link."
)
@handles_errors
def init(directory: str, name: str | None, source_locale: str, hashtag: str, url: str) -> None:
    """Create a working campaign in DIRECTORY (templates, campaign.toml, source catalog)."""
    from outreach.scaffold import init_campaign

    campaign = init_campaign(
        directory, name=name, source_locale=source_locale, hashtag=hashtag, url=url
    )
    click.echo(f"created campaign {campaign.name!r} in {campaign.root}")
    click.echo(f"next: cd {campaign.root} && outreach add-locale es")


@main.command()
@pass_state
@handles_errors
def extract(state: State) -> None:
    """Extract translatable strings from the templates (messages/NAME.j2) into the POT."""
    from outreach.catalogs import extract as run

    result = run(state.campaign())
    status = "written" if result.written else "unchanged"
    click.echo(f"{result.path}: {result.messages} messages ({status})")


@main.command("add-locale")
@click.argument("locale")
@click.option(
    "--cldr-plurals",
    is_flag=True,
    help="Write CLDR's plural formula (3 forms for es/fr/pt/it) instead of the one Poedit, "
    "Weblate and GNU gettext use.",
)
@pass_state
@handles_errors
def add_locale(state: State, locale: str, cldr_plurals: bool) -> None:
    """Start a catalog for LOCALE (pt-BR and pt_BR alike) and list it in campaign.toml.

    Its Plural-Forms is the formula translators' tools expect for the language; outreach
    says so when CLDR counts the forms differently.
    """
    from outreach.catalogs import add_locale as run

    result = run(state.campaign(), locale, cldr_plurals=cldr_plurals)
    click.echo(f"created {result.path} (Plural-Forms: {result.plural_forms.header})")
    if result.note:
        click.echo(f"note: {result.note}")
    if result.slip:
        click.echo(f"note: {result.slip}")


@main.command()
@locale_option
@pass_state
@handles_errors
def update(state: State, locales: tuple[str, ...]) -> None:
    """Merge locales/messages.pot into every .po without losing a translation.

    A changed source keeps its translation as fuzzy (with the previous msgid); a removed
    one becomes obsolete (#~) and comes back if the source does.
    """
    from outreach.catalogs import update as run
    from outreach.errors import ProblemsFound

    refused: list[str] = []
    for r in run(state.campaign(), locales):
        if r.refused:
            refused.extend(r.refused)
            click.echo(f"{r.path}: not updated (fix its Plural-Forms first)")
        elif r.created:
            click.echo(f"{r.path}: created with {r.added} messages")
        else:
            status = "written" if r.written else "unchanged"
            click.echo(
                f"{r.path}: {r.added} new, {r.fuzzy} fuzzy, {r.obsolete} obsolete, "
                f"{r.revived} revived ({status})"
            )
    if refused:
        raise ProblemsFound(refused, summary="writing these catalogs would drop plural forms")


@main.command(name="compile")
@locale_option
@click.option("--force", is_flag=True, help="Compile even catalogs with structural errors.")
@pass_state
@handles_errors
def compile_(state: State, locales: tuple[str, ...], force: bool) -> None:
    """Compile every .po to .mo; fuzzy entries, incomplete plurals and translations with
    errors (those render would refuse) are left out."""
    from outreach.cache import CheckCache
    from outreach.catalogs import compile_catalogs

    campaign = state.campaign()
    cache = CheckCache.of(campaign)
    try:
        results = compile_catalogs(campaign, locales, force=force, cache=cache)
    finally:
        cache.save()  # what was compiled is kept, refused catalogs too
    for r in results:
        extra = []
        if r.skipped_fuzzy:
            extra.append(f"{r.skipped_fuzzy} fuzzy left out")
        if r.skipped_incomplete:
            extra.append(f"{r.skipped_incomplete} incomplete plurals left out")
        if r.skipped_errors:
            extra.append(f"{r.skipped_errors} with errors left out")
        note = f" ({', '.join(extra)})" if extra else ""
        click.echo(f"{r.path}: {r.compiled} messages{note}")


@main.command()
@locale_option
@format_option("table", "json", help="json: one document (docs/reference/json.md).")
@pass_state
@handles_errors
def stats(state: State, locales: tuple[str, ...], fmt: str) -> None:
    """Per locale: translated, fuzzy, untranslated, total and percent.

    Fuzzy entries and plurals with an empty form do not count as translated.
    """
    from outreach.cache import CheckCache
    from outreach.catalogs import stats as run
    from outreach.errors import ProblemsFound

    campaign = state.campaign()
    cache = CheckCache.of(campaign)
    results = run(campaign, locales, cache)
    cache.save()
    if fmt == "json":
        print_json({"locales": [r.to_json() for r in results]})
    else:
        print_table(
            [
                (
                    r.locale,
                    r.translated,
                    r.fuzzy,
                    r.untranslated,
                    r.total,
                    "broken"
                    if r.broken
                    else f"{r.percent:.1f}%"
                    + (f" ({r.refused_entries} refused)" if r.refused else ""),
                )
                for r in results
            ],
            ("locale", "translated", "fuzzy", "untranslated", "total", "percent"),
        )
    problems = [p for r in results if not r.broken for p in r.problems]
    summary = "these catalogs' plural strings render untranslated" if problems else ""
    broken = [r for r in results if r.broken]
    problems += [p for r in broken for p in r.problems]
    if broken:
        names = ", ".join(r.locale for r in broken)
        problems.append(f"held back: {names} (the catalog cannot be read)")
    refusing = [r for r in results if r.refused]
    problems += [line for r in refusing for line in r.refused]
    if refusing:
        names = ", ".join(f"{r.locale} ({r.refused_entries})" for r in refusing)
        problems.append(
            f"translations with errors: {names}: every message that uses one is held back "
            "(outreach check says why)"
        )
    if problems:
        raise ProblemsFound(problems, summary=summary)


def _locales_option(campaign: Any, locales: Sequence[str], all_locales: bool) -> list[str]:
    if all_locales:
        return list(campaign.locales)
    if not locales:
        return [campaign.source_locale]
    return [campaign.resolve_locale(loc) for loc in dict.fromkeys(locales)]


@main.command()
@click.argument("message", required=False)
@click.option(
    "--locale", "-l", "locales", multiple=True, help="Render in this locale (repeatable)."
)
@click.option("--all-locales", is_flag=True, help="Render in every locale of the campaign.")
@click.option(
    "--channel",
    "-c",
    "channels",
    multiple=True,
    metavar="CHANNEL",
    help="email, x, mastodon, bluesky, threads, facebook, instagram, linkedin, whatsapp.",
)
@format_option(
    "text",
    "json",
    "eml",
    help="json: every item as one document; eml: one email (a message, locale and channel).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write one file per message x locale x channel, and index.json.",
)
@var_option
@supporters_option
@pass_state
def render(
    state: State,
    message: str | None,
    locales: tuple[str, ...],
    all_locales: bool,
    channels: tuple[str, ...],
    fmt: str,
    out_dir: str | None,
    variables: tuple[str, ...],
    supporters: str | None,
) -> None:
    """Render MESSAGE (default: every message) per locale and channel.

    Without --locale or --all-locales, the source locale; without --channel, every channel
    the message has. Exits 1 when a post is over its platform's limit or loses its hashtag,
    and when a locale is held: its catalog does not parse, or an item would use a
    translation with an error finding (that item is not produced; every other one is).
    """
    options = (message, locales, all_locales, channels, fmt, out_dir, variables, supporters)
    if out_dir is not None or supporters is not None or fmt == "eml":
        _render(state, *options)  # writes files, reads rows, or dates the email: never kept
        return
    from outreach.recall import OutputMemo

    # the same output as last time, when nothing it depends on changed (outreach.recall)
    memo = OutputMemo.open(str(state.campaign_dir), ("render", *options))
    if memo.replay():
        return
    with memo.recording():
        _render(state, *options)


@handles_errors
def _render(
    state: State,
    message: str | None,
    locales: tuple[str, ...],
    all_locales: bool,
    channels: tuple[str, ...],
    fmt: str,
    out_dir: str | None,
    variables: tuple[str, ...],
    supporters: str | None,
) -> None:
    from outreach.cache import CheckCache
    from outreach.errors import ProblemsFound, UsageError
    from outreach.platforms import platform, remembering_links
    from outreach.render import EMAIL, Email, Renderer, held_lines, parse_variables

    campaign = state.campaign()
    cache = CheckCache.of(campaign)
    renderer = Renderer(
        campaign, parse_variables(variables), cache=cache, samples=samples(campaign, supporters)
    )
    for channel in channels:
        if channel != EMAIL:
            platform(channel)
    messages = [renderer.resolve_message(message)] if message else None
    with remembering_links(cache):  # a post counted before needs no twitter-text
        items = list(
            renderer.render_all(
                messages, _locales_option(campaign, locales, all_locales), channels or None
            )
        )
    cache.save()
    held = held_lines(renderer.held_back)
    if not items and held:
        raise ProblemsFound(held)
    if not items:
        raise UsageError("nothing to render: no message has the channels asked for")
    if out_dir:
        from outreach.render_files import write_rendered

        index = write_rendered(items, out_dir, campaign, fmt, renderer.share_links)
        print_table(
            [
                (
                    i["message"],
                    i["locale"],
                    i["channel"],
                    f"{i['length']}/{i['limit']}" if "length" in i else "-",
                    "ok" if i["ok"] else "; ".join(i["problems"]),
                )
                for i in index
            ],
            ("message", "locale", "channel", "length", "status"),
        )
        click.echo(f"{len(index)} files in {out_dir} (index: {Path(out_dir) / 'index.json'})")
    elif fmt == "json":
        print_json([item.to_json() for item in items])
    elif fmt == "eml":
        from outreach.mail import campaign_email

        emails = [i for i in items if isinstance(i, Email)]
        if len(emails) != 1:
            raise UsageError(
                f"--format eml prints one email; this selection has {len(emails)}: "
                "pick one message, locale and --channel email, or use --out DIR"
            )
        print_document(campaign_email(emails[0], campaign))
    else:
        for item in items:
            if isinstance(item, Email):
                click.echo(f"== {item.message} · {item.locale} · email ==")
                click.echo(f"Subject: {visible(item.subject)}")
                click.echo(f"Preheader: {visible(item.preheader)}\n")
                click.echo(visible(item.text, keep_newlines=True))
            else:
                measured = f"{item.length}/{item.limit}"
                click.echo(f"== {item.message} · {item.locale} · {item.channel} ({measured}) ==")
                click.echo(visible(item.text, keep_newlines=True) + "\n")
    for item in items:
        for added in getattr(item, "added", ()):
            what = "link" if added == campaign.url else "campaign hashtag"
            click.echo(
                visible(
                    f"note: {item.message} ({item.locale}, {item.channel}): the text has no "
                    f"{what}, so {added} was appended (outreach check reports it when a "
                    "translation lost it)"
                ),
                err=True,
            )
    problems: list[str] = [
        f"{i.message} ({i.locale}, {i.channel}): {p}" for i in items for p in i.problems
    ]
    problems += held
    if problems:
        raise ProblemsFound(problems)


# -- outreach preview -----------------------------------------------------------------------
@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Where to write the site (default: preview/ in the campaign directory). "
    "A previous preview there is replaced whole.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the preview on 127.0.0.1, rebuild it when a template, catalog or "
    "campaign.toml changes, and reload the open page. Ctrl-C stops.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port --serve listens on (0: any free port).",
)
@var_option
@supporters_option
@pass_state
@handles_errors
def preview(
    state: State,
    out_dir: str | None,
    serve: bool,
    port: int,
    variables: tuple[str, ...],
    supporters: str | None,
) -> None:
    """Build a static HTML preview of every message x locale x channel.

    index.html shows each message's cells per locale and channel (ok, over the limit,
    hashtag or link appended, fell back to another language, check errors), each locale's
    translation progress and the check findings; every email and post has a page as the
    supporter sees it. Nothing in the site loads from the network. Exits 1 when a cell has
    a problem or a catalog an error finding (the site is written all the same).
    """
    from outreach.errors import ProblemsFound
    from outreach.render import parse_variables

    campaign = state.campaign()
    values = parse_variables(variables)
    sample = samples(campaign, supporters)
    if serve:
        _serve_preview(campaign, out_dir, port, values, sample)
        return
    from outreach.preview import build_preview

    result = build_preview(campaign, out_dir, values, sample)
    click.echo(f"{result.pages} pages in {result.out}")
    click.echo(f"open {result.index.resolve().as_uri()}")
    if result.problems:
        raise ProblemsFound(
            result.problems, summary=f"{len(result.problems)} problem(s): see {result.index}"
        )


def _serve_preview(campaign: Any, out_dir: str | None, port: int, values: Any, sample: Any) -> None:
    from outreach.preview import DEFAULT_DIR
    from outreach.preview.serve import PreviewServer

    out = Path(out_dir) if out_dir else Path(campaign.root) / DEFAULT_DIR

    def report(line: str) -> None:
        click.echo(visible(line), err=line.startswith("rebuild failed"))

    server = PreviewServer(
        campaign, out, port=port, variables=values, samples=sample, report=report
    )
    try:
        server.start()
        click.echo(f"serving {out} on {server.url} (Ctrl-C stops)")
        server.watch()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("stopped")


# -- outreach export ------------------------------------------------------------------------
# The format names are repeated here so that `outreach --help` does not import the exporters;
# tests/test_export_cli.py checks that they match outreach.export.FORMATS.
_EXPORT_FORMATS = ("csv", "json", "ics", "buffer", "hootsuite", "sprout", "mastodon")


@main.command()
@click.option(
    "--channel",
    "-c",
    required=True,
    metavar="CHANNEL",
    help="x, mastodon, bluesky, threads, facebook, instagram, linkedin or whatsapp.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_EXPORT_FORMATS),
    required=True,
    help="csv/json (generic), ics (calendar), buffer/hootsuite/sprout (bulk upload), "
    "mastodon (API request bodies).",
)
@click.option(
    "--start",
    required=True,
    metavar="DATETIME",
    help="First post. 2026-12-01T09:00 is 09:00 on each audience's clock; with an offset "
    "(2026-12-01T09:00+01:00, ...Z) it is one instant everywhere.",
)
@click.option(
    "--every",
    metavar="DURATION",
    help="Time between one message and the next in a locale: 30m, 2h, 1d, PT30M, P1D. Days "
    "keep the local hour across daylight-saving changes. Default: all at --start.",
)
@click.option(
    "--stagger",
    metavar="DURATION",
    help="Shift each successive locale by this much (en +0, es +5m, fr +10m, ...).",
)
@click.option(
    "--tz",
    metavar="ZONE",
    help="Your time zone (IANA, e.g. Europe/Madrid): for locales without one in campaign.toml, "
    "and the clock scheduler files are written in (set your scheduler account's). Default UTC.",
)
@click.option(
    "--message",
    "-m",
    "messages",
    multiple=True,
    metavar="MESSAGE",
    help="Only this message (repeatable).",
)
@locale_option
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write FILE atomically instead of printing; a split export writes FILE-1, FILE-2...",
)
@click.option("--bom", is_flag=True, help="csv: start with a UTF-8 byte order mark (Excel).")
@click.option("--day-first", is_flag=True, help="hootsuite, sprout: DD/MM/YYYY dates.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    metavar="N",
    help="buffer, hootsuite, sprout: at most N rows a file (e.g. 10 on Buffer's free plan).",
)
@var_option
@pass_state
@handles_errors
def export(
    state: State,
    channel: str,
    fmt: str,
    start: str,
    every: str | None,
    stagger: str | None,
    tz: str | None,
    messages: tuple[str, ...],
    locales: tuple[str, ...],
    out: str | None,
    bom: bool,
    day_first: bool,
    max_rows: int | None,
    variables: tuple[str, ...],
) -> None:
    """Export every message x locale post for one channel, scheduled on each audience's clock.

    Every post is rendered and counted as its platform counts it; a post over its limit,
    without its hashtag or in the past fails the export (exit 1) and nothing is written.
    Scheduler profiles also get the checks their importer makes. A locale whose catalog
    does not parse, or a post that would use a translation with an error finding, is held:
    left out, every other post exported, the held locale named (exit 1).
    """
    import datetime as dt

    from outreach.errors import ProblemsFound, UsageError
    from outreach.export import (
        PROFILE_FORMATS,
        export_files,
        plan_posts,
        stale_outputs,
        write_outputs,
    )
    from outreach.render import Renderer, held_lines, parse_variables

    campaign = state.campaign()
    now = dt.datetime.now(dt.UTC)
    renderer = Renderer(campaign, parse_variables(variables))
    posts = plan_posts(
        campaign,
        channel,
        start,
        every,
        tz,
        list(messages) or None,
        list(locales) or None,
        now,
        stagger=stagger,
        renderer=renderer,
    )
    held = held_lines(renderer.held_back)
    if not posts and held:
        raise ProblemsFound(held, summary="nothing exported")
    payloads = export_files(
        posts,
        fmt,
        now=now,
        calendar_name=f"{campaign.name} · {channel}",
        tz=tz,
        day_first=day_first,
        bom=bom,
        max_rows=max_rows,
    )
    if len(payloads) > 1 and not out:
        raise UsageError(
            f"{len(posts)} posts need {len(payloads)} {fmt} files (the importer takes fewer rows "
            f"a file): pass --out FILE to write FILE-1 ... FILE-{len(payloads)}"
        )
    if fmt in PROFILE_FORMATS and tz is None:
        click.echo(
            f"note: {fmt} times are written in UTC; pass --tz with your {fmt} account's time zone",
            err=True,
        )
    if out is None:
        print_document(payloads[0], json_format=fmt in ("json", "mastodon"))
    else:
        paths = write_outputs(out, payloads)
        for stale in stale_outputs(out, len(paths)):
            click.echo(f"warning: {stale} is from an earlier export; do not upload it", err=True)
        click.echo(f"{len(posts)} posts: {', '.join(str(p) for p in paths)}")
    if held:
        raise ProblemsFound(held)


def _github_prefix(campaign_dir: Path) -> str:
    """Annotations need paths from the repository root: the campaign directory as given
    (when relative), then the campaign-relative path."""
    text = campaign_dir.as_posix()
    return "" if campaign_dir.is_absolute() or text in (".", "") else text


@main.command()
@locale_option
@format_option(
    "text", "json", "github", help="github: workflow-command annotations for GitHub Actions."
)
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the check cache (docs/guide/check.md)."
)
@click.option("--no-render", is_flag=True, help="Skip the render-level checks (posts, emails).")
@supporters_option
@pass_state
@handles_errors
def check(
    state: State,
    locales: tuple[str, ...],
    fmt: str,
    no_cache: bool,
    no_render: bool,
    supporters: str | None,
) -> None:
    """Translation QA: placeholders, plurals, hashtags, links, mentions, markup, injections,
    invisible characters, white space, length and language, per catalog entry; then every
    post and email as rendered in every locale.

    Exits 1 when any finding is an error (warnings alone exit 0), 2 when it cannot run.
    """

    from outreach.errors import ProblemsFound
    from outreach.qa.campaign import check_campaign
    from outreach.qa.report import format_github, format_text

    campaign = state.campaign()
    report = check_campaign(
        campaign,
        list(locales) or None,
        use_cache=not no_cache,
        render=not no_render,
        samples=samples(campaign, supporters),
    )
    if fmt == "json":
        print_json(report.to_json())
    elif fmt == "github":
        annotations = format_github(report, prefix=_github_prefix(state.campaign_dir))
        if annotations:
            click.echo(annotations)
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(format_text(report, color=color))
    if not report.ok:
        raise ProblemsFound([])


@main.command()
@click.argument("message", required=False)
@format_option(
    "table", "json", help="json: every locale's readiness as one document (docs/reference/json.md)."
)
@pass_state
@handles_errors
def status(state: State, message: str | None, fmt: str) -> None:
    """Per locale and message: ready to send, or why not.

    Ready: every string the message uses is translated (not fuzzy, nothing falls back to
    the source), none has an error finding, and, when [release] require_approval = true,
    the locale is approved and no approved string has changed since. Exits 1 when a locale
    is not ready.
    """
    from outreach.errors import ProblemsFound
    from outreach.release import readiness

    campaign = state.campaign()
    states = readiness(campaign, [message] if message else None)
    if fmt == "json":
        print_json({"locales": [s.to_json() for s in states]})
    else:
        rows = []
        for s in states:
            if s.broken is not None:
                rows.append((s.label, "-", "broken", s.broken))
            for m in s.messages:
                rows.append((s.label, m.message, "ready" if m.ready else "not ready",
                             "; ".join(m.reasons) or "-"))  # fmt: skip
            rows.append((s.label, "(approval)", s.approval, s.approved_on or "-"))
        print_table(rows, ("locale", "message", "status", "why"))
    waiting = [s for s in states if not s.ready]
    if waiting:
        raise ProblemsFound(
            [f"{s.label}: not ready: {'; '.join(s.why())}" for s in waiting],
        )


@main.command()
@click.argument("locale")
@pass_state
@handles_errors
def approve(state: State, locale: str) -> None:
    """Record a reviewer's approval of LOCALE in campaign.toml ([release.approved]).

    Refuses a locale that is not ready (a string untranslated, fuzzy or with an error
    finding). The approval records the day and a digest of every translation the messages
    use: it lapses when one of them changes.
    """
    from outreach.release import approve as run

    result = run(state.campaign(), locale)
    click.echo(f"approved {result.label} ({result.digest[:19]}...) in messages/campaign.toml")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="The suppression file to add to (default: suppress/bounces.csv in the campaign).",
)
@click.option(
    "--soft-limit",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    metavar="N",
    help="Suppress an address after N temporary (4.x.x) bounces on different days.",
)
@format_option(
    "text", "json", help="json: the counts and the lists as one document (docs/reference/json.md)."
)
@pass_state
@handles_errors
def bounces(
    state: State, sources: tuple[str, ...], out: str | None, soft_limit: int, fmt: str
) -> None:
    """Read bounces (RFC 3464 and the common text ones) and complaints (RFC 5965) from
    mbox files, Maildir folders or .eml files into a suppression list.

    Permanent failures (5.x.x) and complaints are added to --out; temporary ones (4.x.x)
    are counted beside it (bounces.soft.csv) until --soft-limit. Reading the same messages
    again adds nothing. Messages it cannot classify are listed (exit 0).
    """
    from outreach.bounces import collect_bounces

    target = Path(out) if out else state.campaign().root / "suppress" / "bounces.csv"
    report = collect_bounces([Path(s) for s in sources], target, soft_limit=soft_limit)
    if fmt == "json":
        print_json({"out": str(target), **report.to_json()})
        return
    added = ", ".join(f"{k} {v}" for k, v in report.added.items())
    click.echo(visible(f"{report.messages} messages: added to {target}: {added}"))
    click.echo(
        f"soft bounces: {report.soft} new ({report.soft_suppressed} addresses reached "
        f"--soft-limit {soft_limit}); already known: {report.already}"
    )
    for line in report.ignored:
        click.echo(visible(f"ignored: {line}"))
    for line in report.unclassified:
        click.echo(visible(f"unclassified: {line}"))


@main.command("serve-unsubscribe")
@click.option(
    "--listen", default="127.0.0.1:8025", show_default=True, metavar="HOST:PORT", help="Address."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="The suppression file (default: suppress/unsubscribed.csv in the campaign).",
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer for this Host (the link's own host always is); repeatable.",
)
@pass_state
@handles_errors
def serve_unsubscribe(
    state: State, listen: str, out: str | None, hosts: tuple[str, ...]
) -> None:  # pragma: no cover - runs until interrupted; tests run the app under waitress
    """Serve the one-click unsubscribe link of [email] unsubscribe_url (RFC 8058) under
    waitress, with its pages in the supporter's language.
    """
    from outreach.web import serve, unsubscribe_app

    app = unsubscribe_app(state.campaign_dir, out, hosts=hosts)
    read = [os.path.abspath(app.campaign.root / name) for name in app.campaign.merge_suppress]
    if os.path.abspath(app.store) not in read:
        click.echo(
            visible(f"outreach: note: merge does not read {app.store}: add it to [merge] suppress"),
            err=True,
        )
    click.echo(f"outreach: unsubscribe page on http://{listen}{app.path} (Ctrl-C stops it)")
    serve(app, listen)


@main.command()
@click.argument("text", required=False)
@format_option("text", "json", help="json: one document (docs/reference/json.md).")
@click.option(
    "--top", default=3, show_default=True, type=click.IntRange(1, 10), help="Candidates shown."
)
@handles_errors
def detect(text: str | None, fmt: str, top: int) -> None:
    """The language of TEXT (or of standard input), by langdetect with a fixed seed.

    Prints the most probable languages with their probabilities. Short texts are unreliable:
    judge a sentence, not a word.
    """
    from outreach.detect import detect_languages
    from outreach.errors import UsageError

    if text is None:
        if sys.stdin.isatty():
            raise UsageError("give a TEXT argument or pipe text on standard input")
        text = sys.stdin.read()
    if not text.strip():
        raise UsageError("no text to detect: the input is empty")
    found = detect_languages(text, top=top)
    if fmt == "json":
        print_json(
            {
                "languages": [
                    {"language": lang, "name": _language_name(lang), "probability": prob}
                    for lang, prob in found
                ]
            }
        )
        return
    for lang, prob in found:
        click.echo(f"{lang}\t{prob:.3f}\t{_language_name(lang)}")


def _language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = str(Locale.parse(code.split("-")[0]).english_name)
    except (UnknownLocaleError, ValueError):
        return code
    suffix = {"zh-cn": " (Simplified)", "zh-tw": " (Traditional)"}.get(code, "")
    return name + suffix


# The merge command lives in its own module (it is as long as the rest together); it is
# registered here, after everything it uses from this one is defined.
from outreach.cli_merge import merge as _merge  # noqa: E402

main.add_command(_merge)
