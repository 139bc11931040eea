"""``outreach init``: a new campaign that works at once.

>>> import pathlib, tempfile
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "pride", name="Pride 2027")
>>> campaign.name, campaign.locales
('Pride 2027', ('en',))
>>> (campaign.root / "locales" / "en" / "LC_MESSAGES" / "messages.po").is_file()
True
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

from outreach.campaign import CONFIG_NAME, Campaign, load_campaign
from outreach.errors import ConfigError, UsageError
from outreach.files import atomic_write_bytes

__all__ = ["builtin_template", "init_campaign"]

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
from = "{name_plain} <hello@example.org>"
# unsubscribe_url = "https://example.org/unsubscribe"
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
    """Create a campaign in ``directory`` (new or empty), extract it and add its source locale."""
    from outreach.catalogs import extract, update
    from outreach.locales import normalize_locale

    root = Path(directory)
    if (root / "messages" / CONFIG_NAME).exists():
        raise ConfigError("a campaign already exists here", path=root / "messages" / CONFIG_NAME)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a directory")
    source = normalize_locale(source_locale)
    title = name or _title(root)
    if not re.fullmatch(r"#\w+", hashtag):
        raise UsageError(f"{hashtag!r} is not a hashtag")
    config = _CONFIG.format(
        name=json.dumps(title, ensure_ascii=False),
        name_plain=title.replace('"', ""),
        source=json.dumps(source),
        hashtag=json.dumps(hashtag),
        url=json.dumps(url),
    )
    atomic_write_bytes(root / "messages" / CONFIG_NAME, config.encode("utf-8"))
    skeleton = resources.files("outreach") / "skeleton"
    for template in ("_email.html.j2", "_email.txt.j2", "welcome.j2"):
        atomic_write_bytes(root / "messages" / template, builtin_template(template).encode("utf-8"))
    atomic_write_bytes(root / "babel.cfg", (skeleton / "babel.cfg").read_bytes())
    atomic_write_bytes(root / ".gitignore", b"*.mo\n/out/\n.outreach-cache/\n")
    campaign = load_campaign(root)
    extract(campaign)
    update(campaign)
    return campaign


def _title(root: Path) -> str:
    words = re.split(r"[-_\s]+", root.resolve().name)
    return " ".join(w.capitalize() for w in words if w) or "My Campaign"
