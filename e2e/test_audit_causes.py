"""The causes of the audit's false positives (issue 25), each proved on a correct page
and a broken one, through the audit's own check functions in Chromium. Most pages are
ACT Rules test cases (W3C, act-rules.github.io), cut to what the check needs.

A check that cannot decide says so with outcome "review"; one that could not run says
"error": neither is a failure of the page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from legible_audit.axe import run_axe
from legible_audit.focus import focus_problems
from legible_audit.keyboard import skip_link_problems, tab_walk
from legible_audit.language import lang_problems
from legible_audit.osmodes import orientation_problems
from legible_audit.problem import ERROR, FAIL, REVIEW, Problem
from legible_audit.text import text_contrast_problems, text_spacing_problems

pytestmark = pytest.mark.e2e

ORIGIN = "http://causes.test"


def open_page(page: Page, html: str, content_type: str = "text/html; charset=utf-8") -> None:
    """`html` as a real page on its own origin (fragment navigation needs a URL)."""

    def fulfil(route: Route) -> None:
        route.fulfill(body=html.encode("utf-8"), content_type=content_type)

    page.route(ORIGIN + "/**", fulfil)
    page.goto(ORIGIN + "/page")


def failures(problems: list[Problem], *rules: str) -> list[str]:
    return sorted(
        {p.rule for p in problems if p.outcome == FAIL and (not rules or p.rule in rules)}
    )


def outcomes(problems: list[Problem], rule: str) -> set[str]:
    return {p.outcome for p in problems if p.rule == rule}


# -- 1. skip links: the sequential focus navigation starting point ------------------

SKIP_PAGE = """<!doctype html><html lang="en"><head><title>Skip</title></head><body>
<a href="{href}">Skip to content</a>
<nav aria-label="Site"><a href="/a">Home</a> <a href="/b">News</a></nav>
<main><div id="content"><h1>Title</h1><p>Text with <a href="/c">a link</a>.</p></div></main>
</body></html>"""


def skip_problems(page: Page, href: str) -> list[Problem]:
    open_page(page, SKIP_PAGE.format(href=href))
    return skip_link_problems(page, tab_walk(page))


def test_a_skip_link_to_a_container_without_tabindex_works(page: Page) -> None:
    """Enter leaves focus on the document but moves the starting point: the next Tab
    lands on the link inside #content, past the navigation."""
    problems = skip_problems(page, "#content")
    assert problems == [], [p.line() for p in problems]


def test_a_skip_link_to_a_missing_target_fails(page: Page) -> None:
    problems = skip_problems(page, "#nowhere")
    assert failures(problems) == ["skip-link-target"], [p.line() for p in problems]


def test_a_skip_link_whose_click_is_swallowed_fails(page: Page) -> None:
    open_page(
        page,
        SKIP_PAGE.format(href="#content").replace(
            "</body>",
            "<script>document.querySelector('a').onclick = (e) => e.preventDefault();</script>"
            "</body>",
        ),
    )
    problems = skip_link_problems(page, tab_walk(page))
    assert failures(problems) == ["skip-link-target"], [p.line() for p in problems]


def test_without_main_a_working_skip_link_is_for_review(page: Page) -> None:
    open_page(page, SKIP_PAGE.format(href="#content").replace("<main>", "").replace("</main>", ""))
    problems = skip_link_problems(page, tab_walk(page))
    assert outcomes(problems, "skip-link-target") == {REVIEW}, [p.line() for p in problems]


# -- 2. contrast (ACT afw4f7): large text, halos, disabled controls, axe's incomplete --


def contrast(page: Page, body: str) -> list[Problem]:
    open_page(page, f'<!doctype html><html lang="en"><head><title>c</title></head><body>{body}')
    return text_contrast_problems(page, 4.5, "body", expect_content=False)


@pytest.mark.parametrize(
    "body",
    [
        # 3.66:1 is enough for 18 pt, and for 14 pt bold
        '<p style="color: #000; font-size: 18pt; background: #666">Large text</p>',
        '<p style="color: #000; font-size: 14pt; font-weight: 700; background: #666">Bold</p>',
        # 4.4:1 on the grey, but a white halo surrounds the glyphs
        '<p style="color: #000; background: #737373; text-shadow: white 0 0 3px">Halo</p>',
        # disabled controls, a disabled group and their labels are exempt
        '<button style="color: #777; background: #eee" disabled>Disabled</button>',
        '<div role="button" style="color: #777; background: #eee" aria-disabled="true">Off</div>',
        '<label style="color: #888; background: white">Name <input disabled></label>',
        '<fieldset disabled style="color: #888"><label>Name <input></label></fieldset>',
        # white on white is not seen at all
        '<p style="color: white; background: white" aria-hidden="true">Hidden</p>',
    ],
)
def test_text_wcag_exempts_or_that_passes_is_not_a_failure(page: Page, body: str) -> None:
    problems = contrast(page, body)
    assert failures(problems) == [], [p.line() for p in problems]


