"""`legible audit`'s outcome without a browser: the baseline diff, the three reports,
and the exit code, with the browser run replaced by canned results."""

from __future__ import annotations

import argparse
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

import legible_audit.main as audit_main
from legible_audit import baseline, runner
from legible_audit.findings import Finding, TaskResult, findings_from
from legible_audit.options import Options, add_arguments, from_args
from legible_audit.problem import Problem
from legible_audit.progress import Progress
from legible_audit.registry import CELL, audited
from legible_audit.reports import html_report, junit
from legible_audit.reports.model import Report
from legible_audit.runner import BrowserFailed, Run
from legible_audit.tasks import Task

URL = "https://a.example/news/1"
CELL_CHECKS = tuple(c.id for c in audited(CELL))
DARK = "theme=dark size=200% viewport=320x640"
AXE_RAW = {
    "violations": [
        {
            "id": "color-contrast",
            "tags": ["wcag2aa", "wcag143"],
            "nodes": [{"target": [".faint"], "html": '<p class="faint">x</p>'}],
        }
    ],
    "incomplete": [],
}


def cell(findings: list[Finding], error: str | None = None) -> TaskResult:
    return TaskResult(URL, DARK, "dark", CELL_CHECKS, findings, error, AXE_RAW)


def found() -> list[Finding]:
    problems = [
        Problem("axe", "color-contrast", ("1.4.3", "wcag2aa"), (".faint",), "too faint"),
        Problem("reflow", "reflow", ("1.4.10",), ("table.wide",), "scrollWidth 900px"),
    ]
    return findings_from(URL, DARK, problems, AXE_RAW)


def test_findings_carry_axes_raw_node() -> None:
    axe, reflow = found()
    assert axe.raw is not None and axe.raw["node"]["html"] == '<p class="faint">x</p>'
    assert axe.raw["result"] == "violations" and reflow.raw is None
    assert axe.key == (URL, DARK, "color-contrast", ".faint")


def test_baseline_diff_new_known_fixed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    axe, reflow = found()
    gone = Finding(URL, DARK, "focus", "focus-visible", ("2.4.7",), "a.more", "no change")
    assert baseline.write(path, [axe, gone]) == 2
    known = baseline.load(path)
    d = baseline.diff([cell([axe, reflow])], known)
    assert [f.rule for f in d.new] == ["reflow"]
    assert [f.rule for f in d.known] == ["color-contrast"]
    assert d.fixed == [gone.key]
    assert d.summary() == "1 new, 1 still known, 1 fixed"
    # A page that could not be checked fixes nothing.
    assert baseline.diff([cell([], error="could not load: HTTP 500")], known).fixed == []


def test_a_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(audit_main.UsageError, match="cannot read"):
        baseline.load(path)
    path.write_text('{"format": 1, "findings": [{"url": "x"}]}', encoding="utf-8")
    with pytest.raises(audit_main.UsageError, match="lacks"):
        baseline.load(path)
    assert baseline.load(tmp_path / "missing.json") == set()


def report(known: set[tuple[str, str, str, str]] = frozenset()) -> Report:  # type: ignore[assignment]
    results = [
        cell(found()),
        TaskResult(URL + "x", DARK, "dark", CELL_CHECKS, [], "could not load: HTTP 503"),
    ]
    return Report(results, baseline.diff(results, set(known)), planned=3)


