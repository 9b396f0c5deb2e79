"""Photos on the way in through `legible import`, and out through `legible export`.

- An article imported from a file may show local images (`![alt](photo.png)` in
  Markdown, `<img src="photos/a.jpg">` in JSON): each path is read relative to the
  file's folder (never outside it), processed like an upload (media.py), stored in
  the media store under its file name, and the article points at the site's own URL.
- An export holds every stored image as it is stored (each width, base64), with the
  names pointing at it; reading one back checks each image against its digest and
  opens each width with Pillow before storing the very same bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from PIL import Image as PILImage

from .errors import ImportFailed
from .figures import is_local_file, replace_sources
from .media import CONTENT_TYPES, FAMILIES, Image, MediaRefused, Rendition, digest_of, process
from .store import Store

_FAMILY_OF_EXT = {ext: family for family, (ext, _type) in FAMILIES.items()}


@dataclass
class Photos:
    """Stores the photos an import brings; `stored` is every digest written."""

    store: Store
    max_bytes: int
    max_pixels: int
    stored: set[str] = field(default_factory=set)

    def local_images(self, body_html: str, folder: Path) -> tuple[str, list[tuple[str, Image]]]:
        """The (sanitised) body with each local image's src turned into its media URL,
        and the images to store (nothing is stored here: a bad image fails the file)."""
        found: list[tuple[str, Image]] = []
        root = folder.resolve()

        def one(src: str) -> str | None:
            if not is_local_file(src):
                return None
            path = (root / unquote(src.split("?")[0].split("#")[0])).resolve()
            if not path.is_relative_to(root):
                raise ImportFailed(f"image {src!r} is outside the folder {root}: not read")
            try:
                size = path.stat().st_size
                if size > self.max_bytes:
                    raise ImportFailed(f"image {src!r} is larger than {self.max_bytes:,} bytes")
                data = path.read_bytes()
            except OSError as exc:
                raise ImportFailed(
                    f"image {src!r} cannot be read ({path}): {exc.strerror}"
                ) from None
            try:
                image = process(data, self.max_pixels)
            except MediaRefused as exc:
                raise ImportFailed(f"image {src!r}: {exc}") from None
            found.append((path.name, image))
            return image.url

        return replace_sources(body_html, one), found

    def put(self, images: Iterable[tuple[str | None, Image]]) -> None:
        for name, image in images:
            if self.store.put_media(name, image) != "unchanged":
                self.stored.add(image.digest)

    def restore(self, items: Any) -> None:
        """An export's "media" list, checked whole before anything is stored."""
        if not isinstance(items, list):
            raise ImportFailed('"media" must be a list of images')
        checked = [restored(item, self.max_pixels) for item in items]
        for image, names in checked:
            self.put([(None, image)] if not names else [(n, image) for n in names])


def exported(image: Image, names: list[str]) -> dict[str, Any]:
    return {
        "digest": image.digest,
        "ext": image.ext,
        "names": names,
        "renditions": [
            {"width": r.width, "height": r.height, "data": base64.b64encode(r.data).decode()}
            for r in image.renditions
        ],
    }


def restored(item: Any, max_pixels: int) -> tuple[Image, list[str]]:
    """An exported image, checked: its digest matches its bytes, and each width is an
    image of the stated family and size."""
    try:
        ext, digest, names = item["ext"], item["digest"], list(item.get("names", []))
        renditions = tuple(
            Rendition(int(r["width"]), int(r["height"]), base64.b64decode(r["data"], validate=True))
            for r in item["renditions"]
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ImportFailed("a media entry needs digest, ext, names and renditions") from None
    if not all(isinstance(n, str) for n in names):
        raise ImportFailed(f"media {digest!r}: names must be strings")
    image = Image(digest, ext, renditions)
    checked(image, max_pixels)
    return image, names


def checked(image: Image, max_pixels: int) -> Image:
    """An image read back from an export or archive, refused (ImportFailed) unless its
    digest matches its bytes and each width is an image of its family and stated size."""
    digest, ext, renditions = image.digest, image.ext, image.renditions
    if ext not in _FAMILY_OF_EXT or not renditions:
        raise ImportFailed(f"media {digest!r}: ext must be one of {', '.join(CONTENT_TYPES)}")
    if digest_of(renditions, ext) != digest:
        raise ImportFailed(f"media {digest!r}: its bytes do not match its digest")
    for r in renditions:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                opened = PILImage.open(io.BytesIO(r.data), formats=[_FAMILY_OF_EXT[ext]])
                size = opened.size
                opened.verify()
            except Exception:  # Pillow raises many kinds on a damaged file
                raise ImportFailed(f"media {digest!r}: width {r.width} is not a {ext}") from None
        if size != (r.width, r.height) or r.width * r.height > max_pixels:
            raise ImportFailed(f"media {digest!r}: width {r.width} is not {r.width}x{r.height}")
    return image
