"""Product bugs this suite found that e2e/ cannot fix, each with its proposed fix.

An entry is matched precisely (page, size, widget state, rule and a piece of the
problem line), so every other problem in the same cell still fails it. A cell whose
only problems are known bugs is an xfail, with the reason in the report and in the
end-of-run summary; a known bug that no longer shows up where it should fails the
cell, so a fixed bug's entry gets removed rather than hiding the next regression.
"""

from __future__ import annotations

from dataclasses import dataclass

from legible_audit.problem import Problem

from .matrix import Cell


@dataclass(frozen=True)
class KnownBug:
    id: str
    page: str
    rule: str
    match: str  # must occur in the problem's one-line report
    sizes: tuple[int, ...]
    widget: str | None
    reason: str  # what is wrong and the proposed fix

    def applies(self, cell: Cell) -> bool:
        return (
            cell.page.name == self.page and cell.size in self.sizes and cell.widget == self.widget
        )

    def matches(self, problem: Problem) -> bool:
        return problem.rule == self.rule and self.match in problem.line()


KNOWN_BUGS: tuple[KnownBug, ...] = ()


def known_for(cell: Cell) -> tuple[KnownBug, ...]:
    return tuple(bug for bug in KNOWN_BUGS if bug.applies(cell))
