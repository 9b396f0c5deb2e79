"""The checks, as functions that take a loaded Playwright page and return problems.

The matrix and the canary tests call the same functions: a check that cannot
report its canary's known violation cannot be trusted to report ours.
An empty list means the check passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
CONTRAST_RULES = ("color-contrast", "color-contrast-enhanced")
NON_TEXT_MIN = 3.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong, readable on one line."""

    # axe, focus, keyboard, skip-link, target-size, non-text-contrast, lang, text-spacing,
    # forced-colors, reduced-motion, text-contrast, font-scale, reflow, page, journey
    check: str
    rule: str  # an axe rule id or our own check's id
    criteria: tuple[str, ...]  # WCAG success criteria and tags, e.g. ("1.4.6", "wcag2aaa")
    targets: tuple[str, ...]  # CSS selectors
    message: str = ""

    def line(self, where: str = "") -> str:
        crit = ", ".join(self.criteria) or "-"
        shown = list(self.targets[:4])
        if len(self.targets) > 4:
            shown.append(f"… {len(self.targets) - 4} more")
        parts = [where, self.rule, f"WCAG {crit}", " | ".join(shown) or "-", self.message]
        return " · ".join(p for p in parts if p)


@dataclass
class AxeOutcome:
    problems: list[Problem] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)  # rule ids axe evaluated (pass, fail, incomplete)
    review: list[str] = field(default_factory=list)  # incomplete, non-contrast: for a human


# -- colour ------------------------------------------------------------------

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")

RGBA = tuple[float, float, float, float]


def parse_rgb(value: str) -> RGBA:
    """'rgb(1, 2, 3)' / 'rgba(1, 2, 3, 0.5)' / 'rgb(1 2 3 / 50%)' -> (r, g, b, alpha)."""
    if value.strip() == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    m = _RGB.fullmatch(value.strip())
    if not m:
        raise ValueError(f"cannot read the colour {value!r}")
    r, g, b = (float(m.group(i)) for i in (1, 2, 3))
    raw = m.group(4)
    alpha = 1.0 if raw is None else float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    return (r, g, b, alpha)


def blend(top: RGBA, bottom: RGBA) -> RGBA:
    """`top` painted over an opaque `bottom`."""
    a = top[3]
    return (
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1.0,
    )


