"""lang attributes: the page's (3.1.1, ACT b5c3f8 and bf051a) and its parts' (3.1.2,
ACT de46e4) have a known primary language subtag.

"Known" is the ACT definition: the first hyphen-separated subtag is a language in the
IANA Language Subtag Registry. The rest of the tag is not judged, as browsers and
screen readers do not judge it: `en-US-GB` and `de-hello` name English and German.
Grandfathered tags (`i-lux`) and three-letter codes of languages that have a
two-letter one (`eng`) are unknown, as assistive technologies mostly do not read
them."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from .problem import Problem
from .scripts import script

SUBTAGS = Path(__file__).resolve().parent / "language_subtags.txt"
_SUBTAG = re.compile(r"[A-Za-z0-9]+")
_LOCAL_USE = re.compile(r"q[a-t][a-z]")  # the registry's qaa..qtz range


@cache
def known_languages() -> frozenset[str]:
    """The registry's primary language subtags (scripts/language-subtags makes the file)."""
    lines = SUBTAGS.read_text(encoding="utf-8").splitlines()
    return frozenset(code for line in lines if not line.startswith("#") for code in line.split())


def primary_subtag(lang: str) -> str | None:
    """The first subtag of a language tag, lower case; None if `lang` is not a language
    tag at all (ACT: subtags of letters and digits, joined by hyphens)."""
    subtags = lang.strip().split("-")
    return subtags[0].lower() if all(_SUBTAG.fullmatch(t) for t in subtags) else None


def lang_problem(lang: str | None, root: bool) -> str | None:
    """Why a lang value names no known language, or None. `root`: the page's own
    (missing or blank is a failure there; on a part, lang="" only resets it)."""
    if lang is None or not lang.strip():
        if root:
            return "missing: the page's language is unknown"
        if lang is None or lang == "":
            return None
    assert lang is not None
    primary = primary_subtag(lang)
    if primary is None:
        return f"lang={lang!r} is not a language tag (subtags of letters and digits, joined by -)"
    if primary in known_languages() or _LOCAL_USE.fullmatch(primary):
        return None
    return f"lang={lang!r}: {primary!r} is not a known primary language subtag"


def lang_problems(page: Page) -> list[Problem]:
    found = page.evaluate(script("lang"))
    items = ([found["page"]] if found["page"] else []) + found["parts"]
    problems = []
    for item in items:
        root = item is found["page"]
        why = lang_problem(item["lang"], root)
        if why:
            criteria = ("3.1.1",) if root else ("3.1.2",)
            problems.append(Problem("lang", "lang-valid", criteria, (item["target"],), why))
    return problems
