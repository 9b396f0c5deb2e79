"""The client's address when Legible sits behind proxies (LEGIBLE_TRUSTED_PROXIES).

A request's peer is the client unless the peer is a trusted proxy. Then the client
is read from `X-Forwarded-For`, where each proxy appends the address it was
connected from: walking the list from the right, trusted proxies are skipped and
the first address that is not one is the client. Everything to its left was
written by the client or by proxies we do not know, so a client cannot choose the
address it is logged and limited as. An entry that is not an address stops the
walk at the last address a trusted proxy vouched for.

`TrustedProxies.client` is the whole rule; `middleware/clientaddr.py` applies it
once per request over ASGI, and the access log applies it to RSGI cache hits.
With no trusted proxies neither is installed: a request pays nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Address = IPv4Address | IPv6Address
MAX_HOPS = 32  # X-Forwarded-For entries read from the right, at most
MAX_ENTRY = 64  # characters: an IPv6 address with a port or a zone fits
PEERS_KEPT = 1024  # peer -> trusted answers remembered (the proxies are few)
ANSWERS_KEPT = 4096  # (peer, header) -> client answers remembered: a client sends again
ANSWER_HEADER = 256  # characters: a longer header is resolved but not remembered


def parse_network(text: str) -> IPv4Network | IPv6Network:
    """`10.0.0.0/8`, `fd00::/8` or a single address; ValueError saying what to use."""
    try:
        return ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"{text.strip()!r} is not an address or CIDR network: use e.g. 10.0.0.0/8,"
            " 172.28.0.0/16, 127.0.0.1 or fd00::/8"
        ) from None


def parse_address(text: str) -> Address | None:
    """One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`
    or `[2001:db8::1]:443`; an IPv4-mapped IPv6 address as its IPv4. None if it is
    anything else (`unknown`, a name, garbage)."""
    text = text.strip()
    if len(text) > MAX_ENTRY:
        return None
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        text = inside
    elif text.count(":") == 1:  # IPv4 with a port
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def joined(values: Iterable[str]) -> str | None:
    """Several X-Forwarded-For headers as one list, in order (RFC 9110 5.3)."""
    found = list(values)
    return ",".join(found) if found else None


class TrustedProxies:
    """The networks whose X-Forwarded-For is believed. False when there are none."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(parse_network(n) for n in networks)
        self._peers: dict[str, bool] = {}
        self._answers: dict[tuple[str, str], str] = {}

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def trusts_peer(self, peer: str) -> bool:
        """Whether the connected peer (the socket's address, as text) is a trusted proxy;
        remembered, as the same few proxies connect again and again."""
        known = self._peers.get(peer)
        if known is None:
            address = parse_address(peer)
            known = address is not None and self.trusts(address)
            if len(self._peers) >= PEERS_KEPT:
                self._peers.clear()
            self._peers[peer] = known
        return known

    def client(self, peer: str, forwarded: str | None) -> str:
        """The client address of a request from `peer` carrying X-Forwarded-For
        `forwarded` (all its headers joined): the peer itself unless it is trusted,
        else the right-most entry that is not a trusted proxy."""
        if forwarded is None or not self.trusts_peer(peer):
            return peer
        key = (peer, forwarded)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._walk(peer, forwarded)
            if len(forwarded) <= ANSWER_HEADER:  # parsing addresses costs ~10 us a hop
                if len(self._answers) >= ANSWERS_KEPT:
                    self._answers.clear()
                self._answers[key] = answer
        return answer

    def _walk(self, peer: str, forwarded: str) -> str:
        vouched = peer  # the nearest address a trusted proxy gave us
        for entry in reversed(forwarded.rsplit(",", MAX_HOPS)):
            address = parse_address(entry)
            if address is None:
                return vouched  # garbage (or more than MAX_HOPS): believe nothing further left
            vouched = str(address)
            if not self.trusts(address):
                return vouched
        return vouched  # every hop a trusted proxy: the furthest one
