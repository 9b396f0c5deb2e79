"""The `legible` command: serve, import, export, widget-snippet, audit, settings."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from legible_audit.options import add_arguments as add_audit_arguments

from .errors import LegibleError, SettingsInvalid
from .ingest.flags import add_arguments as add_web_arguments
from .settings import TOP, Settings
from .settings_flags import add_flags, effective, flags_given
from .version import DISTRIBUTION, __version__

PURGE_WAIT_SECONDS = 15.0  # `legible import` waits this long, at most, for its purges

if TYPE_CHECKING:
    from .app import LegibleApp


def _serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    from .admin_auth import AdminTokens, reload_on_hangup
    from .limits import plan
    from .store import open_store
    from .themes import data_dir, load_themes

    settings = Settings.from_env(**flags_given(args))
    # Check the themes and reach and migrate the store once, here: a theme below its
    # contrast level or a wrong LEGIBLE_DB is one line and exit 2 (main), not a
    # traceback from each worker; workers find the store up to date.
    load_themes(Path(settings.themes_dir) if settings.themes_dir else data_dir("themes"))
    open_store(settings.db).close()
    # Likewise a token file that cannot be read or holds a short token.
    AdminTokens.from_settings(settings.admin_token, settings.admin_token_file)
    capacity = plan(settings)  # raises the open-file limit the workers inherit
    logging.getLogger("legible").info(capacity.line())
    # Workers are separate processes that build the app from the environment.
    metrics_dir = None
    if settings.metrics:  # each worker writes its values there; a scrape sums them
        from .metrics import prepare_multiprocess

        metrics_dir = prepare_multiprocess()  # None: the operator's folder, which stays
    os.environ.update(settings.as_env())  # the flags too: workers read the environment
    # granian over RSGI, not uvicorn: a cache hit is one response_bytes call, and
    # hits ran several times faster in bench/run.py (README, Benchmark). Misses go
    # through the ASGI app (service/rsgi.py). On SIGTERM granian stops accepting,
    # lets workers finish in-flight requests, then exits.
    try:
        server = Granian(
            "service.cli:app_from_env",
            factory=True,
            address=settings.host,
            port=settings.port,
            interface=Interfaces.RSGI,
            http=HTTPModes.http1,  # HTTP/2 and TLS belong to the proxy or CDN in front
            websockets=False,
            workers=settings.workers,
            loop=Loops.uvloop,
            log_access=False,  # our own structured access log replaces it
            workers_kill_timeout=20,
            # Connections (service/limits.py, README Operations): each one, idle or not,
            # holds a permit until it closes; hyper's header timer also ends idle keep-alives.
            backlog=settings.backlog,
            backpressure=capacity.per_worker,
            http1_settings=HTTP1Settings(header_read_timeout=int(settings.header_timeout * 1000)),
            **granian_metrics(os.environ),
        )
        server.on_startup(reload_on_hangup)  # after granian's own signals: SIGHUP reloads tokens
        server.serve()
    finally:  # an exception or a signal must not leave the folder behind
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def granian_metrics(env: Mapping[str, str]) -> dict[str, Any]:
    """granian's own Prometheus exporter (connections, requests per worker), turned on
    with its GRANIAN_METRICS_* variables as its CLI reads them: off by default."""
    if env.get("GRANIAN_METRICS_ENABLED", "").strip().lower() not in ("1", "true", "yes", "on"):
        return {}
    out: dict[str, Any] = {"metrics_enabled": True}
    if env.get("GRANIAN_METRICS_ADDRESS"):
        out["metrics_address"] = env["GRANIAN_METRICS_ADDRESS"]
    for name, low, high in (("PORT", 1, 65535), ("SCRAPE_INTERVAL", 1, 60)):
        raw = env.get(f"GRANIAN_METRICS_{name}", "").strip()
        if not raw:
            continue
        if not (raw.isdigit() and low <= int(raw) <= high):
            raise SettingsInvalid(
                f"GRANIAN_METRICS_{name}={raw!r} is out of range: use a whole number from"
                f" {low} to {high}"
            )
        out[f"metrics_{name.lower()}"] = int(raw)
    return out


def app_from_env() -> LegibleApp:
    """The ASGI app for one server worker, configured by `LEGIBLE_*`."""
    from .app import create_app
    from .memory import freeze_startup, tune_gc, tune_malloc

    tune_malloc()
    tune_gc()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_app(Settings.from_env())
    freeze_startup()
    return app


def _import(args: argparse.Namespace) -> int:
    from .importers import import_paths
    from .ingest.command import import_web, is_export, is_web, options, write_json
    from .intake import Report
    from .photos import Photos
    from .store import open_store

    settings = Settings.from_env(**flags_given(args))
    web = [p for p in args.paths if is_web(p)]  # feeds, sitemaps, pages (ingest/)
    exports = [Path(p) for p in args.paths if is_export(p)]  # WordPress, ingest/ too
    files = [Path(p) for p in args.paths if not is_web(p) and not is_export(p)]
    if files and (args.dry_run or args.prune):
        raise SettingsInvalid(
            "--dry-run and --prune are for URLs and WordPress exports; other files are"
            " imported as given"
        )
    store = open_store(settings.db)
    photos = Photos(store, settings.media_max_bytes, settings.media_max_pixels)
    report, outcomes = Report(dry_run=args.dry_run), []
    try:
        if files:
            report = import_paths(
                store, files, progress=sys.stderr, photos=photos, pages=args.pages
            )
            report.dry_run = args.dry_run
        if web or exports:
            opts = options(args, settings)
            outcomes = import_web(store, photos, web, opts, report, exports)
    finally:
        store.close()
    print(report.summary(), file=sys.stderr if args.json == "-" else sys.stdout)
    if not report.dry_run:  # a dry run wrote nothing: nothing to purge
        _purge(settings, report.created + report.updated + report.pruned, report.media)
    if args.json:  # last: a file that cannot be written is exit 2, after the purges
        write_json(args.json, report, outcomes)
    return 0 if report.ok else 1


def _purge(settings: Settings, slugs: list[str], media: list[str]) -> None:
    """The import's write path (this process has no pages): purge the articles' pages
    from LEGIBLE_PURGE_URLS, waiting (bounded) for the answers; a failure is reported
    but does not fail the import, which is stored."""
    from .purge import Purger
    from .writes import WritePath

    if not slugs and not media:
        return
    purger = Purger(settings.purge_urls)
    writes = WritePath(purger)
    writes.wrote(slugs)
    writes.wrote_media(media)
    if not purger:
        return
    done = purger.flush(PURGE_WAIT_SECONDS)
    failed = purger.given_up()
    if not done or failed:
        where = ", ".join(failed) if failed else ", ".join(settings.purge_urls)
        what = "failed" if done else f"not confirmed within {PURGE_WAIT_SECONDS:g} s"
        print(
            f"legible: purging {len(slugs)} articles at {where} {what}: those caches may serve"
            " the old pages until their s-maxage (300 s) ends",
            file=sys.stderr,
        )
    else:
        print(f"purged {len(slugs)} articles at {len(settings.purge_urls)} caches")


def _export(args: argparse.Namespace) -> int:
    from .exports import export, format_for
    from .store import open_store

    settings = Settings.from_env(**flags_given(args))
    store = open_store(settings.db)
    try:
        said = export(store, args.output, format_for(args.output, args.format))
    finally:
        store.close()
    print(said, file=sys.stderr)
    return 0


def _widget_snippet(args: argparse.Namespace) -> int:
    from .themes import data_dir, load_themes
    from .widget import snippets

    settings = Settings.from_env(**flags_given(args))
    themes = load_themes(Path(settings.themes_dir) if settings.themes_dir else data_dir("themes"))
    shown = snippets(themes, args.origin.rstrip("/"))
    print(shown["plain"])
    print(shown["pinned"])
    return 0


def _audit(args: argparse.Namespace) -> int:
    """The accessibility matrix against any site (legible_audit), with the themes and
    sizes this Legible offers."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        print(
            f"legible audit needs the audit extra: pip install '{DISTRIBUTION}[audit]' ({exc.name}"
            " is missing)",
            file=sys.stderr,
        )
        return 2
    from legible_audit.browser import require_chromium
    from legible_audit.main import audit
    from legible_audit.options import UsageError, from_args

    from .preferences import SIZES
    from .themes import data_dir, load_themes

    settings = Settings.from_env(**flags_given(args))
    themes = load_themes(Path(settings.themes_dir) if settings.themes_dir else data_dir("themes"))
    try:
        options = from_args(args, {t.name: t.level for t in themes.values()}, SIZES)
        require_chromium()  # a first run without one: the command that installs it
        return audit(options)
    except UsageError as exc:
        print(f"legible audit: {exc}", file=sys.stderr)
        return 2


