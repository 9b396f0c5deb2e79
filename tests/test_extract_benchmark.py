"""The web-page import on real news pages: a sample of scrapinghub's
article-extraction-benchmark (tests/fixtures/extraction-benchmark/), scored the
way its evaluate.py scores (bench/extraction.py ports it)."""

from __future__ import annotations

import pytest

from bench.extraction import legible_text, pages, run, score, trafilatura_text

READABILITY_LXML_F1 = 0.922  # the benchmark's published figure for readability-lxml
MARGIN = 0.02  # how far below trafilatura alone our whole path may score


@pytest.fixture(scope="module")
def ours() -> object:
    return run(legible_text)


def test_the_sample_is_there() -> None:
    assert len(pages()) >= 40


def test_our_path_beats_readability(ours) -> None:
    assert ours.failed == 0
    assert ours.f1 >= READABILITY_LXML_F1, ours


def test_our_path_loses_little_against_trafilatura_alone(ours) -> None:
    alone = run(trafilatura_text)
    assert ours.f1 >= alone.f1 - MARGIN, (ours, alone)
    assert ours.recall >= alone.recall - MARGIN, (ours, alone)


def test_the_score_is_the_benchmarks() -> None:
    """A few cases worked out by hand against evaluate.py's definition."""
    same = "one two three four five"
    assert score([(same, same)]).f1 == 1.0
    nothing = score([(same, "")])
    assert nothing.recall == 0.0 and nothing.failed == 1
    # 2 true shingles, 1 predicted and right: tp=1, fn=1 -> recall 0.5, precision 1
    half = score([(same, "one two three four")])
    assert half.precision == 1.0 and half.recall == 0.5
