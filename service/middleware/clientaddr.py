"""The client's address, resolved once per request: when the peer is a trusted proxy,
`scope["client"]` becomes the address its X-Forwarded-For names (service/clientaddr.py),
so the access log, the admin API's audit line and its bad-token limit all see the
real client. Installed only when LEGIBLE_TRUSTED_PROXIES is set."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..clientaddr import TrustedProxies, joined

_XFF = b"x-forwarded-for"


class ClientAddress:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and self.proxies.trusts_peer(client[0]):
            forwarded = joined(v.decode("latin-1") for k, v in scope["headers"] if k == _XFF)
            if forwarded is not None:
                # The port is the proxy's, not the client's: 0, as uvicorn's proxy headers do.
                scope["client"] = (self.proxies.client(client[0], forwarded), 0)
        await self.app(scope, receive, send)
