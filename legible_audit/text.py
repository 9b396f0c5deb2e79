"""Text: contrast measured in Chromium (1.4.3, 1.4.6), scaling (1.4.4) and the WCAG
1.4.12 text spacing, which must clip nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from .colour import (
    RGBA,
    blend,
    composite,
    css,
    halo,
    is_large_text,
    parse_rgb,
    px,
    text_minimum,
    wcag_ratio,
)
from .problem import FAIL, REVIEW, Problem
from .scripts import script


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
    note: str = ""  # why the contrast cannot be decided here: for review
    large: bool = False  # WCAG large-scale text: 3:1 (AA) or 4.5:1 (AAA)
    worst: float | None = None  # over a gradient: the lowest ratio over its colours
    icon: bool = False  # a glyph or two in a control named otherwise: maybe not text


_COLOUR = re.compile(r"rgba?\([^)]*\)|transparent")


def _behind(layers: list[dict[str, str]]) -> tuple[list[RGBA], str]:
    """The backgrounds text may sit on, from its own box out: one colour, or one per
    colour of a gradient; and why it cannot be known ("" when it can): an image, or
    more than one gradient."""
    images = [i for i, layer in enumerate(layers) if layer["image"] != "none"]
    if not images:
        return [composite([layer["color"] for layer in layers])], ""
    if len(images) > 1 or "url(" in layers[images[0]]["image"]:
        return [], "a background image is behind this text: contrast not provable"
    k = images[0]
    under = composite([layer["color"] for layer in layers[k:]])  # its colour is beneath
    stops = [blend(parse_rgb(c), under) for c in _COLOUR.findall(layers[k]["image"])]
    inner = [layer["color"] for layer in layers[:k]]
    return [composite(inner, stop) for stop in stops] or [under], ""


def measure_text(page: Page, root: str = "main") -> list[TextSample]:
    """Computed colour of every element in `root` with text of its own (faded by its
    ancestors' opacity) over the composite of its and its ancestors' backgrounds, or
    over a text-shadow halo where one surrounds the glyphs. Over a gradient, `ratio`
    is the best ratio over its colours and `worst` the lowest."""
    samples = []
    for item in page.evaluate(script("text"), root):
        backs, note = _behind(item["layers"])
        colour = parse_rgb(item["color"])
        colour = (colour[0], colour[1], colour[2], colour[3] * float(item["opacity"]))
        ratios, shown = [], []
        for back in backs or [(255.0, 255.0, 255.0, 1.0)]:
            around = halo(item["shadow"], back) or back
            fg = blend(colour, back)
            ratios.append(wcag_ratio(fg, around))
            shown.append((fg, around))
        best = max(range(len(ratios)), key=lambda i: ratios[i])
        weight = float(item["fontWeight"]) if str(item["fontWeight"]).isdigit() else 400.0
        samples.append(
            TextSample(
                item["target"],
                item["tag"],
                item["link"],
                item["paragraph"],
                shown[best][0],
                shown[best][1],
                ratios[best],
                px(item["fontSize"]),
                note,
                is_large_text(px(item["fontSize"]), weight),
                min(ratios) if len(ratios) > 1 else None,
                bool(item["icon"]),
            )
        )
    return samples


def text_contrast_problems(
    page: Page, minimum: float, root: str = "main", expect_content: bool = True
) -> list[Problem]:
    """Body text and links in `root` reach `minimum` (4.5 for AA, 7 for AAA; 3 and 4.5
    for large-scale text). Text whose colours are its background's (1:1) is not seen,
    so not judged. Over a gradient, text that no colour of it lets reach the minimum
    fails, and text that only some do is for review, as is text over an image.
    `expect_content`: `root` must hold a paragraph and a link (so a template that lost
    them cannot pass by measuring nothing)."""
    samples = measure_text(page, root)
    criteria = ("1.4.6",) if minimum >= 7 else ("1.4.3",)
    problems = []
    if not expect_content:
        pass
    elif not any(s.paragraph and not s.link for s in samples):
        problems.append(
            Problem("text-contrast", "text-contrast", criteria, (root,), "no paragraph")
        )
    if expect_content and not any(s.link for s in samples):
        problems.append(Problem("text-contrast", "text-contrast", criteria, (root,), "no link"))
    low: dict[tuple[str, str, str, float, str], list[str]] = {}
    for s in samples:
        need = text_minimum(minimum, s.large)
        if s.note:
            low.setdefault((s.note, "", "", need, REVIEW), []).append(s.target)
        elif s.ratio < 1.0 + 1e-6:
            continue  # the text's colour is its background's: nothing is seen to judge
        elif s.ratio < need - 1e-9 and s.icon:
            note = (
                f"{s.ratio:.2f}:1, below {need:g}:1, on a glyph inside a control named "
                "otherwise: an icon (3:1, 1.4.11) or text (1.4.3) needs a person"
            )
            low.setdefault((note, "", "", need, REVIEW), []).append(s.target)
        elif s.ratio < need - 1e-9:
            key = (css(s.fg), css(s.bg), f"{s.ratio:.2f}", need, FAIL)
            low.setdefault(key, []).append(s.target)
        elif s.worst is not None and s.worst < need - 1e-9:
            note = (
                f"over a gradient: {s.worst:.2f}:1 to {s.ratio:.2f}:1 against "
                f"{need:g}:1, where the text falls on it needs a person"
            )
            low.setdefault((note, "", "", need, REVIEW), []).append(s.target)
    for (fg, bg, ratio, need, outcome), targets in low.items():
        message = fg if not bg else f"{fg} on {bg} is {ratio}:1, below {need:g}:1"
        problems.append(
            Problem("text-contrast", "text-contrast", criteria, tuple(targets), message, outcome)
        )
    return problems


# -- size and reflow -------------------------------------------------------------


def paragraph_font_px(page: Page, selector: str = "main p") -> float:
    value = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return px(str(value))


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


# -- text spacing (1.4.12) ----------------------------------------------------------

# The WCAG 1.4.12 values, as the usual bookmarklet injects them, lifted by three
# never-matching ids (specificity 3,0,0) above the host's important rules and the
# widget's (its line heights at a larger size are `[data-legible-lh="N"]:not(#_)`,
# 1,1,0; its own spacing option 1,1,2), so the spacing is what gets tested.
LIFT = ":not(#_):not(#_):not(#_)"
TEXT_SPACING_CSS = f"""
{LIFT} {{ line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }}
p{LIFT} {{ margin-bottom: 2em !important; }}
"""


# The WCAG 1.4.12 minimums as a share of the font size, and the ACT rule for each
# spacing a style attribute can pin with !important.
SPACING_MINIMUM = {"letter-spacing": 0.12, "word-spacing": 0.16, "line-height": 1.5}
SPACING_RULES = {
    "letter-spacing": "letter-spacing-important",  # ACT 24afc2
    "word-spacing": "word-spacing-important",  # ACT 9e45ec
    "line-height": "line-height-important",  # ACT 78fd32
}


def judge_important_spacing(items: list[dict[str, Any]]) -> list[Problem]:
    """Each spacing pinned with !important in a style attribute is already at least the
    1.4.12 value (letter 0.12, word 0.16, line height 1.5 × the font size), or a reader's
    spacing cannot apply. Line height is judged only where the text wraps; `normal`
    spacing is 0 (letter, word) or about 1.2 (line height): too little."""
    found: dict[tuple[str, str], list[str]] = {}
    for item in items:
        prop, font = item["prop"], px(item["fontSize"])
        if prop == "line-height" and not item["wraps"]:
            continue  # one line: no line spacing to set
        if font <= 0:
            continue
        value = item["value"]
        share = 0.0 if value == "normal" else px(value) / font
        if share >= SPACING_MINIMUM[prop] - 1e-3:
            continue
        shown = "normal" if value == "normal" else f"{px(value):g}px"
        what = (
            f"{prop}: {item['declared']} !important in a style attribute ({shown}, "
            f"{share:.2f} × the font size) stops a reader's {SPACING_MINIMUM[prop]:g} from "
            "applying"
        )
        found.setdefault((prop, what), []).append(item["target"])
    return [
        Problem("text-spacing", SPACING_RULES[prop], ("1.4.12",), tuple(targets), what)
        for (prop, what), targets in found.items()
    ]


def important_spacing_problems(page: Page) -> list[Problem]:
    return judge_important_spacing(page.evaluate(script("important_spacing")))


def _clipped(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate(script("clipped_text")))


# Text that sticks out of its box by this little is the font's ascent and descent
# beyond a tight line height (line-height: 1), not a cut a reader sees.
GLYPH_SLACK_PX = 3.0


def _worst(items: list[dict[str, Any]]) -> dict[str, float]:
    """How much each element has cut off, at most."""
    out: dict[str, float] = {}
    for i in items:
        out[i["target"]] = max(out.get(i["target"], 0.0), float(i["over"]))
    return out


def _clip_problems(
    items: list[dict[str, Any]], label: str, rule: str, criteria: tuple[str, ...], outcome: str
) -> list[Problem]:
    found: dict[str, list[str]] = {}
    for item in items:
        where = f"clipped by {item['by']}" if item["by"] else "content larger than its box"
        key = f"{label}{where}: {item['text']!r} ({item['over']:.0f}px cut off)"
        found.setdefault(key, []).append(item["target"])
    return [
        Problem("text-spacing", rule, criteria, tuple(targets), what, outcome)
        for what, targets in found.items()
    ]


def clipped_text_problems(page: Page, label: str = "") -> list[Problem]:
    """No text is cut off by an `overflow: hidden/clip` box (1.4.12)."""
    return _clip_problems(_clipped(page), label, "text-clipped", ("1.4.12",), FAIL)


def text_spacing_problems(page: Page) -> list[Problem]:
    """WCAG 1.4.12: no spacing is pinned below the minimums with !important in a style
    attribute (ACT 24afc2, 9e45ec, 78fd32), and the spacing, injected as a stylesheet,
    clips no text. Text cut off already without the spacing is not the spacing's doing
    (a size or layout problem): it is listed for review, not blamed on 1.4.12.

    Run last on a page: the stylesheet stays. It is adopted (a constructable
    stylesheet, as the widget's are), so a strict CSP without 'unsafe-inline' does not
    block it."""
    problems = important_spacing_problems(page)
    before = _clipped(page)
    page.evaluate(
        """(css) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        TEXT_SPACING_CSS,
    )
    after = _clipped(page)
    # The spacing's doing: an element cut off only with it (a tight line height's
    # glyph overhang before it is no cut).
    was = {t for t, over in _worst(before).items() if over > GLYPH_SLACK_PX}
    spaced = [i for i in after if i["target"] not in was]
    problems += _clip_problems(
        spaced, "with WCAG text spacing: ", "text-clipped", ("1.4.12",), FAIL
    )
    blamed = {i["target"] for i in spaced}
    problems += _clip_problems(
        [i for i in before if i["target"] not in blamed and i["over"] > GLYPH_SLACK_PX],
        "already without the WCAG spacing: ",
        "text-clipped-unspaced",
        ("1.4.4", "1.4.10"),
        REVIEW,
    )
    return problems
