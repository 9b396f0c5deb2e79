"""How a setting is declared and parsed: `setting()` makes one row of the table in
settings.py, and `Row` is that row read back (its variable, flag, parsing and text)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from .admin_auth import check_token
from .clientaddr import parse_network
from .errors import SettingsInvalid
from .purge import check_origin, check_url

T = TypeVar("T")
CHECKS = {"urls": check_url, "networks": parse_network, "tokens": check_token}
Kind = Literal[
    "text", "int", "number", "bool", "hosts", "urls", "networks", "tokens", "origin", "names"
]
TOP = "legible"  # a flag taken before the command: `legible --db PATH import …`
SERVE = ("serve",)


def setting(
    default: T,
    help: str,
    *,
    commands: tuple[str, ...] = SERVE,
    low: float | None = None,
    high: float | None = None,
    shown: str | None = None,
    values: str | None = None,
    see: str | None = None,
    secret: bool = False,
    kind: Kind | None = None,
    choices: tuple[str, ...] = (),
) -> T:
    """One row of the table. `commands` take it as a flag (none: environment only);
    numbers must be above 0 and within [low, high]; `shown` is the default as the docs
    say it when the value does not; `values` says what it takes when its type does not;
    `see` is the docs page that says more; a `secret` is never printed; `choices` are the
    only values a text setting takes."""
    row = dict(help=help, commands=commands, low=low, high=high, shown=shown, values=values)
    row.update(see=see, secret=secret, kind=kind, choices=choices)
    return field(default=default, metadata={"row": row})


@dataclass(frozen=True)
class Row:
    """One setting as the table declares it (a field of `Settings` and its metadata)."""

    name: str
    kind: Kind
    default: object
    help: str
    commands: tuple[str, ...]
    low: float | None
    high: float | None
    shown: str | None
    values: str | None
    see: str | None
    secret: bool
    choices: tuple[str, ...]

    @property
    def env(self) -> str:
        return f"LEGIBLE_{self.name.upper()}"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: object, given: str) -> object:
        """`raw` (text from the environment or a flag, or an already typed value) as
        this setting's value; SettingsInvalid naming `given` and what to use if not."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in ("1", "true", "yes", "on") or word in ("0", "false", "no", "off"):
                return word in ("1", "true", "yes", "on")
            raise SettingsInvalid(f"{given} is not a yes or no: use {self.what()}")
        if self.kind in ("int", "number"):
            return self._number(raw, given)
        text = str(raw).strip()
        if self.kind in ("hosts", "names"):
            names = (h.strip() for h in text.split(",") if h.strip())
            return tuple(h.lower() if self.kind == "hosts" else h for h in names)
        if self.kind == "origin":
            try:
                return check_origin(text)
            except ValueError as exc:
                raise SettingsInvalid(f"{given}: {exc}") from None
        if self.choices and text not in self.choices:
            raise SettingsInvalid(f"{given} is not a choice: use {self.what()}")
        if self.kind in CHECKS:  # a list whose items are each checked
            items = tuple(u.strip() for u in text.split(",") if u.strip())
            for item in items:
                try:
                    CHECKS[self.kind](item)
                except ValueError as exc:  # names the variable or flag, never a secret value
                    raise SettingsInvalid(f"{given.split('=')[0].split(' ')[0]}: {exc}") from None
            return ",".join(items) if self.kind == "tokens" else items
        return text

    def _number(self, raw: object, given: str) -> object:
        whole = self.kind == "int"
        try:
            value: float = int(str(raw).strip()) if whole else float(str(raw))
        except ValueError:
            problem = "not a whole number" if whole else "not a number"
            raise SettingsInvalid(f"{given} is {problem}: use {self.what()}") from None
        low = self.low if self.low is not None else -math.inf
        high = self.high if self.high is not None else math.inf
        if not (math.isfinite(value) and value > 0 and low <= value <= high):
            raise SettingsInvalid(f"{given} is out of range: use {self.what()}")
        return value

    def what(self) -> str:
        """What the setting takes, in words: for messages, `--help` and the docs."""
        if self.values:
            return self.values.replace("`", "")
        if self.kind == "bool":
            return "1 or 0 (or true/false, yes/no, on/off)"
        if self.kind == "hosts":
            return "comma-separated host names"
        if self.kind == "urls":
            return "comma-separated http:// or https:// URLs"
        if self.choices:
            return " or ".join(self.choices)
        if self.kind == "origin":
            return "an http:// or https:// origin, no path"
        if self.kind == "text":
            return "text"
        number = "a whole number" if self.kind == "int" else "a number"
        if self.low is None and self.high is None:
            return f"{number} above 0"
        if self.high is None:
            return f"{number} of at least {self.low:g}"
        return f"{number} from {self.low:g} to {self.high:g}"

    def text(self, value: object) -> str:
        """`value` as the environment would spell it."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, tuple):
            return ",".join(value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        return "unset" if self.default is None else self.text(self.default)


def kind_of(annotation: object) -> Kind:
    spelled = str(annotation)
    for prefix, kind in (("bool", "bool"), ("int", "int"), ("float", "number")):
        if spelled.startswith(prefix):
            return kind  # type: ignore[return-value]
    if spelled.startswith("str"):
        return "text"
    raise TypeError(f"give the setting of type {spelled} a kind")
