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
import shutil
import sys
import tempfile
import time
from pathlib import Path

from legible_audit.registry import ACT_RULES

from .cases import all_cases
from .judge import BAR, Judged, details, earl, qualifies, table
from .run import ROOT, VIEWPORT, judge_report, run_suite

INTRO = """\
# `legible audit` against the W3C ACT Rules test cases

The ACT Rules Community Group publishes, for each of its rules, example pages that
must pass, fail or be inapplicable. axe-core, Siteimprove Alfa and QualWeb run their
tools over them and publish the result as an implementation report. This is
Legible's, written by `python -m e2e.act --out docs/qa` (see docs/qa/audit.md).

- **What runs:** every Passed, Failed and Inapplicable example of the
  {rules} ACT rules that the audit's checks implement (the ACT ids in
  `legible_audit/registry.py`, vendored in `e2e/act/` with the W3C licence and
  refreshed by `scripts/refresh-act`), served by a plain static server on a
  loopback origin of its own, through **one** `legible audit --widget off` run.
- **How an example is judged:** failed when the audit reports, on that page, a
  finding that fails the rule (the rule's procedures in the registry: for
  example `axe/color-contrast` and `text-contrast/text-contrast` for afw4f7);
  could not tell when the only such findings need review, or the page could
  not be checked; passed otherwise (ACT counts passed and inapplicable alike).
- **The bar for claiming a rule:** 0 false positives on its passed and
  inapplicable examples, and ≥ 95 % of the failed examples of the claimed
  rules caught overall. A rule that misses it is not claimed: the registry
  says `claimed=False`, and a finding of it still appears in the audit's
  reports, but the audit makes no promise about it. The ACT-format report
  (EARL, JSON-LD, as act-rules/act-tools reads it) is `act-report.json`
  beside this file.
- **In CI:** `e2e/test_act.py` runs every failed example of the claimed rules
  and the first three passed and inapplicable ones of each, and fails on any
  false positive or a catch share under 95 %.

"""


def document(judged: Judged, run: str) -> str:
    claimed = [r.rule for r in judged.claimed]
    said = (
        f"**Claimed:** {', '.join(claimed)}."
        if claimed
        else "**Claimed:** none yet: no rule meets the bar on this run."
    )
    return (
        INTRO.format(rules=len(judged.rows))
        + said
        + "\n\n"
        + table(judged)
        + "\n"
        + run
        + "\n\n## Each example the audit got wrong or could not tell\n\n"
        + "Its rule, title, expected and actual outcome, its path on act-rules.github.io, "
        + "and what the audit said.\n\n"
        + details(judged)
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m e2e.act", description=__doc__.split("\n\n")[1])
    p.add_argument("--rules", help="comma-separated ACT rule ids (default: every one)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "e2e" / "artifacts" / "act"))
    p.add_argument(
        "--judge",
        metavar="AUDIT_JSON",
        help="judge this earlier run's --json report (kept with --keep) instead of running",
    )
    p.add_argument("--keep", metavar="FILE", help="keep the audit's --json report here")
    args = p.parse_args(argv)
    rules = tuple(args.rules.split(",")) if args.rules else tuple(r.id for r in ACT_RULES)
    cases = all_cases(rules)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    if args.judge:
        report = json.loads(Path(args.judge).read_text(encoding="utf-8"))
        judged = judge_report(cases, report)
        how = (
            f"The `legible audit --widget off --viewports {VIEWPORT}` report of "
            f"{report['started']} ({len(report['tasks'])} tasks over {len(cases)} examples of "
            f"{len({c.rule for c in cases})} rules), judged with the registry as it is now"
        )
    else:
        with tempfile.TemporaryDirectory() as work:
            suite = run_suite(cases, Path(work), args.jobs)
            if args.keep:
                shutil.copy(Path(work) / "audit.json", args.keep)
        seconds = time.monotonic() - start
        judged = suite.judged
        how = (
            f"One `legible audit --widget off --viewports {VIEWPORT} --jobs {args.jobs}` over "
            f"{len(cases)} examples of {len({c.rule for c in cases})} rules: {seconds:.0f} s, "
            f"exit {suite.returncode}"
        )
    run = f"{how}. Meeting the bar on this run: {', '.join(qualifies(judged)) or 'none'}."
    (out / "act-report.md").write_text(document(judged, run), encoding="utf-8")
    (out / "act-report.json").write_text(
        json.dumps(earl(judged), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(table(judged) + "\n" + run + f"\nreports: {out / 'act-report.md'}, act-report.json")
    bad = [r.rule for r in judged.claimed if r.false_positives]
    return 1 if bad or judged.caught_share() < BAR else 0


if __name__ == "__main__":
    sys.exit(main())
