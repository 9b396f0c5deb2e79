#!/usr/bin/env python3
"""Benchmark: how much of each article Legible's web-page import keeps.

The pages and the reference text are a sample of scrapinghub's
article-extraction-benchmark (MIT; tests/fixtures/extraction-benchmark/README.md).
The score is that benchmark's own (its evaluate.py, ported below): each text is
cut into `\\w+` tokens, then into overlapping runs of 4 tokens ("shingles"); per
page, true positives, false positives and false negatives are counted over the
shingles and normalised to sum to 1, so a long article weighs no more than a
short one; precision and recall are the means over the pages, and F1 is computed
from those two means.

Two rows per option set:

- `legible`: our whole path, `extract()` -> `validate()` -> the text of the
  stored `body_html` (what a reader gets);
- `trafilatura`: `trafilatura.extract(html)` alone with the same options (the
  text of its HTML output), so the difference is what our pre- and
  post-processing and the sanitiser cost or gain.

One more row runs trafilatura exactly as the benchmark does (its defaults, text
output).

    python -m bench.extraction [--pages DIR]

The published figures on all 181 pages: readability-lxml 0.922, trafilatura
2.0.0 0.958 (its README). tests/test_extract_benchmark.py holds the floor.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "extraction-benchmark"
_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Score:
    f1: float
    precision: float
    recall: float
    pages: int
    failed: int  # pages the path gave no text for


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    words = tokens(text)
    return Counter(
        tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)) if words[i : i + n]
    )


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """evaluate.py's `string_shingle_matching`: counts over 4-shingles, normalised."""
    t, p = _shingles(true), _shingles(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tp += min(t[key], p[key])
        fp += max(0, p[key] - t[key])
        fn += max(0, t[key] - p[key])
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def score(pairs: Iterable[tuple[str, str]]) -> Score:
    """(reference, predicted) texts -> evaluate.py's precision, recall and F1."""
    counts = [tp_fp_fn(true, pred) for true, pred in pairs]
    # As evaluate.py: a page with nothing predicted has no precision, only a recall.
    precision = statistics.mean([_precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    recall = statistics.mean([_recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    failed = sum(1 for c in counts if c == (0.0, 0.0, 1.0))
    return Score(f1, precision, recall, len(counts), failed)


def pages(folder: Path = PAGES) -> list[tuple[str, bytes, str, str]]:
    """(id, page bytes, url, reference text) for each vendored page."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for path in sorted((folder / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        out.append(
            (key, gzip.decompress(path.read_bytes()), truth[key]["url"], truth[key]["articleBody"])
        )
    return out


def html_text(body_html: str) -> str:
    """The words of stored article HTML, each tag a word boundary."""
    return html.unescape(_TAG.sub(" ", body_html))


def legible_text(page: bytes, url: str, options: dict[str, Any] | None = None) -> str:
    """Our whole path: extract() -> validate() -> the stored body's text ("" if refused)."""
    from service.articles import validate
    from service.errors import ExtractFailed
    from service.ingest import extract as module

    saved = dict(module.OPTIONS)
    module.OPTIONS.update(options or {})
    try:
        found = module.extract(page, url)
    except ExtractFailed:
        return ""
    finally:
        module.OPTIONS.clear()
        module.OPTIONS.update(saved)
    article = validate(
        {
            "slug": "bench-page",  # the bench judges the body only: no slug from the title
            "title": found.title,
            "published": found.published or "2020-01-01",  # the bench judges the body only
            "lang": found.lang,
            "body_html": found.body_html,
        }
    )
    return html_text(article.body_html)


def trafilatura_text(page: bytes, url: str, options: dict[str, Any] | None = None) -> str:
    """trafilatura alone with the same options: its HTML output's text (its text output
    would count image addresses as words)."""
    import trafilatura

    from service.ingest.extract import OPTIONS

    given = {**OPTIONS, **(options or {})}
    found = trafilatura.extract(page.decode("utf-8"), url=url, output_format="html", **given)
    return html_text(found or "")


def benchmark_text(page: bytes, url: str, options: dict[str, Any] | None = None) -> str:
    """trafilatura as the benchmark's run_trafilatura.py calls it: defaults, text output."""
    import trafilatura

    return trafilatura.extract(page.decode("utf-8"), include_comments=False) or ""


def run(
    path: Callable[[bytes, str, dict[str, Any] | None], str],
    options: dict[str, Any] | None = None,
    folder: Path = PAGES,
) -> Score:
    return score((truth, path(page, url, options)) for _, page, url, truth in pages(folder))


VARIANTS: dict[str, dict[str, Any]] = {
    "chosen (favor_precision=True, images, tables)": {},
    "favor_precision=False (trafilatura's balance)": {"favor_precision": False},
    "favor_recall=True": {"favor_precision": False, "favor_recall": True},
    "include_images=False": {"include_images": False},
    "include_tables=False": {"include_tables": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    args = parser.parse_args()
    print(f"{len(pages(args.pages))} pages from {args.pages}")
    print(f"{'options':<48} {'path':<12} {'F1':>6} {'prec.':>6} {'recall':>6} {'failed':>6}")
    s = run(benchmark_text, None, args.pages)
    name = "as the benchmark runs it (defaults, text)"
    label = "trafilatura"
    print(f"{name:<48} {label:<12} {s.f1:6.3f} {s.precision:6.3f} {s.recall:6.3f} {s.failed:6d}")
    for name, options in VARIANTS.items():
        for label, path in (("legible", legible_text), ("trafilatura", trafilatura_text)):
            s = run(path, options, args.pages)
            print(
                f"{name:<48} {label:<12} {s.f1:6.3f} {s.precision:6.3f} {s.recall:6.3f} {s.failed:6d}"
            )


if __name__ == "__main__":
    main()
