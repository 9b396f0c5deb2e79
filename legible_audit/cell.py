"""How each check of the registry (registry.py) is called on a loaded page: one step per
check id. The task runner (tasks.py) runs a task's steps in the registry's order; the
e2e matrix runs the steps of the checks the registry marks `matrix`, on pages it has
opened itself (`check_cell`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Page

from .axe import AxeOutcome, run_axe
from .first_screen import first_screen_problems
from .focus import focus_problems
from .keyboard import TabWalk, skip_link_problems, tab_walk
from .language import lang_problems
from .layout import reflow_problems, target_size_problems
from .nontext import non_text_contrast_problems
from .osmodes import (
    forced_colors_problems,
    orientation_problems,
    reduced_motion_problems,
    viewport_problems,
)
from .problem import Problem
from .registry import BY_ID, matrix_checks
from .text import text_contrast_problems, text_spacing_problems


@dataclass
class Env:
    """What a task's steps share: the theme's level and what earlier steps left."""

    level: str = "AA"  # the WCAG level the variant's theme promises: "AAA" adds 7:1
    walk: TabWalk | None = None  # the keyboard check's Tab walk, which skip-link reads
    axe: AxeOutcome | None = None  # the axe check's outcome, raw results included


Step = Callable[[Page, Env], list[Problem]]
STEPS: dict[str, Step] = {}


def step(check: str) -> Callable[[Step], Step]:
    """Register how check `check` (an id in registry.py) is called."""

    def register(fn: Step) -> Step:
        if check not in BY_ID:
            raise KeyError(f"{check!r} is not in legible_audit/registry.py")
        if check in STEPS:
            raise KeyError(f"{check!r} has two steps")
        STEPS[check] = fn
        return fn

    return register


@step("first-screen")
def _first_screen(page: Page, env: Env) -> list[Problem]:
    return first_screen_problems(page)


@step("axe")
def _axe(page: Page, env: Env) -> list[Problem]:
    env.axe = run_axe(page, env.level)
    return env.axe.problems


@step("focus")
def _focus(page: Page, env: Env) -> list[Problem]:
    return focus_problems(page)


@step("target-size")
def _target_size(page: Page, env: Env) -> list[Problem]:
    return target_size_problems(page)


@step("non-text-contrast")
def _non_text(page: Page, env: Env) -> list[Problem]:
    return non_text_contrast_problems(page)


@step("lang")
def _lang(page: Page, env: Env) -> list[Problem]:
    return lang_problems(page)


@step("text-contrast")
def _text_contrast(page: Page, env: Env) -> list[Problem]:
    root = "main" if page.locator("main").count() else "body"
    minimum = 7.0 if env.level == "AAA" else 4.5
    return text_contrast_problems(page, minimum, root, expect_content=False)


@step("reflow")
def _reflow(page: Page, env: Env) -> list[Problem]:
    return reflow_problems(page)


@step("text-spacing")
def _text_spacing(page: Page, env: Env) -> list[Problem]:
    return text_spacing_problems(page)


@step("keyboard")
def _keyboard(page: Page, env: Env) -> list[Problem]:
    env.walk = tab_walk(page)
    return env.walk.problems


@step("skip-link")
def _skip_link(page: Page, env: Env) -> list[Problem]:
    walk = env.walk if env.walk is not None else tab_walk(page)
    return skip_link_problems(page, walk)


@step("viewport")
def _viewport(page: Page, env: Env) -> list[Problem]:
    return viewport_problems(page)


@step("orientation")
def _orientation(page: Page, env: Env) -> list[Problem]:
    return orientation_problems(page)


@step("forced-colors")
def _forced_colors(page: Page, env: Env) -> list[Problem]:
    return forced_colors_problems(page)


@step("reduced-motion")
def _reduced_motion(page: Page, env: Env) -> list[Problem]:
    return reduced_motion_problems(page)


def check_cell(page: Page, level: str) -> tuple[list[Problem], AxeOutcome]:
    """The e2e matrix's checks (registry `matrix`: axe once, then focus, target size,
    non-text contrast and lang), in order on one loaded page, without reloading it."""
    env = Env(level)
    problems = [p for check in matrix_checks() for p in STEPS[check.id](page, env)]
    return problems, env.axe or AxeOutcome()
