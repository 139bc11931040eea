"""The one-click unsubscribe page: a WSGI application, in the supporter's language.

``unsubscribe_app(campaign_dir)`` answers at the path of campaign.toml's ``[email]
unsubscribe_url`` (``https://example.org/love/unsubscribe?email={email}&token={token}&lang={locale}``):

* ``POST`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, what a mail client
  sends) unsubscribes at once: the address is appended to the suppression file (once,
  under a lock: :func:`outreach.suppression.append_rows`), the answer is 200;
* ``GET`` shows a confirmation page with one button, and never unsubscribes (link scanners
  follow links), and a form to get the emails in another of the campaign's locales;
  ``POST`` of ``language=<locale>`` appends ``email,locale,date`` to the preferences file,
  which ``outreach merge`` reads;
* the token is checked with :func:`outreach.unsubscribe.verify` (constant time); a bad or
  missing one is 403 with a plain page; a request that is not for the campaign's host,
  too long, or whose parameters hold control characters is refused (400, 413, 414, 421)
  before anything is read or written.

The pages are the campaign's template ``messages/_unsubscribe.html.j2`` (outreach's own
when the campaign has none), rendered in the locale of ``{locale}`` with the campaign's
translations: its strings are extracted, translated and checked like every other.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from outreach.errors import OutreachError, UsageError

__all__ = ["PAGE", "UnsubscribeApp", "serve", "unsubscribe_app"]

#: The page template (the campaign's, else outreach's own).
PAGE = "_unsubscribe.html.j2"
MAX_URL = 2048
MAX_BODY = 4096
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
    414: "414 URI Too Long",
    421: "421 Misdirected Request",
    503: "503 Service Unavailable",
}
_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    ),
]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class UnsubscribeApp:
    """The WSGI application (see the module's text)."""

    def __init__(
        self,
        campaign_dir: str | os.PathLike[str],
        store: str | os.PathLike[str] | None = None,
        *,
        preferences: str | os.PathLike[str] | None = None,
        secret: str | None = None,
        hosts: Iterable[str] = (),
    ) -> None:
        from outreach.campaign import load_campaign
        from outreach.files import ensure_inside
        from outreach.render import Renderer
        from outreach.unsubscribe import SECRET_ENV, Unsubscribe

        self.campaign = load_campaign(campaign_dir)
        root = self.campaign.root
        self.store = Path(store) if store is not None else root / "suppress" / "unsubscribed.csv"
        # campaign.toml can come in a pull request: its path stays inside the campaign
        self.preferences = (
            Path(preferences)
            if preferences is not None
            else ensure_inside(root, root / self.campaign.merge_preferences)
        )
        url = self.campaign.email.unsubscribe_url
        if not url:
            raise UsageError(
                "[email] unsubscribe_url is not set in campaign.toml: nothing to serve"
            )
        self.secret = secret if secret is not None else os.environ.get(SECRET_ENV, "")
        problem = Unsubscribe(url, None, secret=self.secret).check_secret()
        if problem or "{token}" not in url:
            raise UsageError(problem or "[email] unsubscribe_url has no {token}: nothing to verify")
        parts = urlsplit(url.replace("{", "").replace("}", ""))
        self.path = parts.path or "/"
        template = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        names = {value: name for name, value in template.items()}
        if "{email}" not in names or "{token}" not in names:
            raise UsageError(
                "[email] unsubscribe_url must carry {email} and {token} as query parameters "
                "(?email={email}&token={token}) for outreach serve-unsubscribe"
            )
        self.email_param = names["{email}"]
        self.token_param = names["{token}"]
        self.locale_param = names.get("{locale}")
        self.hosts = {h.lower() for h in (parts.hostname or "", *hosts) if h}
        self.renderer = Renderer(self.campaign)
        from outreach.suppression import KeyIndex

        self.index = KeyIndex()  # the store's addresses, read again only when it changed
        self.labels = {
            self.campaign.label(locale).lower(): locale for locale in self.campaign.locales
        }
        for locale in self.campaign.locales:  # a template error stops the start, not a request
            for page in ("confirm", "done", "language", "forbidden"):
                self._page(page, locale)

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        status, body, locale = self._handle(environ)
        page = self._page(body, locale) if isinstance(body, str) else body
        headers = [
            ("Content-Type", "text/html; charset=utf-8" if isinstance(body, str) else "text/plain"),
            ("Content-Length", str(len(page))),
            *_HEADERS,
        ]
        if status == 405:
            headers.append(("Allow", "GET, POST"))
        start_response(_STATUS[status], headers)
        return [page]

    def _handle(self, environ: dict[str, Any]) -> tuple[int, str | bytes, str]:
        source = self.campaign.source_locale
        method = environ.get("REQUEST_METHOD", "")
        query = str(environ.get("QUERY_STRING", ""))
        # the whole path, however the application is mounted (SCRIPT_NAME is its prefix)
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        if len(query) + len(path) > MAX_URL:
            return 414, b"The link is too long.\n", source
        host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")).lower()
        if host.rsplit(":", 1)[0].strip("[]") not in self.hosts:
            return 421, b"This server does not answer for that host.\n", source
        if path != self.path:
            return 404, b"Not found.\n", source
        if method not in ("GET", "POST", "HEAD"):
            return 405, b"GET or POST.\n", source
        params = _params(query)
        if params is None:
            return 400, b"The link is damaged.\n", source
        locale = self._locale(params.get(self.locale_param or "", ""))
        address = _address(params.get(self.email_param, ""))
        given = params.get(self.token_param, "")
        from outreach.unsubscribe import verify

        if address is None or not verify(address, given, self.secret):
            return 403, "forbidden", locale
        if method in ("GET", "HEAD"):
            return 200, "confirm", locale
        form = _form(environ)
        if isinstance(form, int):
            return form, b"The request is not valid.\n", locale
        if form.get("List-Unsubscribe") == "One-Click":
            from outreach.suppression import SUPPRESS_COLUMNS, append_rows

            row = {"email": address, "reason": "unsubscribed", "date": _today(), "source": "web"}
            try:
                append_rows(self.store, SUPPRESS_COLUMNS, [row], unique=True, index=self.index)
            except OutreachError:  # the file cannot be written: say so, the client retries
                return 503, b"Cannot record this now: please try again later.\n", locale
            return 200, "done", locale
        if "language" in form:
            chosen = self.labels.get(form["language"].lower())
            if chosen is None:
                return 400, b"Not a language of this campaign.\n", locale
            from outreach.suppression import PREFERENCE_COLUMNS, append_rows

            row = {"email": address, "locale": self.campaign.label(chosen), "date": _today()}
            try:
                append_rows(self.preferences, PREFERENCE_COLUMNS, [row])
            except OutreachError:
                return 503, b"Cannot record this now: please try again later.\n", locale
            return 200, "language", chosen
        return 400, b"Nothing to do: List-Unsubscribe=One-Click or language=...\n", locale

    # -- pages -----------------------------------------------------------------------------
    def _locale(self, asked: str) -> str:
        from outreach.locales import match_locale

        found = match_locale(asked[:64] or None, self.campaign.locales, self.campaign.source_locale)
        return found.locale if found is not None else self.campaign.source_locale

    def _page(self, page: str, locale: str) -> bytes:
        from babel import Locale

        from outreach.locales import text_direction

        names = []
        for each in self.campaign.locales:
            try:
                name = Locale.parse(each).get_display_name() or each
            except (ValueError, LookupError):
                name = each
            names.append((self.campaign.label(each), name[:1].upper() + name[1:]))
        chosen = dict(names).get(self.campaign.label(locale), locale)
        context = {
            "page": page,
            "campaign_name": self.campaign.name_for(locale),
            "lang": self.campaign.label(locale),
            "dir": text_direction(locale),
            "locales": names,
            "current": self.campaign.label(locale),
            "action": "",
            "chosen": chosen,
        }
        html = self.renderer.render_page(PAGE, locale, context)
        return html.encode("utf-8")


def _params(query: str) -> dict[str, str] | None:
    """The query's parameters, or ``None`` when one is repeated, malformed or holds a
    control character (CR, LF, NUL...)."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except ValueError:
        return None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found or not (name + value).isprintable():
            return None
        found[name] = value
    return found


def _address(value: str) -> str | None:
    from outreach.addresses import Address, parse_address

    found = parse_address(value)
    return found.spec if isinstance(found, Address) else None


def _form(environ: dict[str, Any]) -> dict[str, str] | int:
    """The POST body as ``application/x-www-form-urlencoded`` (what RFC 8058 clients and
    the page's forms send), or the status that refuses it."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400
    if length > MAX_BODY:
        return 413
    data = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return 400
    found = _params(text)
    return 400 if found is None else found


def _today() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unsubscribe_app(
    campaign_dir: str | os.PathLike[str],
    store: str | os.PathLike[str] | None = None,
    **options: Any,
) -> UnsubscribeApp:
    """The WSGI application of ``campaign_dir``'s unsubscribe link, appending to ``store``
    (default ``suppress/unsubscribed.csv`` in the campaign). ``options``: ``preferences``
    (the language preferences file), ``secret`` (default ``$OUTREACH_UNSUBSCRIBE_SECRET``),
    ``hosts`` (Host names answered besides the link's own). For gunicorn::

        gunicorn 'outreach.web:unsubscribe_app("/srv/campaign")'
    """
    return UnsubscribeApp(campaign_dir, store, **options)


def serve(app: UnsubscribeApp, listen: str, *, threads: int = 8) -> None:  # pragma: no cover
    """Serve ``app`` on ``listen`` (``HOST:PORT``) with waitress until interrupted."""
    import re

    import waitress

    if not re.fullmatch(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}", listen):
        raise UsageError(f"--listen {listen!r}: write HOST:PORT, e.g. 127.0.0.1:8025")

    waitress.serve(app, listen=listen, threads=threads, ident="outreach")
