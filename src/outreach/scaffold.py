"""``outreach init``: a new campaign that works at once.

>>> import pathlib, tempfile
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "pride", name="Pride 2027")
>>> campaign.name, campaign.locales
('Pride 2027', ('en',))
>>> (campaign.root / "locales" / "en" / "LC_MESSAGES" / "messages.po").is_file()
True
"""

from __future__ import annotations

import contextlib
import os
import re
from importlib import resources
from pathlib import Path

from outreach.campaign import (
    CONFIG_NAME,
    DOMAIN,
    Campaign,
    load_campaign,
    parse_campaign,
    toml_string,
)
from outreach.errors import ConfigError, UsageError
from outreach.files import atomic_write_bytes
from outreach.suppression import SUPPRESS_COLUMNS

__all__ = ["builtin_template", "init_campaign"]

#: What a campaign keeps out of git. The repository is shared with volunteer translators and
#: may be forked in public: supporters' personal data (their lists in any spreadsheet format,
#: whatever the case of the extension; the merge's journals with SQLite's side files;
#: suppression lists; what merge writes) is one ``git add .`` away from being published, so
#: it is ignored by name pattern, wherever it lies. Build outputs are rebuilt on demand.
_GITIGNORE = b"""\
# Supporters' personal data: never in git (outreach check warns when such a file is tracked)
*.[cC][sS][vV]
*.[tT][sS][vV]
*.[xX][lL][sS][xX]
*.[oO][dD][sS]
*.journal
*.journal-*
*.journal.lock
*.sqlite
*.sqlite-*
*.db
*suppress*.txt
*unsubscribe*.txt
*bounce*.txt
*.[mM][bB][oO][xX]
*.[eE][mM][lL]
/mail/
/suppress/
# What outreach builds: rebuilt on demand
*.mo
/out/
/preview/
/exports/
.outreach-cache/
"""
#: the suppression lists a new campaign's merges read ([merge] suppress), empty
_SUPPRESS = ("unsubscribed.csv", "bounces.csv")

_CONFIG = """\
# Campaign settings for outreach. Keys under [campaign] are required.
[campaign]
name = {name}
source_locale = {source}
locales = [{source}]                 # every locale the campaign ships ('outreach add-locale' adds)
hashtags = [{hashtag}]         # reach every social post, unchanged
url = {url}    # the call-to-action link

# [campaign.localized_hashtags]       # accepted per-locale variants of the hashtags
# es = ["#ElAmorSiempreGana"]

# [campaign.timezones]                # where each audience lives, for scheduled exports
# es = "Europe/Madrid"

[variables]                           # available in every template, overridable with --var
# signatures = 1000

[email]
from = {sender}
# unsubscribe_url = "https://example.org/unsubscribe"
# postal_address = "Street 1, City, Country"    # your physical address (required in bulk mail)
# view_in_browser_url = "https://example.org/email/{{message}}/{{locale}}.html"
# brand_color = "#b0175a"             # links and buttons

# Nobody on these lists is emailed by 'outreach merge' ('outreach serve-unsubscribe' writes
# the first, 'outreach bounces' the second); a missing list stops a merge before it sends.
[merge]
suppress = ["suppress/unsubscribed.csv", "suppress/bounces.csv"]
"""


def builtin_template(name: str) -> str:
    """The text of one of outreach's default templates (``_email.html.j2``, ...)."""
    return (resources.files("outreach") / "skeleton" / "messages" / name).read_text("utf-8")


def init_campaign(
    directory: str | os.PathLike[str],
    *,
    name: str | None = None,
    source_locale: str = "en",
    hashtag: str = "#TakeAction",
    url: str = "https://example.org/act",
) -> Campaign:
    """Create a campaign in ``directory``, extract it and add its source locale.

    Nothing is written until the settings are valid (the rules of campaign.toml, checked
    by :func:`~outreach.campaign.parse_campaign`) and none of the files it creates exists
    yet: ``init`` never overwrites a file. An existing ``.gitignore`` is left alone. If a
    later step fails, the files and directories it created are removed again.
    """
    from outreach.locales import normalize_locale

    root = Path(directory)
    config_path = root / "messages" / CONFIG_NAME
    if config_path.exists():
        raise ConfigError("a campaign already exists here", path=config_path)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a directory")
    source = normalize_locale(source_locale)
    title = name if name is not None else _title(root)
    config = _CONFIG.format(
        name=toml_string(title),
        source=toml_string(source),
        hashtag=toml_string(hashtag),
        url=toml_string(url),
        sender=toml_string(f"{_display_name(title)} <hello@example.org>"),
    )
    _check_settings(config, root)

    skeleton = resources.files("outreach") / "skeleton"
    files: dict[Path, bytes] = {config_path: config.encode("utf-8")}
    for template in ("_email.html.j2", "_email.txt.j2", "_unsubscribe.html.j2", "welcome.j2"):
        files[root / "messages" / template] = builtin_template(template).encode("utf-8")
    files[root / "babel.cfg"] = (skeleton / "babel.cfg").read_bytes()
    for name in _SUPPRESS:
        files[root / "suppress" / name] = (",".join(SUPPRESS_COLUMNS) + "\n").encode("ascii")
    gitignore = root / ".gitignore"
    if not os.path.lexists(gitignore):
        files[gitignore] = _GITIGNORE
    po = root / "locales" / source / "LC_MESSAGES" / f"{DOMAIN}.po"
    pot = root / "locales" / f"{DOMAIN}.pot"
    for path in (*files, pot, po):
        if os.path.lexists(path):
            raise UsageError("already exists; 'outreach init' does not overwrite files", path=path)

    created = [*files, pot, po]
    new_dirs = {d for f in created for d in f.parents if not d.exists()}
    try:
        for path, data in files.items():
            atomic_write_bytes(path, data)
        return _populate(root)
    except BaseException:  # leave the directory as it was, so that init can run again
        for path in created:
            with contextlib.suppress(OSError):
                path.unlink()
        for directory in sorted(new_dirs, key=lambda d: len(d.parts), reverse=True):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise


def _populate(root: Path) -> Campaign:
    """Extract the new campaign and create its source catalog."""
    from outreach.catalogs import extract, update

    campaign = load_campaign(root)
    extract(campaign)
    update(campaign)
    return campaign


# The campaign.toml key each option of 'outreach init' ends up in.
_OPTION_OF_KEY = {
    "name": "--name",
    "from": "--name",
    "source_locale": "--source-locale",
    "locales": "--source-locale",
    "hashtags": "--hashtag",
    "url": "--url",
}


def _check_settings(config: str, root: Path) -> None:
    """Validate the campaign.toml about to be written; blame the option that set the
    offending key."""
    try:
        parse_campaign(config, root=root)
    except ConfigError as error:
        lines = config.split("\n")
        line = lines[error.line - 1] if error.line and error.line <= len(lines) else ""
        key = re.match(r"\s*(\w+)\s*=", line)
        option = _OPTION_OF_KEY.get(key.group(1), "") if key else ""
        raise UsageError(f"{option}: {error.message}" if option else error.message) from None
    try:
        config.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("the settings are not valid text (undecodable bytes)") from None


def _display_name(title: str) -> str:
    """``title`` as the display name of an email address, quoted if it has to be."""
    if re.fullmatch(r"[\w !#$%&'*+\-/=?^`{|}~]+", title):
        return title
    return '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title(root: Path) -> str:
    words = re.split(r"[-_\s]+", root.resolve().name)
    return " ".join(w.capitalize() for w in words if w) or "My Campaign"
