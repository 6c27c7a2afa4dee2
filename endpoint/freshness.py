"""Refuse to answer from a store older than its data file.

`mdo build` can replace `dist/mdo.trig` while a server runs. The server's store (and its query
workers) still hold the old data, while `/download/mdo.trig` would already hand out the new
file: two versions under one address, without a word. So every request first compares the data
file with the one the store was loaded from; after a rebuild the server answers 503 with what
to do (restart it, which rebuilds the store) instead of serving a mix.

The stamp taken before the store was loaded (`store.data_stamp`: path, size, modification
time) is compared once, when the app starts: a file replaced while it loaded is stale from the
first request. After that one `os.stat` per request compares the file's identity, size and
modification time with what they were then: `data_stamp` also resolves the path, a walk over
every folder of it that cost more than the stat on every request.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .store import data_stamp


class RefuseStaleData:
    """A pure ASGI middleware: 503 for every request once the data file differs from the served one."""

    def __init__(self, app: ASGIApp, data: Path, stamp: str) -> None:
        self.app, self.data = app, data
        try:
            self.served: tuple[int, ...] | None = _identity(data) if data_stamp(data) == stamp else None
        except OSError:
            self.served = None

    def current(self) -> bool:
        try:
            return self.served is not None and _identity(self.data) == self.served
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


def _identity(data: Path) -> tuple[int, ...]:
    """Which file `data` names now, and its size and modification time (a rebuild changes them)."""
    stat = os.stat(data)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns
