"""Opening a page in a variant. On Legible's own pages the variant is in the URL
(`?theme=…&size=…&spacing=1`); anywhere else the widget applies it, the one on the
page or one injected from Legible; with `--widget off` the page is tested as it is.

The widget reads the reader's last choice from localStorage at start-up, so the
choice is stored before the page's first script runs and the widget does the rest,
as it would for a returning reader. On Legible's own origin the widget follows the
page instead; there the variant is chosen in its panel, as a reader picks it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.sync_api import Page

from .findings import LOAD
from .options import Variant
from .problem import Problem
from .scripts import script

# Legible's variant parameters (service/preferences.py VARIANT_PARAMS, the contract's
# `?theme=NAME&size=PCT`), and the widget's storage key and fields (widget/src/preferences.js).
PARAMS = ("theme", "size", "spacing")
WIDGET_STORAGE_KEY = "legible-widget"
WIDGET_WAIT_MS = 5000


class PageFailed(Exception):
    """The page did not load: one line for the user."""


def legible_url(url: str, variant: Variant) -> str:
    """`url` with the variant's parameters in place of any it had."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in PARAMS]
    query.append(("theme", str(variant.theme)))
    if variant.size != 100:
        query.append(("size", str(variant.size)))
    if variant.spacing:
        query.append(("spacing", "1"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def seed_script(variant: Variant) -> str:
    """The init script that stores the variant as the widget's saved choice."""
    saved = json.dumps({"t": variant.theme, "s": variant.size, "p": variant.spacing})
    return (
        f"try {{ localStorage.setItem({json.dumps(WIDGET_STORAGE_KEY)}, {json.dumps(saved)}); }}"
        " catch (e) {}"
    )


def load(page: Page, url: str) -> None:
    try:
        response = page.goto(url, wait_until="load")
    except Exception as exc:  # playwright.Error and TimeoutError: one line each
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PageFailed(first) from exc
    if response is not None and response.status >= 400:
        raise PageFailed(f"HTTP {response.status}")


def _variant_problem(what: str) -> Problem:
    return Problem(LOAD, "variant-not-applied", (), ("html",), what)


def applied(attrs: dict[str, str], variant: Variant, prefix: str) -> str | None:
    """Why <html>'s attributes do not show `variant`, or None. Spacing is on when its
    attribute is there (Legible writes "1", the widget an empty value)."""
    want = {
        f"{prefix}theme": variant.theme,
        f"{prefix}size": None if variant.size == 100 else str(variant.size),
        f"{prefix}spacing": variant.spacing,
    }
    got = {
        f"{prefix}theme": attrs.get(f"{prefix}theme"),
        f"{prefix}size": attrs.get(f"{prefix}size"),
        f"{prefix}spacing": f"{prefix}spacing" in attrs,
    }
    return None if got == want else f"<html> has {got}, want {want}"


def open_variant(
    page: Page, url: str, variant: Variant, widget: str, origin: str | None, legible: set[str]
) -> list[Problem]:
    """Load `url` in `variant`; problems if the variant could not be applied. `legible`:
    the URLs already known to be Legible's own pages (filled in here)."""
    if variant.theme is None or widget == "off":
        load(page, url)
        return []
    if url in legible:
        load(page, legible_url(url, variant))
        return _check(page, variant, "data-")
    load(page, url)
    found: dict[str, Any] = page.evaluate(script("detect"))
    if found["legible"] and not found["widget"]:
        legible.add(url)
        load(page, legible_url(url, variant))
        return _check(page, variant, "data-")
    if not found["widget"] and widget == "inject":
        page.add_script_tag(url=f"{origin}/widget.js")
        page.wait_for_function("() => !!window.legibleWidget", timeout=WIDGET_WAIT_MS)
    elif not found["widget"]:
        return [
            Problem(
                LOAD,
                "widget-missing",
                (),
                ("html",),
                "no Legible widget on this page: add --widget inject --widget-origin URL,"
                " or --widget off to test it as it is",
            )
        ]
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")
    # The widget on Legible's own origin drives data-*, anywhere else data-legible-*.
    # On its own origin it follows the page, not the saved choice: choose in the panel.
    if applied(page.evaluate(script("detect"))["attrs"], variant, "data-legible-"):
        choose_in_panel(page, variant)
    attrs = page.evaluate(script("detect"))["attrs"]
    on_legible = "data-legible-theme" not in attrs and "data-theme" in attrs
    return _check(page, variant, "data-" if on_legible else "data-legible-", attrs)


def choose_in_panel(page: Page, variant: Variant, max_steps: int = 12) -> None:
    """Choose `variant` in the widget's panel as a reader would, then close it and put
    focus and scroll back where a fresh load has them."""
    widget = page.locator("legible-widget")
    widget.locator("button.t").click()
    panel = widget.locator(".p")
    panel.wait_for()
    panel.locator('button[data-d="0"]').click()  # the default size, then up
    for _ in range(max_steps):
        if panel.locator("output").text_content() == f"{variant.size}%":
            break
        panel.locator('button[data-d="1"]').click()
    panel.locator(f'[role=radio][data-v="{variant.theme}"]').click()
    spacing = panel.locator('button[data-k="spacing"]')
    if (spacing.get_attribute("aria-pressed") == "true") != variant.spacing:
        spacing.click()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    page.mouse.move(0, 0)
    page.evaluate(script("reset_focus"))


def _check(
    page: Page, variant: Variant, prefix: str, attrs: dict[str, str] | None = None
) -> list[Problem]:
    attrs = attrs if attrs is not None else page.evaluate(script("detect"))["attrs"]
    why = applied(attrs, variant, prefix)
    return [_variant_problem(why)] if why else []
