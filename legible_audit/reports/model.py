"""What every report shows: the run's results, each finding new or known, and the
known findings that are gone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..baseline import Diff
from ..findings import Finding, TaskResult


@dataclass
class Report:
    results: list[TaskResult]
    diff: Diff
    planned: int
    interrupted: bool = False
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def is_new(self, finding: Finding) -> bool:
        return finding.key in self._new

    def __post_init__(self) -> None:
        self._new = {f.key for f in self.diff.new}

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)