def composite(layers_inner_to_outer: Sequence[str], canvas: RGBA = (255, 255, 255, 1)) -> RGBA:
    """The opaque colour behind an element: its own and its ancestors' backgrounds."""
    out = canvas
    for layer in reversed(layers_inner_to_outer):
        out = blend(parse_rgb(layer), out)
    return out


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: Sequence[float]) -> float:
    r, g, b = (_linear(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def wcag_ratio(fg: Sequence[float], bg: Sequence[float]) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    hi, lo = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _css(rgb: Sequence[float]) -> str:
    return "rgb({}, {}, {})".format(*(round(v) for v in rgb[:3]))


def criteria_from_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """axe tags -> ('1.4.3', 'wcag2aa', ...): success criteria first, then levels."""
    sc, levels = [], []
    for tag in tags:
        m = re.fullmatch(r"wcag(\d)(\d)(\d+)", tag)
        if m:
            sc.append(".".join(m.groups()))
        elif re.fullmatch(r"wcag2\d?a{1,3}|best-practice", tag):
            levels.append(tag)
    return (*sc, *levels)


# -- axe ---------------------------------------------------------------------


@cache
def _axe() -> Axe:
    return Axe()


def axe_options(level: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
        "resultTypes": ["violations", "incomplete"],
    }
    if level == "AAA":
        # wcag2aaa is not in the tag list; enable the one AAA rule the theme promises.
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    return options


def run_axe(page: Page, level: str) -> AxeOutcome:
    """axe with the WCAG 2.0-2.2 A/AA and best-practice tags (+ 7:1 contrast for AAA).

    Every violation is a problem; so is an incomplete contrast result (axe could not
    decide, which on our own templates means something is in the way), and so is a
    contrast rule that did not run at all.
    """
    response = _axe().run(page, options=axe_options(level)).response
    out = AxeOutcome()
    for kind in ("passes", "violations", "incomplete"):
        out.ran.update(r["id"] for r in response.get(kind, []))
    for rule in response["violations"]:
        out.problems.append(_axe_problem(rule, rule.get("help", "")))
    for rule in response["incomplete"]:
        if rule["id"] in CONTRAST_RULES:
            out.problems.append(_axe_problem(rule, "incomplete: axe could not decide"))
        else:
            out.review.append(rule["id"])
    expected = ["color-contrast"] + (["color-contrast-enhanced"] if level == "AAA" else [])
    for rule_id in expected:
        if rule_id not in out.ran:
            out.problems.append(
                Problem("axe", rule_id, (), (), "did not run: check the axe options")
            )
    return out


def _axe_problem(rule: dict[str, Any], message: str) -> Problem:
    targets = tuple(" ".join(map(str, node["target"])) for node in rule["nodes"])
    detail = ""
    if rule["nodes"]:
        summary = rule["nodes"][0].get("failureSummary") or ""
        detail = " ".join(summary.split())[:300]
        if not detail:
            checks = rule["nodes"][0].get("any", []) + rule["nodes"][0].get("all", [])
            detail = "; ".join(c.get("message", "") for c in checks)[:200]
    text = f"{message} ({detail})" if detail else message
    return Problem("axe", rule["id"], criteria_from_tags(rule.get("tags", [])), targets, text)


# -- the shared JavaScript prelude ----------------------------------------------
# Every helper walks into open shadow roots, so the widget's panel is checked like
# the page around it. A selector inside a shadow tree is written `host >>> inner`.

_CSS_PATH = """
const parentDeep = (e) => e.parentElement || (e.parentNode && e.parentNode.host) || null;
const cssPath = (e) => {
  const root = e.getRootNode();
  const prefix = root instanceof ShadowRoot ? cssPath(root.host) + ' >>> ' : '';
  const parts = [];
  for (; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
    if (e.id) { parts.unshift('#' + CSS.escape(e.id)); break; }
    let part = e.localName;
    const cls = [...e.classList].slice(0, 2).map(c => '.' + CSS.escape(c)).join('');
    const same = e.parentElement
      ? [...e.parentElement.children].filter(c => c.localName === e.localName) : [];
    part += cls;
    if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
    parts.unshift(part);
  }
  return prefix + (parts.join(' > ') || 'html');
};
const bgChain = (e) => {
  const out = [];
  for (; e && e.nodeType === 1; e = parentDeep(e)) {
    const s = getComputedStyle(e);
    out.push({color: s.backgroundColor, image: s.backgroundImage});
  }
  return out;
};
const deepAll = (root = document) => {
  const out = [];
  const walk = (r) => {
    for (const e of r.querySelectorAll('*')) { out.push(e); if (e.shadowRoot) walk(e.shadowRoot); }
  };
  walk(root);
  return out;
};
const deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
const deepHit = (x, y) => {
  let e = document.elementFromPoint(x, y);
  while (e && e.shadowRoot) {
    const inner = e.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === e) break;
    e = inner;
  }
  return e;
};
const within = (node, ancestor) => {
  for (let n = node; n; n = parentDeep(n)) if (n === ancestor) return true;
  return false;
};
// checkVisibility: false inside a closed <details> too (laid out, never painted).
const shown = (e) => e.getClientRects().length > 0
  && getComputedStyle(e).visibility === 'visible'
  && (!e.checkVisibility || e.checkVisibility());
const NATIVE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
  + 'summary, iframe, [contenteditable=""], [contenteditable="true"], [role=button], '
  + '[role=link], [role=radio], [role=checkbox], [role=switch], [role=tab], [role=menuitem], '
  + '[role=option]';
// Everything a reader can click or focus: native controls, ARIA widgets, tabindex >= 0.
const interactive = () => deepAll().filter(
  e => (e.matches(NATIVE) || (e.hasAttribute('tabindex') && e.tabIndex >= 0))
    && !e.disabled && !e.closest('[inert]') && shown(e));
const focusSnap = (e) => {
  const s = getComputedStyle(e);
  const sides = ['Top', 'Right', 'Bottom', 'Left'];
  return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
          outlineColor: s.outlineColor, outlineOffset: s.outlineOffset, boxShadow: s.boxShadow,
          border: sides.map(k => s[`border${k}Color`] + ' ' + s[`border${k}Width`]).join(' / '),
          borderWidths: sides.map(k => s[`border${k}Style`] === 'none' ? '0px'
            : s[`border${k}Width`]),
          borderColor: s.borderTopColor,
          background: s.backgroundColor, decoration: s.textDecorationLine};
};
// What a focused element looks like, where it is, and what is on top of it.
const focusItem = (e, before) => {
  const r = e.getBoundingClientRect();
  // Test the centre of each box the element draws (a link that wraps draws one per
  // line, and the centre of their union may be in neither); covered only if every
  // box that is in the viewport has something else on top at its centre.
  let coveredBy = 'not in the viewport';
  for (const f of e.getClientRects()) {
    const x0 = Math.max(f.left, 0), x1 = Math.min(f.right, innerWidth);
    const y0 = Math.max(f.top, 0), y1 = Math.min(f.bottom, innerHeight);
    if (x1 - x0 < 1 || y1 - y0 < 1) continue;
    const hit = deepHit((x0 + x1) / 2, (y0 + y1) / 2);
    if (hit && within(hit, e)) { coveredBy = null; break; }
    if (coveredBy === 'not in the viewport') {
      coveredBy = hit ? cssPath(hit) : 'nothing at its centre';
    }
  }
  return {
    target: cssPath(e), tag: e.localName, focused: deepActive() === e,
    focusVisible: e.matches(':focus-visible'), before, after: focusSnap(e),
    box: {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
          bottom: r.bottom + scrollY, width: r.width, height: r.height},
    coveredBy, around: bgChain(parentDeep(e)),
  };
};
"""

# -- focus visible, focus appearance, focus not obscured (axe has no rule for them) --

_FOCUS_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const els = interactive().filter(e => e.tabIndex >= 0);
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
  const before = new Map(els.map(e => [e, focusSnap(e)]));
  const out = [];
  for (const e of els) {
    e.focus();
    out.push(focusItem(e, before.get(e)));
    e.blur();
  }
  window.scrollTo(0, 0);
  return out;
}
"""
)

# The Tab walk: unfocused styles first, then one call per Tab stop.
_TAB_SETUP_JS = (
    "() => {"
    + _CSS_PATH
    + """
  window.__legibleBefore = new WeakMap(
    deepAll().filter(e => e.matches(NATIVE) || e.tabIndex >= 0)
      .map(e => [e, focusSnap(e)]));
}
"""
)
_TAB_STOP_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const e = deepActive();
  if (!e || e === document.body || e === document.documentElement) return null;
  const key = window.__legibleKeys || (window.__legibleKeys = new Map());
  if (!key.has(e)) key.set(e, key.size);
  const before = (window.__legibleBefore && window.__legibleBefore.get(e)) || null;
  const item = focusItem(e, before);
  item.key = key.get(e);
  item.href = e.getAttribute('href');
  const id = (item.href || '').startsWith('#') ? decodeURIComponent(item.href.slice(1)) : null;
  const dest = id ? document.getElementById(id) : null;
  const main = document.querySelector('main');
  item.skipsToMain = !!(dest && main && (dest === main || main.contains(dest)));
  return item;
}
"""
)
MAX_TAB_STOPS = 80