@pytest.mark.parametrize(
    "body",
    [
        '<p style="color: #000; font-size: 17pt; background: #666">Not quite large</p>',
        '<p style="color: #000; font-size: 14pt; font-weight: 600; background: #666">Semi</p>',
        '<p style="color: #000; background: #737373; text-shadow: white 6px 6px 0">Drop</p>',
        '<p style="background: #fff; color: #666; text-shadow: #aaa 2px 2px 4px, '
        '#aaa -2px 2px 4px, #aaa 2px -2px 4px, #aaa -2px -2px 4px">Grey halo</p>',
        '<button style="color: #777; background: #eee">Enabled</button>',
        '<div style="background: #fff"><p style="color: #000; opacity: .3">Faded</p></div>',
        '<p style="color: #aaa; background: linear-gradient(to right, #fff, #00f)">Grad</p>',
    ],
)
def test_low_contrast_text_fails(page: Page, body: str) -> None:
    assert failures(contrast(page, body)) == ["text-contrast"]


def test_text_over_an_image_or_partly_over_a_gradient_is_for_review(page: Page) -> None:
    problems = contrast(
        page,
        '<p style="color: #333; background: linear-gradient(to right, #fff, #00f)">Half</p>',
    )
    assert outcomes(problems, "text-contrast") == {REVIEW}
    problems = contrast(
        page, '<p style="color: #555; background: black url(/nothing.png)">Over an image</p>'
    )
    assert outcomes(problems, "text-contrast") == {REVIEW}


def test_axe_incomplete_contrast_is_for_review(page: Page) -> None:
    open_page(
        page,
        '<!doctype html><html lang="en"><head><title>c</title></head><body><main>'
        '<p style="color: #333; background: linear-gradient(to right, #fff, #00f)">Half</p>'
        "</main></body></html>",
    )
    outcome = run_axe(page, "AA")
    assert outcomes(outcome.problems, "color-contrast") == {REVIEW}
    assert failures(outcome.problems, "color-contrast") == []


# -- 4. keyboard traps (ACT 80af7b, a1b64e, ebe86a) ---------------------------------

TRAP_SCRIPT = """<script>
let trapOn = false;
const to = (id) => { if (trapOn) document.getElementById(id).focus(); };
const escape = (e) => {
  if (e.keyCode === 77 && e.ctrlKey) { trapOn = false; document.getElementById('link2').focus(); }
};
</script>"""
TRAP = """<!doctype html><html lang="en"><head><title>Trap</title>{script}</head><body>
{help}<a id="link1" href="#">Link 1</a>
<button id="btn1" onfocus="trapOn = true" onblur="to('btn2')" {keys}>Button 1</button>
<button id="btn2" onfocus="trapOn = true" onblur="to('btn1')" {keys}>Button 2</button>
<a id="link2" href="#">Link 2</a></body></html>"""


def trap_problems(page: Page, help_text: str, handles_keys: bool) -> list[Problem]:
    keys = 'onkeydown="escape(event)"' if handles_keys else ""
    open_page(page, TRAP.format(script=TRAP_SCRIPT, help=help_text, keys=keys))
    return tab_walk(page).problems


def test_a_trap_with_documented_keys_that_work_is_no_trap(page: Page) -> None:
    problems = trap_problems(page, "<p>Press Ctrl+M to Exit</p>", handles_keys=True)
    assert failures(problems, "focus-trap") == [], [p.line() for p in problems]


def test_a_trap_without_help_or_with_help_that_lies_is_a_trap(page: Page) -> None:
    assert failures(trap_problems(page, "", handles_keys=True), "focus-trap") == ["focus-trap"]
    lying = trap_problems(page, "<p>Press Ctrl+M to Exit</p>", handles_keys=False)
    assert failures(lying, "focus-trap") == ["focus-trap"]


