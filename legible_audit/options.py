"""`legible audit`'s options: parsed and checked here, before any browser starts.

Pure standard library: `legible --help` works without the `audit` extra.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .registry import CHECKS, E2E

CHECK_IDS = tuple(c.id for c in CHECKS if c.runs != E2E)

WIDGET_MODES = ("page", "inject", "off")
SPACING_CHOICES = {"off": (False,), "on": (True,), "both": (False, True)}
DEFAULT_SIZES = "100,200"
DEFAULT_VIEWPORTS = "320x640,1280x800"
DEFAULT_TIMEOUT = 30.0


class UsageError(Exception):
    """Bad arguments or unreadable inputs: one line for the user, exit code 2."""


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class Variant:
    """One cell's state: a theme, size and spacing (None: the page as it is) at a viewport."""

    theme: str | None
    size: int
    spacing: bool
    viewport: Viewport
    level: str = "AA"  # what the theme promises: "AAA" adds the 7:1 checks

    @property
    def label(self) -> str:
        if self.theme is None:
            return f"as-is viewport={self.viewport}"
        spacing = " spacing=1" if self.spacing else ""
        return f"theme={self.theme} size={self.size}%{spacing} viewport={self.viewport}"


@dataclass(frozen=True)
class Options:
    urls: tuple[str, ...]
    sitemap: str | None
    excludes: tuple[str, ...]
    variants: tuple[Variant, ...]
    viewports: tuple[Viewport, ...]
    widget: str
    widget_origin: str | None
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[tuple[str, str], ...]
    timeout: float
    jobs: int
    junit: Path | None
    json: Path | None
    html: Path | None
    baseline: Path | None
    update_baseline: bool
    checks: tuple[str, ...] | None = None  # --checks: these only (None: the registry's default)
    fail_on: tuple[str, ...] = ("fail",)  # the finding outcomes that fail the run
    # Large sites: N pages per page template, at most this many pages, picked with this seed.
    sample: int | None = None
    max_pages: int | None = None
    seed: int = 0
    sarif: Path | None = None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("urls", nargs="*", metavar="URL", help="pages to audit")
    p.add_argument("--urls", dest="urls_file", metavar="FILE", help="a file of URLs, one a line")
    p.add_argument("--sitemap", metavar="URL", help="audit every page of this sitemap.xml")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out URLs matching this glob, e.g. '*/tag/*' (repeatable)",
    )
    p.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="audit N pages of each page template (URLs grouped by their path with ids, dates"
        " and slugs generalised, e.g. /news/{slug}), picked with --seed",
    )
    p.add_argument(
        "--max-pages",
        type=int,
        metavar="N",
        help="audit at most N pages, taken in turn from each page template so all are covered",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="which pages --sample and --max-pages pick: the same seed and URLs give the same"
        " pages (default 0)",
    )
    p.add_argument("--themes", help="comma-separated theme names (default: every theme)")
    p.add_argument("--sizes", help=f"comma-separated text sizes in %% (default {DEFAULT_SIZES})")
    p.add_argument(
        "--spacing", choices=sorted(SPACING_CHOICES), help="WCAG text spacing (default off)"
    )
    p.add_argument(
        "--viewports",
        default=DEFAULT_VIEWPORTS,
        help=f"comma-separated WIDTHxHEIGHT in CSS px (default {DEFAULT_VIEWPORTS})",
    )
    p.add_argument(
        "--widget",
        choices=WIDGET_MODES,
        default="page",
        help="how a page that is not Legible's own gets each variant: through the widget"
        " already on it (page), one injected from --widget-origin (inject), or none:"
        " test the page as it is (off)",
    )
    p.add_argument("--widget-origin", metavar="URL", help="the Legible to inject /widget.js from")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an HTTP header for the audited pages' own origin, e.g. a login token (repeatable)",
    )
    p.add_argument(
        "--cookie",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a cookie set for each audited URL, e.g. a session (repeatable)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds each page step (load, a check) may take (default 30)",
    )
    p.add_argument(
        "--jobs", type=int, default=2, help="Chromiums working at once (default 2, at most 32)"
    )
    p.add_argument("--junit", metavar="FILE", help="JUnit XML: one testcase per url×variant×check")
    p.add_argument("--json", metavar="FILE", help="every finding, with axe's raw output")
    p.add_argument("--html", metavar="FILE", help="one self-contained, filterable HTML report")
    p.add_argument(
        "--sarif",
        metavar="FILE",
        help="SARIF 2.1.0, for GitHub code scanning: one result a finding",
    )
    p.add_argument("--baseline", metavar="FILE", help="known findings: only new ones fail")
    p.add_argument(
        "--update-baseline", action="store_true", help="write this run's findings to --baseline"
    )
    p.add_argument(
        "--checks",
        metavar="IDS",
        help="comma-separated check ids to run (default: every default check; see docs/qa)",
    )
    p.add_argument(
        "--fail-on",
        choices=("fail", "review"),
        default="fail",
        help="new findings that fail the run: fail (default), or review too",
    )


def _list(text: str, what: str) -> list[str]:
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise UsageError(f"--{what}: give at least one value")
    return items


