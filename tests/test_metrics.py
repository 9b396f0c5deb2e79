"""/metrics (LEGIBLE_METRICS=1): Prometheus' text format from prometheus-client, in
one process and summed over `legible serve`'s workers (service/metrics.py)."""

from __future__ import annotations

import contextlib
import re
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from service import counters
from service.app import create_app
from service.cli import granian_metrics
from service.errors import SettingsInvalid
from service.settings import Settings
from tests.support.live import free_port, serve, server_env

ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"


def samples(text: str) -> dict[str, float]:
    """sample name (with labels) -> value."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            out[s.name + (f"{{{labels}}}" if labels else "")] = s.value
    return out


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)


def test_off_by_default(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(demo=True, db=str(tmp_path / "t.db")))) as client:
        assert client.get("/metrics").status_code == 404


def test_hits_misses_bytes_and_build_time(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), metrics=True))
    with TestClient(app) as client:
        miss = client.get(ARTICLE + "?theme=dark", headers={"Accept-Encoding": "br"})
        hit = client.get(ARTICLE + "?theme=dark", headers={"Accept-Encoding": "br"})
        assert miss.status_code == hit.status_code == 200
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    assert scraped.headers["cache-control"] == "no-store"
    got = samples(scraped.text)
    assert got["legible_cache_misses_total"] == 1
    assert got["legible_cache_hits_total"] == 1  # the second one, before routing
    assert got["legible_cache_hit_bytes_total"] == int(hit.headers["content-length"])
    assert got["legible_build_seconds_count"] == 1
    assert 0 < got["legible_build_seconds_sum"] < 5
    assert got['legible_build_seconds_bucket{le="+Inf"}'] == 1
    assert got["legible_cache_pages"] == 1
    assert got["legible_cache_bytes"] == app.state.site.cache.current_bytes > 0
    assert got["legible_cache_evictions_total"] == 0


def test_evictions_are_counted_apart_from_invalidations(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), metrics=True, cache_mb=0.05))
    with TestClient(app) as client:
        for size in (100, 125, 150, 175, 200):
            assert client.get(f"{ARTICLE}?size={size}").status_code == 200
        got = samples(client.get("/metrics").text)
    assert got["legible_cache_misses_total"] == 5
    assert got["legible_cache_evictions_total"] == 5 - got["legible_cache_pages"] > 0


def test_events_counted_elsewhere_are_published(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), metrics=True))
    with TestClient(app) as client:
        before = samples(client.get("/metrics").text)
        counters.listener_reconnected()
        counters.store_error()
        counters.COUNTERS.purges_sent += 2
        counters.COUNTERS.purges_failed += 1
        after = samples(client.get("/metrics").text)
    for name, step in [
        ("legible_listener_reconnects_total", 1),
        ("legible_store_errors_total", 1),
        ("legible_purges_sent_total", 2),
        ("legible_purges_failed_total", 1),
    ]:
        assert after[name] - before[name] == step, name


def test_several_workers_are_summed(tmp_path: Path) -> None:
    folder = tmp_path / "prom"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by an earlier run")
    env = server_env({
        "LEGIBLE_DB": str(tmp_path / "t.db"), "LEGIBLE_METRICS": "1", "LEGIBLE_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(folder), "LEGIBLE_ACCESS_LOG": "0",
    })  # fmt: skip
    requests = 40
    with serve(env=env, log=tmp_path / "server.log") as server:
        assert not (folder / "counter_999999.db").exists()  # wiped at start
        for _ in range(requests):  # new connections: the kernel spreads them over workers
            assert server.request("GET", ARTICLE, Accept_Encoding="gzip")[0] == 200
        deadline = time.monotonic() + 10  # each worker publishes once a second
        while True:
            got = samples(server.request("GET", "/metrics")[2].decode())
            counted = got.get("legible_cache_hits_total", 0) + got.get(
                "legible_cache_misses_total", 0
            )
            if counted >= requests or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        pids = {re.search(r"_(\d+)\.db$", p.name).group(1) for p in folder.glob("*.db")}  # type: ignore[union-attr]
    hits, misses = got["legible_cache_hits_total"], got["legible_cache_misses_total"]
    assert hits + misses == requests  # whichever worker answered the scrape
    assert misses in (1, 2)  # one build per worker that was asked
    assert len(pids) >= misses  # each worker that built a page wrote its own files


def test_granians_own_metrics_turn_on_with_its_variables(tmp_path: Path) -> None:
    port = free_port()
    env = server_env({
        "LEGIBLE_DB": str(tmp_path / "t.db"), "GRANIAN_METRICS_ENABLED": "1",
        "GRANIAN_METRICS_PORT": str(port), "GRANIAN_METRICS_SCRAPE_INTERVAL": "1",
    })  # fmt: skip
    with serve(env=env, log=tmp_path / "server.log") as server:
        assert server.request("GET", "/")[0] == 200
        deadline = time.monotonic() + 10
        text, handled = "", 0.0
        while not handled and time.monotonic() < deadline:  # granian collects every 1 s
            time.sleep(0.5)
            with contextlib.suppress(OSError):
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
            handled = sum(
                v for k, v in samples(text).items() if k.startswith("granian_requests_handled")
            )
    assert handled >= 1, text


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {}),
        ({"GRANIAN_METRICS_ENABLED": "0", "GRANIAN_METRICS_PORT": "9"}, {}),
        ({"GRANIAN_METRICS_ENABLED": "true"}, {"metrics_enabled": True}),
        (
            {"GRANIAN_METRICS_ENABLED": "1", "GRANIAN_METRICS_ADDRESS": "10.0.0.5",
             "GRANIAN_METRICS_PORT": "9100"},
            {"metrics_enabled": True, "metrics_address": "10.0.0.5", "metrics_port": 9100},
        ),
    ],
)  # fmt: skip
def test_granian_metrics_settings(env: dict[str, str], expected: dict[str, object]) -> None:
    assert granian_metrics(env) == expected


def test_a_bad_granian_metrics_port_is_refused_clearly() -> None:
    with pytest.raises(SettingsInvalid, match=r"GRANIAN_METRICS_PORT='99999' is out of range"):
        granian_metrics({"GRANIAN_METRICS_ENABLED": "1", "GRANIAN_METRICS_PORT": "99999"})
