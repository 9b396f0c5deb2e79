"""deploy/compose.yaml without Docker: valid against the compose-spec JSON schema
(tests/fixtures/compose-spec.json, vendored from compose-spec/compose-spec), and
consistent with what it names: services, Legible's settings, ports, the VCL's
backends, listeners and ACLs, hitch's configuration, secrets, and the Dockerfiles it
builds (their hadolint check is in tests/test_dockerfile.py). What those files do when
they run is tests/test_edge.py's and tests/test_varnish.py's."""

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
HITCH = ROOT / "deploy" / "hitch" / "hitch.conf"
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


def test_postgres_two_replicas_varnish_and_hitch(compose: dict[str, Any]) -> None:
    found = services(compose)
    assert set(found) == {"postgres", *REPLICAS, "varnish", "hitch"}
    assert found["postgres"]["image"].startswith("postgres:15")
    for name in REPLICAS:
        assert found[name]["build"]["context"] == ".."
    for name, service in found.items():
        if "build" in service:
            built = COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
            assert built.is_file(), name


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
    assert set(found["hitch"]["depends_on"]) == {"varnish"}
    for name, service in found.items():  # one without "test" is the image's HEALTHCHECK
        check = service.get("healthcheck", {})
        if "test" not in check:
            built = COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
            assert "\nHEALTHCHECK " in built.read_text(), f"{name}: no healthcheck at all"


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's `${VAR}` and `${VAR:?message}`, from `given` (a missing one fails)."""

    def one(found: re.Match[str]) -> str:
        assert found.group(1) in given, f"{found.group(1)} is not set: {found.group(2)}"
        return given[found.group(1)]

    return re.sub(r"\$\{(\w+)(?::\?([^}]*))?\}", one, value)


def test_replicas_set_only_real_settings(compose: dict[str, Any]) -> None:
    real = {f"LEGIBLE_{f.name.upper()}" for f in fields(Settings)}
    secrets = {"POSTGRES_PASSWORD": "pw"}
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
        # The one proxy whose X-Forwarded-For a replica believes: Varnish, by its address.
        varnish = services(compose)["varnish"]["networks"]["internal"]["ipv4_address"]
        assert Settings.from_env(given).trusted_proxies == (varnish,)


def listeners() -> dict[str, tuple[str, str, str]]:
    """The image's varnishd listeners: {name: (host, port, options)}."""
    text = (VCL.parent / "Dockerfile").read_text().replace("\\\n", " ")
    found = re.search(r"^ENTRYPOINT (\[.*\])$", text, flags=re.M)
    assert found is not None
    args = json.loads(found.group(1))
    out = {}
    for value in (args[i + 1] for i, a in enumerate(args) if a == "-a"):
        name, _, rest = value.partition("=")
        where, _, options = rest.partition(",")
        host, _, port = where.rpartition(":")
        out[name] = (host, port, options)
    return out


def hitch_setting(name: str) -> str:
    found = re.findall(rf'^{name} = "([^"]*)"$', HITCH.read_text(), flags=re.M)
    assert len(found) == 1, name
    return found[0]


def test_ports_and_names_agree_with_the_vcl_and_the_image(compose: dict[str, Any]) -> None:
    found = services(compose)
    vcl = VCL.read_text(encoding="utf-8")
    backends = dict(re.findall(r'backend (legible\w*) \{\s*\.host = "([^"]+)";', vcl))
    ports = re.findall(r'backend legible\w* \{\s*\.host = "[^"]+";\s*\.port = "(\d+)";', vcl)
    # By fixed address: Varnish resolves a name only when the VCL loads.
    assert backends == {n: address(found[n]) for n in REPLICAS}
    image_port = re.search(r"LEGIBLE_PORT=(\d+)", (ROOT / "Dockerfile").read_text())
    assert image_port is not None
    for name in REPLICAS:
        assert found[name]["expose"] == [image_port.group(1)]
    assert set(ports) == {image_port.group(1)}
    # Port 80 is Varnish's `http` listener, 443 hitch's; hitch sends to the `tls` one,
    # which takes PROXY and listens on loopback only (hitch shares Varnish's network).
    varnish = listeners()
    assert set(varnish) == {"http", "tls"}
    assert set(re.findall(r'local\.socket == "(\w+)"', vcl)) == {"http"}  # the redirect
    assert varnish["http"] == ("", "80", "")
    assert varnish["tls"] == ("127.0.0.1", "8443", "PROXY")
    assert hitch_setting("backend") == f"[127.0.0.1]:{varnish['tls'][1]}"
    frontend = re.fullmatch(r"\[\*\]:(\d+)", hitch_setting("frontend"))
    assert frontend is not None
    published = dict(p.split(":")[::-1] for p in found["varnish"]["ports"])
    assert published == {"80": "80", frontend.group(1): "443"}
    assert found["hitch"]["network_mode"] == "service:varnish"
    assert "ports" not in found["hitch"]
    purge = urlsplit(env(found["legible1"])["LEGIBLE_PURGE_URLS"])
    assert (purge.hostname, str(purge.port)) == ("varnish", varnish["http"][1])


