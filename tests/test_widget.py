"""The widget's files as built and served: hashes, tokens, budget, forbidden APIs, HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.i18n import translate
from service.preferences import (
    CHOICE_LABELS,
    CHOICE_NAMES,
    COOKIE,
    COOKIE_MAX_AGE,
    COOKIE_SEPARATOR,
    DEFAULT_FONT,
    DEFAULT_MEASURE,
    DEFAULT_SIZE,
    FONTS,
    MEASURES,
    SIZES,
    VARIANT_PARAMS,
    Preference,
    parse_cookie,
)
from service.themes import TOKENS, data_dir, load_themes
from service.widget import (
    BUNDLE_PREFIX,
    DEMO_URL,
    LOADER_URL,
    SOURCES,
    WidgetAsset,
    build_widget,
    integrity_for,
    minified_js,
    minify_css,
    snippets,
    source_digest,
    widget_assets,
)

THEMES = load_themes(data_dir("themes"))
CSS_URL = "/assets/legible.0123456789abcdef.css"
BUDGET = 6 * 1024  # bytes, brotli, everything the widget loads


@pytest.fixture(scope="module")
def assets() -> dict[str, WidgetAsset]:
    return {a.url: a for a in widget_assets(THEMES, css_url=CSS_URL)}


def _bundle(assets: dict[str, WidgetAsset]) -> WidgetAsset:
    found = [a for url, a in assets.items() if url.startswith(BUNDLE_PREFIX)]
    assert len(found) == 1, list(assets)
    return found[0]


def test_urls_and_caching(assets: dict[str, WidgetAsset]) -> None:
    assert set(assets) == {LOADER_URL, DEMO_URL, _bundle(assets).url}
    for url, asset in assets.items():
        assert url == LOADER_URL or url.startswith("/widget/")
        immutable = "immutable" in asset.cache_control
        assert immutable == url.startswith(BUNDLE_PREFIX), url
    assert assets[LOADER_URL].media_type.startswith("text/javascript")
    assert assets[DEMO_URL].media_type.startswith("text/html")


def test_bundle_name_is_its_content_hash(assets: dict[str, WidgetAsset]) -> None:
    bundle = _bundle(assets)
    body: bytes = bundle.body
    digest = re.fullmatch(r"/widget/legible-widget\.([0-9a-f]{16})\.js", bundle.url)
    assert digest, bundle.url
    assert hashlib.sha256(body).hexdigest().startswith(digest.group(1))
    # The stable URL serves the same widget: one request, no loader in between.
    assert assets[LOADER_URL].body == body


def test_build_is_deterministic() -> None:
    assert build_widget(THEMES) == build_widget(THEMES)


def test_sri_and_snippets(assets: dict[str, WidgetAsset]) -> None:
    bundle = _bundle(assets)
    body: bytes = bundle.body
    expected = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert integrity_for(body) == expected
    shown = snippets(THEMES, "https://legible.example/")
    assert shown["plain"] == '<script src="https://legible.example/widget.js" async></script>'
    assert f'src="https://legible.example{bundle.url}"' in shown["pinned"]
    assert f'integrity="{expected}"' in shown["pinned"]
    assert 'crossorigin="anonymous"' in shown["pinned"]


def test_every_theme_token_and_label_is_in_the_bundle(assets: dict[str, WidgetAsset]) -> None:
    text = _bundle(assets).body.decode()
    assert "__LEGIBLE_" not in text
    for theme in THEMES.values():
        assert f'"name":"{theme.name}"' in text
        assert theme.label_vi in text and theme.label_en in text
        # The OS preference that picks the theme: the panel follows it too.
        assert f'"media":{json.dumps(theme.media)}' in text, theme.name
        for token in TOKENS:
            assert f'"{token}":"{theme.colors[token]}"' in text, (theme.name, token)
    for prop in TOKENS.values():
        assert f'"{prop}"' in text


# -- rules the widget shares with the server -----------------------------------------


def _injected(text: str) -> dict[str, str]:
    """The JSON the build put in place of each `__LEGIBLE_NAME__` in widget.min.js, by
    NAME, and "" for the rest of the bundle (the script itself)."""
    script = minified_js(data_dir("widget"))
    decoder = json.JSONDecoder()
    found, code, shift, last = {}, [], 0, 0
    for match in re.finditer(r"__LEGIBLE_([A-Z]+)__", script):
        start = match.start() + shift
        _, end = decoder.raw_decode(text, start)
        found[match.group(1)] = text[start:end]
        code.append(text[last:start])
        last = end
        shift += (end - start) - len(match.group(0))
    found[""] = "".join(code) + text[last:]
    return found


def test_preference_rules_are_injected_from_python(assets: dict[str, WidgetAsset]) -> None:
    text = _bundle(assets).body.decode()
    rules = json.loads(_injected(text)["PREFERENCES"])
    choices = rules.pop("choices")
    assert rules == {
        "params": list(VARIANT_PARAMS),
        "sizes": list(SIZES),
        "defaultSize": DEFAULT_SIZE,
        "cookie": {"name": COOKIE, "maxAge": COOKIE_MAX_AGE, "separator": COOKIE_SEPARATOR},
    }
    # Line length and typeface: the server's values, and its own labels in both languages.
    assert choices["measure"]["values"] == list(MEASURES)
    assert choices["measure"]["default"] == DEFAULT_MEASURE
    assert choices["font"]["values"] == list(FONTS)
    assert choices["font"]["default"] == DEFAULT_FONT
    for name, choice in choices.items():
        for lang in ("vi", "en"):
            assert choice["legend"][lang] == translate(lang, CHOICE_NAMES[name])
            labels = [translate(lang, CHOICE_LABELS[name][v]) for v in choice["values"]]
            assert choice["labels"][lang] == labels
    assert choices["font"]["labels"]["vi"] == ["Mặc định", "Có chân", "Dễ đọc"]
    # The widget writes the cookie as its fields' values in `params` order, joined by
    # the separator: the server must read that back as the same choice.
    fields = {"theme": "dark", "size": "150", "spacing": "1", "measure": "wide", "font": "serif"}
    cookie = rules["cookie"]["separator"].join(fields[name] for name in rules["params"])
    chosen = Preference("dark", 150, True, "wide", "serif")
    assert cookie == chosen.cookie_value()
    assert parse_cookie(cookie, THEMES) == chosen


def test_the_script_restates_no_server_rule(assets: dict[str, WidgetAsset]) -> None:
    # Everything but the injected data: a literal here would drift from preferences.py.
    text = _bundle(assets).body.decode()
    injected = _injected(text)
    assert set(injected) >= {"PREFERENCES", "THEMES", ""}
    code = injected[""]
    assert "adoptedStyleSheets" in code and len(code) > 5000  # the script itself is there
    assert str(COOKIE_MAX_AGE) not in code
    assert COOKIE not in code
    for size in SIZES:
        assert re.search(rf"(?<![\w.]){size}(?![\w.])", code) is None, size
    for name in VARIANT_PARAMS:
        spellings = [f'"{name}"', f"'{name}'", f"data-{name}", f"-legible-{name}", f"cur_{name}"]
        for spelled in spellings:
            assert spelled not in code, spelled
    # The cookie's separator is injected too: no field joined by a literal ".".
    assert "}.${" not in code


def test_build_takes_the_rules_from_preferences(monkeypatch: pytest.MonkeyPatch) -> None:
    import service.widget

    monkeypatch.setattr(service.widget, "COOKIE_MAX_AGE", 7)
    monkeypatch.setattr(service.widget, "COOKIE_SEPARATOR", "~")
    monkeypatch.setattr(service.widget, "SIZES", (90, 100, 110))
    rules = json.loads(_injected(build_widget(THEMES).decode())["PREFERENCES"])
    assert rules["cookie"]["maxAge"] == 7 and rules["cookie"]["separator"] == "~"
    assert rules["sizes"] == [90, 100, 110]


def _copy_sources(folder: Path) -> None:
    """widget/'s built script, its modules and its CSS, copied into `folder`."""
    shutil.copytree(data_dir("widget") / SOURCES, folder / SOURCES)
    for name in ("widget.css", "widget.min.js"):
        (folder / name).write_bytes((data_dir("widget") / name).read_bytes())