def _px(value: str) -> float:
    m = re.match(r"(-?[\d.]+)px", value)
    return float(m.group(1)) if m else 0.0


def _outline_drawn(style: dict[str, str]) -> bool:
    return (
        style["outlineStyle"] not in ("none", "hidden")
        and _px(style["outlineWidth"]) > 0
        and (style["outlineStyle"] == "auto" or parse_rgb(style["outlineColor"])[3] > 0)
    )


_SHADOW = re.compile(
    r"(rgba?\([^)]*\)|transparent)((?:\s+-?[\d.]+px){2,4})(\s+inset)?|"
    r"((?:-?[\d.]+px\s+){2,4})(rgba?\([^)]*\))(\s+inset)?"
)


def parse_box_shadows(value: str) -> list[tuple[RGBA, float, float]]:
    """A computed box-shadow -> [(colour, spread px, blur px)]; Chromium writes the colour
    first ('rgb(0, 0, 0) 0px 0px 0px 2px')."""
    if not value or value == "none":
        return []
    out = []
    for m in _SHADOW.finditer(value):
        colour = m.group(1) or m.group(5)
        lengths = [_px(v) for v in (m.group(2) or m.group(4)).split()]
        blur = lengths[2] if len(lengths) > 2 else 0.0
        spread = lengths[3] if len(lengths) > 3 else 0.0
        out.append((parse_rgb(colour), spread, blur))
    return out


@dataclass(frozen=True)
class Ring:
    """One way a focused element shows focus: an outline, a box-shadow ring or a border."""

    kind: str
    width: float
    colour: RGBA | None  # None: the browser's own two-tone ring (outline-style: auto)


def focus_rings(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Ring]:
    """The indicators that focus added or changed (with no baseline: whatever is drawn)."""
    rings = []
    outline_now = _outline_drawn(after)
    if outline_now and (
        before is None
        or not _outline_drawn(before)
        or any(before[k] != after[k] for k in ("outlineColor", "outlineWidth", "outlineStyle"))
    ):
        auto = after["outlineStyle"] == "auto"
        colour = None if auto else parse_rgb(after["outlineColor"])
        rings.append(Ring("outline", _px(after["outlineWidth"]), colour))
    if after["boxShadow"] != "none" and (
        before is None or before["boxShadow"] != after["boxShadow"]
    ):
        for colour, spread, blur in parse_box_shadows(after["boxShadow"]):
            if colour[3] > 0:
                rings.append(Ring("box-shadow", max(spread, blur / 2), colour))
    if before is not None and before["border"] != after["border"]:
        widths = [_px(w) for w in after["borderWidths"]]
        rings.append(Ring("border", min(widths), parse_rgb(after["borderColor"])))
    return rings


FOCUS_CRITERIA = {
    "focus-visible": ("2.4.7",),
    "focus-contrast": ("1.4.11", "2.4.13"),
    "focus-thickness": ("2.4.13",),
    "focus-obscured": ("2.4.11",),
    "focus-offscreen": ("2.4.7", "2.4.11"),
    "focus-trap": ("2.1.2",),
    "focus-setup": (),
}
FOCUS_MIN_PX = 2.0
_FOCUS_KEYS = (
    "outlineColor",
    "outlineWidth",
    "outlineStyle",
    "boxShadow",
    "border",
    "background",
    "decoration",
)


def ring_ratio(ring: Ring, around: RGBA) -> float:
    """A ring's contrast against the colour around the element (99 for the browser's
    own two-tone ring)."""
    if ring.colour is None:
        return 99.0
    return wcag_ratio(blend(ring.colour, around), around)


def judge_focus(items: list[dict[str, Any]], check: str = "focus") -> list[Problem]:
    """Each focused element: something visible changes (2.4.7); the change is an outline,
    ring or border ≥ 2 px (2.4.13) at ≥ 3:1 against the colour around it (1.4.11); the
    element is inside the page and its centre is not under another element (2.4.11).

    An `outline-style: auto` ring is the browser's own two-tone ring: it counts as
    thick and contrasting enough.
    """
    problems: dict[tuple[str, str], list[str]] = {}
    notes: dict[tuple[str, str], str] = {}

    def add(rule: str, what: str, target: str, note: str = "") -> None:
        problems.setdefault((rule, what), []).append(target)
        if note:
            notes[(rule, what)] = note

    for item in items:
        if not item["focused"] or not item["focusVisible"]:
            continue  # cannot take focus here, or not in keyboard mode: nothing to judge
        before, after = item["before"], item["after"]
        rings = focus_rings(before, after)
        changed = before is None or any(before[k] != after[k] for k in _FOCUS_KEYS)
        if not changed or (before is None and not rings):
            add("focus-visible", "no visible change when focused", item["target"])
            continue
        around = composite([layer["color"] for layer in item["around"]])
        thick = [r for r in rings if r.colour is None or r.width >= FOCUS_MIN_PX - 0.01]
        if not rings:
            add(
                "focus-thickness",
                "only a colour or underline change",
                item["target"],
                "focus shows only as a colour or underline change: no outline, ring or "
                f"border of {FOCUS_MIN_PX:g}px",
            )
        elif not thick:
            widest = max(rings, key=lambda r: r.width)
            add(
                "focus-thickness",
                f"{widest.kind} {widest.width:g}px",
                item["target"],
                f"focus {widest.kind} {widest.width:g}px < {FOCUS_MIN_PX:g}px",
            )
        else:
            ring = max(thick, key=lambda r: ring_ratio(r, around))
            ratio = ring_ratio(ring, around)
            if ratio < NON_TEXT_MIN:
                assert ring.colour is not None
                shown = blend(ring.colour, around)
                add(
                    "focus-contrast",
                    f"{ring.kind} {_css(shown)} on {_css(around)}",
                    item["target"],
                    f"focus {ring.kind} {_css(shown)} on {_css(around)} is {ratio:.2f}:1 "
                    f"< {NON_TEXT_MIN}:1",
                )
        box = item["box"]
        if box["right"] <= 0 or box["bottom"] <= 0 or box["width"] < 1 or box["height"] < 1:
            add("focus-offscreen", "focused element is outside the page", item["target"])
        elif item["coveredBy"]:
            what = item["coveredBy"]
            note = f"{what} when focused" if what.startswith("not ") else f"covered by {what}"
            add("focus-obscured", what, item["target"], note)
    if items and not any(item["focusVisible"] for item in items):
        problems[("focus-setup", "no element matched :focus-visible")] = []
    return [
        Problem(check, rule, FOCUS_CRITERIA[rule], tuple(targets), notes.get((rule, what), what))
        for (rule, what), targets in problems.items()
    ]


