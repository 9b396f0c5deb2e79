#!/usr/bin/env python3
"""`legible audit` at the size the issue sets: 20 URLs x 5 themes x 3 sizes must finish
in 10 minutes or less on 2 cores.

1. `legible serve` starts on a fresh store holding the demo articles, the portal
   article and generated ones: 17 article pages, plus the index, a search and the
   preferences page, so 20 URLs of Legible's own templates;
2. `legible audit` runs on them, as a QA engineer would: the first 5 themes, sizes
   100/150/200, one 320x640 viewport, --jobs 2 (two Chromiums), JSON report;
3. it prints the wall time, the tasks per minute and the verdict against the goal,
   with the machine's core count beside it.

    python -m bench.audit [--jobs 2] [--viewport 320x640]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service.importers import articles_from, demo_files
from service.themes import data_dir, load_themes
from tests.support.live import PYTHON_CLI, serve, server_env

ROOT = Path(__file__).resolve().parents[1]

GOAL_SECONDS = 600.0
URLS, THEMES, SIZES = 20, 5, (100, 150, 200)
PORTAL = ROOT / "tests" / "fixtures" / "portal-article.txt"


def articles(folder: Path, n: int) -> list[Path]:
    """`n` generated articles in the JSON import format, a few paragraphs each."""
    paths = []
    for i in range(n):
        body = "".join(
            f"<p>Đoạn {j + 1} của bài {i + 1}: thư viện thành phố mở cửa đến 21 giờ từ tháng"
            " Mười, và có thêm chỗ đọc cho người khiếm thị.</p>"
            for j in range(6)
        )
        data = {
            "title": f"Bài thử số {i + 1}: giờ mở cửa mới của thư viện",
            "published": f"2026-11-{i % 28 + 1:02d}",
            "body_html": body,
            "slug": f"bai-thu-{i + 1}",
        }
        path = folder / f"bai-thu-{i + 1}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--viewport", default="320x640")
    args = p.parse_args()
    themes = list(load_themes(data_dir("themes")))[:THEMES]
    with tempfile.TemporaryDirectory(prefix="legible-bench-audit-") as tmp:
        work = Path(tmp)
        given = [*demo_files(), PORTAL]
        slugs = [a.slug for f in given for a in articles_from(f)][: URLS - 3]
        generated = articles(work, URLS - 3 - len(slugs))
        slugs += [f.stem for f in generated]
        db = work / "legible.db"
        files = [*map(str, given), *map(str, generated)]
        subprocess.run(
            [*PYTHON_CLI, "--db", str(db), "import", *files],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        env = server_env({"PYTHONUNBUFFERED": "1"})
        with serve(env=env, log=work / "server.log", db=db) as server:
            urls = [f"{server.url}/articles/{s}" for s in slugs]
            urls += [
                f"{server.url}/",
                f"{server.url}/search?q=thu+vien",
                f"{server.url}/preferences",
            ]
            assert len(urls) == URLS, len(urls)
            command = [
                *PYTHON_CLI,
                "audit",
                *urls,
                "--themes",
                ",".join(themes),
                "--sizes",
                ",".join(map(str, SIZES)),
                "--viewports",
                args.viewport,
                "--jobs",
                str(args.jobs),
                "--json",
                str(work / "audit.json"),
            ]
            start = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            seconds = time.monotonic() - start
        data = json.loads((work / "audit.json").read_text(encoding="utf-8"))
        load = os.getloadavg()[0]
    summary = data["summary"]
    cells = URLS * THEMES * len(SIZES)
    print(done.stdout.strip().splitlines()[-2] if done.stdout.strip() else done.stderr[-2000:])
    print(
        f"legible audit: {URLS} URLs x {THEMES} themes x {len(SIZES)} sizes = {cells} cells"
        f" (+ {URLS} page tasks) at {args.viewport}, --jobs {args.jobs}, {os.cpu_count()} cores,"
        f" load average {load:.1f} at the end (other work on the machine slows this down)"
    )
    print(
        f"  tasks done {summary['tasks_done']}/{summary['tasks_planned']},"
        f" pages failed {summary['pages_failed']}, exit code {done.returncode}"
    )
    print(
        f"  wall time {seconds:.0f} s ({summary['tasks_done'] / seconds * 60:.0f} tasks/min);"
        f" goal <= {GOAL_SECONDS:.0f} s: {'met' if seconds <= GOAL_SECONDS else 'MISSED'}"
    )
    errors = sorted({t["error"] for t in data["tasks"] if t["error"]})
    for error in errors[:5]:
        print(f"  a task could not check its page: {error[:300]}")
    ok = summary["tasks_done"] == summary["tasks_planned"] and done.returncode in (0, 1)
    ok = ok and not errors  # a figure for pages that were not checked means nothing
    return 0 if ok and seconds <= GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
