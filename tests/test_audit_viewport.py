"""`<meta name=viewport>` zoom against ACT b4f0c3, read as CSS Device Adaptation
translates it (no browser): every passed and failed example's content."""

from __future__ import annotations

import pytest

from legible_audit.osmodes import viewport_zoom_problem


@pytest.mark.parametrize(
    "content",
    [
        "user-scalable=yes",
        "user-scalable=5",
        "maximum-scale=2.0",
        "maximum-scale=-1",
        "maximum-scale=device-width",
        "width=device-width, initial-scale=1",
        "user-scalable=-1.5; maximum-scale=3",
        "",
    ],
)
def test_zoom_allowed(content: str) -> None:
    assert viewport_zoom_problem(content) is None


@pytest.mark.parametrize(
    "content",
    [
        "user-scalable=no",
        "user-scalable=0.5",
        "user-scalable=invalid",
        "user-scalable=yes, initial-scale=0.8, maximum-scale=1.5",
        "maximum-scale=yes",
        "maximum-scale=invalid",
        "width=device-width,maximum-scale=1",
    ],
)
def test_zoom_stopped(content: str) -> None:
    assert viewport_zoom_problem(content)
