"""The widget on host pages that look like real sites (e2e/hosts/), in every theme at
its largest text size, with the panel closed and open.

Each cell is one page load: the sizes are recorded, the theme and the largest size are
chosen in the widget, then the checks run once each: larger text really grows
(scaling.py), no text clipped, text contrast at the theme's level on every box, the
widget's own accessibility checks (axe, focus, target size, non-text contrast, lang)
and, on the strict-CSP host, zero CSP/Trusted Types violations; last, Reset must give
back every size exactly. The canary below proves the growth check fails when the
widget's scaling is switched off, and the benchmark prints what a step costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page

from legible_audit.cell import check_cell
from legible_audit.problem import Problem
from legible_audit.registry import matrix_checks
from legible_audit.text import clipped_text_problems, text_contrast_problems
from legible_contrast import parse_hex
from service.preferences import DEFAULT_SIZE, SIZES

from .conftest import Ledger, MakePage
from .hosts import HOST_BY_NAME, HOST_PAGES, HOSTS_DIR, MANY_ELEMENTS, HostPage, HostServer
from .matrix import WIDGET_STATES, load_cached, themes_dir
from .scaling import leftover_problems, remember_base, reset_problems, scaled_problems

pytestmark = pytest.mark.e2e
LARGEST = max(SIZES)
CELL_CHECKS = tuple(c.id for c in matrix_checks())  # check_cell's
STEP = LARGEST / DEFAULT_SIZE


@dataclass(frozen=True)
class HostCell:
    host: HostPage
    theme: str
    state: str  # the panel: "closed" or "open"

    @property
    def id(self) -> str:
        return f"{self.host.name}-{self.theme}-{self.state}"

    @property
    def label(self) -> str:
        return f"host={self.host.name} theme={self.theme} size={LARGEST}% widget={self.state}"

    def __str__(self) -> str:
        return self.id


def build_host_matrix() -> list[HostCell]:
    """Every host page × every theme file × panel state, at the largest size."""
    return [
        HostCell(host, theme, state)
        for host in HOST_PAGES
        for theme in load_cached()
        for state in WIDGET_STATES
    ]


HOST_CELLS = build_host_matrix()


def test_host_matrix_covers_every_host_page_and_theme() -> None:
    files = {p.stem for p in themes_dir().glob("*.toml")}
    assert {c.theme for c in HOST_CELLS} == files
    pages = {p.stem for p in HOSTS_DIR.glob("*.html")}
    assert {c.host.name for c in HOST_CELLS} == pages == set(HOST_BY_NAME)
    assert len(HOST_CELLS) == len(pages) * len(files) * len(WIDGET_STATES)
    assert any(h.strict_csp for h in HOST_PAGES) and any(h.late for h in HOST_PAGES)


@pytest.fixture(scope="module")
def hosts(base_url: str) -> Iterator[HostServer]:
    with HostServer(base_url) as server:
        yield server


def open_host(page: Page, hosts: HostServer, path: str, host: HostPage) -> None:
    page.goto(hosts.url(path))
    page.locator("legible-widget button.t").wait_for()
    if host.late:  # the cookie banner is in before the sizes are recorded
        page.wait_for_selector("html[data-host-late=ready]", state="attached")
    page.wait_for_load_state("load")


def largest_in_theme(page: Page, theme_label: str, state: str) -> None:
    """As a reader would: open the panel, pick the theme, press "larger" to the end."""
    page.locator("legible-widget button.t").click()
    page.get_by_role("radio", name=theme_label, exact=True).click()
    larger = page.locator("legible-widget button[data-d='1']")
    for _ in SIZES:
        if larger.get_attribute("aria-disabled") == "true":
            break
        larger.click()
    assert page.locator("legible-widget output").text_content() == f"{LARGEST}%"
    if state == "closed":
        page.keyboard.press("Escape")
        assert page.locator("legible-widget button.t").get_attribute("aria-expanded") == "false"


def reset(page: Page) -> None:
    trigger = page.locator("legible-widget button.t")
    if trigger.get_attribute("aria-expanded") == "false":
        trigger.click()
    page.locator("legible-widget button.r").click()


def csp_violations(page: Page) -> list[Problem]:
    found = page.evaluate("window.__violations || []")
    return [Problem("csp", "csp-violation", (), (v,), "blocked by the host's CSP") for v in found]


@pytest.mark.parametrize("cell", HOST_CELLS, ids=str)
def test_widget_host_cell(
    page: Page, hosts: HostServer, cell: HostCell, ledger: Ledger, report
) -> None:
    theme = load_cached()[cell.theme]
    ledger.cell_ran("test_widget_host_cell", cell.id)
    open_host(page, hosts, cell.host.path, cell.host)
    remember_base(page)
    largest_in_theme(page, theme.label_vi, cell.state)
    checks: dict[str, list[Problem]] = {
        "larger-text": scaled_problems(page, STEP, late=cell.host.late),
        "text-clipped": clipped_text_problems(page, f"at {LARGEST}%: "),
        "text-contrast": text_contrast_problems(page, theme.minimum, root="body"),
    }
    if cell.host.strict_csp:
        checks["csp"] = csp_violations(page)
    problems, _ = check_cell(page, theme.level)
    checks |= {name: [p for p in problems if p.check == name] for name in CELL_CHECKS}
    assert sum(len(checks[name]) for name in CELL_CHECKS) == len(problems), "an unknown check"
    reset(page)
    checks["reset"] = reset_problems(page)
    page.keyboard.press("Escape")  # the reader closes the panel: the page is left as it was
    checks["reset"] += leftover_problems(page)
    report(cell.id, page, checks, cell.label)


def test_the_strict_csp_host_reports_a_violation(page: Page, hosts: HostServer) -> None:
    # Canary: its zero violations mean something only if the CSP is enforced and seen.
    host = HOST_BY_NAME["csp"]
    open_host(page, hosts, host.path, host)
    assert csp_violations(page) == []
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__violations.length > 0")
    assert any("style-src" in p.targets[0] for p in csp_violations(page))


# -- the canary: with the scaling switched off, the growth check must say so --------------

_SCALING_OFF_JS = """() => {
  const scaling = (sheet) =>
    [...sheet.cssRules].some((r) => r.cssText.includes('data-legible-grow'));
  const before = document.adoptedStyleSheets.length;
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !scaling(s));
  return before - document.adoptedStyleSheets.length;
}"""


def test_the_growth_check_fails_when_scaling_is_off(page: Page, hosts: HostServer) -> None:
    host = HOST_BY_NAME["portal"]
    open_host(page, hosts, host.path, host)
    remember_base(page)
    # The widget's per-element size rules are taken off the page; its theme sheet stays.
    assert page.evaluate(_SCALING_OFF_JS) == 1
    largest_in_theme(page, load_cached()["high-contrast"].label_vi, "open")
    problems = scaled_problems(page, STEP)
    grows = [p for p in problems if p.rule == "text-grows"]
    assert grows, "the growth check passed with the scaling off"
    assert any("13px → 13px (1.00×" in p.message for p in grows), [p.message for p in grows]
    assert any("main > p" in t or "#" in t for p in grows for t in p.targets)


# -- the benchmark: what a step costs on a 5,000-element page ----------------------------

_STEP_JS = """async ({ which, opening }) => {
  // One click on a panel button, timed to the end of the restyle and layout it
  // causes. `opening`: the panel is opened in the same task, so the sizes the
  // widget reads when it opens are read by the step itself.
  const root = document.querySelector('legible-widget').shadowRoot;
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  if (opening) root.querySelector('button.t').click();
  const t0 = performance.now();
  root.querySelector(which).click();
  document.body.offsetHeight;
  const t1 = performance.now();
  await frame();
  await frame();
  return t1 - t0;
}"""
_RELAYOUT_JS = """() => {
  // For comparison: the page's own cost of a text-size change, the root font size
  // toggled by one class (every element restyled, every line laid out again).
  if (!window.__benchSheet) {
    window.__benchSheet = new CSSStyleSheet();
    window.__benchSheet.replaceSync('html.bench-big body * { font-size: 26px; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, window.__benchSheet];
  }
  const t0 = performance.now();
  document.documentElement.classList.toggle('bench-big');
  document.body.offsetHeight;
  const t1 = performance.now();
  document.documentElement.classList.toggle('bench-big');
  document.body.offsetHeight;
  return t1 - t0;
}"""


def test_bench_a_step_on_5000_elements(page: Page, hosts: HostServer, capsys) -> None:
    host = HOST_BY_NAME["many"]
    open_host(page, hosts, host.path, host)
    count = page.evaluate("document.getElementsByTagName('*').length")
    assert count >= MANY_ELEMENTS
    larger, default = "button[data-d='1']", "button[data-d='0']"
    runs: dict[str, list[float]] = {}

    def run(name: str, which: str, opening: bool = False) -> None:
        took = page.evaluate(_STEP_JS, {"which": which, "opening": opening})
        runs.setdefault(name, []).append(took)

    relayout = []
    for _ in range(5):
        open_host(page, hosts, host.path, host)  # fresh: nothing read yet
        relayout.append(page.evaluate(_RELAYOUT_JS))
        run("first step as the panel opens", larger, opening=True)
        run("reset", default)
        run("first step, panel open a frame", larger)
        for _ in range(len(SIZES) - 2):
            run("later step", larger)
        run("reset", default)
    with capsys.disabled():
        print(
            f"\nwidget step on a {count}-element page, Chromium, median of {len(relayout)} (ms;"
            " the goal: a step <= 50):"
        )
        print(
            f"  the page's own text-size change (a class, no widget):    {sorted(relayout)[2]:.1f}"
        )
        for name, times in runs.items():
            times.sort()
            print(f"  {name:<28} median {times[len(times) // 2]:.1f}  max {times[-1]:.1f}")


# -- the panel follows the theme the page shows; data-offset -----------------------------

_PANEL_BG_JS = """() => getComputedStyle(document.querySelector('legible-widget').shadowRoot
  .querySelector('.p')).backgroundColor"""
_OS_THEME_JS = """(themes) => (themes.find(([, media]) => media && matchMedia(media).matches)
  || themes[0])[0]"""


def _rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*parse_hex(hex_colour))


@pytest.mark.parametrize(
    ("scheme", "contrast"),
    [("light", "no-preference"), ("dark", "no-preference"), ("dark", "more"), ("light", "more")],
)
def test_the_panel_follows_the_os_until_a_theme_is_chosen(
    make_page: MakePage, hosts: HostServer, scheme: str, contrast: str
) -> None:
    themes = load_cached()
    page = make_page(color_scheme=scheme, contrast=contrast)
    host = HOST_BY_NAME["portal"]
    open_host(page, hosts, host.path, host)
    page.locator("legible-widget button.t").click()
    # What the OS asks for, read from the theme files' `media` (first match in menu order).
    wanted = page.evaluate(_OS_THEME_JS, [[t.name, t.media] for t in themes.values()])
    assert page.evaluate(_PANEL_BG_JS) == _rgb(themes[wanted].colors["background"])
    if (scheme, contrast) != ("light", "no-preference"):
        assert wanted != "default", "the emulated OS preference matched no theme"
    chosen = next(t for t in themes.values() if t.name != wanted)
    page.get_by_role("radio", name=chosen.label_vi, exact=True).click()
    assert page.evaluate(_PANEL_BG_JS) == _rgb(chosen.colors["background"])


_TRIGGER_JS = """() => {
  const r = document.querySelector('legible-widget').shadowRoot
    .querySelector('button.t').getBoundingClientRect();
  return [r.top, innerHeight - r.bottom];
}"""


@pytest.mark.parametrize(
    ("attributes", "top", "bottom", "warns"),
    [
        ("", None, 8, False),
        (' data-offset="96"', None, 96, False),
        (' data-offset="40px" data-position="top-left"', 40, None, False),
        (' data-offset="lots"', None, 8, True),
        (' data-offset="-5"', None, 8, True),
        (' data-offset="401"', None, 8, True),
    ],
    ids=["default", "96", "40px-top", "word", "negative", "too-far"],
)
def test_data_offset(
    make_page: MakePage,
    hosts: HostServer,
    attributes: str,
    top: float | None,
    bottom: float | None,
    warns: bool,
) -> None:
    host = HOST_BY_NAME["portal"]
    path = hosts.add(f"/hosts/offset-{abs(hash(attributes))}.html", host, attributes)
    page = make_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    open_host(page, hosts, path, host)
    got_top, got_bottom = page.evaluate(_TRIGGER_JS)
    if top is not None:
        assert got_top == pytest.approx(top, abs=0.5)
    if bottom is not None:
        assert got_bottom == pytest.approx(bottom, abs=0.5)
    offset_warnings = [w for w in warnings if "data-offset" in w]
    assert bool(offset_warnings) == warns, warnings
    if warns:
        (warning,) = offset_warnings
        assert "whole number of CSS pixels from 0 to 400" in warning and "using 8" in warning
    # The open panel sits beside the trigger, clear of the same edge.
    page.locator("legible-widget button.t").click()
    box = page.locator("legible-widget .p").bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= page.viewport_size["height"]  # type: ignore[index]
