"""A photo article in Chromium (issue 23): the photo is uploaded through the media API,
shown in a <figure> in two themes, loads under the site's own CSP (img-src 'self'),
keeps its colours with a visible border in high contrast, and axe finds nothing."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser

from legible_audit.axe import run_axe
from tests.support.live import ServerFailed, serve, server_env

pytestmark = pytest.mark.e2e
TOKEN = "e2e-photo-token-0123456789abcdefghij"
# Every CSP violation and console error, from before the page's first byte.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def photo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("photos")
    env = server_env({"LEGIBLE_ADMIN_TOKEN": TOKEN, "LEGIBLE_DEMO": "0"})
    try:
        server = serve(env=env, log=work / "server.log", db=work / "legible.db")
    except ServerFailed as exc:
        pytest.fail(f"the server did not start: {exc}", pytrace=False)
    with server:
        yield server.url


def _put(url: str, body: bytes, content_type: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status in (200, 201)  # 200: the same, stored already
        return dict(json.loads(response.read()))


def _photo() -> bytes:
    """A colourful JPEG larger than the widest rendition, so srcset has three widths."""
    image = Image.new("RGB", (2000, 1200))
    image.paste(Image.linear_gradient("L").resize((2000, 1200)).convert("RGB"))
    image.paste((200, 40, 40), (0, 0, 1000, 600))
    image.paste((40, 160, 60), (1000, 600, 2000, 1200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(("theme", "level"), [("default", "AA"), ("high-contrast", "AAA")])
def test_a_photo_article_loads_its_image_under_csp_and_passes_axe(
    photo_server: str, browser: Browser, theme: str, level: str
) -> None:
    photo = _put(f"{photo_server}/api/media/hoi-nghi.jpg", _photo(), "image/jpeg")
    article = {
        "title": "Hội nghị giao ban có ảnh",
        "published": "2023-09-21",
        "body_html": (
            "<p>Ngày 21/9/2023, Hội nghị giao ban diễn ra tại Hà Nội.</p>"
            f'<figure><img src="{photo["url"]}" alt="Đồng chí Viện trưởng phát biểu tại'
            ' Hội nghị"><figcaption>Đồng chí Viện trưởng phát biểu tại Hội nghị</figcaption>'
            "</figure><p>Hội nghị kết thúc lúc 11 giờ.</p>"
        ),
    }
    _put(
        f"{photo_server}/api/articles/hoi-nghi-co-anh",
        json.dumps(article).encode(),
        "application/json",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.add_init_script(LISTEN)
    page.goto(f"{photo_server}/articles/hoi-nghi-co-anh?theme={theme}")
    page.wait_for_load_state("networkidle")
    img = page.locator("main figure img")
    img.scroll_into_view_if_needed()
    img.evaluate("(el) => el.decode()")  # resolves once the chosen width has loaded
    state = img.evaluate(
        """(el) => {
          const style = getComputedStyle(el);
          return {
            natural: el.naturalWidth, complete: el.complete, current: el.currentSrc,
            width: el.getAttribute('width'), height: el.getAttribute('height'),
            srcset: el.srcset, border: parseFloat(style.borderTopWidth),
            filter: style.filter, blend: style.mixBlendMode,
          };
        }"""
    )
    assert state["complete"] and state["natural"] > 0, state
    assert state["current"].startswith(f"{photo_server}/media/"), state
    assert (state["width"], state["height"]) == ("1600", "960")
    assert state["srcset"].count("w,") == 2  # three widths
    assert state["filter"] == "none" and state["blend"] == "normal"
    assert state["border"] >= (3 if level == "AAA" else 1), state
    assert page.evaluate("window.__violations") == []
    # The browser's own /favicon.ico request is not the page's: Legible serves none (yet).
    errors = [e for e in errors if not e.endswith("/favicon.ico")]
    assert failed == [] and errors == [], (failed, errors)
    assert page.locator("main figure figcaption").is_visible()
    problems = [p.line() for p in run_axe(page, level).problems]
    assert problems == []
    context.close()