def focus_problems(page: Page) -> list[Problem]:
    """Every element in the tab order, focused in turn by script (so unchecked radios and
    the like are judged too), after one Tab so `:focus-visible` styles apply. Each is
    compared with its unfocused style by `judge_focus`."""
    page.keyboard.press("Tab")
    return judge_focus(page.evaluate(_FOCUS_JS), "focus")


@dataclass
class TabWalk:
    stops: list[dict[str, Any]]
    problems: list[Problem]


def tab_walk(page: Page, limit: int = MAX_TAB_STOPS) -> TabWalk:
    """Press Tab from the top of a freshly loaded page until focus leaves the page, comes
    back round, or `limit` stops; judge every stop as `focus_problems` does, and report
    a trap (2.1.2) if focus cycles without ever leaving the page."""
    page.evaluate(_TAB_SETUP_JS)
    stops: list[dict[str, Any]] = []
    seen: set[int] = set()
    problems: list[Problem] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        item = page.evaluate(_TAB_STOP_JS)
        if item is None:
            break  # past the last stop: focus went back to the document
        if item["key"] in seen:
            if item["key"] != stops[0]["key"]:
                problems.append(
                    Problem(
                        "keyboard",
                        "focus-trap",
                        FOCUS_CRITERIA["focus-trap"],
                        (item["target"],),
                        f"Tab came back to this element after {len(stops)} stops",
                    )
                )
            break
        seen.add(item["key"])
        stops.append(item)
    if not stops:
        problems.append(
            Problem("keyboard", "focus-setup", (), ("body",), "Tab never focused anything")
        )
    return TabWalk(stops, judge_focus(stops, "keyboard") + problems)


# -- skip link (2.4.1) ------------------------------------------------------------

SKIP_CRITERIA = ("2.4.1",)
_SKIP_TARGET_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const main = document.querySelector('main');
  const a = deepActive();
  return {active: a ? cssPath(a) : null,
          inMain: !!(a && main && (a === main || main.contains(a)))};
}
"""
)
_FIND_SKIP_JS = """() => {
  const main = document.querySelector('main');
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const dest = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
    if (dest && main && (dest === main || main.contains(dest))) {
      a.setAttribute('data-legible-skip', '');
      return true;
    }
  }
  return false;
}"""


def skip_link_problems(page: Page, walk: TabWalk) -> list[Problem]:
    """The first Tab stop is a link to <main> (or into it), it is on screen and on top
    when focused, and Enter on it moves focus into <main>. Run after `tab_walk`."""
    problems = []
    first = walk.stops[0] if walk.stops else None
    if first is None or not first["skipsToMain"]:
        got = first["target"] if first else "nothing"
        problems.append(
            Problem(
                "skip-link",
                "skip-link-first",
                SKIP_CRITERIA,
                (got,),
                "the first Tab stop is not a link to <main>",
            )
        )
    else:
        box = first["box"]
        if first["coveredBy"] or box["width"] < 1 or box["height"] < 1:
            problems.append(
                Problem(
                    "skip-link",
                    "skip-link-visible",
                    ("2.4.1", "2.4.7"),
                    (first["target"],),
                    f"focused skip link is not visible ({first['coveredBy'] or 'no size'})",
                )
            )
    # Activate the skip link (the first one found, wherever it is) with the keyboard.
    if not page.evaluate(_FIND_SKIP_JS):
        return problems  # none at all: skip-link-first says so
    page.locator("[data-legible-skip]").first.focus()
    page.keyboard.press("Enter")
    found = page.evaluate(_SKIP_TARGET_JS)
    if not found["inMain"]:
        problems.append(
            Problem(
                "skip-link",
                "skip-link-target",
                SKIP_CRITERIA,
                ("[data-legible-skip]",),
                f"after Enter focus is on {found['active']}, not in <main>",
            )
        )
    return problems


def check_cell(page: Page, level: str) -> tuple[list[Problem], AxeOutcome]:
    """What every matrix cell runs: axe once, then focus visibility/appearance, target
    size, non-text contrast and lang attributes (one evaluate each, no reload)."""
    outcome = run_axe(page, level)
    problems = outcome.problems + focus_problems(page)
    problems += target_size_problems(page) + non_text_contrast_problems(page)
    problems += lang_problems(page)
    return problems, outcome


# -- text contrast in Chromium --------------------------------------------------

_TEXT_JS = (
    "(rootSelector) => {"
    + _CSS_PATH
    + """
  const root = document.querySelector(rootSelector);
  if (!root) return [];
  const out = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || s.visibility !== 'visible') continue;  // .vh, hidden
    let opacity = 1;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      opacity *= parseFloat(getComputedStyle(a).opacity);
    }
    out.push({
      target: cssPath(e), tag: e.localName, link: !!e.closest('a[href]'),
      paragraph: !!e.closest('p'), color: s.color, opacity,
      fontSize: s.fontSize, layers: bgChain(e),
    });
  }
  return out;
}
"""
)


@dataclass(frozen=True)
class TextSample:
    target: str
    tag: str
    link: bool
    paragraph: bool
    fg: RGBA
    bg: RGBA
    ratio: float
    font_px: float
    note: str = ""


def measure_text(page: Page, root: str = "main") -> list[TextSample]:
    """Computed colour of every element in `root` with text of its own, over the
    composite of its and its ancestors' backgrounds."""
    samples = []
    for item in page.evaluate(_TEXT_JS, root):
        note = ""
        if any(layer["image"] != "none" for layer in item["layers"]):
            note = "a background image is behind this text: contrast not provable"
        if item["opacity"] < 1:
            note = f"opacity {item['opacity']:.2f} in the ancestors"
        bg = composite([layer["color"] for layer in item["layers"]])
        fg = blend(parse_rgb(item["color"]), bg)
        samples.append(
            TextSample(
                item["target"],
                item["tag"],
                item["link"],
                item["paragraph"],
                fg,
                bg,
                wcag_ratio(fg, bg),
                _px(item["fontSize"]),
                note,
            )
        )
    return samples


