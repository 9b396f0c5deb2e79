"""lang attributes: the page's (3.1.1) and its parts' (3.1.2) are valid BCP 47 tags
for known languages."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from .problem import Problem
from .scripts import script

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
    for item in page.evaluate(script("lang")):
        root = item["target"] == "html"
        why = lang_problem(item["lang"], item["name"], root)
        if why:
            criteria = ("3.1.1",) if root else ("3.1.2",)
            problems.append(Problem("lang", "lang-valid", criteria, (item["target"],), why))
    return problems
