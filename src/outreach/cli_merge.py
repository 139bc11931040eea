"""``outreach merge``: the command line of :mod:`outreach.merge` (registered by
:mod:`outreach.cli`, with :mod:`outreach.cli_support`'s helpers). Like the rest of the
command line it imports only click at start-up: ``outreach merge --help`` loads no
Jinja2, Babel data or tqdm.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import click

from outreach.cli_support import (
    State,
    format_option,
    handles_errors,
    pass_state,
    print_json,
    refusal_lines,
    var_option,
)
from outreach.display import visible


@click.command()
@click.argument("supporters", type=click.Path(dir_okay=False))
@click.argument("message")
@click.option(
    "--out", "mbox", type=click.Path(dir_okay=False), help="Write every email to FILE.mbox."
)
@click.option(
    "--out-dir", type=click.Path(file_okay=False), help="Write one .eml a supporter to DIR."
)
@click.option("--smtp", metavar="HOST:PORT", help="Send over SMTP (resumable: see --journal).")
@var_option
@click.option(
    "--limit", type=click.IntRange(min=0), metavar="N", help="At most N messages this run."
)
@click.option("--dry-run", is_flag=True, help="Render and check every row; send and write nothing.")
@click.option(
    "--to", "proof_to", metavar="ADDRESS", help="Proof: one email a locale, all to ADDRESS."
)
@click.option(
    "--journal", type=click.Path(dir_okay=False), help="SMTP journal (default: beside the CSV)."
)
@click.option(
    "--shard", metavar="K/N", help="Only shard K of N (0 <= K < N), by a hash of the address."
)
@click.option(
    "--connections",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Parallel SMTP connections.",
)
@click.option(
    "--rate", metavar="N/s|N/min|N/h", help="At most this many messages (all connections)."
)
@click.option(
    "--tls",
    type=click.Choice(["auto", "starttls", "implicit", "none"]),
    default="auto",
    show_default=True,
    help="auto: STARTTLS when offered, implicit TLS on port 465.",
)
@click.option("--user", help="SMTP AUTH user; the password comes from --password-env.")
@click.option(
    "--password-env",
    default="OUTREACH_SMTP_PASSWORD",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the SMTP password (never on the command line).",
)
@click.option(
    "--plaintext-auth",
    is_flag=True,
    help="Allow AUTH without TLS to a server that is not this machine (the password crosses "
    "the network readable).",
)
@click.option(
    "--cafile", type=click.Path(dir_okay=False), help="CA certificates to verify the server with."
)
@click.option(
    "--attempts",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="Tries a recipient gets over every run (4xx, dropped connections) before it is "
    "failed; also the tries to connect when no connection works.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.01, 3600),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Longest wait for a connection or a whole reply of the server.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(0),
    default=2.0,
    show_default=True,
    help="Seconds before the first retry (doubling).",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Also retry recipients an earlier run recorded as failed (5xx).",
)
@click.option("--encoding", help="The CSV's encoding when it is not UTF-8 (cp1252, latin-1...).")
@click.option(
    "--suppress",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="A suppression list (CSV with an email column, or one address a line): nobody on it "
    "is written or sent to; repeatable, added to [merge] suppress. Missing: exit 2.",
)
@click.option(
    "--jobs",
    metavar="N",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="N processes: they build the emails of --out, --out-dir, --dry-run; over --smtp each "
    "sends a shard of the supporters with --connections of its own and its own journal.",
)
@click.option(
    "--broken-locales",
    type=click.Choice(["hold", "fallback"]),
    default="hold",
    show_default=True,
    help="Supporters whose locale is broken (a catalog that does not parse, or a translation "
    "the message uses with an error finding): hold them (over SMTP they stay pending; the "
    "same command sends them once it is fixed), or send them their fallback chain's language.",
)
@click.option(
    "--ready-only",
    is_flag=True,
    help="Send only to supporters whose locale is ready (outreach status); hold the others "
    "(over SMTP pending in the journal: a later run of the same command sends each as soon "
    'as their locale is ready, or at [release] deadline with at_deadline = "fallback").',
)
@click.option("--status", is_flag=True, help="Print the journal's summary and send nothing.")
@format_option(
    "text",
    "json",
    help="json: the run's summary (or --status) as one document (docs/reference/json.md).",
)
@pass_state
@handles_errors
def merge(
    state: State,
    supporters: str,
    message: str,
    mbox: str | None,
    out_dir: str | None,
    smtp: str | None,
    variables: tuple[str, ...],
    limit: int | None,
    dry_run: bool,
    proof_to: str | None,
    journal: str | None,
    shard: str | None,
    connections: int,
    rate: str | None,
    tls: str,
    user: str | None,
    password_env: str,
    plaintext_auth: bool,
    cafile: str | None,
    attempts: int,
    timeout: float,
    backoff: float,
    retry_failed: bool,
    encoding: str | None,
    suppress: tuple[str, ...],
    jobs: int,
    broken_locales: str,
    ready_only: bool,
    status: bool,
    fmt: str,
) -> None:
    """Email every supporter in SUPPORTERS.csv the MESSAGE, in their own language.

    The CSV has a header row with at least 'email'; 'name' and 'locale' (a tag or an
    Accept-Language list) are optional, and every column is a template variable. Bad rows
    are reported as SUPPORTERS.csv:LINE and skipped (exit 1). Over SMTP, running the same
    command again resumes: accepted recipients are never sent again, deferred ones (4xx) are
    tried again until --attempts are used. A supporter the server did not accept is reported
    as SUPPORTERS.csv:LINE: ADDRESS: failed|deferred: REPLY (exit 1).
    """
    from outreach.cache import CheckCache
    from outreach.errors import ProblemsFound, UsageError
    from outreach.merge import MergeOptions, jobs_status
    from outreach.merge import merge as run
    from outreach.merge.audience import parse_shard
    from outreach.merge.display import Progress, status_lines, summary_lines
    from outreach.render import parse_variables

    try:
        shard_of = parse_shard(shard) if shard else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if status:
        given = MergeOptions(
            supporters=Path(supporters),
            message=message,
            journal=Path(journal) if journal else None,
            shard=shard_of,
            jobs=jobs,
        )
        found = jobs_status(given, message.removesuffix(".j2"))
        if fmt == "json":
            print_json(found)
        else:
            for line in status_lines(found):
                click.echo(visible(line))
        return
    targets = [t for t in (mbox, out_dir, smtp) if t]
    if len(targets) > 1 or (not targets and not dry_run):
        raise UsageError(
            "give one of --out FILE.mbox, --out-dir DIR or --smtp HOST:PORT (or --dry-run)"
        )
    settings = None
    if smtp:
        settings = _smtp_settings(
            smtp, tls, user, password_env, cafile, connections, rate, attempts, backoff
        )
        settings = dataclasses.replace(settings, timeout=timeout, plaintext_auth=plaintext_auth)
    options = MergeOptions(
        supporters=Path(supporters),
        message=message,
        mbox=Path(mbox) if mbox else None,
        out_dir=Path(out_dir) if out_dir else None,
        smtp=settings,
        variables=parse_variables(variables),
        encoding=encoding,
        limit=limit,
        dry_run=dry_run,
        proof_to=proof_to,
        journal=Path(journal) if journal else None,
        shard=shard_of,
        retry_failed=retry_failed,
        jobs=jobs,
        broken_locales=broken_locales,
        ready_only=ready_only,
        suppress=tuple(Path(path) for path in suppress),
    )
    campaign = state.campaign()
    cache = CheckCache.of(campaign)
    options = dataclasses.replace(options, cache=cache)
    progress = Progress()
    try:
        summary = run(campaign, options, report=progress.write, progress=progress)
    finally:
        progress.close()
    if fmt == "json":
        print_json(summary.to_json())
    else:
        for line in summary_lines(summary):
            click.echo(visible(line))
    if summary.fatal:
        click.echo(
            visible(f"outreach: the run stopped: {summary.fatal} (run the same command to resume)"),
            err=True,
        )
        sys.exit(2)
    if not summary.ok:
        problems = refusal_lines(summary.refused) if not summary.held_why else []
        waiting = set(summary.waiting)
        problems += list(
            dict.fromkeys(why for loc, why in summary.held_why.items() if loc not in waiting)
        )
        raise ProblemsFound(problems)


def _smtp_settings(
    address: str,
    tls: str,
    user: str | None,
    password_env: str,
    cafile: str | None,
    connections: int,
    rate: str | None,
    attempts: int,
    backoff: float,
) -> Any:
    from outreach.errors import UsageError
    from outreach.merge.delivery import SmtpSettings, parse_rate

    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UsageError(f"--smtp expects HOST:PORT (smtp.example.org:587), not {address!r}")
    password = None
    if user:
        password = os.environ.get(password_env)
        if not password:
            raise UsageError(
                f"--user {user} needs the password in the environment variable ${password_env}"
            )
    return SmtpSettings(
        host=host.strip("[]"),
        port=int(port),
        tls=tls,
        user=user,
        password=password,
        cafile=cafile,
        connections=connections,
        rate=parse_rate(rate) if rate else None,
        attempts=attempts,
        backoff=backoff,
    )
