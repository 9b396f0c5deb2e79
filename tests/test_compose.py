"""deploy/compose.yaml without Docker: valid against the compose-spec JSON schema
(tests/fixtures/compose-spec.json, vendored from compose-spec/compose-spec), and
consistent with what it names: services, Legible's settings, ports, the VCL's
backends and ACL, and the Dockerfiles it builds (their hadolint check is in
tests/test_dockerfile.py)."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "compose.yaml"
SCHEMA = Path(__file__).with_name("fixtures") / "compose-spec.json"
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
REPLICAS = ("legible1", "legible2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def env(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {k: str(v) for k, v in raw.items()}


def test_it_follows_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_mistake(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["varnish"]["depends_on"]["legible1"]["condition"] = "service_ready"
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def test_postgres_two_replicas_and_varnish(compose: dict[str, Any]) -> None:
    found = services(compose)
    assert set(found) == {"postgres", *REPLICAS, "varnish"}
    assert found["postgres"]["image"].startswith("postgres:15")
    for name in REPLICAS:
        assert found[name]["build"]["context"] == ".."
        assert (COMPOSE.parent / found[name]["build"]["context"] / "Dockerfile").is_file()


def test_every_dependency_exists_and_is_waited_for_healthy(compose: dict[str, Any]) -> None:
    found = services(compose)
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name, service in found.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in found, f"{name} depends on {needed}, which is not a service"
            assert how["condition"] == "service_healthy", (name, needed)
            other = found[needed]
            built_with_check = "build" in other and "HEALTHCHECK" in dockerfile
            assert "healthcheck" in other or built_with_check, f"{needed} has no healthcheck"
    assert set(found["varnish"]["depends_on"]) == set(REPLICAS)


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's `${VAR}` and `${VAR:?message}`, from `given` (a missing one fails)."""

    def one(found: re.Match[str]) -> str:
        assert found.group(1) in given, f"{found.group(1)} is not set: {found.group(2)}"
        return given[found.group(1)]

    return re.sub(r"\$\{(\w+)(?::\?([^}]*))?\}", one, value)


def test_replicas_set_only_real_settings(compose: dict[str, Any]) -> None:
    real = {f"LEGIBLE_{f.name.upper()}" for f in fields(Settings)}
    secrets = {"POSTGRES_PASSWORD": "pw", "LEGIBLE_ADMIN_TOKEN": "token"}
    for name in REPLICAS:
        given = {k: interpolate(v, secrets) for k, v in env(services(compose)[name]).items()}
        assert set(given) <= real, f"{name}: not settings: {set(given) - real}"
        pg = {k: interpolate(v, secrets) for k, v in env(services(compose)["postgres"]).items()}
        db = urlsplit(given["LEGIBLE_DB"])
        assert (db.scheme, db.hostname, db.port) == ("postgresql", "postgres", 5432)
        assert (db.username, db.password, db.path) == (
            pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], "/" + pg["POSTGRES_DB"],
        )  # fmt: skip
        assert given["LEGIBLE_METRICS"] == "1"
        expanded = given["LEGIBLE_PURGE_URLS"]
        assert Settings.from_env({"LEGIBLE_PURGE_URLS": expanded}).purge_urls == (expanded,)


def test_ports_and_names_agree_with_the_vcl_and_the_image(compose: dict[str, Any]) -> None:
    found = services(compose)
    vcl = VCL.read_text(encoding="utf-8")
    backends = dict(re.findall(r'backend (\w+) \{\s*\.host = "([^"]+)";', vcl))
    ports = re.findall(r'\.port = "(\d+)";', vcl)
    # By fixed address: Varnish resolves a name only when the VCL loads.
    assert backends == {n: address(found[n]) for n in REPLICAS}
    image_port = re.search(r"LEGIBLE_PORT=(\d+)", (ROOT / "Dockerfile").read_text())
    assert image_port is not None
    for name in REPLICAS:
        assert found[name]["expose"] == [image_port.group(1)]
    assert set(ports) == {image_port.group(1)}
    listen = re.search(r'"-a", ":(\d+)"', (VCL.parent / "Dockerfile").read_text())
    assert listen is not None
    published = [p.split(":") for p in found["varnish"]["ports"]]
    assert [inside for _, inside in published] == [listen.group(1)]
    purge = urlsplit(env(found["legible1"])["LEGIBLE_PURGE_URLS"])
    assert (purge.hostname, str(purge.port)) == ("varnish", listen.group(1))


def address(service: dict[str, Any]) -> str:
    return str(service["networks"]["internal"]["ipv4_address"])


def test_only_this_host_and_the_replicas_may_purge(compose: dict[str, Any]) -> None:
    subnet = ipaddress.ip_network(compose["networks"]["internal"]["ipam"]["config"][0]["subnet"])
    acl = re.search(r"acl internal \{(.*?)\}", VCL.read_text(), flags=re.S)
    assert acl is not None
    allowed = re.findall(r'"([0-9a-f.:]+)"(?:/(\d+))?;', acl.group(1))
    networks = {ipaddress.ip_network(f"{a}/{n}" if n else a) for a, n in allowed}
    replicas = {ipaddress.ip_network(address(services(compose)[n])) for n in REPLICAS}
    assert all(r.subnet_of(subnet) for r in replicas)  # type: ignore[arg-type]
    # Not the network: its gateway forwards every reader of a published port.
    assert networks == {*replicas, ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("::1")}
    assert not any(subnet[1] in n for n in networks)  # type: ignore[operator]
    for name, service in services(compose).items():
        assert list(service["networks"]) == ["internal"], name


def test_replicas_are_checked_every_few_seconds(compose: dict[str, Any]) -> None:
    for name in REPLICAS:
        check = services(compose)[name]["healthcheck"]
        assert "test" not in check  # the image's HEALTHCHECK: /healthz
        assert check["interval"] == "5s" and check["start_period"] == "20s", name


def test_secrets_come_from_the_environment_not_the_file(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text and "${LEGIBLE_ADMIN_TOKEN:?" in text
    assert env(services(compose)["legible1"])["LEGIBLE_ADMIN_TOKEN"].startswith("${")