def test_placeholders_and_values_match_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.widget

    _copy_sources(tmp_path)
    header, script = (tmp_path / "widget.min.js").read_text(encoding="utf-8").split("\n", 1)
    monkeypatch.setattr(service.widget, "data_dir", lambda name: tmp_path)
    for broken in (
        script.replace("__LEGIBLE_PREFERENCES__", "{}"),  # a value nothing reads
        script.replace("(()=>{", "(()=>{const EXTRA=__LEGIBLE_EXTRA__;", 1),  # unfilled
    ):
        assert broken != script
        (tmp_path / "widget.min.js").write_text(f"{header}\n{broken}", encoding="utf-8")
        with pytest.raises(RuntimeError, match="disagree"):
            build_widget(THEMES)


def test_every_string_is_in_both_languages() -> None:
    # A key missing from one language would show "undefined" in the panel.
    source = (data_dir("widget") / SOURCES / "i18n.js").read_text(encoding="utf-8")
    block = re.search(r"^export const STRINGS = \{\n(.*?)^\};$", source, re.M | re.S)
    assert block, "STRINGS"
    languages = dict(re.findall(r"^  (\w+): \{\n(.*?)^  \},$", block.group(1), re.M | re.S))
    assert set(languages) == {"vi", "en"}
    keys = {lang: re.findall(r"^    (\w+): \"", body, re.M) for lang, body in languages.items()}
    assert len(keys["vi"]) >= 12
    assert keys["vi"] == keys["en"]
    # Every string is shown somewhere (the panel reads them as `text.KEY`).
    modules = "".join(
        p.read_text(encoding="utf-8") for p in (data_dir("widget") / SOURCES).glob("*.js")
    )
    for key in keys["vi"]:
        assert f"text.{key}" in modules, f"{key} is never shown"


