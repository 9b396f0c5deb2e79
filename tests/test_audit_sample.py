"""Large sites: `--sample N` takes N pages of each page template and `--max-pages`
caps the run, both fixed by `--seed` (legible_audit/inputs.py). No browser."""

from __future__ import annotations

import argparse
import io
import random
from collections.abc import Callable
from pathlib import Path

import pytest

import legible_audit.main as audit_main
from legible_audit.findings import TaskResult
from legible_audit.inputs import MANY_NAMES, sample, templates
from legible_audit.options import Options, UsageError, add_arguments, from_args
from legible_audit.registry import CELL, audited
from legible_audit.runner import Run
from legible_audit.tasks import Task

SITE = "https://news.example"
NEWS = [f"{SITE}/news/{i}" for i in range(1, 41)]
STORIES = [f"{SITE}/tin-tuc/dong-chi-phat-bieu-tai-hoi-nghi-{i}.html" for i in range(1, 13)]
TAGS = [f"{SITE}/tag/{a}{b}" for a in "abcde" for b in "abcde"]  # 25 names: /tag/{name}
STATIC = [f"{SITE}/", f"{SITE}/about", f"{SITE}/contact"]
SITEMAP = [*STATIC, *NEWS, *STORIES, *TAGS]

CELL_CHECKS = tuple(c.id for c in audited(CELL))


def test_ids_dates_and_slugs_are_one_template_named_pages_are_not() -> None:
    urls = [
        *NEWS[:3],
        *STORIES[:2],
        f"{SITE}/2023/09/21/hoi-nghi",
        f"{SITE}/2024/01/02/hoi-nghi",
        f"{SITE}/articles/vien-kiem-sat-nhan-dan-toi-cao",
        f"{SITE}/articles/a1b2c3d4-0000-4000-8000-1234567890ab",
        *STATIC,
    ]
    assert {k: len(v) for k, v in templates(urls).items()} == {
        f"{SITE}/news/{{id}}": 3,
        f"{SITE}/tin-tuc/{{id}}.html": 2,  # a slug ending in an id is one page of many
        f"{SITE}/{{id}}/{{id}}/{{id}}/hoi-nghi": 2,
        f"{SITE}/articles/{{slug}}": 1,
        f"{SITE}/articles/{{id}}": 1,
        f"{SITE}/": 1,
        f"{SITE}/about": 1,
        f"{SITE}/contact": 1,
    }


def test_many_single_word_names_in_one_place_are_one_template() -> None:
    few = [f"{SITE}/tag/{w}" for w in ("sport", "economy")]
    assert set(templates(few)) == {f"{SITE}/tag/sport", f"{SITE}/tag/economy"}
    many = [f"{SITE}/tag/{a}{b}" for a in "abcdef" for b in "abcdef"]  # names, no digits
    assert len(many) > MANY_NAMES
    assert set(templates(many)) == {f"{SITE}/tag/{{name}}"}
    assert set(templates(many[:MANY_NAMES])) == set(many[:MANY_NAMES])
    # Four sections, each with its own pages: the sections stay apart.
    sections = [f"{SITE}/{s}/{i}" for s in ("a", "b", "c", "d") for i in range(30)]
    assert len(templates(sections)) == 4


def test_the_query_names_the_template_its_values_do_not() -> None:
    urls = [
        f"{SITE}/index.php?option=com_content&view=article&id=12",
        f"{SITE}/index.php?id=13&view=article&option=com_content",
        f"{SITE}/index.php?option=com_content&view=category&id=3",
        f"{SITE}/index.php?option=com_content&view=article&id=14&theme=dark&size=200",
        "https://other.example/index.php?option=com_content&view=article&id=12",
    ]
    groups = templates(urls)
    assert [len(v) for v in groups.values()] == [3, 1, 1]  # hosts apart; theme/size ignored
    assert next(iter(groups)) == f"{SITE}/index.php?id={{id}}&option=com_content&view=article"