def test_hitch_reads_its_certificate_from_the_mounted_folder(compose: dict[str, Any]) -> None:
    pem = Path(hitch_setting("pem-file"))
    mounts = dict(v.rsplit(":", 2)[:2] for v in services(compose)["hitch"]["volumes"])
    assert mounts == {"./tls": str(pem.parent)}  # a folder: a renewal replaces the file
    assert services(compose)["hitch"]["volumes"] == [f"./tls:{pem.parent}:ro"]
    assert "write-proxy-v2 = on" in HITCH.read_text()
    assert "proxy.is_ssl()" in VCL.read_text()  # the PROXY header's TLS flag: HSTS


def address(service: dict[str, Any]) -> str:
    return str(service["networks"]["internal"]["ipv4_address"])


def acl(name: str) -> tuple[set[Any], set[Any]]:
    """(allowed, excluded) networks of a VCL ACL."""
    found = re.search(rf"acl {name} \{{(.*?)\}}", VCL.read_text(), flags=re.S)
    assert found is not None, name
    entries = re.findall(r'(!\s*)?"([0-9a-f.:]+)"(?:/(\d+))?;', found.group(1))
    allowed: set[Any] = set()
    excluded: set[Any] = set()
    for negated, at, bits in entries:
        (excluded if negated else allowed).add(ipaddress.ip_network(f"{at}/{bits}" if bits else at))
    return allowed, excluded


def subnet_of(compose: dict[str, Any]) -> Any:
    return ipaddress.ip_network(compose["networks"]["internal"]["ipam"]["config"][0]["subnet"])


def test_only_this_host_and_the_replicas_may_purge(compose: dict[str, Any]) -> None:
    subnet = subnet_of(compose)
    networks, excluded = acl("internal")
    replicas = {ipaddress.ip_network(address(services(compose)[n])) for n in REPLICAS}
    assert all(r.subnet_of(subnet) for r in replicas)
    # Not the network: its gateway forwards every reader of a published port.
    assert networks == {*replicas, ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("::1")}
    assert not excluded
    assert not any(subnet[1] in n for n in networks)
    for name, service in services(compose).items():
        if name == "hitch":
            continue  # in varnish's network namespace
        assert list(service["networks"]) == ["internal"], name


def test_admin_writes_only_from_this_host_and_the_network_but_its_gateway(
    compose: dict[str, Any],
) -> None:
    subnet = subnet_of(compose)
    allowed, excluded = acl("admin")
    # Exactly 127.0.0.1, not 127.0.0.0/8: tests/test_edge.py writes from 127.0.0.2.
    assert allowed == {ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("::1"), subnet}
    assert excluded == {ipaddress.ip_network(subnet[1])}  # Docker's gateway


def test_varnish_has_a_fixed_address_the_replicas_can_trust(compose: dict[str, Any]) -> None:
    found = services(compose)
    varnish = ipaddress.ip_address(address(found["varnish"]))
    replicas = {ipaddress.ip_address(address(found[n])) for n in REPLICAS}
    subnet = subnet_of(compose)
    assert varnish in subnet and varnish != subnet[1] and varnish not in replicas


def test_replicas_are_checked_every_few_seconds(compose: dict[str, Any]) -> None:
    for name in REPLICAS:
        check = services(compose)[name]["healthcheck"]
        assert "test" not in check  # the image's HEALTHCHECK: /healthz
        assert check["interval"] == "5s" and check["start_period"] == "20s", name


def test_the_admin_token_is_a_secret_file_never_in_the_environment(
    compose: dict[str, Any],
) -> None:
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text and "LEGIBLE_ADMIN_TOKEN:" not in text
    secret = compose["secrets"]["admin_token"]
    assert secret == {"file": "./secrets/admin_token"}
    for name in REPLICAS:
        replica = services(compose)[name]
        assert replica["secrets"] == ["admin_token"]
        assert env(replica)["LEGIBLE_ADMIN_TOKEN_FILE"] == "/run/secrets/admin_token"
    # Never in git; and the replicas' build context is the repository: never in an image.
    assert {"deploy/secrets/", "deploy/tls/"} <= set((ROOT / ".gitignore").read_text().split())
    assert {"deploy/secrets", "deploy/tls"} <= set((ROOT / ".dockerignore").read_text().split())


def test_every_container_has_a_read_only_root_and_resource_limits(
    compose: dict[str, Any],
) -> None:
    scratch = {
        "postgres": {"/var/run/postgresql", "/tmp"},
        "legible1": {"/tmp"},  # the metrics folder (service/metrics.py: tempfile)
        "legible2": {"/tmp"},
        "varnish": {"/var/lib/varnish:exec", "/tmp"},
        "hitch": {hitch_setting("ocsp-dir")},
    }
    for name, service in services(compose).items():
        assert service["read_only"] is True, name
        assert set(service["tmpfs"]) == scratch[name], name
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and re.fullmatch(r"\d+[mg]", limits["memory"]), name
    volume = re.search(r"^VOLUME (\S+)$", (ROOT / "Dockerfile").read_text(), flags=re.M)
    assert volume is not None
    for name in REPLICAS:  # the image's data volume is a named, writable one
        (mount,) = services(compose)[name]["volumes"]
        source, target = mount.split(":")
        assert target == volume.group(1) and source in compose["volumes"], name