def test_focus_pulled_back_to_the_first_stop_is_a_trap(page: Page) -> None:
    """ACT a1b64e failed 2: two buttons hand focus to each other from a timer; Tab
    comes back to the first stop without ever leaving the page."""
    open_page(
        page,
        """<!doctype html><html lang="en"><head><title>t</title></head><body>
<button onblur="setTimeout(() => this.nextElementSibling.focus(), 10)">Button1</button
><button onblur="setTimeout(() => this.previousElementSibling.focus(), 10)">Button2</button>
<button>Button3</button></body></html>""",
    )
    assert failures(tab_walk(page).problems, "focus-trap") == ["focus-trap"]


def test_a_dialog_that_keeps_tab_but_closes_on_escape_is_no_trap(page: Page) -> None:
    open_page(
        page,
        """<!doctype html><html lang="en"><head><title>t</title></head><body>
<button id="a">A</button><button id="b">B</button><a href="/x">after</a>
<script>
let open = true;
document.addEventListener('keydown', (e) => {
  const t = [document.getElementById('a'), document.getElementById('b')];
  const i = t.indexOf(document.activeElement);
  if (e.key === 'Escape') open = false;
  if (open && e.key === 'Tab' && i >= 0) { e.preventDefault(); t[(i + 1) % 2].focus(); }
});
</script></body></html>""",
    )
    problems = tab_walk(page).problems
    assert failures(problems, "focus-trap") == [], [p.line() for p in problems]


# -- 5. focus visible: an indicator drawn elsewhere (ACT oj04fd) --------------------

INDICATOR = """<!doctype html><html lang="en"><head><title>f</title><style>
a:focus {{ outline: none }}
.active {{ {style} }}
</style></head><body>
<span id="box"><a href="/x" onfocus="box.classList.add('active')"
 onblur="box.classList.remove('active')">Link</a></span></body></html>"""


def test_an_indicator_on_the_parent_counts(page: Page) -> None:
    open_page(page, INDICATOR.format(style="border: 3px solid navy"))
    problems = focus_problems(page)
    assert failures(problems) == [], [p.line() for p in problems]


def test_no_indicator_anywhere_fails(page: Page) -> None:
    open_page(page, INDICATOR.format(style=""))
    assert failures(focus_problems(page)) == ["focus-visible"]


def test_a_filled_box_beside_the_element_is_visible_and_for_review(page: Page) -> None:
    open_page(
        page,
        """<!doctype html><html lang="en"><head><title>f</title><style>
a:focus { outline: none } i { display: inline-block; width: 1em; height: 1em }
i.on { background: navy }</style></head><body><i id="mark"></i><a href="/x"
 onfocus="mark.classList.add('on')" onblur="mark.classList.remove('on')">Link</a>
</body></html>""",
    )
    problems = focus_problems(page)
    assert failures(problems) == [], [p.line() for p in problems]
    assert outcomes(problems, "focus-thickness") == {REVIEW}


# -- 6. text spacing: !important in a style attribute (ACT 24afc2, 9e45ec, 78fd32) ----

SPACED = """<!doctype html><html lang="en"><head><title>s</title></head><body>
<p style="{style}; max-width: 200px">The toy brought back fond memories of being lost in
the rain forest.</p></body></html>"""


@pytest.mark.parametrize(
    ("style", "rule"),
    [
        ("letter-spacing: 0.1em !important", "letter-spacing-important"),
        ("letter-spacing: normal !important", "letter-spacing-important"),
        ("word-spacing: 2px !important", "word-spacing-important"),
        ("line-height: 1.2 !important", "line-height-important"),
        ("line-height: normal !important", "line-height-important"),
    ],
)
def test_spacing_pinned_too_small_with_important_fails(page: Page, style: str, rule: str) -> None:
    open_page(page, SPACED.format(style=style))
    assert failures(text_spacing_problems(page)) == [rule]


@pytest.mark.parametrize(
    "style",
    [
        "letter-spacing: 0.15em !important",
        "word-spacing: 0.2em !important",
        "line-height: 1.6 !important",
        "letter-spacing: 0.1em",  # not important: a reader's stylesheet wins
        "line-height: 1em !important; white-space: nowrap",  # one line: nothing to space
    ],
)
def test_spacing_wide_enough_or_overridable_passes(page: Page, style: str) -> None:
    open_page(page, SPACED.format(style=style))
    problems = text_spacing_problems(page)
    assert problems == [], [p.line() for p in problems]


