"""The flags of `legible import` for web sources, kept apart from the run (command.py)
so that building the command line imports nothing heavy."""

from __future__ import annotations

import argparse
from datetime import date


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 60")
    return value


def add_arguments(imp: argparse.ArgumentParser) -> None:
    """The import's flags for web sources (docs/operators/move-your-portal.md)."""
    web = imp.add_argument_group("from the web (feeds, sitemaps, pages, WordPress exports)")
    web.add_argument(
        "--allow-private",
        action="store_true",
        help="fetch from loopback, private and link-local addresses (an intranet CMS, tests)",
    )
    web.add_argument(
        "--per-host", type=_count, default=2, metavar="N", help="requests at once to one host (2)"
    )
    web.add_argument(
        "--delay",
        type=_seconds,
        default=0.5,
        metavar="SECONDS",
        help="between the starts of two requests to one host (0.5)",
    )
    web.add_argument(
        "--since", type=_day, metavar="DATE", help="only entries changed on or after this day"
    )
    web.add_argument("--limit", type=_count, metavar="N", help="only the newest N entries a source")
    web.add_argument(
        "--prune",
        action="store_true",
        help="remove the articles a source brought in that it no longer lists",
    )
    web.add_argument(
        "--recheck",
        action="store_true",
        help="ask for every page, even one its sitemap or feed dates as at the last run",
    )
    web.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    web.add_argument(
        "--json", metavar="FILE", help="write every item and its outcome as JSON (- for stdout)"
    )
    web.add_argument(
        "--pages", action="store_true", help="a WordPress export's pages too, not only its posts"
    )