def test_junit_has_one_testcase_per_url_variant_check() -> None:
    axe = found()[0]
    root = ET.fromstring(junit.render(report({baseline.key(axe)})))  # noqa: S314 (our own output)
    cases = root.findall(".//testcase")
    ok = [c for c in cases if c.get("classname") == f"{URL} [{DARK}]"]
    assert sorted(c.get("name") for c in ok) == sorted(CELL_CHECKS)
    failures = {c.get("name"): c.find("failure") for c in ok if c.find("failure") is not None}
    assert set(failures) == {"reflow"}  # the axe finding is known: not a failure
    assert failures["reflow"].get("type") == "reflow"  # type: ignore[union-attr]
    axe_case = next(c for c in ok if c.get("name") == "axe")
    assert "known (baseline)" in (axe_case.findtext("system-out") or "")
    broken = [c for c in cases if c.get("classname", "").startswith(URL + "x")]
    assert [c.get("name") for c in broken if c.find("error") is not None] == ["page"]
    assert len([c for c in broken if c.find("skipped") is not None]) == len(CELL_CHECKS)
    assert root.get("failures") == "1" and root.get("errors") == "1"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_filterable_and_labelled() -> None:
    r = report()
    shot = "data:image/jpeg;base64,/9j/AA=="
    r.results[0].findings[1] = Finding(**{**r.results[0].findings[1].__dict__, "screenshot": shot})
    text = html_report.render(r)
    page = Page()
    page.feed(text)
    tags = page.tags
    assert tags[0] == ("html", {"lang": "en"})
    assert not [
        a for t, a in tags if t in ("link", "script") and a.get("src" if t == "script" else "href")
    ]
    selects = [a["name"] for t, a in tags if t == "select"]
    assert selects == ["page", "theme", "rule", "outcome"]
    assert text.count("<label>") == 4  # each select inside its label
    items = [a for t, a in tags if t == "li" and "finding" in (a.get("class") or "")]
    assert {(a["data-page"], a["data-theme"], a["data-rule"]) for a in items} == {
        (URL, "dark", "color-contrast"),
        (URL, "dark", "reflow"),
    }
    imgs = [a for t, a in tags if t == "img"]
    assert imgs == [{"src": shot, "alt": f"Screenshot of table.wide in {DARK}"}]
    assert "<code>.faint</code>" in text and "1.4.10" in text
    assert ("p", {"id": "shown", "role": "status"}) in tags
    assert "could not load: HTTP 503" in text


def opts(tmp_path: Path, *extra: str) -> Options:
    p = argparse.ArgumentParser()
    add_arguments(p)
    argv = [URL, "--themes", "dark", "--sizes", "200", "--viewports", "320x640", *extra]
    argv += ["--junit", str(tmp_path / "r.xml"), "--json", str(tmp_path / "r.json")]
    argv += ["--html", str(tmp_path / "r.html")]
    return from_args(p.parse_args(argv), {"dark": "AA"}, (100, 200))


Runner = Callable[[list[Task], Options, Callable[[TaskResult], None]], Run]


def fake(results: list[TaskResult], raise_: BaseException | None = None) -> Runner:
    def run(tasks: list[Task], o: Options, on_result: Callable[[TaskResult], None]) -> Run:
        for r in results:
            on_result(r)
        if raise_ is not None:
            raise raise_
        # The tasks with no canned result are clean: every planned task comes back.
        rest = [TaskResult(t.url, t.label, t.variant.theme, CELL_CHECKS) for t in tasks]
        return Run([*results, *rest[len(results) :]], planned=len(tasks))

    return run


@pytest.mark.parametrize(("results", "code"), [([], 0), (None, 1)], ids=["clean", "new findings"])
def test_exit_code_0_clean_1_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, results: list[TaskResult] | None, code: int
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([cell(found())] if results is None else results))
    assert audit_main.audit(opts(tmp_path)) == code
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["summary"]["new"] == (0 if code == 0 else 2)


def test_baseline_makes_known_findings_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([cell(found())]))
    base = str(tmp_path / "base.json")
    assert audit_main.audit(opts(tmp_path, "--baseline", base, "--update-baseline")) == 0
    assert len(json.loads(Path(base).read_text(encoding="utf-8"))["findings"]) == 2
    assert audit_main.audit(opts(tmp_path, "--baseline", base)) == 0
    new = Finding(URL, DARK, "lang", "lang-valid", ("3.1.2",), "span", "bad lang")
    monkeypatch.setattr(audit_main, "run", fake([cell([*found(), new])]))
    assert audit_main.audit(opts(tmp_path, "--baseline", base)) == 1
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [f["rule"] for f in data["findings"] if f["status"] == "new"] == ["lang-valid"]


