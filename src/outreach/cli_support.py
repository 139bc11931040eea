"""What every ``outreach`` command shares: the campaign it works on, the options several
take, the output helpers, and the one mapping of errors to exit codes (0 success, 1 the
work ran and found problems, 2 the command could not run). :mod:`outreach.cli` and
:mod:`outreach.cli_merge` build on it; like them, it imports only click at start-up.

>>> from outreach.errors import ConfigError
>>> @handles_errors
... def broken() -> None:
...     raise ConfigError("missing key 'hashtags'", path="messages/campaign.toml", line=1)
>>> try:
...     broken()
... except SystemExit as stop:
...     print("exit", stop.code)
exit 2
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from outreach.display import json_text, terminal_document, visible
from outreach.errors import OutreachError

__all__ = [
    "State",
    "format_option",
    "handles_errors",
    "locale_option",
    "pass_state",
    "print_document",
    "print_json",
    "print_table",
    "refusal_lines",
    "samples",
    "supporters_option",
    "var_option",
]

F = TypeVar("F", bound=Callable[..., Any])


class State:
    def __init__(self, campaign_dir: str) -> None:
        self.campaign_dir = Path(campaign_dir)

    def campaign(self) -> Any:
        from outreach.campaign import load_campaign

        return load_campaign(self.campaign_dir)


def report_error(error: OutreachError) -> None:
    from outreach.errors import ProblemsFound

    if isinstance(error, ProblemsFound):
        for problem in error.problems:
            click.echo(visible(str(problem)), err=True)
        if error.summary:
            click.echo(visible(error.summary), err=True)
    else:
        click.echo(visible(f"outreach: {error}" if error.path is None else str(error)), err=True)


def handles_errors(func: F) -> F:
    """Turn :class:`OutreachError` (and unreadable files) into a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OutreachError as error:
            report_error(error)
            sys.exit(error.exit_code)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(visible(f"{where}{error.strerror or error}"), err=True)
            sys.exit(2)
        except Exception as error:  # a bug in outreach: still one line, unless debugging
            if os.environ.get("OUTREACH_DEBUG"):
                raise
            click.echo(
                f"outreach: internal error: {type(error).__name__}: {visible(str(error))} "
                "(rerun with OUTREACH_DEBUG=1 for the traceback, and please report it)",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def print_json(document: Any) -> None:
    click.echo(json_text(document))


def print_document(data: bytes, *, json_format: bool = False) -> None:
    """A file's bytes on standard output, with what a terminal would obey escaped
    (:func:`outreach.display.terminal_document`); a note on stderr says so, outside JSON
    (whose escapes change nothing)."""
    shown, escaped = terminal_document(data, json_format=json_format)
    click.echo(shown, nl=False)
    if escaped and not json_format:
        click.echo(
            f"note: {escaped} control character(s) were written as visible escapes on the "
            "terminal; --out FILE writes the file as it is",
            err=True,
        )


def print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    cells = [list(map(str, header)), *[[visible(str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        click.echo(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            click.echo("  ".join("-" * w for w in widths))


pass_state: Callable[[Callable[..., Any]], Callable[..., Any]] = click.make_pass_decorator(State)
var_option: Callable[[F], F] = click.option(
    "--var", "variables", multiple=True, metavar="KEY=VALUE", help="Template variable (repeatable)."
)
supporters_option: Callable[[F], F] = click.option(
    "--supporters",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Sample values of supporters' columns: the first row of each locale of this CSV "
    "(over [merge.sample] in campaign.toml).",
)


def samples(campaign: Any, supporters: str | None) -> dict[str, dict[str, str]]:
    """``--supporters FILE``'s sample values (none without it: ``[merge.sample]`` alone)."""
    if supporters is None:
        return {}
    from outreach.merge import sample_values

    return sample_values(campaign, Path(supporters))


def format_option(*choices: str, help: str) -> Callable[[F], F]:
    """``--format`` as every command has it: one of ``choices``, the first the default,
    into the parameter ``fmt``.

    >>> @click.command()
    ... @format_option("text", "json", help="json: one document.")
    ... def command(fmt: str) -> None: ...
    >>> [(p.name, p.default, list(p.type.choices)) for p in command.params]
    [('fmt', 'text', ['text', 'json'])]
    """
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


locale_option = click.option(
    "--locale",
    "-l",
    "locales",
    multiple=True,
    metavar="LOCALE",
    help="Only this locale (repeatable).",
)


def refusal_lines(findings: Sequence[Any]) -> list[str]:
    """Refused translations as lines for stderr, and what happened to them."""
    if not findings:
        return []
    unique = list(dict.fromkeys(findings))
    entries = {(f.file, f.msgctxt, f.msgid) for f in unique if f.msgid is not None}
    what = f"{len(entries)} translation(s) with errors were not used"
    if any(f.msgid is None for f in unique):  # a charset or Plural-Forms error
        what = f"{what}, nor those the catalog errors above keep out"
        if not entries:
            what = "the translations that the catalog errors above keep out were not used"
    return [
        *(str(f) for f in unique),
        f"{what}: those strings fell back to the next language of their chain (run "
        "'outreach check' for details)",
    ]