def test_sample_covers_every_template_and_is_fixed_by_the_seed() -> None:
    picked = sample(SITEMAP, 2, None, seed=0)
    groups = templates(SITEMAP)
    assert len(groups) == 6  # /, /about, /contact, /news/{id}, /tin-tuc/{id}.html, /tag/...
    for members in groups.values():
        assert len(set(members) & set(picked.urls)) == min(2, len(members))
    assert picked.urls == [u for u in SITEMAP if u in picked.urls]  # the sitemap's order
    assert picked.summary() == f"9 of {len(SITEMAP)} pages, from 6 of 6 page templates"
    shuffled = SITEMAP[:]
    random.Random(7).shuffle(shuffled)
    assert set(sample(shuffled, 2, None, seed=0).urls) == set(picked.urls)
    others = {tuple(sample(SITEMAP, 2, None, seed=s).urls) for s in range(1, 6)}
    assert len(others | {tuple(picked.urls)}) > 1  # another seed, other pages


def test_max_pages_takes_each_template_in_turn_largest_first() -> None:
    picked = sample(SITEMAP, None, 4, seed=0)
    assert len(picked.urls) == 4
    chosen = set(picked.urls)
    # /news (40 pages), /tag (25) and /tin-tuc (12) first, then one of the single pages.
    assert len(chosen & set(NEWS)) == len(chosen & set(STORIES)) == len(chosen & set(TAGS)) == 1
    assert f"{SITE}/" in chosen  # of the single pages, the first pattern
    assert picked.summary() == f"4 of {len(SITEMAP)} pages, from 4 of 6 page templates;" + (
        " 2 templates left out by --max-pages"
    )
    every = sample(SITEMAP, None, 12, seed=0)
    assert len(set(every.urls) & set(NEWS)) == 3 and every.covered == 6


def options(tmp_path: Path, *extra: str) -> Options:
    p = argparse.ArgumentParser()
    add_arguments(p)
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(SITEMAP) + "\n", encoding="utf-8")
    argv = ["--urls", str(urls), "--widget", "off", "--viewports", "320x640", *extra]
    return from_args(p.parse_args(argv), {"default": "AA"}, (100, 200))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sample", "0"], "--sample: at least 1 page"),
        (["--max-pages", "-3"], "--max-pages: at least 1 page"),
    ],
)
def test_sample_and_max_pages_need_a_page(tmp_path: Path, argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        options(tmp_path, *argv)


def test_the_run_audits_the_sample_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []

    def run(tasks: list[Task], o: Options, on_result: Callable[[TaskResult], None]) -> Run:
        planned.extend(t.url for t in tasks)
        results = [TaskResult(t.url, t.label, None, CELL_CHECKS) for t in tasks]
        return Run(results, planned=len(tasks))

    monkeypatch.setattr(audit_main, "run", run)
    opts = options(tmp_path, "--sample", "1", "--max-pages", "5", "--seed", "3")
    assert (opts.sample, opts.max_pages, opts.seed) == (1, 5, 3)
    out, err = io.StringIO(), io.StringIO()
    assert audit_main.audit(opts, out, err) == 0
    audited = list(dict.fromkeys(planned))
    assert audited == sample(SITEMAP, 1, 5, seed=3).urls and len(audited) == 5
    assert (
        f"legible audit: 5 of {len(SITEMAP)} pages, from 5 of 6 page templates;"
        " 1 template left out by --max-pages"
    ) in err.getvalue().splitlines()


def test_staging_and_production_sample_the_same_pages() -> None:
    """A baseline taken on staging holds on production only if both audit the same pages."""
    production = [u.replace(SITE, "https://www.news.example") for u in SITEMAP]
    for seed in range(5):
        on_staging = [u.removeprefix(SITE) for u in sample(SITEMAP, 2, 5, seed).urls]
        on_production = sample(production, 2, 5, seed).urls
        assert [u.removeprefix("https://www.news.example") for u in on_production] == on_staging
