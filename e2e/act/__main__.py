"""python -m e2e.act [--rules ID,…] [--jobs N] [--out DIR]

Every Passed, Failed and Inapplicable example of the ACT rules the audit's checks
implement, through one `legible audit --widget off`; writes DIR/act-report.json
(EARL, JSON-LD) and DIR/act-report.md (the table per rule), and prints the table.
Exit 1 when a claimed rule has a false positive or the claimed rules catch < 95 %
of their failed examples.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from legible_audit.registry import ACT_RULES

from .cases import all_cases
from .judge import BAR, details, earl, qualifies, table
from .run import ROOT, VIEWPORT, run_suite


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m e2e.act", description=__doc__.split("\n\n")[1])
    p.add_argument("--rules", help="comma-separated ACT rule ids (default: every one)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "e2e" / "artifacts" / "act"))
    args = p.parse_args(argv)
    rules = tuple(args.rules.split(",")) if args.rules else tuple(r.id for r in ACT_RULES)
    cases = all_cases(rules)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        suite = run_suite(cases, Path(work), args.jobs)
    seconds = time.monotonic() - start
    judged = suite.judged
    text = table(judged)
    meta = (
        f"One `legible audit --widget off --viewports {VIEWPORT} --jobs {args.jobs}` over "
        f"{len(cases)} examples: {seconds:.0f} s, exit {suite.returncode}. "
        f"Meeting the bar on this run: {', '.join(qualifies(judged)) or 'none'}.\n"
    )
    detail = "\n## Each example the audit got wrong or could not tell\n\n" + details(judged)
    (out / "act-report.md").write_text(text + "\n" + meta + detail, encoding="utf-8")
    (out / "act-report.json").write_text(
        json.dumps(earl(judged), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(text + "\n" + meta + f"reports: {out / 'act-report.md'}, {out / 'act-report.json'}")
    bad = [r.rule for r in judged.claimed if r.false_positives]
    return 1 if bad or judged.caught_share() < BAR else 0


if __name__ == "__main__":
    sys.exit(main())
