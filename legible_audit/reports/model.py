"""What every report shows: the run's results, each finding new or known and failing
or for review, each check's outcome counted, the pages that could not be checked,
and the known findings that are gone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..baseline import Diff
from ..findings import INAPPLICABLE, PASSED, Finding, TaskResult
from ..problem import ERROR, FAIL, REVIEW

OUTCOME_ORDER = (FAIL, REVIEW, PASSED, INAPPLICABLE, ERROR)


@dataclass
class Report:
    results: list[TaskResult]
    diff: Diff
    planned: int
    interrupted: bool = False
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    fail_on: tuple[str, ...] = (FAIL,)  # the outcomes of a new finding that fail the run

    def is_new(self, finding: Finding) -> bool:
        return finding.key in self._new

    def fails(self, finding: Finding) -> bool:
        """A new finding whose outcome fails the run."""
        return self.is_new(finding) and finding.outcome in self.fail_on

    def __post_init__(self) -> None:
        self._new = {f.key for f in self.diff.new}

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.diff.new if f.outcome in self.fail_on]

    @property
    def review(self) -> list[Finding]:
        """New findings that need a person's look (not failing the run)."""
        return [f for f in self.diff.new if f.outcome not in self.fail_on]

    @property
    def unchecked(self) -> list[tuple[str, str, str]]:
        """(url, variant, why) for each page, or check on a page, that could not be
        checked; a page that did not load once is listed once."""
        out = []
        for r in self.results:
            if r.error and not r.error.startswith("not checked"):
                out.append((r.url, r.variant, r.error))
            out += [(r.url, r.variant, e) for e in r.check_errors]
        return out

    def counts(self) -> dict[str, int]:
        """How many (task, check) pairs ended in each outcome."""
        seen = Counter(o for r in self.results for o in r.outcomes.values())
        seen[ERROR] += sum(len(r.checks) for r in self.results if r.error)
        return {o: seen[o] for o in OUTCOME_ORDER}

    def summary(self, fail_on: tuple[str, ...] | None = None) -> str:
        fail_on = self.fail_on if fail_on is None else fail_on
        new = self.diff.new
        failing = sum(1 for f in new if f.outcome in fail_on)
        counts = self.counts()
        checks = ", ".join(f"{n} {o}" for o, n in counts.items())
        return (
            f"{failing} new failing, {len(new) - failing} to review, "
            f"{len(self.diff.known)} still known, {len(self.diff.fixed)} fixed; checks: {checks}"
        )
