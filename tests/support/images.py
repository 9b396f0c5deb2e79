"""Small real images for tests (tests/ and e2e/: `from tests.support.images import png`)."""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int, rgb: bytes = b"\x20\x40\x80") -> bytes:
    """A real PNG of one colour (its rows zlib-compressed, each chunk's CRC right)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + rgb * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")
