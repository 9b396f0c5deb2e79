"""docker/audit.Dockerfile without Docker (no engine runs in CI): what `docker run
legible-audit URL…` relies on. hadolint lints it in tests/test_dockerfile.py."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.test_dockerfile import (
    Instruction,
    env_of,
    exec_form,
    final_stage,
    last,
    parse_dockerfile,
)

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "audit.Dockerfile"


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(instructions: list[Instruction]) -> list[Instruction]:
    return final_stage(instructions)


def apt_packages(stage: list[Instruction]) -> set[str]:
    packages: set[str] = set()
    for ins in stage:
        if ins.keyword != "RUN":
            continue
        for command in re.split(r"&&|;", ins.args):
            words = shlex.split(command)
            if words[:2] == ["apt-get", "install"]:
                assert "--no-install-recommends" in words, command
                packages |= {w for w in words[2:] if not w.startswith("-")}
    return packages


def test_chromium_comes_from_debian_and_the_audit_launches_it(
    runtime: list[Instruction],
) -> None:
    assert {"chromium", "tini"} <= apt_packages(runtime)
    env = env_of(runtime)
    assert env["LEGIBLE_CHROMIUM"] == "/usr/bin/chromium"  # where Debian's package puts it
    assert env["PATH"].startswith("/opt/venv/bin:")
    runs = " ".join(ins.args for ins in runtime if ins.keyword == "RUN")
    assert "rm -rf /var/lib/apt/lists/*" in runs


def test_the_wheel_is_installed_with_the_audit_extra(instructions: list[Instruction]) -> None:
    runs = " ".join(ins.args for ins in instructions if ins.keyword == "RUN")
    assert re.search(r"pip install [^&]*\.whl\)\[audit\]", runs), runs
    assert "import legible_audit.runner, axe_playwright_python" in runs  # fails the build
    froms = [ins.args.split()[0] for ins in instructions if ins.keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    args = [ins.args for ins in instructions if ins.keyword == "ARG"]
    assert args == ["PYTHON_IMAGE=python:3.11-slim-bookworm"]  # the service image's base


def test_runs_as_a_non_root_user_with_a_writable_home_and_work_folder(
    runtime: list[Instruction],
) -> None:
    users = [i for i, ins in enumerate(runtime) if ins.keyword == "USER"]
    assert users and runtime[users[-1]].args == "10001:10001"
    assert all(ins.keyword != "RUN" for ins in runtime[users[-1] :])
    runs = " ".join(ins.args for ins in runtime if ins.keyword == "RUN")
    assert re.search(r"useradd\b[^&]*--uid 10001\b", runs)
    assert "chown audit:audit /work" in runs
    assert last(runtime, "WORKDIR").args == "/work"  # relative report paths land in the mount
    assert env_of(runtime)["HOME"] == "/tmp"  # writable for any --user


def test_the_entrypoint_is_the_audit_behind_an_init(runtime: list[Instruction]) -> None:
    entrypoint = exec_form(last(runtime, "ENTRYPOINT").args)
    cmd = exec_form(last(runtime, "CMD").args)
    assert entrypoint == ["tini", "--", "legible", "audit"]
    assert cmd == ["--help"]


def test_the_documented_docker_run_line_is_in_the_dockerfile() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "docker build -f docker/audit.Dockerfile -t legible-audit ." in text
    assert re.search(r"docker run --rm --shm-size=1g -v \"\$PWD:/work\"", text)