@pytest.mark.parametrize(
    ("error", "code"), [(KeyboardInterrupt(), 130), (BrowserFailed("no chromium"), 2)]
)
def test_reports_are_written_when_the_run_fails(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([cell(found())], error))
    assert audit_main.audit(opts(tmp_path)) == code
    for name in ("r.xml", "r.json", "r.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["interrupted"] == (code == 130)
    if code == 2:
        assert "cannot start Chromium: no chromium" in capsys.readouterr().err


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log() -> None:
    log = io.StringIO()
    bar = Progress(4, log, tty=False)
    bar.step("https://a.example/ theme=dark", 2)
    bar.say("legible audit: https://b.example/: could not load: HTTP 503")
    bar.step("https://b.example/ theme=dark", 0, "could not load: HTTP 503")
    assert log.getvalue().splitlines() == [
        "[1/4] https://a.example/ theme=dark: 2 findings",
        "legible audit: https://b.example/: could not load: HTTP 503",
        "[2/4] https://b.example/ theme=dark: could not load: HTTP 503",
    ]
    term = io.StringIO()
    bar = Progress(4, term, tty=True)
    bar.step("https://a.example/", 0)
    bar.step("https://a.example/x", 1)
    bar.close()
    assert term.getvalue().count("\n") == 1  # redrawn in place, one newline at the end
    assert "\r\x1b[2K[" + "#" * 12 + "." * 12 + "] 2/4" in term.getvalue()


def test_a_playwright_that_cannot_start_is_a_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_driver() -> None:
        raise RuntimeError("driver not found")

    monkeypatch.setattr(runner, "sync_playwright", no_driver)
    tasks = runner.plan([URL], opts(tmp_path))
    with pytest.raises(BrowserFailed, match="driver not found"):
        runner.run(tasks, opts(tmp_path), lambda r: None)


def test_fewer_results_than_tasks_is_exit_2_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def half(tasks: list[Task], o: Options, on_result: Callable[[TaskResult], None]) -> Run:
        return Run([], planned=len(tasks), failures=["Chromium crashed"])

    monkeypatch.setattr(audit_main, "run", half)
    assert audit_main.audit(opts(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "2 of 2 tasks were not run: Chromium crashed" in err
    assert (tmp_path / "r.json").stat().st_size > 0  # the reports still hold what was done


def test_a_report_that_cannot_be_written_keeps_no_other_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([cell(found())]))
    options = opts(tmp_path)
    (tmp_path / "r.xml").mkdir()  # after the options were checked: the rename fails
    assert audit_main.audit(options) == 1  # the new findings are still the verdict
    assert (tmp_path / "r.json").stat().st_size > 0 and (tmp_path / "r.html").stat().st_size > 0
    err = capsys.readouterr().err.strip().splitlines()
    assert next(line for line in err if "r.xml" in line).startswith("legible audit: cannot write")
    monkeypatch.setattr(audit_main, "run", fake([]))
    assert audit_main.audit(options) == 2  # nothing new, but a report is missing


def test_a_page_that_did_not_load_is_never_known(tmp_path: Path) -> None:
    """`--update-baseline` while a page was down must not make it pass later; and the
    load failure's key is its URL, whichever variant's task reached it first."""
    down = [
        Finding(URL, variant, "page", "page-load", (), "", "could not load: HTTP 503")
        for variant in (DARK, "theme=default size=100% viewport=320x640")
    ]
    broke = Finding(URL, DARK, "page", "page-check", (), "", "could not check: boom")
    assert down[0].key == down[1].key == (URL, "", "page-load", "")
    path = tmp_path / "baseline.json"
    axe = found()[0]
    assert baseline.write(path, [axe, down[0], broke]) == 1
    assert baseline.load(path) == {baseline.key(axe)}
    # Even a baseline that holds them (an older one) does not make them known.
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "findings": [
                    dict(zip(("url", "variant", "rule", "selector"), k, strict=True))
                    for k in (down[0].key, broke.key)
                ],
            }
        ),
        encoding="utf-8",
    )
    assert baseline.load(path) == set()
    known = {baseline.key(down[0]), baseline.key(broke)}
    d = baseline.diff([cell([down[1], broke], error="could not load")], known)
    assert d.new == [down[1], broke] and d.known == []
