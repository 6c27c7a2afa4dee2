"""Headers every response carries, and `Connection: close` after a server error.

The pages hold data from the dataset and from query results; templates escape all of it, and
this is the second line: a Content-Security-Policy that allows no inline script, no script or
style from elsewhere, no plugins and no framing, so a label that got through as markup still
could not run. `nosniff` stops a browser from reading a text answer as HTML, and the referrer
policy keeps query texts in page addresses from leaking to other sites.

A 5xx answer closes its connection: after a server error the state of a kept-alive connection
is not to be trusted, and a client retrying on a fresh connection loses nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """A pure ASGI middleware: adds `SECURITY_HEADERS` to every response, and closes after a 5xx."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", []), message["status"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: list[tuple[bytes, bytes]], status: int) -> list[tuple[bytes, bytes]]:
    """`headers` plus the security headers it lacks, and `Connection: close` for a 5xx."""
    present = {name.lower() for name, _ in headers}
    extra = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
             if name.lower().encode() not in present]
    if status >= 500 and b"connection" not in present:
        extra.append((b"connection", b"close"))
    return list(headers) + extra


async def server_error(request: Request, exc: Exception) -> Response:
    """The answer to an unexpected exception: a plain 500 that closes its connection.

    Starlette sends it from outside every middleware, so it carries the headers itself.
    """
    return PlainTextResponse("Internal server error.\n", status_code=500,
                             headers={**SECURITY_HEADERS, "Connection": "close"})