def test_controls_are_labelled_in_both_languages(assets: dict[str, WidgetAsset]) -> None:
    text = _bundle(assets).body.decode()
    for label in (
        "Giảm cỡ chữ",
        "Tăng cỡ chữ",
        "Cỡ chữ mặc định",
        "Smaller text",
        "Larger text",
        "Default text size",
        "Tương phản",
        "Contrast",
        "Đặt lại tất cả",
        "Reset all",
    ):
        assert f'"{label}"' in text, label


def test_everything_the_widget_loads_fits_the_budget(assets: dict[str, WidgetAsset]) -> None:
    # A page embedding the widget loads exactly one file: /widget.js (or, pinned, the
    # hashed copy of the same bytes). Brotli at the quality the service uses.
    body: bytes = assets[LOADER_URL].body
    size = len(brotli.compress(body, quality=11))
    assert size <= BUDGET, f"{size} bytes brotli > {BUDGET}"


FORBIDDEN = {
    "innerHTML": r"innerHTML",
    "outerHTML": r"outerHTML",
    "insertAdjacentHTML": r"insertAdjacentHTML",
    "document.write": r"\.write(ln)?\(",
    "eval(": r"\beval\(",
    "new Function": r"new\s+Function",
    "string timer": r"set(Timeout|Interval)\(\s*['\"`]",
    "<style> or <link> element": r"createElement\(\s*['\"`](style|link|script)",
    "style attribute": r"\.style\b|setAttribute\(\s*['\"`]style|cssText",
    "filter on html/body": r"filter",
    "transform on html/body": r"transform",
    "third-party request": r"\bfetch\(|XMLHttpRequest|sendBeacon|https?://(?!www\.w3\.org/2000/svg)",
    "global key capture": r"(?<![\w.])((document|window|doc)\.)?addEventListener\(\s*['\"`]key",
}


@pytest.mark.parametrize("name", FORBIDDEN)
def test_no_forbidden_api(assets: dict[str, WidgetAsset], name: str) -> None:
    text = _bundle(assets).body.decode()
    found = re.search(FORBIDDEN[name], text)
    assert found is None, f"{name}: {text[max(0, found.start() - 60) : found.end() + 60]!r}"


def test_the_shadow_root_is_open_and_styled_by_adopted_sheets(
    assets: dict[str, WidgetAsset],
) -> None:
    text = _bundle(assets).body.decode()
    assert 'attachShadow({mode:"open"})' in text
    assert "adoptedStyleSheets" in text and "replaceSync" in text
    assert ":host{all:initial!important" in text
    assert "createElementNS" in text


def test_css_minifier_keeps_meaningful_spaces() -> None:
    css = "/* x */ .a :is(.b, .c) { width: calc(1em + 2px) !important; }\n"
    assert minify_css(css) == ".a :is(.b,.c){width:calc(1em + 2px)!important}"


ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "scripts" / "widget-tools" / "node_modules" / ".bin"


