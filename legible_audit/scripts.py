"""The check scripts in js/: each file is one function a check passes to
`page.evaluate`, run with js/prelude.js's helpers in scope."""

from __future__ import annotations

from functools import cache
from pathlib import Path

JS = Path(__file__).resolve().parent / "js"


@cache
def script(name: str) -> str:
    """js/<name>.js as a function of one argument, with the prelude's helpers in scope."""
    prelude = (JS / "prelude.js").read_text(encoding="utf-8")
    body = (JS / f"{name}.js").read_text(encoding="utf-8").strip()
    return f"(arg) => {{\n{prelude}\nreturn ({body})(arg);\n}}"
