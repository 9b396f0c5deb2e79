"""The embeddable widget in a real Chromium: on a hostile foreign host, and on Legible itself.

The foreign host is a tiny threaded http.server on another origin (localhost vs the
service's 127.0.0.1) with the strict CSP of issue 5, Trusted Types, its own script,
and CSS written to break widgets: px sizes, a 62.5% root, `!important` rules on
`button`, `div` and `svg`, a fixed header and grey text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli
import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from legible_audit.colour import blend, composite, parse_rgb
from legible_contrast import contrast_ratio, parse_hex
from service.themes import Theme, data_dir, load_themes
from service.widget import BUNDLE_PREFIX, integrity_for

THEMES: dict[str, Theme] = load_themes(data_dir("themes"))
BUDGET = 6 * 1024
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 44

HOST_CSS = """
html { font-size: 62.5%; }
body { margin: 0; font: 15px/1 Georgia, serif; color: #999; background: #fff; }
header { position: fixed; top: 0; left: 0; right: 0; height: 48px; z-index: 10;
         background: #f4f4f4; color: #999; font-size: 12px; }
main { display: block; padding: 60px 16px 0; }
h1 { font-size: 24px; }
p { color: #999 !important; font-size: 1.6rem; }
a { color: #aaa; text-decoration: none; }
div { line-height: 1 !important; }
button { all: unset; font-size: 8px !important; width: 10px !important; height: 10px !important;
         padding: 0 !important; border: 0 !important; }
svg { width: 400px !important; height: 400px !important; fill: red !important; }
* { box-sizing: content-box !important; letter-spacing: 0 !important; }
.spin { animation: spin 2s linear infinite; transition: color 5s; }
@keyframes spin { to { rotate: 360deg; } }
.spacer { height: 3000px; }
"""

HOST_JS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
document.addEventListener("DOMContentLoaded", () => {
  const out = document.getElementById("count");
  document.getElementById("host-button").addEventListener("click", () => {
    out.value = String(Number(out.value) + 1);
  });
  document.documentElement.dataset.hostScript = "ready";
});
"""

HOST_HTML = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng thông tin điện tử</title>
<script src="/host.js"></script>
<link rel="stylesheet" href="/host.css">
{snippet}
</head>
<body>
<header id="top"><a href="#main">Cổng thông tin</a> Viện kiểm sát nhân dân</header>
<main id="main">
<h1>Hội nghị giao ban công tác Quý IV/2023</h1>
<p id="para">Ngày 21/9/2023, VKSND tối cao tổ chức Hội nghị giao ban công tác
 <a href="#more" id="link">xem thêm</a>, với sự tham dự của lãnh đạo các đơn vị.</p>
<div class="lead" id="lead">Đồng chí Nguyễn Huy Tiến phát biểu tại Hội nghị</div>
<div class="spin" id="spin">*</div>
<button id="host-button" type="button">Host</button> <output id="count">0</output>
<div class="spacer" id="more"></div>
</main>
</body>
</html>
"""


# -- the foreign host -------------------------------------------------------------


@dataclass
class Host:
    origin: str
    service: str
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def csp(self) -> str:
        return (
            f"default-src 'self'; script-src 'self' {self.service}; style-src 'self'; "
            "require-trusted-types-for 'script'"
        )

    def add_page(self, path: str, snippet: str, lang: str = "vi") -> str:
        body = HOST_HTML.format(lang=lang, snippet=snippet)
        self.pages[path] = ("text/html; charset=utf-8", body.encode())
        return self.origin + path


@pytest.fixture(scope="module")
def host(base_url: str) -> Iterator[Host]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    site = Host(f"http://localhost:{server.server_address[1]}", base_url)
    site.pages["/host.css"] = ("text/css", HOST_CSS.encode())
    site.pages["/host.js"] = ("text/javascript", HOST_JS.encode())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = site.pages.get(self.path.split("?")[0])
            if found is None:
                self.send_response(404 if self.path != "/favicon.ico" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            media_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", site.csp())
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def plain_url(host: Host, base_url: str) -> str:
    return host.add_page("/", f'<script src="{base_url}/widget.js" async></script>')


@dataclass
class Watch:
    """Console errors, page errors and every request a page made."""

    console: list[str] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type in ("error", "warning"):
                self.console.append(f"{msg.type}: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        page.on("requestfinished", lambda request: self.requests.append(request))


NewPage = Callable[..., tuple[Page, Watch]]


@pytest.fixture
def new_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[NewPage]:
    contexts: list[BrowserContext] = []

    def make(**overrides: Any) -> tuple[Page, Watch]:
        context = browser.new_context(**{**browser_context_args, **overrides})
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        return page, watch

    yield make
    for context in contexts:
        context.close()


def open_host(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-host-script=ready]", state="attached")
    page.locator("legible-widget button.t").wait_for()


def violations(page: Page, watch: Watch) -> list[str]:
    found = list(page.evaluate("window.__violations || []"))
    noise = re.compile(r"Content.Security.Policy|Trusted ?Type|Refused|pageerror", re.I)
    return found + [m for m in watch.console if noise.search(m) or m.startswith("pageerror")]


# -- helpers that read the page ---------------------------------------------------

_COLOURS_JS = """(sel) => {
  const e = document.querySelector(sel);
  const layers = [];
  for (let a = e; a; a = a.parentElement) layers.push(getComputedStyle(a).backgroundColor);
  return {color: getComputedStyle(e).color, layers};
}"""


def text_contrast(page: Page, selector: str) -> float:
    """WCAG ratio of an element's text over the composite of its backgrounds."""
    got = page.evaluate(_COLOURS_JS, selector)
    bg = composite(got["layers"])
    return contrast_ratio(blend(parse_rgb(got["color"]), bg), bg)


def font_px(page: Page, selector: str) -> float:
    return float(
        page.evaluate(
            f"parseFloat(getComputedStyle(document.querySelector({selector!r})).fontSize)"
        )
    )


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    out = []
    for loc in page.locator(selector).all():
        box = loc.bounding_box()
        assert box is not None, selector
        out.append(box)
    return out


_ACTIVE_JS = """() => {
  const host = document.querySelector('legible-widget');
  const a = host.shadowRoot.activeElement;
  return {outer: document.activeElement === host, cls: a ? a.className : null,
          inPanel: !!(a && a.closest('.p')), text: a ? a.textContent : null};
}"""


def active(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(_ACTIVE_JS))


def open_panel(page: Page) -> None:
    page.locator("legible-widget button.t").click()
    page.locator("legible-widget .p").wait_for()


def choose(page: Page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).click()


def press(page: Page, name: str) -> None:
    page.locator("legible-widget .p button", has_text=re.compile(f"^{re.escape(name)}$")).click()


# -- the foreign host ---------------------------------------------------------------


def test_zero_csp_violations_and_the_host_script_keeps_working(
    new_page: NewPage, plain_url: str
) -> None:
    page, watch = new_page()
    open_host(page, plain_url)
    open_panel(page)
    for theme in THEMES.values():
        choose(page, theme.label_vi)
    for name in ("Tăng cỡ chữ", "Tăng cỡ chữ", "Giảm cỡ chữ", "Giãn chữ", "Gạch chân liên kết"):
        press(page, name)
    press(page, "Giảm chuyển động")
    press(page, "Đặt lại tất cả")
    page.keyboard.press("Escape")
    page.locator("#host-button").click()
    page.locator("#host-button").click()
    assert page.locator("#count").text_content() == "2"
    assert violations(page, watch) == []
    # Nothing the widget did added markup or inline style to the host document.
    found = page.evaluate(
        "() => [document.querySelectorAll('style, [style]').length,"
        " document.querySelectorAll('link').length, document.adoptedStyleSheets.length]"
    )
    assert found == [0, 1, 2]


def test_the_violation_listener_catches_a_violation(new_page: NewPage, host: Host) -> None:
    # Canary: the zero above means nothing unless a real violation would be seen.
    url = host.add_page("/canary", '<b style="color:red">x</b>')
    page, watch = new_page()
    page.goto(url)
    page.wait_for_selector("html[data-host-script=ready]", state="attached")
    assert any("style-src" in v for v in violations(page, watch))


def test_one_request_within_budget_and_nothing_third_party(
    new_page: NewPage, plain_url: str, host: Host, base_url: str
) -> None:
    page, watch = new_page(extra_http_headers={"Accept-Encoding": "br"})
    open_host(page, plain_url)
    open_panel(page)
    choose(page, "Tương phản cao")
    widget = [r for r in watch.requests if r.url.startswith(base_url)]
    assert [r.url for r in widget] == [f"{base_url}/widget.js"]
    others = [r.url for r in watch.requests if not r.url.startswith((base_url, host.origin))]
    assert others == []
    response = widget[0].response()
    assert response is not None and response.header_value("content-encoding") == "br"
    sizes = widget[0].sizes()
    assert 0 < sizes["responseBodySize"] <= BUDGET, sizes
    # The same measure from outside the browser: the bytes the service sends.
    with httpx.stream("GET", f"{base_url}/widget.js", headers={"Accept-Encoding": "br"}) as r:
        assert r.headers["content-encoding"] == "br"
        wire = b"".join(r.iter_raw())
    assert len(wire) == int(r.headers["content-length"]) <= BUDGET
    assert brotli.decompress(wire) == httpx.get(f"{base_url}/widget.js").content


def test_trigger_and_panel_keep_their_size_and_shape(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    (trigger,) = boxes(page, "legible-widget button.t")
    assert trigger["width"] == trigger["height"] >= MIN_TARGET
    viewport = page.viewport_size
    assert viewport is not None
    # bottom-right, inside the viewport
    assert viewport["width"] - 24 <= trigger["x"] + trigger["width"] <= viewport["width"]
    assert viewport["height"] - 24 <= trigger["y"] + trigger["height"] <= viewport["height"]
    open_panel(page)
    for box in boxes(page, "legible-widget .p button"):
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box
    style = page.evaluate(
        """() => { const r = document.querySelector('legible-widget').shadowRoot;
        const b = getComputedStyle(r.querySelector('.p button[data-d]'));
        const s = getComputedStyle(r.querySelector('.p svg'));
        return [b.fontSize, b.boxSizing, b.lineHeight, s.width, s.fill]; }"""
    )
    font, sizing, line_height, svg_width, fill = style
    assert float(font[:-2]) >= 16 and sizing == "border-box"
    assert float(line_height[:-2]) >= 16
    assert float(svg_width[:-2]) <= 40 and fill == "none"
    (panel,) = boxes(page, "legible-widget .p")
    assert 300 <= panel["width"] <= 400
    assert panel["y"] + panel["height"] <= trigger["y"]


def test_keyboard(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    for _ in range(15):
        page.keyboard.press("Tab")
        if active(page)["cls"] == "t":
            break
    else:
        pytest.fail("Tab never reached the widget's trigger")
    trigger = page.locator("legible-widget button.t")
    assert trigger.get_attribute("aria-expanded") == "false"
    assert trigger.get_attribute("aria-controls") == "p"
    page.keyboard.press("Enter")
    assert trigger.get_attribute("aria-expanded") == "true"
    assert active(page)["inPanel"]
    # The focused control shows a ring of at least 2px.
    ring = page.evaluate(
        """() => { const a = document.querySelector('legible-widget').shadowRoot.activeElement;
        const s = getComputedStyle(a); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    )
    assert ring[0] == "solid" and ring[1] >= 2
    page.keyboard.press("Escape")
    assert trigger.get_attribute("aria-expanded") == "false"
    assert not page.locator("legible-widget .p").is_visible()
    assert active(page)["cls"] == "t"
    page.keyboard.press("Space")
    assert trigger.get_attribute("aria-expanded") == "true" and active(page)["inPanel"]
    # Arrow keys move and check within the radiogroup; Tab leaves it in one step.
    group = page.get_by_role("radiogroup")
    page.get_by_role("radio", name="Màu của trang").focus()
    page.keyboard.press("ArrowDown")
    assert group.get_by_role("radio", checked=True).text_content() == "Mặc định"
    page.keyboard.press("ArrowDown")
    assert group.get_by_role("radio", checked=True).text_content() == "Tương phản cao"
    assert page.evaluate("document.documentElement.dataset.legibleTheme") == "high-contrast"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps to the last theme
    last = list(THEMES.values())[-1]
    assert group.get_by_role("radio", checked=True).text_content() == last.label_vi
    tabbable = page.evaluate(
        """() => [...document.querySelector('legible-widget').shadowRoot
        .querySelectorAll('[role=radio]')].filter(r => r.tabIndex === 0).length"""
    )
    assert tabbable == 1
    # No global key capture: keys pressed on the host are the host's.
    page.keyboard.press("Escape")
    page.locator("#host-button").focus()
    page.keyboard.press("Escape")
    assert page.locator("legible-widget button.t").get_attribute("aria-expanded") == "false"


@pytest.mark.parametrize("name", list(THEMES))
def test_every_theme_reaches_its_promised_contrast_on_grey_host_text(
    new_page: NewPage, plain_url: str, name: str
) -> None:
    theme = THEMES[name]
    page, _ = new_page()
    open_host(page, plain_url)
    assert text_contrast(page, "#para") < 3  # the host's own grey
    open_panel(page)
    choose(page, theme.label_vi)
    for selector in ("#para", "#lead", "#link", "header"):
        ratio = text_contrast(page, selector)
        assert ratio >= theme.minimum, f"{name}: {selector} {ratio:.2f}:1 < {theme.minimum}:1"
    if theme.underline_links:
        assert "underline" in page.evaluate(
            "getComputedStyle(document.querySelector('#link')).textDecorationLine"
        )
    # The panel itself follows the theme.
    panel_bg = page.evaluate(
        "getComputedStyle(document.querySelector('legible-widget').shadowRoot"
        ".querySelector('.p')).backgroundColor"
    )
    assert parse_rgb(panel_bg)[:3] == parse_hex(theme.colors["background"])
    choose(page, "Màu của trang")
    assert text_contrast(page, "#para") < 3


def test_high_contrast_reaches_7_to_1(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    open_panel(page)
    choose(page, "Tương phản cao")
    assert text_contrast(page, "#para") >= 7


def test_larger_text_grows_the_host_text(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    before = {s: font_px(page, s) for s in ("#para", "#lead")}
    assert before == {"#para": 16, "#lead": 15}
    open_panel(page)
    press(page, "Tăng cỡ chữ")
    assert page.locator("legible-widget output").text_content() == "125%"
    assert font_px(page, "#para") == pytest.approx(before["#para"] * 1.25)
    assert font_px(page, "#lead") == pytest.approx(before["#lead"] * 1.25)
    for _ in range(3):
        press(page, "Tăng cỡ chữ")
    assert font_px(page, "#para") == pytest.approx(before["#para"] * 2)
    increase = page.locator("legible-widget button[data-d='1']")
    assert increase.get_attribute("aria-disabled") == "true"
    increase.click(force=True)  # at the largest size: stays there
    assert font_px(page, "#para") == pytest.approx(before["#para"] * 2)
    press(page, "Giảm cỡ chữ")
    assert font_px(page, "#para") == pytest.approx(before["#para"] * 1.75)
    press(page, "Cỡ chữ mặc định")
    assert {s: font_px(page, s) for s in before} == before
    # The widget's own controls keep their size whatever the host's root font size.
    for box in boxes(page, "legible-widget .p button"):
        assert box["height"] >= MIN_TARGET


def test_text_spacing_underline_and_motion_beat_important_host_rules(
    new_page: NewPage, plain_url: str
) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    open_panel(page)
    for name in ("Giãn chữ", "Gạch chân liên kết", "Giảm chuyển động"):
        press(page, name)
        assert page.get_by_role("button", name=name).get_attribute("aria-pressed") == "true"
    got = page.evaluate(
        """() => { const s = (q) => getComputedStyle(document.querySelector(q));
        const lead = s('#lead'), p = s('#para'), spin = s('#spin');
        return {fs: parseFloat(lead.fontSize), lh: parseFloat(lead.lineHeight),
                ls: parseFloat(lead.letterSpacing), ws: parseFloat(lead.wordSpacing),
                pfs: parseFloat(p.fontSize), pmb: parseFloat(p.marginBottom),
                link: s('#link').textDecorationLine,
                anim: spin.animationDuration, trans: spin.transitionDuration}; }"""
    )
    assert got["lh"] >= 1.5 * got["fs"] - 0.01  # the host says div{line-height:1!important}
    assert got["ls"] == pytest.approx(0.12 * got["fs"], abs=0.05)
    assert got["ws"] == pytest.approx(0.16 * got["fs"], abs=0.05)
    assert got["pmb"] >= 2 * got["pfs"] - 0.01
    assert "underline" in got["link"]
    assert got["anim"] == "0.001s" and got["trans"] == "0s"


def test_fixed_header_stays_fixed(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page()
    open_host(page, plain_url)
    open_panel(page)
    choose(page, "Tương phản cao")
    for name in ("Tăng cỡ chữ", "Tăng cỡ chữ", "Giãn chữ", "Giảm chuyển động"):
        press(page, name)
    page.keyboard.press("Escape")
    page.mouse.wheel(0, 1500)
    for _ in range(50):  # wait_for_function would need eval, which the host's CSP forbids
        if page.evaluate("scrollY") > 1000:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("document.querySelector('header').getBoundingClientRect().top") == 0
    page.evaluate("scrollTo(0, 2000)")
    assert page.evaluate("document.querySelector('header').getBoundingClientRect().top") == 0
    styles = page.evaluate(
        """() => [document.documentElement, document.body].map(e => {
        const s = getComputedStyle(e); return [s.filter, s.transform, s.zoom]; })"""
    )
    assert styles == [["none", "none", "1"], ["none", "none", "1"]]
    # The trigger is fixed too.
    (trigger,) = boxes(page, "legible-widget button.t")
    viewport = page.viewport_size
    assert viewport is not None
    assert trigger["y"] + trigger["height"] <= viewport["height"]


def test_setting_survives_a_reload(new_page: NewPage, plain_url: str) -> None:
    page, watch = new_page()
    open_host(page, plain_url)
    open_panel(page)
    choose(page, "Tương phản cao")
    press(page, "Tăng cỡ chữ")
    press(page, "Giãn chữ")
    page.reload()
    page.wait_for_selector("html[data-host-script=ready]", state="attached")
    page.locator("legible-widget button.t").wait_for()
    html = page.locator("html")
    assert html.get_attribute("data-legible-theme") == "high-contrast"
    assert html.get_attribute("data-legible-size") == "125"
    assert html.get_attribute("data-legible-spacing") == ""
    assert text_contrast(page, "#para") >= 7
    assert font_px(page, "#para") == pytest.approx(20)
    open_panel(page)
    radio = page.get_by_role("radio", name="Tương phản cao", exact=True)
    assert radio.get_attribute("aria-checked") == "true"
    assert page.get_by_role("button", name="Giãn chữ").get_attribute("aria-pressed") == "true"
    assert page.locator("legible-widget output").text_content() == "125%"
    press(page, "Đặt lại tất cả")
    page.reload()
    page.locator("legible-widget button.t").wait_for()
    assert (
        page.evaluate(
            "[...document.documentElement.attributes].map(a => a.name)"
            ".filter(n => n.startsWith('data-legible'))"
        )
        == []
    )
    assert violations(page, watch) == []


def test_a_choice_saved_by_an_earlier_version_is_kept(new_page: NewPage, plain_url: str) -> None:
    # localStorage keeps the one-letter keys earlier versions wrote.
    page, watch = new_page()
    page.add_init_script(
        "localStorage.setItem('legible-widget',"
        ' \'{"t":"high-contrast","s":125,"p":true,"u":true,"m":false}\')'
    )
    open_host(page, plain_url)
    html = page.locator("html")
    assert html.get_attribute("data-legible-theme") == "high-contrast"
    assert html.get_attribute("data-legible-size") == "125"
    assert html.get_attribute("data-legible-spacing") == ""
    assert html.get_attribute("data-legible-underline") == ""
    assert html.get_attribute("data-legible-motion") is None
    open_panel(page)
    press(page, "Giảm chuyển động")
    stored = page.evaluate("JSON.parse(localStorage.getItem('legible-widget'))")
    assert stored == {"t": "high-contrast", "s": 125, "p": True, "u": True, "m": True}
    assert violations(page, watch) == []


def test_reset_works_when_storage_is_refused(new_page: NewPage, plain_url: str) -> None:
    # Blocked third-party storage throws on access: the choice then lives only in
    # the page, and Reset must still bring back the defaults.
    page, watch = new_page()
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('blocked', 'SecurityError'); }});"
    )
    open_host(page, plain_url)
    open_panel(page)
    press(page, "Tăng cỡ chữ")
    press(page, "Giãn chữ")
    html = page.locator("html")
    assert html.get_attribute("data-legible-size") == "125"
    press(page, "Đặt lại tất cả")
    assert html.get_attribute("data-legible-size") is None
    assert html.get_attribute("data-legible-spacing") is None
    assert page.locator("legible-widget output").text_content() == "100%"
    assert violations(page, watch) == []


def _axe_clean(page: Page) -> list[str]:
    results = Axe().run(
        page,
        context={"include": [["legible-widget"]]},
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}},
    )
    response = results.response
    assert response["passes"], "axe checked nothing: is the widget there?"
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]} {v['help']}"
        for v in response["violations"]
    ]


@pytest.mark.parametrize("name", list(THEMES))
def test_axe_is_clean_on_the_open_widget(new_page: NewPage, plain_url: str, name: str) -> None:
    # bypass_csp: axe itself is injected by evaluation; CSP compliance is tested above.
    page, _ = new_page(bypass_csp=True)
    open_host(page, plain_url)
    open_panel(page)
    choose(page, THEMES[name].label_vi)
    assert _axe_clean(page) == []


@pytest.mark.parametrize("height", [568, 256], ids=["phone", "400pc-zoom"])
def test_usable_at_320_px(new_page: NewPage, plain_url: str, height: int) -> None:
    # 320 x 256 CSS px is a 1280 x 1024 screen at 400 % zoom.
    page, _ = new_page(viewport={"width": 320, "height": height})
    open_host(page, plain_url)
    open_panel(page)
    (panel,) = boxes(page, "legible-widget .p")
    (trigger,) = boxes(page, "legible-widget button.t")
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= trigger["y"]
    no_sideways = page.evaluate(
        "document.querySelector('legible-widget').shadowRoot.querySelector('.p').scrollWidth"
    )
    assert no_sideways <= panel["width"]
    # Every control can be scrolled into view inside the panel and used there.
    for button in page.locator("legible-widget .p button").all():
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET
        assert panel["y"] - 1 <= box["y"] and box["y"] + box["height"] <= trigger["y"]
    choose(page, "Tương phản cao")
    press(page, "Tăng cỡ chữ")
    page.locator("legible-widget button.r").click()
    assert page.evaluate("document.documentElement.dataset.legibleTheme") is None


def test_language_and_position_attributes(new_page: NewPage, host: Host, base_url: str) -> None:
    url = host.add_page(
        "/en",
        f'<script src="{base_url}/widget.js" async data-lang="en" data-position="top-left">'
        "</script>",
    )
    page, watch = new_page()
    open_host(page, url)
    trigger = page.get_by_role("button", name="Display options")
    box = trigger.bounding_box()
    assert box is not None and box["x"] <= 24 and box["y"] <= 24
    open_panel(page)
    for name in ("Smaller text", "Larger text", "Default text size", "Reset all"):
        assert page.get_by_role("button", name=name).count() == 1
    for theme in THEMES.values():
        assert page.get_by_role("radio", name=theme.label_en, exact=True).count() == 1
    assert page.locator("legible-widget .w").get_attribute("lang") == "en"
    (panel,) = boxes(page, "legible-widget .p")
    assert panel["y"] > box["y"] + box["height"]
    assert violations(page, watch) == []


def test_english_host_gets_english(new_page: NewPage, host: Host, base_url: str) -> None:
    url = host.add_page("/english", f'<script src="{base_url}/widget.js" async></script>', "en-GB")
    page, _ = new_page()
    open_host(page, url)
    assert page.get_by_role("button", name="Display options").count() == 1


def test_pinned_snippet_with_sri(new_page: NewPage, host: Host, base_url: str) -> None:
    widget = httpx.get(f"{base_url}/widget.js").content
    demo = httpx.get(f"{base_url}/widget/demo").text
    match = re.search(r"/widget/legible-widget\.[0-9a-f]{16}\.js", demo)
    assert match, "the demo page shows the pinned URL"
    pinned = match.group(0)
    assert pinned.startswith(BUNDLE_PREFIX)
    assert httpx.get(base_url + pinned).content == widget
    snippet = (
        f'<script src="{base_url}{pinned}" integrity="{integrity_for(widget)}" '
        'crossorigin="anonymous" async></script>'
    )
    url = host.add_page("/pinned", snippet)
    page, watch = new_page()
    open_host(page, url)
    open_panel(page)
    choose(page, "Tương phản cao")
    assert text_contrast(page, "#para") >= 7
    assert violations(page, watch) == []
    # A wrong hash is refused by the browser: SRI really is checked.
    bad = snippet.replace(integrity_for(widget), "sha384-" + "A" * 64)
    url = host.add_page("/pinned-bad", bad)
    page, watch = new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.locator("legible-widget").count() == 0


def test_forced_colors_leave_colours_to_the_os(new_page: NewPage, plain_url: str) -> None:
    page, _ = new_page(forced_colors="active")
    open_host(page, plain_url)
    before = page.evaluate("getComputedStyle(document.querySelector('#para')).color")
    open_panel(page)
    choose(page, "Tương phản cao")
    assert page.locator("html").get_attribute("data-legible-theme") == "high-contrast"
    assert page.evaluate("getComputedStyle(document.querySelector('#para')).color") == before


def test_reduced_motion_preference_is_honoured_by_the_widget(
    new_page: NewPage, plain_url: str
) -> None:
    page, _ = new_page(reduced_motion="reduce")
    open_host(page, plain_url)
    open_panel(page)
    durations = page.evaluate(
        """() => [...document.querySelector('legible-widget').shadowRoot.querySelectorAll('*')]
        .map(e => getComputedStyle(e)).map(s => s.transitionDuration + s.animationName)"""
    )
    assert set(durations) == {"0snone"}


# -- on Legible's own pages -----------------------------------------------------------

ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
_RECORD_JS = """
window.__htmlChanges = [];
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target === document.documentElement) window.__htmlChanges.push(r.attributeName);
  }
}).observe(document, {attributes: true, subtree: true});
"""


def _embed(page: Page, base_url: str) -> None:
    """Serve Legible's pages with the one-line snippet added, as an operator would."""

    def handle(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        body = response.text().replace(
            "</head>", '<script src="/widget.js" async></script>\n</head>', 1
        )
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "etag")
        }
        route.fulfill(status=response.status, headers=headers, body=body)

    page.route(f"{base_url}/**", handle)


def test_on_legible_the_widget_drives_the_server_variant(
    new_page: NewPage, browser: Browser, browser_context_args: dict[str, Any], base_url: str
) -> None:
    page, watch = new_page()
    _embed(page, base_url)
    page.add_init_script(_RECORD_JS)
    page.goto(f"{base_url}{ARTICLE}?size=125")
    page.locator("legible-widget button.t").wait_for()
    page.wait_for_load_state("load")
    # Initialised from what the server rendered, and nothing re-styled on load.
    assert page.evaluate("window.__htmlChanges") == []
    open_panel(page)
    assert page.locator("legible-widget output").text_content() == "125%"
    assert page.get_by_role("radio", name="Màu của trang").get_attribute("aria-checked") == "true"
    choose(page, "Tương phản cao")
    html = page.locator("html")
    assert html.get_attribute("data-theme") == "high-contrast"
    assert html.get_attribute("data-size") == "125"
    assert html.get_attribute("data-legible-theme") is None
    assert text_contrast(page, "main p") >= 7  # Legible's own stylesheet did it
    cookies = page.context.cookies()
    (pref,) = [c for c in cookies if c["name"] == "legible_pref"]
    assert pref["value"] == "high-contrast.125.0.normal.sans"
    assert pref["path"] == "/" and pref["sameSite"] == "Lax"
    assert pref["expires"] > 300 * 24 * 3600
    assert page.url.endswith(f"{ARTICLE}?theme=high-contrast&size=125")
    home = page.locator("header.site .brand a").get_attribute("href")
    assert home == "/?theme=high-contrast&size=125"
    # The search link and the display options' form carry the new variant too, as the
    # server would have rendered them.
    search = page.locator("header.site nav a").get_attribute("href")
    assert search == "/search?theme=high-contrast&size=125"
    hidden = page.locator("form.controls input[type=hidden][name^=cur_]")
    found = [(i.get_attribute("name"), i.get_attribute("value")) for i in hidden.all()]
    assert found == [
        ("cur_theme", "high-contrast"),
        ("cur_size", "125"),
        ("cur_spacing", "0"),
        ("cur_measure", "normal"),
        ("cur_font", "sans"),
    ]
    press(page, "Giãn chữ")
    assert html.get_attribute("data-spacing") == ""
    assert "spacing=1" in str(page.locator("header.site .brand a").get_attribute("href"))
    press(page, "Giãn chữ")
    assert html.get_attribute("data-spacing") is None
    assert violations(page, watch) == []
    cookies = page.context.cookies()
    values = [c["value"] for c in cookies if c["name"] == "legible_pref"]
    assert values == ["high-contrast.125.0.normal.sans"]

    # A fresh context, JavaScript off, the same cookies: the server renders the variant,
    # both through the link the reader would follow and from a bare URL.
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        context.add_cookies(cookies)  # type: ignore[arg-type]
        plain = context.new_page()
        for url in (f"{base_url}{home}", f"{base_url}/", f"{base_url}{ARTICLE}"):
            plain.goto(url)
            assert plain.locator("html").get_attribute("data-theme") == "high-contrast", url
            assert plain.locator("html").get_attribute("data-size") == "125", url
            assert plain.locator("legible-widget").count() == 0
    finally:
        context.close()


def test_on_legible_the_widget_sets_line_length_and_typeface(
    new_page: NewPage, base_url: str, plain_url: str
) -> None:
    page, watch = new_page()
    _embed(page, base_url)
    page.goto(f"{base_url}{ARTICLE}?theme=dark&font=serif")
    page.locator("legible-widget button.t").wait_for()
    open_panel(page)
    measure = page.get_by_role("combobox", name="Độ dài dòng")
    font = page.get_by_role("combobox", name="Phông chữ")
    assert measure.input_value() == "normal" and font.input_value() == "serif"  # from the page
    measure.select_option(label="Dài")
    html = page.locator("html")
    assert html.get_attribute("data-measure") == "wide"
    assert html.get_attribute("data-font") == "serif"
    assert page.url.endswith(f"{ARTICLE}?theme=dark&measure=wide&font=serif")
    font.select_option(label="Mặc định")
    assert html.get_attribute("data-font") is None
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "legible_pref"]
    assert cookie["value"] == "dark.100.0.wide.sans"
    # The text really is set in the longer measure: the body's box is wider.
    width = page.evaluate("document.querySelector('.article .body').getBoundingClientRect().width")
    measure.select_option(label="Ngắn")
    narrow = page.evaluate("document.querySelector('.article .body').getBoundingClientRect().width")
    assert narrow < width * 0.7
    assert violations(page, watch) == []
    # A host page cannot apply them: the widget does not offer them there.
    host, _ = new_page()
    open_host(host, plain_url)
    open_panel(host)
    assert host.locator("legible-widget select").count() == 0


def test_demo_page(new_page: NewPage, base_url: str) -> None:
    page, watch = new_page()
    page.goto(f"{base_url}/widget/demo")
    page.locator("legible-widget button.t").wait_for()
    open_panel(page)
    choose(page, "Tương phản cao")
    assert page.locator("html").get_attribute("data-theme") == "high-contrast"
    assert violations(page, watch) == []
    assert _axe_clean(page) == []


# -- the widget's accessibility tree, exactly -------------------------------------------


def _widget_tree() -> str:
    """The open widget on Legible's own demo page (so with line length and typeface)
    as a screen reader meets it, with no theme chosen.
    `/children: equal` on every container: an added, removed or reordered node, a
    changed role, name or state, fails. The theme radios come from the theme files, in
    their order: adding a theme adds its radio and nothing else."""
    themes = "\n".join(
        f'    - radio "{theme.label_vi}" [checked=false]' for theme in THEMES.values()
    )
    return f"""
- button "Tùy chọn hiển thị" [expanded]
- dialog "Tùy chọn hiển thị":
  - /children: equal
  - heading "Tùy chọn hiển thị" [level=2]
  - button "Đóng"
  - group "Cỡ chữ:":
    - /children: equal
    - paragraph:
      - /children: equal
      - text: "Cỡ chữ:"
      - status: 100%
    - button "Giảm cỡ chữ" [disabled]
    - button "Tăng cỡ chữ" [disabled=false]
    - button "Cỡ chữ mặc định"
  - paragraph: Tương phản
  - radiogroup "Tương phản":
    - /children: equal
    - radio "Màu của trang" [checked]
{themes}
  - button "Giãn chữ" [pressed=false]
  - button "Gạch chân liên kết" [pressed=false]
  - button "Giảm chuyển động" [pressed=false]
  - text: Độ dài dòng
  - combobox "Độ dài dòng":
    - /children: equal
    - option "Ngắn"
    - option "Vừa" [selected]
    - option "Dài"
  - text: Phông chữ
  - combobox "Phông chữ":
    - /children: equal
    - option "Mặc định" [selected]
    - option "Có chân"
    - option "Dễ đọc"
  - button "Đặt lại tất cả"
"""


def test_aria_tree_matches_the_snapshot(new_page: NewPage, base_url: str) -> None:
    page, _ = new_page()
    page.goto(f"{base_url}/widget/demo")
    widget = page.locator("legible-widget .w")
    page.locator("legible-widget button.t").wait_for()
    expect(widget).to_match_aria_snapshot('- button "Tùy chọn hiển thị" [expanded=false]')
    open_panel(page)
    expect(widget).to_match_aria_snapshot(_widget_tree())
    # The snapshot is exact: one more control in the panel fails it.
    page.evaluate(
        "document.querySelector('legible-widget').shadowRoot.querySelector('.p')"
        ".append(document.createElement('button'))"
    )
    with pytest.raises(AssertionError):
        expect(widget).to_match_aria_snapshot(_widget_tree(), timeout=500)


def test_panel_closes_when_focus_leaves_the_widget(new_page: NewPage, plain_url: str) -> None:
    # WCAG 2.4.11: the open panel must never cover the element that has focus.
    page, _ = new_page()
    open_host(page, plain_url)
    open_panel(page)
    trigger = page.locator("legible-widget button.t")
    assert trigger.get_attribute("aria-expanded") == "true"
    on_host = (
        "() => ![document.body, document.querySelector('legible-widget')]"
        ".includes(document.activeElement)"
    )
    for _ in range(40):  # Tab out of the panel, round the browser's UI, into the host page
        page.keyboard.press("Tab")
        if page.evaluate(on_host):
            break
    else:
        pytest.fail("Tab never reached the host page")
    assert trigger.get_attribute("aria-expanded") == "false"
    assert not page.locator("legible-widget .p").is_visible()
    open_panel(page)
    page.locator("#host-button").focus()  # a click or a script moving focus away
    assert trigger.get_attribute("aria-expanded") == "false"
