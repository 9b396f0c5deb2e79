"""Settings from `LEGIBLE_*` variables and flags: values parse, bad ones say what to use."""

from __future__ import annotations

import pytest

from service.errors import SettingsInvalid
from service.settings import Settings


def test_connection_settings_parse_and_default() -> None:
    plain = Settings.from_env({})
    assert (plain.max_connections, plain.header_timeout, plain.backlog) == (None, 5.0, 4096)
    env = {
        "LEGIBLE_MAX_CONNECTIONS": "12000",
        "LEGIBLE_HEADER_TIMEOUT": "2.5",
        "LEGIBLE_BACKLOG": "1024",
    }
    got = Settings.from_env(env)
    assert (got.max_connections, got.header_timeout, got.backlog) == (12000, 2.5, 1024)
    assert Settings.from_env({"LEGIBLE_MAX_CONNECTIONS": ""}).max_connections is None


def test_flags_override_the_environment() -> None:
    got = Settings.from_env({"LEGIBLE_BACKLOG": "1024"}, backlog=2048, header_timeout=None)
    assert (got.backlog, got.header_timeout) == (2048, 5.0)


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("LEGIBLE_MAX_CONNECTIONS", "0", "out of range: use a whole number of at least 1"),
        ("LEGIBLE_MAX_CONNECTIONS", "1.5", "is not a valid whole number"),
        ("LEGIBLE_MAX_CONNECTIONS", "many", "is not a valid whole number"),
        ("LEGIBLE_HEADER_TIMEOUT", "0", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "-5", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "nan", "out of range: use a number from 0.1 to 3600"),
        ("LEGIBLE_HEADER_TIMEOUT", "5s", "is not a valid float"),
        ("LEGIBLE_BACKLOG", "64", "out of range: use a whole number from 128 to 65535"),
        ("LEGIBLE_BACKLOG", "100000", "out of range: use a whole number from 128 to 65535"),
        ("LEGIBLE_PORT", "0", "out of range: use a whole number from 1 to 65535"),
        ("LEGIBLE_WORKERS", "0", "out of range: use a whole number of at least 1"),
        ("LEGIBLE_CACHE_MB", "-1", "out of range: use a number above 0"),
        ("LEGIBLE_DEMO", "maybe", "is not a valid bool"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_to_use(
    variable: str, raw: str, message: str
) -> None:
    with pytest.raises(SettingsInvalid) as failed:
        Settings.from_env({variable: raw})
    assert str(failed.value).startswith(f"{variable}={raw!r} "), str(failed.value)
    assert message in str(failed.value)


def test_a_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(SettingsInvalid, match=r"^--max-connections 0 is out of range"):
        Settings.from_env({}, max_connections=0)
    with pytest.raises(SettingsInvalid, match=r"^--port 70000 is out of range"):
        Settings.from_env({}, port=70000)