def test_clipping_there_without_spacing_is_not_blamed_on_spacing(page: Page) -> None:
    """A box too small for its text at any spacing is a size or layout problem (for
    review); a box that only the spacing overflows is a 1.4.12 failure."""
    html = """<!doctype html><html lang="en"><head><title>c</title><style>
.box {{ height: {h}; overflow: hidden; font-size: 16px; line-height: 20px; width: 20em }}
</style></head><body><div class="box"><p style="margin:0">One line of text here.</p>
<p style="margin:0">{second}</p></div></body></html>"""
    open_page(page, html.format(h="20px", second="A second line, cut off already."))
    problems = text_spacing_problems(page)
    assert failures(problems) == [], [p.line() for p in problems]
    assert outcomes(problems, "text-clipped-unspaced") == {REVIEW}
    open_page(page, html.format(h="24px", second=""))
    assert failures(text_spacing_problems(page)) == ["text-clipped"]


# -- 7. language: a known primary subtag is enough (ACT bf051a, de46e4) --------------


@pytest.mark.parametrize(
    ("html", "rules"),
    [
        ('<html lang="en-US-GB"><body><p>Hi</p></body></html>', []),
        ('<html lang="fr"><body><p lang="en-US-GB">Hi</p></body></html>', []),
        ('<html lang="en"><body><div lang="invalid"><p lang="en">Hi</p></div></body></html>', []),
        ('<html lang="en"><body><p lang="hidden"><span hidden>Hi</span></p></body></html>', []),
        ('<html lang="eng"><body><p>Hi</p></body></html>', ["lang-valid"]),
        ('<html lang="en"><body><p lang="i-lux">Moien</p></body></html>', ["lang-valid"]),
        (
            '<html lang="en"><body><div lang="xx-1"><img alt="Fireworks"></div></body></html>',
            ["lang-valid"],
        ),
    ],
)
def test_lang(page: Page, html: str, rules: list[str]) -> None:
    open_page(page, html)
    assert failures(lang_problems(page)) == rules


# -- 8. SVG and XML documents: no document.body -------------------------------------

SVG = """<svg xmlns="http://www.w3.org/2000/svg" lang="fr" width="200" height="100">
<text y="20" style="letter-spacing: 0.1em">ACT rules</text></svg>"""


def test_an_svg_document_is_checked_where_it_can_be(page: Page) -> None:
    open_page(page, SVG, "image/svg+xml")
    assert page.evaluate("() => document.body") is None
    problems = lang_problems(page) + text_spacing_problems(page) + focus_problems(page)
    walk = tab_walk(page)
    problems += walk.problems + skip_link_problems(page, walk)
    assert problems == [], [p.line() for p in problems]


def test_tab_focusing_nothing_on_a_page_with_stops_is_an_error_not_a_finding(page: Page) -> None:
    open_page(
        page,
        """<!doctype html><html lang="en"><head><title>k</title></head><body>
<a href="/x">one</a><script>
document.addEventListener('keydown', (e) => { if (e.key === 'Tab') e.preventDefault(); });
</script></body></html>""",
    )
    problems = tab_walk(page).problems
    assert outcomes(problems, "focus-setup") == {ERROR}
    assert failures(problems) == []


# -- 9. orientation locks (ACT b33eff) ----------------------------------------------

TURNED = """<!doctype html><html lang="en"><head><title>o</title><style>
@media (orientation: {when}) {{ main {{ {style} }} }}</style></head>
<body><main><p>Page content</p></main></body></html>"""


@pytest.mark.parametrize(
    "style",
    [
        "transform: rotate(90deg)",
        "rotate: 90deg",
        "transform: matrix3d(0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)",
        "transform: rotate(1.5708rad)",
    ],
)
def test_a_quarter_turn_in_one_orientation_is_a_lock(page: Page, style: str) -> None:
    for when in ("portrait", "landscape"):
        page.set_viewport_size({"width": 640, "height": 360})
        open_page(page, TURNED.format(when=when, style=style))
        assert failures(orientation_problems(page)) == ["orientation-lock"], when
        assert page.viewport_size == {"width": 640, "height": 360}  # turned back


@pytest.mark.parametrize(
    "style",
    ["transform: rotateZ(1turn)", "rotate: 0turn", "transform: translateX(100px)", ""],
)
def test_no_quarter_turn_is_no_lock(page: Page, style: str) -> None:
    open_page(page, TURNED.format(when="portrait", style=style))
    assert orientation_problems(page) == []