def parse_sizes(text: str, allowed: Sequence[int]) -> tuple[int, ...]:
    sizes = []
    for part in _list(text, "sizes"):
        if not part.isdigit() or int(part) not in allowed:
            shown = ", ".join(map(str, allowed))
            raise UsageError(f"--sizes: {part!r} is not a text size; choose from {shown}")
        sizes.append(int(part))
    return tuple(dict.fromkeys(sizes))


def parse_viewports(text: str) -> tuple[Viewport, ...]:
    out = []
    for part in _list(text, "viewports"):
        m = re.fullmatch(r"(\d{2,5})x(\d{2,5})", part)
        if not m or not (200 <= int(m.group(1)) <= 8000 and 200 <= int(m.group(2)) <= 8000):
            raise UsageError(f"--viewports: {part!r} is not WIDTHxHEIGHT, e.g. 320x640")
        out.append(Viewport(int(m.group(1)), int(m.group(2))))
    return tuple(dict.fromkeys(out))


def check_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{where}: {url!r} is not an http(s) URL")
    return url


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
        raise UsageError(f"--header: {text!r} is not 'Name: value'")
    return name.strip(), value.strip()


def parse_cookie(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or any(c in text for c in ";\r\n"):
        raise UsageError(f"--cookie: {text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


def read_urls_file(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--urls: cannot read {path}: {exc}") from exc
    lines = [line.strip() for line in text.splitlines()]
    return [check_url(u, f"--urls {path}") for u in lines if u and not u.startswith("#")]


def output_path(value: str | None, flag: str) -> Path | None:
    """Where a report goes, checked before the run: its folder (or the nearest one that
    exists, as the missing ones get made) must be a writable directory."""
    if not value:
        return None
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{flag}: {path} is a directory")
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag}: cannot write {path}: {folder} is not a writable directory")
    return path


def from_args(args: argparse.Namespace, levels: Mapping[str, str], sizes: Sequence[int]) -> Options:
    """`levels`: every theme the widget and Legible's pages know, with the WCAG level it
    promises; `sizes`: the text sizes they offer."""
    urls = [check_url(u, "URL") for u in args.urls]
    if args.urls_file:
        urls += read_urls_file(args.urls_file)
    sitemap = check_url(args.sitemap, "--sitemap") if args.sitemap else None
    if not urls and not sitemap:
        raise UsageError("nothing to audit: give URLs, --urls FILE or --sitemap URL")
    viewports = parse_viewports(args.viewports)
    if args.widget == "off":
        given = [f"--{n}" for n in ("themes", "sizes", "spacing") if getattr(args, n)]
        if given:
            raise UsageError(f"--widget off tests the page as it is: drop {', '.join(given)}")
        variants = tuple(Variant(None, 100, False, vp) for vp in viewports)
    else:
        themes = _list(args.themes, "themes") if args.themes else list(levels)
        unknown = [t for t in themes if t not in levels]
        if unknown:
            raise UsageError(f"--themes: unknown {unknown}; choose from {', '.join(levels)}")
        chosen = parse_sizes(args.sizes or DEFAULT_SIZES, sizes)
        spacing = SPACING_CHOICES[args.spacing or "off"]
        variants = tuple(
            Variant(theme, size, sp, vp, levels[theme])
            for vp in viewports
            for theme in dict.fromkeys(themes)
            for size in chosen
            for sp in spacing
        )
    origin = args.widget_origin
    if args.widget == "inject":
        if not origin:
            raise UsageError("--widget inject needs --widget-origin URL (where Legible runs)")
        origin = check_url(origin, "--widget-origin").rstrip("/")
    elif origin:
        raise UsageError("--widget-origin only goes with --widget inject")
    if args.jobs < 1 or args.jobs > 32:
        raise UsageError("--jobs: between 1 and 32")
    if not 1 <= args.timeout <= 600:
        raise UsageError("--timeout: between 1 and 600 seconds")
    if args.update_baseline and not args.baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    for flag, value in (("--sample", args.sample), ("--max-pages", args.max_pages)):
        if value is not None and value < 1:
            raise UsageError(f"{flag}: at least 1 page")

    reports = {
        flag: output_path(getattr(args, flag), f"--{flag}")
        for flag in ("junit", "json", "html", "sarif")
    }
    known = output_path(args.baseline, "--baseline") if args.update_baseline else None
    checks = None
    if args.checks:
        checks = tuple(dict.fromkeys(_list(args.checks, "checks")))
        unknown = [c for c in checks if c not in CHECK_IDS]
        if unknown:
            raise UsageError(f"--checks: unknown {unknown}; choose from {', '.join(CHECK_IDS)}")
    return Options(
        urls=tuple(dict.fromkeys(urls)),
        sitemap=sitemap,
        excludes=tuple(args.exclude),
        variants=variants,
        viewports=viewports,
        widget=args.widget,
        widget_origin=origin,
        headers=tuple(parse_header(h) for h in args.header),
        cookies=tuple(parse_cookie(c) for c in args.cookie),
        timeout=args.timeout,
        jobs=args.jobs,
        junit=reports["junit"],
        json=reports["json"],
        html=reports["html"],
        baseline=known or (Path(args.baseline) if args.baseline else None),
        update_baseline=args.update_baseline,
        checks=checks,
        fail_on=("fail", "review") if args.fail_on == "review" else ("fail",),
        sample=args.sample,
        max_pages=args.max_pages,
        seed=args.seed,
        sarif=reports["sarif"],
    )
