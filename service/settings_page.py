"""docs/operators/settings.md, written from the one table in service/settings.py by
`legible settings --markdown`; tests/test_settings.py fails when the committed page
differs from what the table writes."""

from __future__ import annotations

from .settings import SETTINGS, TOP, Row

INTRO = """\
<!-- Written by `legible settings --markdown > docs/operators/settings.md` from
service/settings.py: edit the table there, not this page. -->

# Settings

Every setting is a `LEGIBLE_*` environment variable, and most are also a flag
of the commands that use them. A flag overrides the variable. `--db` goes
before the command or after it: `legible --db PATH serve` and
`legible serve --db PATH` are the same. A value that cannot be used stops the
command with one line naming the variable or flag and what it takes, and exit
code 2.

`legible settings` prints the values a command would run with here (the
environment's, else the defaults; secrets as `***`); `legible serve --help`
lists the flags.

Yes-or-no settings take `1` or `0` (or `true`/`false`, `yes`/`no`,
`on`/`off`); their flags come in pairs (`--metrics`, `--no-metrics`). Lists
are comma-separated.
"""


def flag_cell(row: Row) -> str:
    if not row.commands:
        return "none"
    flag = f"`{row.flag}`" if row.kind != "bool" else f"`{row.flag}`, `--no-{row.flag[2:]}`"
    where = ", ".join("`legible`" if c == TOP else f"`{c}`" for c in row.commands)
    return f"{flag} on {where}"


def markdown() -> str:
    lines = [
        INTRO,
        "| variable | flag | default | takes | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in SETTINGS:
        default = row.default_text()
        if row.shown is None and row.default is not None:
            default = f"`{default}`"
        meaning = row.help + (f" ([more]({row.see}))" if row.see else "")
        cells = (f"`{row.env}`", flag_cell(row), default, row.what(), meaning)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
