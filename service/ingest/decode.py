"""Reading a body: Content-Encoding undone in steps of about STEP bytes, within a cap.

httpx decodes each network read whole: 64 KiB of gzip can become 64 MB, and 64 KiB
of brotli a gigabyte, allocated before any size cap gets to look. These decoders
bound every step instead (zlib's `max_length`; brotli's `output_buffer_limit`,
brotli >= 1.2, which may overshoot by half a step), so the cap in fetch.py stops
a bomb within a step of the cap and memory stays near the cap.

`read_body` streams the raw bytes through them and stops at the cap (TooLarge),
or cuts the body there for robots.txt. Only what Legible asks for (gzip, br) and
what servers send anyway (deflate, identity) is decoded; anything else is
refused, not passed on undecoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli
import httpx

STEP = 64 * 1024
MAX_LAYERS = 2  # "gzip, br" is legal; a stack deeper than that is only ever an attack


class BadEncoding(Exception):  # turned into FetchFailed by fetch.py
    """The body cannot be decoded; the message says why, in one line."""


class TooLarge(Exception):  # turned into FetchTooLarge by fetch.py
    """The body passed the size cap."""


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes `data` gives, in pieces of about STEP bytes at most."""
        ...

    def end(self) -> Iterator[bytes]:
        """What is left once the body is over; BadEncoding if it ended early."""
        ...


class Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), STEP):
            yield data[start : start + STEP]

    def end(self) -> Iterator[bytes]:
        return iter(())


class Zlib:
    """gzip (all its members, one after the other) or deflate (zlib-wrapped or raw)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._wbits = 16 + zlib.MAX_WBITS if name == "gzip" else zlib.MAX_WBITS
        self._z = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        first, self._started = not self._started, True
        given, produced = data, False
        try:
            while True:
                out = self._z.decompress(data, STEP)
                if out:
                    produced = True
                    yield out
                if self._z.eof and self._z.unused_data and self.name == "gzip":
                    data, self._z = self._z.unused_data, zlib.decompressobj(self._wbits)
                    continue
                data = self._z.unconsumed_tail
                # A full step may leave output inside zlib even with no input left.
                if self._z.eof or (not data and len(out) < STEP):
                    return
        except zlib.error as exc:
            if first and not produced and self.name == "deflate" and self._wbits > 0:
                # Some servers send raw deflate without the zlib wrapper RFC 9110 asks for.
                self._wbits, self._z = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = False
                yield from self.feed(given)
                return
            raise BadEncoding(f"the {self.name} body is damaged ({exc})") from None

    def end(self) -> Iterator[bytes]:
        if self._started and not self._z.eof:
            raise BadEncoding(f"the {self.name} body ends before its end (cut short?)")
        return iter(())


class Brotli:
    def __init__(self) -> None:
        self._b = brotli.Decompressor()
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._started = True
        try:
            out = self._b.process(data, output_buffer_limit=STEP)
            # Output can wait inside the decoder even once it takes input again: drain it.
            while out or not self._b.can_accept_more_data():
                yield out
                out = self._b.process(b"", output_buffer_limit=STEP)
        except brotli.error as exc:
            raise BadEncoding(f"the br body is damaged ({exc})") from None

    def end(self) -> Iterator[bytes]:
        if self._started and not self._b.is_finished():
            raise BadEncoding("the br body ends before its end (cut short?)")
        return iter(())


class Chain:
    """Decoders applied in turn: the last encoding the server applied is undone first."""

    def __init__(self, layers: list[Decoder]) -> None:
        self._layers = layers

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(1, self._layers[0].feed(data))

    def end(self) -> Iterator[bytes]:
        for index, layer in enumerate(self._layers):
            yield from self._through(index + 1, layer.end())

    def _through(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """`pieces` passed through the layers from `index` on."""
        if index == len(self._layers):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(index + 1, self._layers[index].feed(piece))


def decoder_for(content_encoding: str) -> Decoder:
    """The decoder for a Content-Encoding header's value; BadEncoding if unsupported."""
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    names = ["gzip" if n == "x-gzip" else n for n in names if n != "identity"]
    if not names:
        return Identity()
    if len(names) > MAX_LAYERS:
        raise BadEncoding(f"the body is compressed {len(names)} times over; refused")
    layers: list[Decoder] = []
    for name in reversed(names):
        if name in ("gzip", "deflate"):
            layers.append(Zlib(name))
        elif name == "br":
            layers.append(Brotli())
        else:
            raise BadEncoding(
                f"the server sent Content-Encoding: {name}, which Legible did not ask for"
            )
    return layers[0] if len(layers) == 1 else Chain(layers)


async def read_body(response: httpx.Response, limit: int, strict: bool) -> bytes:
    """The decoded body, at most `limit` bytes: past it, TooLarge (or cut, not strict)."""
    encoding = response.headers.get("content-encoding", "")
    announced = response.headers.get("content-length", "")
    if strict and not encoding and announced.isdigit() and int(announced) > limit:
        raise TooLarge  # said so up front: not one byte read
    decoder = decoder_for(encoding)
    body, wire = bytearray(), 0
    async for chunk in response.aiter_raw():
        wire += len(chunk)
        for piece in decoder.feed(chunk):
            body += piece
            if len(body) > limit:
                if strict:
                    raise TooLarge
                return bytes(body[:limit])
        if wire > limit and strict:  # compressed data that decodes to nothing, forever
            raise TooLarge
    for piece in decoder.end():
        body += piece
    if len(body) > limit and strict:
        raise TooLarge
    return bytes(body[:limit])
