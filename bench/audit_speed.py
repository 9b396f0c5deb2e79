#!/usr/bin/env python3
"""`legible audit` throughput, before and after, side by side in one run.

The pages are the W3C ACT examples (e2e/act: small pages, as the issue measured
them), written once and served by one static server. Each round runs `legible
audit --widget off --viewports 1280x800 --jobs N` over them with this checkout
and with the code of git revision --before (a `git worktree` in a temporary
folder, run with this venv's Python from that folder, so it imports its own
code), alternately, so both meet the same load on a shared machine. It prints
each run's wall time and tasks a minute, the medians, the ratio, and whether both
found exactly the same (a speed-up that changes a finding is a bug: it exits 1).

    python -m bench.audit_speed --before 5900013 [--pages 80] [--rounds 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from e2e.act.cases import all_cases
from e2e.act.run import VIEWPORT, served, write_site
from legible_audit.registry import ACT_RULES

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Side:
    name: str
    root: Path  # the checkout whose code runs


def pick(n: int) -> list[Any]:
    """`n` ACT examples spread evenly over every rule's (0: all of them)."""
    cases = all_cases(tuple(r.id for r in ACT_RULES))
    if n <= 0 or n >= len(cases):
        return cases
    step = len(cases) / n
    return [cases[int(i * step)] for i in range(n)]


def findings(report: dict[str, Any]) -> set[tuple[str, ...]]:
    """What a run found, without the server's port: each task's outcome per check and
    each finding (page path, variant, check, rule, selector, outcome)."""
    out: set[tuple[str, ...]] = set()
    for t in report["tasks"]:
        path = urlsplit(t["url"]).path
        out.add((path, t["variant"], "error", str(t["error"])))
        for check, outcome in (t.get("outcomes") or {}).items():
            out.add((path, t["variant"], "outcome", check, str(outcome)))
    for f in report["findings"]:
        path = urlsplit(f["url"]).path
        out.add((path, f["variant"], f["check"], f["rule"], f["selector"] or "", f["outcome"]))
    return out


def audit(side: Side, urls: Path, jobs: int, out: Path) -> tuple[float, dict[str, Any]]:
    command = [
        *(sys.executable, "-m", "service.cli", "audit"),
        *("--urls", str(urls), "--widget", "off", "--viewports", VIEWPORT),
        *("--jobs", str(jobs), "--timeout", "20", "--json", str(out)),
    ]
    start = time.monotonic()
    done = subprocess.run(command, cwd=side.root, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if not out.is_file():
        raise SystemExit(f"{side.name}: no report (exit {done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(out.read_text(encoding="utf-8"))


def imports_from(root: Path) -> Path:
    """Where `legible_audit` comes from when run in `root` (must be root's own)."""
    done = subprocess.run(
        [sys.executable, "-c", "import legible_audit; print(legible_audit.__file__)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip()).parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True, help="the git revision to compare with")
    p.add_argument("--pages", type=int, default=80, help="ACT examples (0: all)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    cases = pick(args.pages)
    with tempfile.TemporaryDirectory(prefix="legible-bench-audit-speed-") as tmp:
        work = Path(tmp)
        before = work / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(before), args.before],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            sides = [Side(f"before ({args.before})", before), Side("after (this checkout)", ROOT)]
            for side in sides:
                found = imports_from(side.root)
                if found.resolve() != side.root.resolve():
                    raise SystemExit(f"{side.name} imports legible_audit from {found}")
            return _rounds(args, cases, sides, work)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False
            )


def _rounds(args: argparse.Namespace, cases: list[Any], sides: list[Side], work: Path) -> int:
    site = work / "site"
    write_site(cases, site)
    seconds: dict[str, list[float]] = {s.name: [] for s in sides}
    rates: dict[str, list[float]] = {s.name: [] for s in sides}
    found: dict[str, set[tuple[str, ...]]] = {}
    tasks = 0
    with served(site) as origin:
        urls = work / "urls.txt"
        pages = list(dict.fromkeys(f"{origin}/{c.path}" for c in cases))
        urls.write_text("\n".join(pages) + "\n", encoding="utf-8")
        for r in range(args.rounds):
            # Alternate which goes first, so neither always meets the other's aftermath.
            for side in sides if r % 2 == 0 else sides[::-1]:
                took, report = audit(side, urls, args.jobs, work / "audit.json")
                done = report["summary"]["tasks_done"]
                tasks = report["summary"]["tasks_planned"]
                seconds[side.name].append(took)
                rates[side.name].append(done / took * 60)
                this = findings(report)
                if side.name in found and found[side.name] != this:
                    print(f"  note: {side.name} found differently from its own earlier round")
                found.setdefault(side.name, this)
                print(
                    f"round {r + 1}: {side.name}: {done}/{tasks} tasks in {took:.0f} s"
                    f" ({done / took * 60:.1f} tasks/min), load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    old, new = (s.name for s in sides)
    ratio = statistics.median(rates[new]) / statistics.median(rates[old])
    print(
        f"legible audit --widget off --viewports {VIEWPORT} --jobs {args.jobs}: {len(pages)} ACT"
        f" example pages, {tasks} tasks, {args.rounds} round(s), {os.cpu_count()} cores"
    )
    for name in (old, new):
        print(
            f"  {name}: median {statistics.median(seconds[name]):.0f} s,"
            f" {statistics.median(rates[name]):.1f} tasks/min"
        )
    print(f"  throughput ratio after/before: {ratio:.2f}x (goal >= 2x)")
    differ = found[old] ^ found[new]
    print(f"  findings and outcomes identical: {'yes' if not differ else 'NO'}")
    for item in sorted(differ)[:20]:
        print(f"    {'before only' if item in found[old] else 'after only'}: {item}")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
