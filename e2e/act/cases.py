"""The ACT rules' examples, read from their Markdown as the ACT tools read them
(act-rules/act-tools: get-rule-examples, add-code-template, test-case-hash), so each
example gets the id and the URL path the ACT website and the implementation reports
use: testcases/RULE/SHA1.EXT."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

ACT = Path(__file__).resolve().parent
RULES = ACT / "rules"
ASSETS = ACT / "test-assets"
SITE = "https://act-rules.github.io"
EXPECTED = ("passed", "failed", "inapplicable")

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w-]*)")


@dataclass(frozen=True)
class Case:
    rule: str  # the ACT rule id
    rule_name: str
    id: str  # sha1 of the code, whitespace-collapsed (the ACT test case id)
    expected: str  # "passed", "failed" or "inapplicable"
    title: str  # e.g. "Failed Example 3"
    language: str  # the code block's: html, svg, xhtml, xml
    code: str  # the page as served: the snippet inside the ACT template

    @property
    def path(self) -> str:
        """Where the ACT website serves it (and where our local server does)."""
        return f"testcases/{self.rule}/{self.id}.{self.language}"

    @property
    def source(self) -> str:
        """The test case's URL on the ACT website: an EARL report's subject."""
        return f"{SITE}/{self.path}"


def case_id(code: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", " ", code.strip()).encode("utf-8")).hexdigest()  # noqa: S324


def with_template(code: str, language: str, title: str) -> str:
    """A fragment gets the ACT website's page around it; a whole document is kept."""
    if language not in ("html", "xhtml") or re.search(r"<!doctype", code, re.I):
        return code
    doctype = "<!DOCTYPE html>"
    if language == "xhtml":
        doctype = (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
            '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
        )
    if re.search(r"<html", code, re.I):
        return f"{doctype}\n{code}"
    body = "\n".join("\t" + line if line else line for line in code.split("\n"))
    return (
        f'{doctype}\n<html lang="en">\n<head>\n\t<title>{title}</title>\n</head>\n<body>\n'
        f"{body}\n</body>\n</html>"
    )


def front_matter(text: str) -> dict[str, str]:
    """The rule's top-level scalar keys (id, name, rule_type)."""
    m = _FRONT.match(text)
    if not m:
        return {}
    out = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t", "-")) and value.strip():
            out[key.strip()] = value.strip().strip("'\"")
    return out


def _expected(title: str) -> str | None:
    low = title.lower()
    if not re.search(r"example|case", low):
        return None
    for word, outcome in (("pass", "passed"), ("fail", "failed"), ("inapplicable", "inapplicable")):
        if word in low:
            return outcome
    return None


def rule_cases(path: Path) -> list[Case]:
    """Every example of one rule file: a heading naming the outcome, then the first
    fenced code block after it."""
    text = path.read_text(encoding="utf-8")
    meta = front_matter(text)
    rule, name = meta.get("id", ""), meta.get("name", "")
    if not rule:
        raise ValueError(f"{path.name}: no id in its front matter")
    lines = text[_FRONT.match(text).end() if _FRONT.match(text) else 0 :].split("\n")
    cases: list[Case] = []
    title: str | None = None
    i = 0
    while i < len(lines):
        heading = _HEADING.match(lines[i])
        fence = _FENCE.match(lines[i])
        if heading:
            title = heading.group(1) if _expected(heading.group(1)) else None
        elif fence:
            indent, marks, language = fence.groups()
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marks):
                line = lines[i]
                body.append(line[len(indent) :] if line.startswith(indent) else line)
                i += 1
            if title is not None:
                code = "\n".join(body)
                outcome = _expected(title)
                assert outcome is not None
                cases.append(
                    Case(
                        rule,
                        name,
                        case_id(code),
                        outcome,
                        title,
                        language or "html",
                        with_template(code, language or "html", title),
                    )
                )
                title = None
        i += 1
    return cases


def rule_file(rule: str, folder: Path = RULES) -> Path:
    found = sorted(folder.glob(f"*-{rule}.md"))
    if len(found) != 1:
        raise FileNotFoundError(f"ACT rule {rule}: {len(found)} files in {folder}")
    return found[0]


def all_cases(rules: tuple[str, ...], folder: Path = RULES) -> list[Case]:
    return [c for rule in rules for c in rule_cases(rule_file(rule, folder))]


ASSET_REF = re.compile(r"/test-assets/[\w./%-]+")


def asset_refs(text: str) -> set[str]:
    """The /test-assets/… paths a rule's examples use."""
    return {m.group(0).rstrip(".") for m in ASSET_REF.finditer(text)}


def subset(
    cases: list[Case], rules: tuple[str, ...], per_outcome: int, every_failed: bool = False
) -> list[Case]:
    """The first `per_outcome` passed, failed and inapplicable examples of each rule in
    `rules`, in the rules' own order: what CI can afford on every change. With
    `every_failed`, all the failed examples: the share caught is then the full run's,
    not that of whichever examples come first."""
    taken: dict[tuple[str, str], int] = {}
    out = []
    for case in cases:
        key = (case.rule, case.expected)
        wanted = every_failed and case.expected == "failed"
        if case.rule in rules and (wanted or taken.get(key, 0) < per_outcome):
            taken[key] = taken.get(key, 0) + 1
            out.append(case)
    return out
