"""What every matrix cell runs on one loaded page, without reloading it."""

from __future__ import annotations

from playwright.sync_api import Page

from .axe import AxeOutcome, run_axe
from .focus import focus_problems
from .language import lang_problems
from .layout import target_size_problems
from .nontext import non_text_contrast_problems
from .problem import Problem


def check_cell(page: Page, level: str) -> tuple[list[Problem], AxeOutcome]:
    """axe once, then focus visibility/appearance, target size, non-text contrast and
    lang attributes (one evaluate each, no reload)."""
    outcome = run_axe(page, level)
    problems = outcome.problems + focus_problems(page)
    problems += target_size_problems(page) + non_text_contrast_problems(page)
    problems += lang_problems(page)
    return problems, outcome