def _settings(args: argparse.Namespace) -> int:
    if args.markdown:
        from .settings_page import markdown

        sys.stdout.write(markdown())
        return 0
    print("\n".join(effective(Settings.from_env(), os.environ)))
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line. Setting flags come from the settings table (add_flags)."""
    p = argparse.ArgumentParser(prog="legible", description=__doc__)
    p.add_argument("--version", action="version", version=f"legible {__version__}")
    add_flags(p, TOP)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service")
    serve.set_defaults(func=_serve)
    imp = sub.add_parser(
        "import",
        help="import articles from files (JSON, JSON Lines, Markdown, portal text), WordPress"
        " exports, a backup archive (.tar), or a site's feeds, sitemaps and pages",
    )
    imp.add_argument(
        "paths", nargs="+", metavar="SOURCE", help="files, folders, or feed/sitemap/page URLs"
    )
    add_web_arguments(imp)
    imp.set_defaults(func=_import)
    exp = sub.add_parser(
        "export", help="write every article (and photo) to re-import, or a backup archive"
    )
    exp.add_argument("-o", "--output", default="-", help="file to write, - for stdout")
    exp.add_argument(
        "--format",
        choices=("json", "jsonl", "archive"),
        help="json (the default for stdout and .json), jsonl (articles, one a line), or archive:"
        " articles, photos and widget bundles in a tar (the default for .tar, .tar.gz, .tgz)",
    )
    exp.set_defaults(func=_export)
    snip = sub.add_parser(
        "widget-snippet", help="print the widget's embed snippets (plain, pinned)"
    )
    snip.add_argument("origin", help="where Legible is served, e.g. https://legible.example")
    snip.set_defaults(func=_widget_snippet)
    aud = sub.add_parser(
        "audit",
        help="check any site's pages in every theme, size and viewport"
        f" (needs {DISTRIBUTION}[audit])",
        description="Run axe and Legible's own checks on each page in each variant;"
        " exit 0 clean or only known findings, 1 new failing findings, 2 usage or setup"
        " errors, 3 some pages could not be checked.",
    )
    add_audit_arguments(aud)
    aud.set_defaults(func=_audit)
    sets = sub.add_parser(
        "settings", help="print the settings a command would run with here (secrets hidden)"
    )
    sets.add_argument(
        "--markdown", action="store_true", help="print the settings docs page instead"
    )
    sets.set_defaults(func=_settings)
    for name, command in sub.choices.items():
        add_flags(command, name)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return int(args.func(args))
    except LegibleError as exc:
        print(f"legible: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
