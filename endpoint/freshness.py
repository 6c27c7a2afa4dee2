"""Refuse to answer from a store older than its data file.

`mdo build` can replace `dist/mdo.trig` while a server runs. The server's store (and its query
workers) still hold the old data, while `/download/mdo.trig` would already hand out the new
file: two versions under one address, without a word. So every request first compares the data
file's stamp (path, size, modification time; see `store.data_stamp`) with the one taken before
the store was loaded; after a rebuild the server answers 503 with what to do (restart it, which
rebuilds the store) instead of serving a mix. A stat per request is the whole cost.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .store import data_stamp


class RefuseStaleData:
    """A pure ASGI middleware: 503 for every request once the data file differs from the served one."""

    def __init__(self, app: ASGIApp, data: Path, stamp: str) -> None:
        self.app, self.data, self.stamp = app, data, stamp

    def current(self) -> bool:
        try:
            return data_stamp(self.data) == self.stamp
        except OSError:  # the file is gone (or being replaced): not the data we serve
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/") or self.current():
            await self.app(scope, receive, send)
            return
        from .site import error_page  # the site's error page (Dutch for a browser)

        message = (f"De data ({self.data.name}) zijn opnieuw gebouwd nadat deze server startte. De server bedient "
                   "nog de oude versie en antwoordt daarom niet meer: herstart hem (mdo serve), dan laadt hij de "
                   "nieuwe data.")
        response = error_page(Request(scope, receive), 503, message)
        response.headers["Retry-After"] = "60"
        await response(scope, receive, send)
