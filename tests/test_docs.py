"""The docs name only what exists, as Datasette's test_docs does for its settings: every
`make` target, `legible` command and flag, `LEGIBLE_*` variable, file path and link
in README.md and docs/ is checked against the Makefile, the parser, the code and the
tree. A rename that leaves the docs behind fails here."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.cli import parser
from service.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
README_MAX_LINES = 150  # issue 22: what Legible is, the two commands, links; docs/ has the rest

# Where the docs point into the tree: the repository's top-level folders and files.
TOP = r"(?:\.ci|service|tests|e2e|bench|deploy|docs|themes|widget|scripts|legible_audit)"
PATH = re.compile(rf"(?<![\w./:$-]){TOP}/[\w.*/-]*")
ROOT_FILES = re.compile(r"`(CHANGELOG\.md|Dockerfile|Makefile|pyproject\.toml|conftest\.py)`")
# Commands other tools own: their flags are not Legible's to check.
OTHER_TOOLS = {
    "docker", "pip", "playwright", "py-spy", "nginx", "varnishd", "curl", "ruff", "pg_config",
    "export", "ulimit", "font-size:", "npm", "git",
}  # fmt: skip


def rel(page: Path) -> str:
    return str(page.relative_to(ROOT))


def code_texts(text: str) -> Iterator[str]:
    """Inline code spans, and each logical line of the fenced blocks (continued by a
    trailing backslash, or by a next line that starts with a flag, as YAML folds)."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S)
    for block in blocks:
        logical: list[str] = []
        for line in block.splitlines():
            stripped = line.strip()
            if logical and (logical[-1].endswith("\\") or stripped.startswith("--")):
                logical[-1] = logical[-1].rstrip("\\") + " " + stripped
            else:
                logical.append(stripped)
        yield from logical
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    yield from re.findall(r"`([^`\n]+)`", prose)


def words(code: str) -> list[str]:
    code = re.sub(r"\s#\s.*$", "", code)  # a shell comment
    code = re.sub(r"^(- )?(run|script): >?", "", code.strip())  # a CI step
    try:
        return shlex.split(code)
    except ValueError:
        return code.split()


def subparsers() -> dict[str, argparse.ArgumentParser]:
    for action in parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("`legible` has no subcommands")


def options(p: argparse.ArgumentParser) -> set[str]:
    return {o for a in p._actions for o in a.option_strings}


def flags_in(tokens: list[str]) -> list[str]:
    return [t.split("=", 1)[0] for t in tokens if re.fullmatch(r"--[a-z][a-z0-9-]*(=.*)?", t)]


def commands() -> Iterator[tuple[str, str, list[str]]]:
    """(page, code, words) for every piece of code on every page."""
    for page in PAGES:
        for code in code_texts(page.read_text(encoding="utf-8")):
            yield rel(page), code, words(code)


def bench_flags() -> dict[str, set[str]]:
    """bench/X.py -> the flags it takes, its bench modules' included (run.py takes
    longtail.py's)."""
    scripts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "bench").glob("*.py")}
    found = {}
    for name, text in scripts.items():
        imported = re.findall(r"^from bench(?:\.(\w+))? import (\w+)", text, flags=re.M)
        used = {name} | {module or member for module, member in imported} & set(scripts)
        flags = set().union(*(re.findall(r"\"(--[a-z][a-z0-9-]*)\"", scripts[u]) for u in used))
        found[f"bench/{name}.py"] = flags
    return found


def linked(page: Path) -> set[Path]:
    """The pages `page` links to."""
    targets = re.findall(r"\]\(([^)\s#]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    return {(page.parent / t).resolve() for t in targets if not re.match(r"[a-z]+:", t)}


def test_the_readme_is_short_and_leads_to_every_page() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES, "move detail into docs/"
    for command in ("make run", "make test"):  # .ci/run runs `make test`
        assert command in text
    reached, todo = {readme.resolve()}, [readme.resolve()]
    while todo:
        for page in linked(todo.pop()) - reached:
            reached.add(page)
            todo.append(page)
    for page in PAGES:
        assert page.resolve() in reached, f"no link leads from the README to {rel(page)}"


def test_every_make_target_named_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w.-]+):", makefile, flags=re.M))
    named = 0
    for page, code, argv in commands():
        for i, word in enumerate(argv[:-1]):
            if word == "make" and not argv[i + 1].startswith("-"):
                named += 1
                assert argv[i + 1] in targets, f"{page}: `{code}` names no Makefile target"
    assert named > 10  # the parser above finds them


