"""``outreach preview --serve``: the preview on 127.0.0.1, rebuilt as files change.

:class:`PreviewServer` serves the output directory over HTTP on the loopback interface
only, watches ``messages/`` and ``locales/`` with ``watchfiles`` and, when a template, a
catalog, the POT or ``campaign.toml`` changes, remakes only the pages that change touches
(:meth:`outreach.preview.Site.update`) and rewrites only the files whose bytes changed.

Reloading: the files on disk are the static site, byte for byte. When the server sends an
HTML page it adds one script, ``/__outreach__/reload.js``, and widens the page's Content
Security Policy to let it run and poll ``/__outreach__/state?path=...``, which answers with
the hash of that page's file and the last rebuild error. The script reloads the page when
the hash differs from the one the page was served with, and shows a rebuild error as a
banner (as text) while the last good pages stay in place.

>>> import pathlib, tempfile
>>> from outreach.scaffold import init_campaign
>>> campaign = init_campaign(pathlib.Path(tempfile.mkdtemp()) / "demo")
>>> server = PreviewServer(campaign, campaign.root / "preview", port=0)
>>> server.url.startswith("http://127.0.0.1:")
True
>>> server.close()
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from outreach.errors import OutreachError, UsageError

if TYPE_CHECKING:
    from outreach.campaign import Campaign

__all__ = ["PreviewServer"]

STATE_PATH = "/__outreach__/state"
SCRIPT_PATH = "/__outreach__/reload.js"
HOST = "127.0.0.1"

Report = Callable[[str], None]


def _relevant(change: Any, path: str) -> bool:
    """What the watcher reports: templates, catalogs, the POT and campaign.toml, not the
    temporary files editors and outreach write beside them."""
    name = os.path.basename(path)
    if name.startswith(".") or name.endswith("~"):
        return False
    return name.endswith((".j2", ".po", ".pot")) or name == "campaign.toml"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    preview: PreviewServer


class _Handler(SimpleHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # the command prints what matters; no line per request

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND)  # the site is its pages, not a file browser
        return None

    def _host_ok(self) -> bool:
        """Only requests made to this server by its name: a page on another site that
        rebinds its DNS name to 127.0.0.1 does not get the preview."""
        port = self.server.preview.port
        if self.headers.get("Host", "") in (f"{HOST}:{port}", f"localhost:{port}"):
            return True
        self.send_error(HTTPStatus.MISDIRECTED_REQUEST)
        return False

    def do_HEAD(self) -> None:
        if self._host_ok():
            super().do_HEAD()

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        if url.path == SCRIPT_PATH:
            self._send(_script(), "text/javascript; charset=utf-8")
        elif url.path == STATE_PATH:
            wanted = parse_qs(url.query).get("path", ["/"])[0]
            state = self.server.preview.state(wanted)
            self._send(json.dumps(state).encode("utf-8"), "application/json")
        else:
            file = self.server.preview.file_for(url.path)
            if file is not None and file.suffix == ".html" and file.is_file():
                self._send(self.server.preview.served_page(file), "text/html; charset=utf-8")
            else:
                super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _script() -> bytes:
    return (resources.files("outreach.preview") / "static" / "reload.js").read_bytes()


class PreviewServer:
    """Build the preview of ``campaign`` into ``out``, serve it on ``127.0.0.1:port``
    (``0``: any free port) and rebuild it when files change (:meth:`watch`).

    ``report`` is told, one line at a time, what was rebuilt and what went wrong. Raises
    :class:`~outreach.errors.UsageError` when the port cannot be had, and the errors of
    :func:`~outreach.preview.build_preview` when the first build fails."""

    def __init__(
        self,
        campaign: Campaign,
        out: str | os.PathLike[str],
        *,
        port: int = 8000,
        variables: Mapping[str, Any] | None = None,
        samples: Mapping[str, Mapping[str, str]] | None = None,
        report: Report | None = None,
    ) -> None:
        from outreach.preview import Site
        from outreach.preview.output import check_output_dir, replace_directory
        from outreach.preview.pages import CSP_META, SERVE_CSP_META

        self.out = Path(os.path.abspath(out))
        self.report: Report = report or (lambda line: None)
        self.error: str | None = None
        self.rebuilds = 0
        self._csp = (CSP_META.encode("utf-8"), SERVE_CSP_META.encode("utf-8"))
        self._lock = threading.Lock()
        check_output_dir(self.out, Path(campaign.root))
        self.site = Site(campaign, variables, samples)
        replace_directory(self.out, self.site.build())
        try:
            handler = functools.partial(_Handler, directory=str(self.out))
            self._httpd = _HTTPServer((HOST, port), handler)
        except OSError as exc:
            raise UsageError(
                f"cannot serve on {HOST}:{port}: {exc.strerror or exc} (try another --port)"
            ) from None
        self._httpd.preview = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    # -- serving -----------------------------------------------------------------------
    def start(self) -> None:
        """Serve in a background thread (until :meth:`close`)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="outreach-preview-http",
                daemon=True,
            )
            self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def file_for(self, url_path: str) -> Path | None:
        """The file a URL path names in the output directory (``/`` is ``index.html``);
        ``None`` for a path that leads out of it."""
        relative = unquote(url_path).lstrip("/")
        path = (self.out / relative).resolve()
        if not path.is_relative_to(self.out.resolve()):
            return None
        return path / "index.html" if path.is_dir() else path

    def state(self, url_path: str) -> dict[str, Any]:
        """What the reload script polls: the hash of the page's file, the last error."""
        file = self.file_for(url_path)
        version = None
        if file is not None and file.is_file():
            version = _version(file.read_bytes())
        return {"version": version, "error": self.error, "rebuilds": self.rebuilds}

    def served_page(self, file: Path) -> bytes:
        """An HTML file as served: with the reload script and the policy that lets it run."""
        data = file.read_bytes()
        static, serving = self._csp
        tag = (
            f'<script src="{SCRIPT_PATH}" data-version="{_version(data)}" defer></script>\n</head>'
        ).encode()
        return data.replace(static, serving, 1).replace(b"</head>", tag, 1)

    # -- rebuilding --------------------------------------------------------------------
    def rebuild(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Remake what changes to ``paths`` touch; the site's files written or removed.

        An error (a template that does not parse, a broken catalog) is reported and kept
        for the pages to show; the files of the last good build stay."""
        from outreach.preview import classify_changes
        from outreach.preview.output import sync_directory

        with self._lock:
            change = classify_changes(self.site.campaign, paths)
            if not change:
                return []
            before = self.site.pages
            try:
                pages = self.site.update(change)
            except OutreachError as exc:
                self.error = str(exc)
                self.report(f"rebuild failed: {exc}")
                return []
            written = sync_directory(self.out, pages, before)
            self.error = None
            self.rebuilds += 1
            what = (
                "everything"
                if change.full
                else ", ".join(
                    [*(f"message {m}" for m in sorted(change.messages))]
                    + [*(f"locale {loc}" for loc in sorted(change.locales))]
                    + (["counts"] if change.recount else [])
                )
            )
            self.report(f"rebuilt {what}: {len(written)} file(s) changed")
            return written

    def watch(self, stop: threading.Event | None = None) -> None:
        """Rebuild on every change under ``messages/`` and ``locales/`` until ``stop`` is
        set; Ctrl-C raises KeyboardInterrupt, as anywhere."""
        import watchfiles

        root = Path(self.site.campaign.root)
        watched = [str(p) for p in (root / "messages", root / "locales") if p.is_dir()]
        for changes in watchfiles.watch(
            *watched,
            watch_filter=_relevant,
            debounce=400,
            step=50,
            stop_event=stop,
            raise_interrupt=True,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            self.rebuild(path for _, path in changes)


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
