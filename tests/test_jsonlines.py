"""`legible import FILE.jsonl` (one article a line) and `legible export -o FILE.jsonl`: no
whole-file size limit, memory that does not grow with the file, and a bad line
reported by its number while the other lines are imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from service import intake
from service.cli import main
from service.store import open_store

ARTICLE = {
    "title": "Hội nghị giao ban",
    "published": "2023-09-21",
    "body_html": "<p>Ngày 21/9/2023, Hội nghị diễn ra.</p>",
}
# Run `legible` in a process of its own and print its peak RSS (KB) on the last line.
PEAK = (
    "import resource, sys\n"
    "from service.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def line(**fields: str) -> str:
    return json.dumps({**ARTICLE, **fields}, ensure_ascii=False) + "\n"


def slugs(db: str) -> list[str]:
    store = open_store(db)
    try:
        return [a.slug for a in store.all()]
    finally:
        store.close()


def test_a_bad_line_is_reported_by_its_number_and_the_others_are_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bai.jsonl"
    source.write_bytes(
        (
            line(slug="mot")
            + '{"title": "Hỏng", "published": \n'  # 2: cut short
            + "\n"  # 3: blank, skipped
            + line(slug="hai")
            + json.dumps({"slug": "ba", "published": "2023-09-21", "body_html": "x"})
            + "\n"  # 5: no title
            + line(slug="bon")
        ).encode()
        + b'{"title": "\xff"}\n'  # 7: not UTF-8
        + line(slug="nam").encode().rstrip(b"\n")  # the last line needs no newline
    )
    db = str(tmp_path / "t.db")
    assert main(["--db", db, "import", str(source)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("4 new, 0 updated, 0 unchanged, 3 failed\n")
    failed = [row.strip() for row in out.splitlines() if "FAILED" in row]
    assert failed == [
        f"FAILED {source} line 2: is not valid JSON: Expecting value at column 32",
        f"FAILED {source} line 5: title is required",  # the only field missing
        f"FAILED {source} line 7: is not UTF-8 text (byte 11)",
    ]
    assert slugs(db) == ["mot", "hai", "bon", "nam"]
    # Again: the good lines are unchanged, the bad ones still reported.
    assert main(["--db", db, "import", str(source)]) == 1
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 4 unchanged, 3 failed\n")


def test_an_export_to_jsonl_imports_back_unchanged_with_its_photos_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (300, 200), "teal").save(folder / "anh.png")
    photo = '<figure><img src="anh.png" alt="Ảnh"><figcaption>Ảnh</figcaption></figure>'
    (folder / "a.jsonl").write_text(
        line(slug="co-anh", body_html=photo) + line(slug="khong-anh"), encoding="utf-8"
    )
    db = str(tmp_path / "t.db")
    assert main(["--db", db, "import", str(folder)]) == 0  # a folder's .jsonl files too
    assert "2 new, 0 updated, 0 unchanged, 0 failed; stored 1 photos" in (capsys.readouterr().out)
    dump = tmp_path / "all.jsonl"
    assert main(["--db", db, "export", "-o", str(dump)]) == 0
    assert "exported 2 articles (not its 1 photos: use an archive" in capsys.readouterr().err
    lines = dump.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["slug"] for x in lines] == ["co-anh", "khong-anh"]
    assert 'src="/media/' in json.loads(lines[0])["body_html"]  # the stored photo's URL
    assert main(["--db", db, "import", str(dump)]) == 0
    assert "0 new, 0 updated, 2 unchanged, 0 failed" in capsys.readouterr().out


def peak_kb(tmp_path: Path, db: str, source: Path, code: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--db", db, "import", str(source)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == code, done.stderr
    if code:
        assert "36 failed" in done.stdout and "line 40: published" in done.stdout
    return int(done.stdout.splitlines()[-1])


def test_a_jsonl_file_over_20_mb_imports_in_memory_that_does_not_grow_with_it(
    tmp_path: Path,
) -> None:
    body = "<p>" + "Viện kiểm sát nhân dân tối cao tổ chức hội nghị. " * 20 + "</p>"
    article = line(body_html=body * 800)  # about 1 MB a line
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text(article.replace('"title"', '"slug": "a0", "title"'), encoding="utf-8")
    with large.open("w", encoding="utf-8") as out:
        for n in range(40):  # 4 articles, and 36 of an impossible date (quicker to refuse)
            good = article if n % 10 == 0 else article.replace("2023-09-21", "2023-02-30")
            out.write(good.replace('"title"', f'"slug": "a{n}", "title"'))
    assert large.stat().st_size > 40 * 1024 * 1024  # twice the limit of a .json file
    one = peak_kb(tmp_path, str(tmp_path / "one.db"), small, 0)
    forty = peak_kb(tmp_path, str(tmp_path / "forty.db"), large, 1)
    assert slugs(str(tmp_path / "forty.db")) == ["a0", "a10", "a20", "a30"]
    # Reading the file whole would add its 40 MB at least (and as much again decoded).
    assert forty - one < 15 * 1024, (one, forty)


def test_a_long_jsonl_import_shows_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(intake, "LINES_SHOWN", 2)  # 1,000 in use
    source = tmp_path / "bai.jsonl"
    source.write_text("".join(line(slug=f"bai-{n}") for n in range(5)), encoding="utf-8")
    assert main(["--db", str(tmp_path / "t.db"), "import", str(source)]) == 0
    shown = [row for row in capsys.readouterr().err.splitlines() if "line" in row]
    assert shown == [f"{source}: line 2", f"{source}: line 4"]