def text_contrast_problems(page: Page, minimum: float, root: str = "main") -> list[Problem]:
    """Body text and links in `root` reach `minimum` (4.5 for AA, 7 for AAA)."""
    samples = measure_text(page, root)
    criteria = ("1.4.6",) if minimum >= 7 else ("1.4.3",)
    problems = []
    if not any(s.paragraph and not s.link for s in samples):
        problems.append(
            Problem("text-contrast", "text-contrast", criteria, (root,), "no paragraph")
        )
    if not any(s.link for s in samples):
        problems.append(Problem("text-contrast", "text-contrast", criteria, (root,), "no link"))
    low: dict[tuple[str, str, str], list[str]] = {}
    for s in samples:
        if s.note:
            low.setdefault((s.note, "", ""), []).append(s.target)
        elif s.ratio < minimum - 1e-9:
            key = (_css(s.fg), _css(s.bg), f"{s.ratio:.2f}")
            low.setdefault(key, []).append(s.target)
    for (fg, bg, ratio), targets in low.items():
        message = fg if not bg else f"{fg} on {bg} is {ratio}:1, below {minimum:g}:1"
        problems.append(
            Problem("text-contrast", "text-contrast", criteria, tuple(targets), message)
        )
    return problems


# -- size and reflow -------------------------------------------------------------


def paragraph_font_px(page: Page, selector: str = "main p") -> float:
    value = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return _px(str(value))


def font_scale_problems(base_px: float, scaled_px: float, size: int) -> list[Problem]:
    """At `size` % the paragraph is exactly size/100 times its size at 100 % (1.4.4)."""
    want = base_px * size / 100
    if base_px > 0 and abs(scaled_px - want) < 0.01:
        return []
    return [
        Problem(
            "font-scale",
            "text-resize",
            ("1.4.4",),
            ("main p",),
            f"{scaled_px:g}px at {size}%, want {want:g}px ({base_px:g}px × {size / 100:g})",
        )
    ]


