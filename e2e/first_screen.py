"""The first-screen check, from the shipped package (legible_audit/first_screen.py)."""

from __future__ import annotations

from legible_audit.first_screen import CRITERIA, first_screen_problems, judge_first_screen

__all__ = ["CRITERIA", "first_screen_problems", "judge_first_screen"]