def test_the_served_script_is_a_fresh_build_of_the_modules() -> None:
    # The pinned esbuild and terser rebuild widget.min.js byte for byte from widget/src.
    if not (TOOLS / "esbuild").exists():
        pytest.fail("the widget's build tools are missing: run `make widget-tools`", pytrace=False)
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-widget"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_build_is_one_script_from_every_module() -> None:
    # esbuild followed the imports: no `import` or `export` is left for a browser to
    # fetch, and every module is reached from main.js (none is dead weight that the
    # stale-build check would still hash).
    script = minified_js(data_dir("widget"))
    assert script.startswith("(()=>{") and script.rstrip().endswith("})();")
    assert re.search(r"\bimport\s*[{(\"']|\bexport\s", script) is None
    folder = data_dir("widget") / SOURCES
    modules = {p.name for p in folder.glob("*.js")}
    assert len(modules) >= 8, modules
    reached, todo = set(), ["main.js"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += re.findall(
                r'^import .* from "\./([\w-]+\.js)";$', (folder / name).read_text(), re.M
            )
    assert reached == modules


@pytest.mark.parametrize("module", ["scaling.js", "i18n.js", "main.js"])
def test_a_stale_build_is_refused(tmp_path: Path, module: str) -> None:
    _copy_sources(tmp_path)
    assert minified_js(tmp_path).startswith("(()=>{")
    # An edit to any one module, without a rebuild.
    with (tmp_path / SOURCES / module).open("a", encoding="utf-8") as source:
        source.write("// an edit after the last build\n")
    with pytest.raises(RuntimeError, match="make widget"):
        minified_js(tmp_path)


def test_a_new_module_without_a_rebuild_is_refused(tmp_path: Path) -> None:
    _copy_sources(tmp_path)
    (tmp_path / SOURCES / "extra.js").write_text("export const EXTRA = 1;\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="not built from the current widget/src"):
        minified_js(tmp_path)


def test_the_digest_is_the_one_the_build_records() -> None:
    header = (data_dir("widget") / "widget.min.js").read_text(encoding="utf-8").split("\n")[0]
    assert f"sha256={source_digest(data_dir('widget'))} " in header
    assert "esbuild " in header and "terser " in header


def test_demo_page(assets: dict[str, WidgetAsset]) -> None:
    page = assets[DEMO_URL].body.decode()
    bundle = _bundle(assets)
    assert '<script src="/widget.js" async></script>' in page
    assert f'href="{CSS_URL}"' in page
    assert bundle.url in page and integrity_for(bundle.body) in page
    assert "$" not in page.replace("&quot;", "")
    assert " style=" not in page and "<style" not in page


# -- through the app ----------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(db=str(tmp_path / "t.db"), demo=False))
    with TestClient(app, follow_redirects=False) as c:
        yield c  # type: ignore[misc]


def _bundle_url(client: TestClient) -> str:
    widget = client.app.state.site.widget
    (url,) = [u for u in widget if u.startswith(BUNDLE_PREFIX)]
    return str(url)


def test_loader_is_cross_origin_and_short_cached(client: TestClient) -> None:
    r = client.get(LOADER_URL, headers={"Accept-Encoding": "br"})  # no Origin header
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in r.headers["vary"]
    cache = r.headers["cache-control"]
    assert "immutable" not in cache
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) <= 3600  # type: ignore[union-attr]


def test_bundle_is_immutable_and_matches_its_sri(client: TestClient) -> None:
    url = _bundle_url(client)
    r = client.get(url, headers={"Origin": "https://news.example"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashlib.sha256(r.content).hexdigest().startswith(url.rsplit(".", 2)[1])
    assert r.content == client.get(LOADER_URL).content


@pytest.mark.parametrize("encoding", ["br", "gzip", "identity"])
def test_conditional_get(client: TestClient, encoding: str) -> None:
    for url in (LOADER_URL, _bundle_url(client)):
        first = client.get(url, headers={"Accept-Encoding": encoding})
        etag = first.headers["etag"]
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag
        assert again.headers["access-control-allow-origin"] == "*"
        assert again.headers["cache-control"] == first.headers["cache-control"]
        assert again.content == b""


def test_transfer_on_the_wire_fits_the_budget(client: TestClient) -> None:
    r = client.get(LOADER_URL, headers={"Accept-Encoding": "br, gzip"})
    assert r.headers["content-encoding"] == "br"
    wire = int(r.headers["content-length"])
    assert wire <= BUDGET, wire


def test_demo_page_is_served(client: TestClient) -> None:
    r = client.get(DEMO_URL)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "immutable" not in r.headers["cache-control"]
    css_url = client.app.state.site.css_url
    assert f'href="{css_url}"' in r.text
    assert client.get(css_url).status_code == 200


def test_unknown_widget_path_is_404(client: TestClient) -> None:
    assert client.get("/widget/legible-widget.0000000000000000.js").status_code == 404


def test_cli_prints_snippets_that_match_what_is_served(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main

    assert main(["widget-snippet", "https://legible.example/"]) == 0
    plain, pinned = capsys.readouterr().out.strip().splitlines()
    assert plain == '<script src="https://legible.example/widget.js" async></script>'
    path = re.search(r'src="https://legible\.example(/widget/[^"]+)"', pinned).group(1)
    body = client.get(path, headers={"Accept-Encoding": "identity"}).content
    digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert f'integrity="sha384-{digest}"' in pinned