def test_every_legible_command_and_flag_named_exists() -> None:
    subs = subparsers()
    top = options(parser())
    every = top.union(*(options(s) for s in subs.values()))
    benches = bench_flags()
    css = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "widget").glob("*.[jc]s*"))
    checked = 0
    for page, code, argv in commands():
        if not argv or argv[0] in OTHER_TOOLS:
            continue
        head = Path(argv[0]).name
        if head == "legible" or (argv[0] in subs and len(argv) > 1 and argv[1].startswith("--")):
            rest = argv[1:] if head == "legible" else argv
            while rest and rest[0].startswith("-"):  # top-level flags, and --db's value
                assert rest[0].split("=")[0] in top, f"{page}: `{code}`: no top-level {rest[0]}"
                rest = rest[2:] if rest[0] == "--db" else rest[1:]
            if not rest:
                continue
            assert rest[0] in subs, f"{page}: `{code}`: `legible {rest[0]}` is not a command"
            for flag in flags_in(rest[1:]):
                assert flag in options(subs[rest[0]]) | top, (
                    f"{page}: `{code}`: `legible {rest[0]}` takes no {flag}"
                )
            checked += 1
            continue
        as_path = {w: w.replace(".", "/") + ".py" if w.startswith("bench.") else w for w in argv}
        script = next((w for w in argv if as_path[w] in benches), None)
        if script is not None:
            known = benches[as_path[script]]
            for flag in flags_in(argv):
                assert flag in known, f"{page}: `{code}`: {script} takes no {flag}"
            continue
        if argv[0].startswith("--"):  # a flag on its own, in prose about `legible`
            for flag in flags_in(argv):
                assert (
                    flag in every
                    or any(flag in b for b in benches.values())
                    or (
                        flag in css  # a CSS custom property, not a flag
                    )
                ), f"{page}: `{code}`: neither `legible` nor a bench takes {flag}"
    assert checked > 10


def test_every_legible_variable_named_exists() -> None:
    settings = {row.env for row in SETTINGS}  # (tests/test_settings.py checks their rows)
    code = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for folder in ("service", "legible_audit", "tests", "e2e", "bench", "scripts", ".ci")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix in ("", ".py", ".sh", ".js") and p.name != "test_docs.py"
    ) + (ROOT / "Makefile").read_text(encoding="utf-8")
    for page in PAGES:
        for var in set(re.findall(r"\bLEGIBLE_[A-Z0-9_]*[A-Z0-9]\b", page.read_text("utf-8"))):
            assert var in settings or var in code, f"{rel(page)}: {var} is read nowhere"


def ignored(path: str) -> bool:
    """Made at run time, so not in a fresh clone: under a .gitignore'd folder."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    path = path.rstrip("/") + "/"
    return any(ln.endswith("/") and path.startswith(ln.lstrip("/")) for ln in lines)


def test_every_path_named_exists() -> None:
    named = 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for path in PATH.findall(text) + ROOT_FILES.findall(text):
            path = path.rstrip(".,:;*")  # and markdown bold
            if "HASH" in path or ignored(path):
                continue
            named += 1
            found = list(ROOT.glob(path)) if "*" in path else [ROOT / path]
            assert found and all(p.exists() for p in found), f"{rel(page)}: no {path}"
    assert named > 50


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"\s", "-", text)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_link_between_pages_lands(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        assert dest.exists(), f"{rel(page)}: the link {target} goes nowhere"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), flags=re.M)
            assert anchor in {slug(h) for h in headings}, f"{rel(page)}: no #{anchor} there"
