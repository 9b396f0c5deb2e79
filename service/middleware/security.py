"""Security headers on every response, set here and nowhere else: a strict CSP
with no unsafe-inline, nosniff, a referrer policy, a permissions policy, and
HSTS when the service is served over HTTPS.

The pages carry no inline script or style, so the policy needs no nonce,
which would not survive a cached page anyway.

`SecurityHeaders` is the outermost layer of the app on both of its interfaces
(`app.LegibleApp`). Over ASGI it wraps `send`: pages, error pages, assets, the
API, the trusted-host 400, Starlette's 500 and the hot path's answers all pass
through it. Over RSGI, which has no middleware, it wraps the protocol object
each response is sent on (`rsgi`): the hot path's hits and misses, the ASGI
bridge and the bridge's own last-resort 500 alike. Nothing else sets these
headers, so none is ever sent twice or forgotten (tests/test_security_headers.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..rsgi import RSGIProtocol, RSGIStream

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.headers = {**HEADERS, **({"Strict-Transport-Security": HSTS} if https else {})}
        # Both servers' forms, built once: a response only appends them.
        self.pairs = [(k.lower(), v) for k, v in self.headers.items()]
        self.raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.pairs]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = self.raw

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *raw]
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def rsgi(self, proto: RSGIProtocol) -> RSGIProtocol:
        """`proto`, adding the headers to whatever response is sent on it."""
        return _Secured(proto, self.pairs)


class _Secured:
    """An RSGI protocol object whose responses get the security headers."""

    __slots__ = ("_pairs", "_proto")

    def __init__(self, proto: RSGIProtocol, pairs: list[tuple[str, str]]) -> None:
        self._proto = proto
        self._pairs = pairs

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._proto.__aiter__()

    async def client_disconnect(self) -> None:
        await self._proto.client_disconnect()

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._proto.response_bytes(status, headers + self._pairs, body)

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> RSGIStream:
        return self._proto.response_stream(status, headers + self._pairs)
