"""The audit's checks are declared once, in legible_audit/registry.py: no other module
lists them, every check has its step and its scripts, every problem a module makes
belongs to a declared check and rule, and every ACT rule is vendored for e2e/act."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from legible_audit.cell import STEPS, step
from legible_audit.registry import (
    ACT_BY_ID,
    ACT_RULES,
    AXE_RULES,
    BY_ID,
    CELL,
    CHECKS,
    E2E,
    JS,
    LOAD,
    PAGE,
    act_for,
    audited,
    procedures,
)

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "legible_audit" / "registry.py"
ACT = ROOT / "e2e" / "act"
IDS = set(BY_ID)
# Scripts that are not a check's own: the prelude every script gets, the variant
# detection (variants.py) and the focus reset between steps.
SUPPORT_SCRIPTS = {"prelude", "detect", "reset_focus"}


def sources() -> Iterator[Path]:
    """The audit, the e2e suite and the benches (unit tests name checks as sample data)."""
    for folder in ("legible_audit", "e2e", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != REGISTRY:
                yield path


def listed_ids(tree: ast.AST) -> Iterator[tuple[int, list[str]]]:
    """Each literal tuple, list or set holding two or more check ids, and each dict of
    constants keyed by them: data about the checks kept outside the registry. (A dict
    of each check's results, as a test reports them, is not a declaration.)"""
    for node in ast.walk(tree):
        items: list[ast.expr | None] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict) and all(
            isinstance(v, ast.Constant | ast.Tuple) for v in node.values
        ):
            items = list(node.keys)
        found = [
            n.value
            for n in items
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in IDS
        ]
        if len(found) >= 2:
            yield node.lineno, found


def test_no_module_but_the_registry_lists_the_checks() -> None:
    lists = [
        f"{path.relative_to(ROOT)}:{line}: {found}"
        for path in sources()
        for line, found in listed_ids(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not lists, "checks listed outside legible_audit/registry.py:\n" + "\n".join(lists)


def test_the_scan_finds_a_second_list() -> None:
    """The test above can fail: a list like the one findings.py used to keep is found."""
    stale = 'CELL_CHECKS = ("first-screen", "axe", "focus")\nOTHER = {"lang": 1, "reflow": 2}'
    assert [found for _, found in listed_ids(ast.parse(stale))] == [
        ["first-screen", "axe", "focus"],
        ["lang", "reflow"],
    ]


def problems_made(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, check, rule) of each `Problem("check", "rule", …)` with a literal check."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem"):
            continue
        args = node.args
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            rule = args[1].value if len(args) > 1 and isinstance(args[1], ast.Constant) else None
            yield node.lineno, args[0].value, rule if isinstance(rule, str) else None


def test_every_problem_the_checks_make_is_of_a_declared_check_and_rule() -> None:
    wrong = []
    for path in sorted((ROOT / "legible_audit").glob("*.py")):
        for line, check, rule in problems_made(path):
            where = f"{path.name}:{line}"
            if check == LOAD:
                continue
            if check not in BY_ID:
                wrong.append(f"{where}: check {check!r} is not in the registry")
            elif rule is not None and rule not in BY_ID[check].rules:
                wrong.append(f"{where}: {check!r} does not declare rule {rule!r}")
    assert not wrong, "\n".join(wrong)


def test_every_check_has_its_step_and_its_scripts() -> None:
    run = {c.id for c in CHECKS if c.runs in (CELL, PAGE)}
    assert set(STEPS) == run, "a check without a step in cell.py, or a step for no check"
    missing = [
        f"{c.id}: js/{s}.js" for c in CHECKS for s in c.scripts if not (JS / f"{s}.js").is_file()
    ]
    assert not missing, f"scripts named in the registry are missing: {missing}"
    used = {s for c in CHECKS for s in c.scripts} | SUPPORT_SCRIPTS
    orphans = sorted(p.stem for p in JS.glob("*.js") if p.stem not in used)
    assert not orphans, f"js/ files no check declares: {orphans}"


def test_a_step_for_an_undeclared_check_is_refused() -> None:
    with pytest.raises(KeyError, match=r"not in legible_audit/registry\.py"):
        step("colour-blindness")(lambda page, env: [])
    with pytest.raises(KeyError, match="two steps"):
        step("axe")(lambda page, env: [])


def test_checks_are_unique_and_well_formed() -> None:
    assert len(IDS) == len(CHECKS)
    for c in CHECKS:
        assert c.runs in (CELL, PAGE, E2E), c.id
        assert c.rules, f"{c.id}: no rules"
        assert c.criteria, f"{c.id}: no criteria"
        for act_id, rules in c.act:
            assert act_id in ACT_BY_ID, f"{c.id}: ACT {act_id} is not in ACT_RULES"
            assert rules, f"{c.id}: ACT {act_id} has no procedure"
            assert c.rules == (AXE_RULES,) or set(rules) <= set(c.rules), (c.id, act_id)
    # The cell's order matters: the check that leaves its stylesheet runs last.
    cell = audited(CELL)
    assert [c.restyles for c in cell].index(True) == len(cell) - 1


def test_every_act_rule_has_a_check_and_its_vendored_examples() -> None:
    for rule in ACT_RULES:
        assert procedures(rule.id), f"ACT {rule.id}: no check implements it"
        assert len(list((ACT / "rules").glob(f"*-{rule.id}.md"))) == 1, rule.id
    assert (ACT / "LICENSE.md").read_text(encoding="utf-8").count("W3C") >= 2
    vendored = {p.stem.rsplit("-", 1)[1] for p in (ACT / "rules").glob("*.md")}
    assert vendored == set(ACT_BY_ID), "e2e/act/rules and the registry disagree"


def test_a_finding_knows_the_act_rules_it_fails() -> None:
    assert act_for("text-contrast", "text-contrast") == ("afw4f7", "09o5cg")
    assert act_for("axe", "color-contrast") == ("afw4f7",)
    assert act_for("axe", "image-alt") == ()
    assert act_for("keyboard", "focus-trap") == ("80af7b", "a1b64e", "ebe86a")
    assert ("lang", "lang-valid") in procedures("bf051a")
