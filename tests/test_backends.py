"""Moving between the two backends, and what `legible` says when it cannot use LEGIBLE_DB.

`legible export` from SQLite imports unchanged into PostgreSQL, and back. A database URL
that is malformed, unreachable or names no database stops `serve`, `import` and `export`
at start with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main
from service.importers import demo_files
from tests.support import pg

ROOT = Path(__file__).resolve().parents[1]
TRICKY = [
    {
        "slug": "ky-tu-dac-biet",
        "title": "Giá 5 < 6 & “ngoặc” — Đồng chí Đặng",
        "published": "2023-09-21T15:00:00+07:00",
        "updated": "2023-09-22T08:30:00Z",
        "summary": "Tóm tắt có đ, Đ và dấu: ỹ ữ ặ.",
        "byline": "HQ - TL",
        "tags": ["kiểm sát", "hội nghị"],
        "body_html": "<p>Đoạn <b>đậm</b> &amp; <a href='https://example.org/a?b=1&c=2'>liên kết</a>"
        "</p><figure><figcaption>Chú thích</figcaption></figure>",
    },
    {"slug": "tieng-anh", "lang": "en", "title": "In English", "published": "2020-02-29",
     "body_html": "<ul><li>one</li><li>two</li></ul>"},
]  # fmt: skip


def export(db: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--db", db, "export"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("direction", ["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_an_export_imports_unchanged_into_the_other_backend(
    direction: str,
    pg_cluster: pg.Cluster,
    tmp_path: Path,
    portal_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqlite_db, pg_db = str(tmp_path / "legible.db"), pg_cluster.database()
    source, target = (sqlite_db, pg_db) if direction.startswith("sqlite") else (pg_db, sqlite_db)
    tricky = tmp_path / "tricky.json"
    tricky.write_text(json.dumps(TRICKY, ensure_ascii=False), encoding="utf-8")
    sources = [*map(str, demo_files()), str(portal_path), str(tricky)]
    assert main(["--db", source, "import", *sources]) == 0
    capsys.readouterr()
    exported = export(source, capsys)
    assert len(json.loads(exported)) == 9

    dump = tmp_path / "export.json"
    dump.write_text(exported, encoding="utf-8")
    assert main(["--db", target, "import", str(dump)]) == 0
    assert "9 new, 0 updated, 0 unchanged, 0 failed" in capsys.readouterr().out
    assert export(target, capsys) == exported  # the same articles, byte for byte

    # And back again: nothing to change.
    back = tmp_path / "back.json"
    back.write_text(export(target, capsys), encoding="utf-8")
    assert main(["--db", source, "import", str(back)]) == 0
    assert "0 new, 0 updated, 9 unchanged, 0 failed" in capsys.readouterr().out
    pg_cluster.release(pg_db)


# -- start-up errors ---------------------------------------------------------------------------
def legible(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LEGIBLE_DEMO": "0", **(env or {})},
    )


def refused_url() -> str:
    return f"postgresql://legible:s3cret@127.0.0.1:{pg.free_port()}/legible"  # nothing listens


BAD_URLS = {
    "unreachable": (refused_url, "Connection refused"),
    "no database": (lambda: "", 'database "no_such_database" does not exist'),
    "malformed": (lambda: "postgresql://[::1/legible", "not a usable PostgreSQL URL"),
    "bad port": (lambda: "postgresql://legible@127.0.0.1:port/x", 'invalid integer value "port"'),
}


@pytest.mark.parametrize("command", ["serve", "import", "export"])
@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_a_database_it_cannot_use_is_one_line_and_exit_2(
    case: str, command: str, pg_cluster: pg.Cluster, tmp_path: Path
) -> None:
    make, expected = BAD_URLS[case]
    url = make() or pg_cluster.url("no_such_database")
    extra = {"serve": ["--port", str(pg.free_port())], "import": [str(tmp_path)], "export": []}
    done = legible(command, *extra[command], env={"LEGIBLE_DB": url})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("legible: ") and expected in lines[0], lines[0]
    assert "s3cret" not in done.stderr  # the password stays out of logs
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_postgresql_url_without_psycopg_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None; from service.cli import main;"
        " sys.exit(main(['--db', 'postgresql://legible@127.0.0.1/legible', 'export']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "legible: LEGIBLE_DB is a PostgreSQL URL but psycopg is not installed:"
        " pip install 'legible-news[postgresql]'"
    ]
