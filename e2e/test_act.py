"""The W3C ACT Rules test cases for the rules the audit claims (legible_audit/registry.py),
in CI: every failed example of each claimed rule (the share caught is the full run's,
not that of whichever examples come first) and the first few passed and inapplicable
ones, through one `legible audit --widget off`, as `python -m e2e.act` runs them all.

For every claimed rule: no finding of it on a passed or inapplicable example (0
false positives), and the claimed rules together catch ≥ 95 % of their failed
examples. docs/qa/act-report.md holds the full run."""

from __future__ import annotations

from pathlib import Path

import pytest

from legible_audit.registry import claimed

from .act.cases import all_cases, subset
from .act.judge import BAR, details
from .act.run import run_suite

pytestmark = pytest.mark.e2e

PER_OUTCOME = 3  # passed and inapplicable examples per claimed rule (all failed ones)
CLAIMED = claimed()


def test_the_audit_claims_act_rules() -> None:
    assert CLAIMED, "no ACT rule is claimed: the audit would promise nothing"


def test_claimed_act_rules_have_no_false_positives_and_catch_the_failures(
    tmp_path: Path,
) -> None:
    cases = subset(all_cases(CLAIMED), CLAIMED, PER_OUTCOME, every_failed=True)
    assert {c.rule for c in cases} == set(CLAIMED)
    suite = run_suite(cases, tmp_path)
    judged = suite.judged
    said = details(judged) + suite.stderr[-2000:]
    assert len(judged.outcomes) == len(cases), said
    wrong = {r.rule: r.false_positives for r in judged.rows if r.false_positives}
    assert not wrong, f"false positives on claimed rules: {wrong}\n{said}"
    share = judged.caught_share()
    assert share >= BAR, f"the claimed rules caught {share:.0%} of failed examples\n{said}"
