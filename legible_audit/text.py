"""Text: contrast measured in Chromium (1.4.3, 1.4.6), scaling (1.4.4) and the WCAG
1.4.12 text spacing, which must clip nothing."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

from .colour import RGBA, blend, composite, css, parse_rgb, px, wcag_ratio
from .problem import Problem
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
    note: str = ""


def measure_text(page: Page, root: str = "main") -> list[TextSample]:
    """Computed colour of every element in `root` with text of its own, over the
    composite of its and its ancestors' backgrounds."""
    samples = []
    for item in page.evaluate(script("text"), root):
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
                px(item["fontSize"]),
                note,
            )
        )
    return samples


def text_contrast_problems(
    page: Page, minimum: float, root: str = "main", expect_content: bool = True
) -> list[Problem]:
    """Body text and links in `root` reach `minimum` (4.5 for AA, 7 for AAA).
    `expect_content`: `root` must hold a paragraph and a link (so a template that
    lost them cannot pass by measuring nothing)."""
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
    low: dict[tuple[str, str, str], list[str]] = {}
    for s in samples:
        if s.note:
            low.setdefault((s.note, "", ""), []).append(s.target)
        elif s.ratio < minimum - 1e-9:
            key = (css(s.fg), css(s.bg), f"{s.ratio:.2f}")
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


def clipped_text_problems(page: Page, label: str = "") -> list[Problem]:
    """No text is cut off by an `overflow: hidden/clip` box (1.4.12)."""
    found: dict[str, list[str]] = {}
    for item in page.evaluate(script("clipped_text")):
        where = f"clipped by {item['by']}" if item["by"] else "content larger than its box"
        key = f"{label}{where}: {item['text']!r} ({item['over']:.0f}px cut off)"
        found.setdefault(key, []).append(item["target"])
    return [
        Problem("text-spacing", "text-clipped", ("1.4.12",), tuple(targets), what)
        for what, targets in found.items()
    ]


def text_spacing_problems(page: Page) -> list[Problem]:
    """The WCAG 1.4.12 spacing, injected as a stylesheet, clips no text. Run last on a
    page: the stylesheet stays. It is adopted (a constructable stylesheet, as the
    widget's are), so a strict CSP without 'unsafe-inline' does not block it."""
    page.evaluate(
        """(css) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        TEXT_SPACING_CSS,
    )
    return clipped_text_problems(page, "with WCAG text spacing: ")
