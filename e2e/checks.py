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

    check: str  # axe, focus, text-contrast, font-scale, reflow, page, journey
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


# -- focus visible (axe has no rule for it) -----------------------------------

_CSS_PATH = """
const cssPath = (e) => {
  const parts = [];
  while (e && e.nodeType === 1 && e !== document.documentElement) {
    if (e.id) { parts.unshift('#' + CSS.escape(e.id)); break; }
    let part = e.localName;
    const cls = [...e.classList].slice(0, 2).map(c => '.' + CSS.escape(c)).join('');
    const same = e.parentElement
      ? [...e.parentElement.children].filter(c => c.localName === e.localName) : [];
    part += cls;
    if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
    parts.unshift(part);
    e = e.parentElement;
  }
  return parts.join(' > ');
};
const bgChain = (e) => {
  const out = [];
  for (; e && e.nodeType === 1; e = e.parentElement) {
    const s = getComputedStyle(e);
    out.push({color: s.backgroundColor, image: s.backgroundImage});
  }
  return out;
};
"""

_FOCUS_JS = (
    "() => {"
    + _CSS_PATH
    + """
  const sel = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, iframe, [contenteditable=""], [contenteditable="true"], [tabindex]';
  const els = [...document.querySelectorAll(sel)].filter(
    e => e.tabIndex >= 0 && !e.disabled && !e.closest('[inert]') && e.getClientRects().length);
  const snap = (e) => {
    const s = getComputedStyle(e);
    return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
            outlineColor: s.outlineColor, boxShadow: s.boxShadow,
            border: s.borderTopColor + ' ' + s.borderTopWidth + ' ' + s.borderBottomWidth,
            background: s.backgroundColor, decoration: s.textDecorationLine};
  };
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
  const out = [];
  for (const e of els) {
    const before = snap(e);
    e.focus();
    const r = e.getBoundingClientRect();
    out.push({
      target: cssPath(e), focused: document.activeElement === e,
      focusVisible: e.matches(':focus-visible'), before, after: snap(e),
      box: {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
            bottom: r.bottom + scrollY, width: r.width, height: r.height},
      around: bgChain(e.parentElement),
    });
    e.blur();
  }
  window.scrollTo(0, 0);
  return out;
}
"""
)


def _px(value: str) -> float:
    m = re.match(r"([\d.]+)px", value)
    return float(m.group(1)) if m else 0.0


def _outline_drawn(style: dict[str, str]) -> bool:
    return (
        style["outlineStyle"] not in ("none", "hidden")
        and _px(style["outlineWidth"]) > 0
        and (style["outlineStyle"] == "auto" or parse_rgb(style["outlineColor"])[3] > 0)
    )


def focus_problems(page: Page) -> list[Problem]:
    """Every element in the tab order shows a visible focus indicator (WCAG 2.4.7).

    Keyboard modality first (one Tab), so `:focus-visible` styles apply; then each
    tabbable element is focused in turn and its style compared with its unfocused
    style. An outline indicator must also reach 3:1 against what surrounds it
    (1.4.11), and a focused element must not sit outside the page.
    """
    page.keyboard.press("Tab")
    items = page.evaluate(_FOCUS_JS)
    problems: dict[tuple[str, str], list[str]] = {}
    notes: dict[tuple[str, str], str] = {}
    for item in items:
        if not item["focused"] or not item["focusVisible"]:
            continue  # cannot take focus here, or not in keyboard mode: nothing to judge
        before, after = item["before"], item["after"]
        outline_now = _outline_drawn(after)
        outline_changed = outline_now and (
            not _outline_drawn(before)
            or any(before[k] != after[k] for k in ("outlineColor", "outlineWidth", "outlineStyle"))
        )
        other_changed = any(
            before[k] != after[k] for k in ("boxShadow", "border", "background", "decoration")
        )
        if not (outline_changed or other_changed):
            key = ("focus-visible", "no visible change when focused")
            problems.setdefault(key, []).append(item["target"])
            continue
        if outline_changed and after["outlineStyle"] != "auto" and not other_changed:
            around = composite([layer["color"] for layer in item["around"]])
            ring = blend(parse_rgb(after["outlineColor"]), around)
            ratio = wcag_ratio(ring, around)
            if ratio < NON_TEXT_MIN:
                key = ("focus-contrast", f"{_css(ring)} on {_css(around)}")
                problems.setdefault(key, []).append(item["target"])
                notes[key] = f"focus outline {ratio:.2f}:1 < {NON_TEXT_MIN}:1"
        box = item["box"]
        if box["right"] <= 0 or box["bottom"] <= 0 or box["width"] < 1 or box["height"] < 1:
            key = ("focus-offscreen", "focused element is outside the page")
            problems.setdefault(key, []).append(item["target"])
    if not any(item["focusVisible"] for item in items) and items:
        problems[("focus-setup", "no element matched :focus-visible")] = []
    criteria = {
        "focus-visible": ("2.4.7",),
        "focus-contrast": ("1.4.11", "2.4.13"),
        "focus-offscreen": ("2.4.7", "2.4.11"),
        "focus-setup": (),
    }
    return [
        Problem("focus", rule, criteria[rule], tuple(targets), notes.get((rule, what), what))
        for (rule, what), targets in problems.items()
    ]


def check_cell(page: Page, level: str) -> tuple[list[Problem], AxeOutcome]:
    """What every matrix cell runs: axe once, then the focus-visible check."""
    outcome = run_axe(page, level)
    return outcome.problems + focus_problems(page), outcome


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
