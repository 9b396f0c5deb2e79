#!/usr/bin/env python3
"""Benchmark: `legible import` of a portal from its sitemap, then the no-op re-sync.

A loopback server (tests/support/portal_site.py) serves N generated portal pages
(the seed portal's shape: menus, share buttons, related links, a cookie banner
around 8 paragraphs of Vietnamese) behind a sitemap. `legible import` runs twice,
as a separate process each time, into a fresh SQLite store:

1. the first import: every page fetched, extracted, validated and stored;
2. the same command again, nothing changed at the source: the sitemap dates
   every page as before, so none is asked for, and nothing is written;
3. the same with `--recheck`: every page a conditional GET, answered 304.

It prints pages per second of the first import, the peak RSS of the import
process, and both times side by side (goal: the re-sync at least 10x faster),
each timed from the command's start (Python's start-up and imports apart).
Politeness is set for a local server (`--delay 0`, `--per-host 8`): this measures
Legible, not the delay it keeps for other people's servers.

    python -m bench.ingest [--pages 500] [--port 23100] [--per-host 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.portal_site import Page, Site, portal_page, serve

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "Ủy ban nhân dân tỉnh đã tổ chức hội nghị tổng kết công tác năm, đánh giá kết quả"
    " thực hiện nhiệm vụ phát triển kinh tế xã hội, bảo đảm quốc phòng an ninh và"
    " triển khai phương hướng nhiệm vụ trọng tâm cho năm tiếp theo với nhiều giải pháp"
    " cụ thể, thiết thực và hiệu quả."
)
WORDS = TEXT.split(" ")


def paragraph(n: int, k: int) -> str:
    start = (n * 7 + k * 3) % len(WORDS)
    words = (WORDS[start:] + WORDS[:start]) * 2
    return f"Đoạn {k + 1} của bài {n}: " + " ".join(words[:45]) + "."


def portal(pages: int) -> Site:
    site = Site()
    for n in range(pages):
        title = f"Tin tức số {n}: hội nghị tổng kết công tác năm"
        day = f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}"
        html = portal_page(title, [paragraph(n, k) for k in range(8)])
        site.pages[f"/tin-tuc/bai-{n}.html"] = Page(title, day, html)
    return site


# The command in a process of its own, timed from `main()`: Python's start-up and the
# imports (a second or more on a busy machine) are the same for both runs, and are
# printed apart.
CHILD = """
import sys, time
import service.cli, service.ingest.command, service.ingest.sync, service.ingest.extract
started = time.perf_counter()
code = service.cli.main(sys.argv[1:])
print(f"TOOK {time.perf_counter() - started}", file=sys.stderr)
sys.exit(code)
"""


def run_import(db: Path, url: str, per_host: int, *more: str) -> tuple[float, float, str, int]:
    """The command's seconds, the process's seconds, the summary line, the exit status."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "--db", str(db), "import", "--allow-private",
         "--delay", "0", "--per-host", str(per_host), *more, url],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "LEGIBLE_PURGE_URLS": ""},
    )  # fmt: skip
    wall = time.perf_counter() - started
    took = [float(line[5:]) for line in done.stderr.splitlines() if line.startswith("TOOK ")]
    summary = done.stdout.splitlines()[0] if done.stdout else done.stderr.strip()[-300:]
    return (took[0] if took else wall), wall, summary, done.returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=500)
    p.add_argument("--port", type=int, default=23100, help="the local portal's port")
    p.add_argument("--per-host", type=int, default=8)
    args = p.parse_args(argv)
    site = portal(args.pages)
    with tempfile.TemporaryDirectory() as tmp, serve(site, args.port):
        db = Path(tmp) / "legible.db"
        url = site.url("/sitemap.xml")
        first, first_wall, first_summary, first_code = run_import(db, url, args.per_host)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        site.log.clear()
        again, again_wall, again_summary, again_code = run_import(db, url, args.per_host)
        site.log.clear()
        asked, _, asked_summary, asked_code = run_import(db, url, args.per_host, "--recheck")
        not_modified = sum(1 for path, status in site.log if status == 304)
    print(f"legible import of {args.pages} pages from a sitemap on loopback"
          f" (--delay 0 --per-host {args.per_host})")  # fmt: skip
    print(f"  first import   {first:7.2f} s  {args.pages / first:6.1f} pages/s"
          f"  peak RSS {peak_mb:.0f} MB   [{first_summary}]")  # fmt: skip
    print(f"  no-op re-sync  {again:7.2f} s  {first / again:6.1f}x faster"
          f"  (the sitemap's lastmod unchanged: no page asked for)   [{again_summary}]")  # fmt: skip
    print(f"  --recheck      {asked:7.2f} s  {first / asked:6.1f}x faster"
          f"  ({not_modified} conditional GETs answered 304)   [{asked_summary}]")  # fmt: skip
    print(f"  (each process, with Python's start-up and imports: {first_wall:.2f} s and"
          f" {again_wall:.2f} s)")  # fmt: skip
    ok = first_code == again_code == asked_code == 0 and first / again >= 10
    print("  goal (re-sync >= 10x faster, both exit 0):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