_REFLOW_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const width = window.innerWidth;
  const wide = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 0.5 && r.width > 0) {
      wide.push(cssPath(e) + ` (right edge ${Math.round(r.right)}px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          wide: wide.slice(0, 8)};
}
"""
)


def reflow_problems(page: Page) -> list[Problem]:
    """No horizontal scrolling at the current viewport width (WCAG 1.4.10)."""
    found = page.evaluate(_REFLOW_JS)
    if found["scrollWidth"] <= found["innerWidth"]:
        return []
    return [
        Problem(
            "reflow",
            "reflow",
            ("1.4.10",),
            tuple(found["wide"]),
            f"scrollWidth {found['scrollWidth']}px > innerWidth {found['innerWidth']}px",
        )
    ]


# -- target size (2.5.8, and Legible's own 44 px) -----------------------------------

TARGET_MIN = 24.0  # WCAG 2.5.8 (AA)
OWN_TARGET_MIN = 44.0  # what Legible promises for its own controls (2.5.5, AAA)
# Legible's own controls. For a radio or checkbox the target is the input plus its
# label, which is what a reader actually hits.
OWN_CONTROLS = (
    ".controls button, form.search input, form.search button, .prefs-page input, "
    ".prefs-page button, details.prefs > summary, legible-widget"
)
_TARGET_JS = (
    "(own) => {"
    + _CSS_PATH
    + """
  const textOutside = (block, e) => {
    const w = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (!e.contains(n) && /\\S/.test(n.data) && n.parentElement
          && n.parentElement.getClientRects().length) return true;
    }
    return false;
  };
  const out = [];
  for (const e of interactive()) {
    if (e.localName === 'label') continue;
    const toggle = e.matches('input[type=radio], input[type=checkbox]');
    const rects = [e, ...(toggle ? [...(e.labels || [])].filter(shown) : [])]
      .map(x => x.getBoundingClientRect());
    const box = {l: Math.min(...rects.map(r => r.left)), t: Math.min(...rects.map(r => r.top)),
                 r: Math.max(...rects.map(r => r.right)), b: Math.max(...rects.map(r => r.bottom))};
    const w = box.r - box.l, h = box.b - box.t;
    if (w < 1 || h < 1) continue;  // nothing to hit
    let inline = false;
    if (!toggle && getComputedStyle(e).display === 'inline') {
      let block = parentDeep(e);
      while (block && getComputedStyle(block).display === 'inline') block = parentDeep(block);
      inline = !!block && textOutside(block, e);
    }
    const host = e.getRootNode().host;
    out.push({target: cssPath(e), x: box.l + scrollX, y: box.t + scrollY, w, h, inline,
              own: e.matches(own) || !!(host && host.matches(own))});
  }
  return out;
}
"""
)


def _gap(point: tuple[float, float], box: dict[str, float]) -> float:
    """Distance from a point to a target's box (0 inside it)."""
    dx = max(box["x"] - point[0], 0.0, point[0] - (box["x"] + box["w"]))
    dy = max(box["y"] - point[1], 0.0, point[1] - (box["y"] + box["h"]))
    return float((dx * dx + dy * dy) ** 0.5)


def judge_targets(items: list[dict[str, Any]]) -> list[Problem]:
    """Every target ≥ 24 × 24 CSS px, unless it is a link inside a sentence or the
    2.5.8 spacing exception holds (a 24 px circle on its centre touches no other target
    and no other undersized target's circle); Legible's own controls ≥ 44 × 44."""
    eps = 0.01
    small: dict[str, list[str]] = {}
    own_small: dict[str, list[str]] = {}

    def centre(i: dict[str, Any]) -> tuple[float, float]:
        return (i["x"] + i["w"] / 2, i["y"] + i["h"] / 2)

    def undersized(i: dict[str, Any]) -> bool:
        return not i["inline"] and (i["w"] < TARGET_MIN - eps or i["h"] < TARGET_MIN - eps)

    for i in items:
        size = f"{i['w']:.0f}×{i['h']:.0f}px"
        if i["own"]:
            if i["w"] < OWN_TARGET_MIN - eps or i["h"] < OWN_TARGET_MIN - eps:
                own_small.setdefault(size, []).append(i["target"])
            continue
        if not undersized(i):
            continue
        c = centre(i)
        crowded = any(
            o is not i
            and (
                (undersized(o) and not o["own"] and _dist(c, centre(o)) < TARGET_MIN - eps)
                or _gap(c, o) < TARGET_MIN / 2 - eps
            )
            for o in items
        )
        if crowded:
            small.setdefault(size, []).append(i["target"])
    problems = [
        Problem(
            "target-size",
            "target-size-24",
            ("2.5.8",),
            tuple(targets),
            f"{size} < {TARGET_MIN:g}×{TARGET_MIN:g}px, and too close to another target",
        )
        for size, targets in small.items()
    ]
    problems += [
        Problem(
            "target-size",
            "target-size-44",
            ("2.5.5",),
            tuple(targets),
            f"Legible's own control is {size} < {OWN_TARGET_MIN:g}×{OWN_TARGET_MIN:g}px",
        )
        for size, targets in own_small.items()
    ]
    return problems


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def target_size_problems(page: Page) -> list[Problem]:
    return judge_targets(page.evaluate(_TARGET_JS, OWN_CONTROLS))


# -- non-text contrast (1.4.11): control boundaries and icons --------------------------

# Natively drawn radios and checkboxes: the browser paints their boundary, and its
# colours are not in the computed style.
_NATIVE_TOGGLE = "input[type=radio], input[type=checkbox], input[type=range], input[type=color]"
_CONTROLS = (
    "button, input, select, textarea, [role=button], [role=radio], [role=checkbox], [role=switch]"
)
_NON_TEXT_JS = (
    "([controlsSel, nativeSel]) => {"
    + _CSS_PATH
    + """
  const sides = (s) => ['Top', 'Right', 'Bottom', 'Left'].map(k => ({
    width: s[`border${k}Width`], style: s[`border${k}Style`], color: s[`border${k}Color`]}));
  const controls = [];
  for (const e of interactive()) {
    if (!e.matches(controlsSel)) continue;
    const s = getComputedStyle(e);
    if (e.matches(nativeSel) && s.appearance !== 'none') continue;
    controls.push({target: cssPath(e), field: e.matches('input, select, textarea'),
                   sides: sides(s), bg: s.backgroundColor, image: s.backgroundImage,
                   around: bgChain(parentDeep(e))});
  }
  const icons = [];
  for (const svg of deepAll().filter(e => e.localName === 'svg' && shown(e))) {
    const paints = new Set();
    for (const shape of svg.querySelectorAll(
        'path, circle, rect, ellipse, line, polyline, polygon, text')) {
      if (!shape.getClientRects().length) continue;
      const s = getComputedStyle(shape);
      if (s.display === 'none' || s.visibility !== 'visible') continue;
      if (s.stroke !== 'none' && parseFloat(s.strokeWidth) > 0
          && parseFloat(s.strokeOpacity) > 0) paints.add(s.stroke);
      if (s.fill !== 'none' && parseFloat(s.fillOpacity) > 0) paints.add(s.fill);
    }
    icons.push({target: cssPath(svg), paints: [...paints], around: bgChain(svg)});
  }
  return {controls, icons};
}
"""
)


def _drawn(side: dict[str, str]) -> bool:
    return (
        side["style"] not in ("none", "hidden")
        and _px(side["width"]) >= 1 - 0.01
        and parse_rgb(side["color"])[3] > 0
    )


def judge_non_text(found: dict[str, Any]) -> list[Problem]:
    """A control's boundary is ≥ 3:1 against what is behind it: its border, or else its
    own background. A button with neither is identified by its text; a text field is
    not. Every painted stroke or fill of an inline SVG icon is ≥ 3:1 against what is
    behind the icon."""
    problems: dict[str, list[str]] = {}
    for c in found["controls"]:
        behind = composite([layer["color"] for layer in c["around"]])
        if c["image"] != "none" or any(layer["image"] != "none" for layer in c["around"]):
            problems.setdefault("a background image is behind this control", []).append(c["target"])
            continue
        fill = blend(parse_rgb(c["bg"]), behind)
        fill_ratio = wcag_ratio(fill, behind)
        drawn = [s for s in c["sides"] if _drawn(s)]
        if fill_ratio >= NON_TEXT_MIN:
            continue
        if drawn:
            worst = min(
                drawn, key=lambda s: wcag_ratio(blend(parse_rgb(s["color"]), behind), behind)
            )
            colour = blend(parse_rgb(worst["color"]), behind)
            ratio = wcag_ratio(colour, behind)
            if ratio < NON_TEXT_MIN:
                key = (
                    f"border {_css(colour)} on {_css(behind)} is {ratio:.2f}:1 "
                    f"< {NON_TEXT_MIN:g}:1 (fill {fill_ratio:.2f}:1)"
                )
                problems.setdefault(key, []).append(c["target"])
        elif c["field"]:
            key = f"no border and a fill of {fill_ratio:.2f}:1: the field has no visible edge"
            problems.setdefault(key, []).append(c["target"])
    for icon in found["icons"]:
        behind = composite([layer["color"] for layer in icon["around"]])
        for paint in icon["paints"]:
            try:
                colour = blend(parse_rgb(paint), behind)
            except ValueError:
                problems.setdefault(f"icon paint {paint} cannot be measured", []).append(
                    icon["target"]
                )
                continue
            ratio = wcag_ratio(colour, behind)
            if ratio < NON_TEXT_MIN:
                key = f"icon {_css(colour)} on {_css(behind)} is {ratio:.2f}:1 < {NON_TEXT_MIN:g}:1"
                problems.setdefault(key, []).append(icon["target"])
    return [
        Problem("non-text-contrast", "non-text-contrast", ("1.4.11",), tuple(targets), what)
        for what, targets in problems.items()
    ]


def non_text_contrast_problems(page: Page) -> list[Problem]:
    return judge_non_text(page.evaluate(_NON_TEXT_JS, [_CONTROLS, _NATIVE_TOGGLE]))


# -- lang attributes (3.1.1, 3.1.2) ----------------------------------------------------

_GRANDFATHERED = (
    "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|"
    "i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|"
    "no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
# RFC 5646 "Language-Tag": langtag / privateuse / grandfathered (well-formed, any case).
BCP47 = re.compile(
    r"(?:(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|\d{3}))?"  # region
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"  # variants
    r"(?:-[\da-wyz](?:-[a-z\d]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z\d]{1,8})+)?"  # private use
    r"|x(?:-[a-z\d]{1,8})+|" + _GRANDFATHERED + ")",
    re.IGNORECASE,
)
_LANG_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const names = new Intl.DisplayNames(['en'], {type: 'language', fallback: 'none'});
  const els = [document.documentElement,
               ...deepAll().filter(e => e.hasAttribute('lang') && e !== document.documentElement)];
  return els.map(e => {
    const lang = e.getAttribute('lang');
    const primary = (lang || '').split('-')[0];
    let name = null;
    try { name = primary ? names.of(primary) || null : null; } catch (x) { name = null; }
    return {target: e === document.documentElement ? 'html' : cssPath(e), lang, name};
  });
}
"""
)


def lang_problem(lang: str | None, known_name: str | None, root: bool) -> str | None:
    """Why a lang value is not a valid BCP 47 tag for a known language, or None."""
    if lang is None or not lang.strip():
        return "missing: the page's language is unknown" if root else None  # lang="" is allowed
    m = BCP47.fullmatch(lang)
    if not m:
        return f"lang={lang!r} is not a well-formed BCP 47 tag"
    primary = m.group("language")
    if primary is None:
        return None  # private use or grandfathered
    primary = primary.split("-")[0].lower()
    if re.fullmatch(r"q[a-t][a-z]", primary):
        return None  # reserved for local use
    if known_name is None:
        return f"lang={lang!r}: {primary!r} is not a known language code"
    return None


def lang_problems(page: Page) -> list[Problem]:
    problems = []
    for item in page.evaluate(_LANG_JS):
        root = item["target"] == "html"
        why = lang_problem(item["lang"], item["name"], root)
        if why:
            criteria = ("3.1.1",) if root else ("3.1.2",)
            problems.append(Problem("lang", "lang-valid", criteria, (item["target"],), why))
    return problems


# -- text spacing (1.4.12) ----------------------------------------------------------

# The WCAG 1.4.12 values, as the usual bookmarklet injects them.
TEXT_SPACING_CSS = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
_CLIP_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const clips = (v) => v === 'hidden' || v === 'clip';
  // The visually-hidden pattern (.vh: a 1px clipped box) hides text on purpose.
  const hiddenOnPurpose = (e) => {
    for (let a = e; a && a.nodeType === 1; a = parentDeep(a)) {
      const s = getComputedStyle(a);
      if (s.clipPath !== 'none' || (s.clip && s.clip !== 'auto')) return true;
      if (clips(s.overflowX) || clips(s.overflowY)) {
        const r = a.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  };
  const skip = (e) => e === document.documentElement || e === document.body;
  const out = [];
  const elements = deepAll(document.body);
  // 1. A clipping box whose content is larger than the box.
  for (const e of elements) {
    if (skip(e) || !e.getClientRects().length) continue;
    const s = getComputedStyle(e);
    const cx = clips(s.overflowX), cy = clips(s.overflowY);
    if (!(cx || cy) || !/\\S/.test(e.textContent) || hiddenOnPurpose(e)) continue;
    const dx = e.scrollWidth - e.clientWidth, dy = e.scrollHeight - e.clientHeight;
    if ((cx && dx > 1) || (cy && dy > 1)) {
      out.push({target: cssPath(e), by: null, text: e.textContent.trim().slice(0, 40),
                over: Math.max(cx ? dx : 0, cy ? dy : 0)});
    }
  }
  // 2. A text node that sticks out of a clipping ancestor.
  const roots = [document.body, ...elements.filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!/\\S/.test(n.data) || !parent || !parent.getClientRects().length) continue;
      if (getComputedStyle(parent).visibility !== 'visible' || hiddenOnPurpose(parent)) continue;
      if (parent.closest('script, style, noscript, template')) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      if (!rects.length) continue;
      for (let a = parent; a && !skip(a); a = parentDeep(a)) {
        const s = getComputedStyle(a);
        const cx = clips(s.overflowX), cy = clips(s.overflowY);
        if (!(cx || cy)) continue;
        const r = a.getBoundingClientRect();
        const left = r.left + a.clientLeft, top = r.top + a.clientTop;
        const right = left + a.clientWidth, bottom = top + a.clientHeight;
        const over = Math.max(0, ...rects.map(t => Math.max(
          cx ? Math.max(left - t.left, t.right - right) : 0,
          cy ? Math.max(top - t.top, t.bottom - bottom) : 0)));
        if (over > 1) {
          out.push({target: cssPath(parent), by: cssPath(a), text: n.data.trim().slice(0, 40),
                    over});
          break;
        }
      }
    }
  }
  return out;
}
"""
)


def clipped_text_problems(page: Page, label: str = "") -> list[Problem]:
    """No text is cut off by an `overflow: hidden/clip` box (1.4.12)."""
    found: dict[str, list[str]] = {}
    for item in page.evaluate(_CLIP_JS):
        where = f"clipped by {item['by']}" if item["by"] else "content larger than its box"
        key = f"{label}{where}: {item['text']!r} ({item['over']:.0f}px cut off)"
        found.setdefault(key, []).append(item["target"])
    return [
        Problem("text-spacing", "text-clipped", ("1.4.12",), tuple(targets), what)
        for what, targets in found.items()
    ]


def text_spacing_problems(page: Page) -> list[Problem]:
    """The WCAG 1.4.12 spacing, injected as a stylesheet, clips no text. Run last on a
    page: the stylesheet stays."""
    page.add_style_tag(content=TEXT_SPACING_CSS)
    return clipped_text_problems(page, "with WCAG text spacing: ")


# -- forced colours ---------------------------------------------------------------------

_FORCED_JS = (
    "([controlsSel, nativeSel]) => {"
    + _CSS_PATH
    + """
  const out = [];
  for (const e of interactive()) {
    if (!e.matches(controlsSel)) continue;
    const s = getComputedStyle(e);
    if (e.matches(nativeSel) && s.appearance !== 'none') continue;  // the OS draws it
    out.push({target: cssPath(e),
              sides: ['Top', 'Right', 'Bottom', 'Left'].map(k => ({
                width: s[`border${k}Width`], style: s[`border${k}Style`],
                color: s[`border${k}Color`]})),
              outline: {width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor}});
  }
  return out;
}
"""
)


def forced_colors_problems(page: Page) -> list[Problem]:
    """Under forced colours (Windows High Contrast) backgrounds are gone: every button
    and input keeps a boundary, a border of ≥ 1 px on all sides or an outline, in a
    colour that is not transparent. Run in a context made with forced_colors="active"."""
    bare = []
    for c in page.evaluate(_FORCED_JS, [_CONTROLS, _NATIVE_TOGGLE]):
        outline = c["outline"]
        outlined = (
            outline["style"] not in ("none", "hidden")
            and _px(outline["width"]) >= 1 - 0.01
            and (outline["style"] == "auto" or parse_rgb(outline["color"])[3] > 0)
        )
        if not (all(_drawn(s) for s in c["sides"]) or outlined):
            bare.append(c["target"])
    if not bare:
        return []
    return [
        Problem(
            "forced-colors",
            "forced-colors-boundary",
            ("1.4.11",),
            tuple(bare),
            "no border or outline under forced colours: the control has no visible edge",
        )
    ]


# -- reduced motion (2.3.3) ---------------------------------------------------------------

_HOVER_POINTS_JS = (
    "(limit) => {"
    + _CSS_PATH
    + """
  const out = [];
  for (const e of interactive()) {
    const r = e.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x > 0 && y > 0 && x < innerWidth && y < innerHeight) out.push([x, y]);
    if (out.length >= limit) break;
  }
  return out;
}
"""
)
_MOTION_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const roots = [document, ...deepAll().filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const seen = new Set();
  const running = [];
  for (const root of roots) {
    for (const a of root.getAnimations()) {
      if (seen.has(a)) continue;
      seen.add(a);
      if (a.playState !== 'running' && !a.pending) continue;
      const t = a.effect && a.effect.target;
      running.push({target: t ? cssPath(t) + (a.effect.pseudoElement || '') : '(no element)',
                    name: a.animationName || a.transitionProperty || a.id
                      || a.constructor.name});
    }
  }
  const slow = [];
  for (const e of interactive()) {
    const s = getComputedStyle(e);
    if (s.transitionDuration.split(',').some(v => parseFloat(v) > 0)) {
      slow.push({target: cssPath(e), duration: s.transitionDuration});
    }
  }
  return {running, slow};
}
"""
)


def reduced_motion_problems(page: Page, tabs: int = 12, hovers: int = 12) -> list[Problem]:
    """With prefers-reduced-motion: reduce, nothing animates after the reader tabs and
    hovers around, and no interactive element has a transition longer than 0s. Run in a
    context made with reduced_motion="reduce"."""
    for _ in range(tabs):
        page.keyboard.press("Tab")
    for x, y in page.evaluate(_HOVER_POINTS_JS, hovers):
        page.mouse.move(x, y)
    found = page.evaluate(_MOTION_JS)
    problems = []
    names = sorted({str(a["name"]) for a in found["running"]})
    if found["running"]:
        problems.append(
            Problem(
                "reduced-motion",
                "motion-animation",
                ("2.3.3",),
                tuple(dict.fromkeys(a["target"] for a in found["running"])),
                f"still running under reduced motion: {', '.join(names)}",
            )
        )
    if found["slow"]:
        durations = sorted({s["duration"] for s in found["slow"]})
        problems.append(
            Problem(
                "reduced-motion",
                "motion-transition",
                ("2.3.3",),
                tuple(s["target"] for s in found["slow"]),
                f"transition-duration {', '.join(durations)} under reduced motion, want 0s",
            )
        )
    return problems
