"""The checks, from the shipped package `legible_audit` (one module per family, with
their JavaScript in .js files): this module keeps the names the e2e suite imports.

The matrix and the canary tests call the same functions as `legible audit`: a check
that cannot report its canary's known violation cannot be trusted to report ours.
An empty list means the check passed.
"""

from __future__ import annotations

from legible_audit.axe import AXE_TAGS, CONTRAST_RULES, AxeOutcome, axe_options, run_axe
from legible_audit.cell import check_cell
from legible_audit.colour import (
    NON_TEXT_MIN,
    RGBA,
    blend,
    composite,
    parse_rgb,
    relative_luminance,
    wcag_ratio,
)
from legible_audit.focus import (
    FOCUS_CRITERIA,
    FOCUS_MIN_PX,
    Ring,
    focus_problems,
    focus_rings,
    judge_focus,
    parse_box_shadows,
    ring_ratio,
)
from legible_audit.keyboard import (
    MAX_TAB_STOPS,
    SKIP_CRITERIA,
    TabWalk,
    skip_link_problems,
    tab_walk,
)
from legible_audit.language import lang_problem, lang_problems
from legible_audit.layout import (
    OWN_CONTROLS,
    OWN_TARGET_MIN,
    TARGET_MIN,
    judge_targets,
    reflow_problems,
    target_size_problems,
)
from legible_audit.nontext import judge_non_text, non_text_contrast_problems
from legible_audit.osmodes import (
    forced_colors_problems,
    orientation_problems,
    reduced_motion_problems,
    viewport_problems,
)
from legible_audit.problem import Problem, criteria_from_tags
from legible_audit.text import (
    TEXT_SPACING_CSS,
    TextSample,
    clipped_text_problems,
    font_scale_problems,
    measure_text,
    paragraph_font_px,
    text_contrast_problems,
    text_spacing_problems,
)

__all__ = [
    "AXE_TAGS",
    "CONTRAST_RULES",
    "FOCUS_CRITERIA",
    "FOCUS_MIN_PX",
    "MAX_TAB_STOPS",
    "NON_TEXT_MIN",
    "OWN_CONTROLS",
    "OWN_TARGET_MIN",
    "RGBA",
    "SKIP_CRITERIA",
    "TARGET_MIN",
    "TEXT_SPACING_CSS",
    "AxeOutcome",
    "Problem",
    "Ring",
    "TabWalk",
    "TextSample",
    "axe_options",
    "blend",
    "check_cell",
    "clipped_text_problems",
    "composite",
    "criteria_from_tags",
    "focus_problems",
    "focus_rings",
    "font_scale_problems",
    "forced_colors_problems",
    "judge_focus",
    "judge_non_text",
    "judge_targets",
    "lang_problem",
    "lang_problems",
    "measure_text",
    "non_text_contrast_problems",
    "orientation_problems",
    "paragraph_font_px",
    "parse_box_shadows",
    "parse_rgb",
    "reduced_motion_problems",
    "reflow_problems",
    "relative_luminance",
    "ring_ratio",
    "run_axe",
    "skip_link_problems",
    "tab_walk",
    "target_size_problems",
    "text_contrast_problems",
    "text_spacing_problems",
    "viewport_problems",
    "wcag_ratio",
]
