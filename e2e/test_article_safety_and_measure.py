"""Stored XSS is inert in a real browser (issue 7), and lines stay readable at 1280 px (issue 3)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.live import ServerFailed, serve, server_env

from .matrix import PAGE_BY_NAME

pytestmark = pytest.mark.e2e
TOKEN = "e2e-token-for-the-article-safety-test-0123"  # 32+ characters, as serve requires

# Each payload would set window.__xss (or call alert) if any of it survived.
PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss='onerror'\" alt=x>",  # without alt: refused (422)
    "<svg onload=\"window.__xss='svg'\"><circle r=5></circle></svg>",
    "<a href=\"javascript:window.__xss='href'\">bấm vào đây</a>",
    "<a href=\"jav&#x09;ascript:window.__xss='entity'\">liên kết</a>",
    "<iframe srcdoc=\"<script>parent.__xss='srcdoc'</script>\"></iframe>",
    "<object data=\"javascript:window.__xss='object'\"></object>",
    "<embed src=\"javascript:window.__xss='embed'\">",
    "<form action=\"javascript:window.__xss='form'\"><button>Gửi</button></form>",
    '<base href="https://evil.example/">',
    "<style>body{display:none!important}</style>",
    '<p style="position:fixed;inset:0;background:#000;z-index:99999">phủ kín trang</p>',
    "<math><mtext><img src=x onerror=\"window.__xss='math'\" alt=x></mtext></math>",
    "<details open ontoggle=\"window.__xss='toggle'\"><summary>x</summary></details>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=\'meta\'">',
]


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own, with the admin API on, so payloads go in the way operators' do."""
    work = tmp_path_factory.mktemp("xss")
    env = server_env({"LEGIBLE_ADMIN_TOKEN": TOKEN, "LEGIBLE_DEMO": "0"})
    try:
        server = serve(env=env, log=work / "server.log", db=work / "legible.db")
    except ServerFailed as exc:
        pytest.fail(f"the API server did not start: {exc}", pytrace=False)
    with server:
        yield server.url


def _put(base: str, slug: str, article: dict[str, Any]) -> int:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/articles/{slug}",
        data=json.dumps(article).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return int(response.status)


def test_stored_payloads_do_not_run_and_the_page_stays_visible(
    api_server: str, browser: Browser
) -> None:
    status = _put(
        api_server,
        "bai-doc-hai",
        {
            "title": "<script>window.__xss='title'</script>Bài có mã độc",
            "byline": "<img src=x onerror=\"window.__xss='byline'\">HQ",
            "published": "2024-01-02",
            "body_html": "<p>Đoạn mở đầu an toàn.</p>" + "".join(PAYLOADS),
        },
    )
    assert status == 201
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in ("/articles/bai-doc-hai", "/articles/bai-doc-hai?theme=dark", "/"):
        page.goto(api_server + url)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, url
        assert page.url.startswith(api_server), url  # no refresh or base redirect
    page.goto(api_server + "/articles/bai-doc-hai")
    assert dialogs == []
    # The markup in the title is shown as text, and nothing covers or hides the page.
    assert "<script>" in page.locator("h1").inner_text()
    assert page.locator("main").is_visible()
    assert page.locator("h1").is_visible()
    top = "() => document.elementFromPoint(innerWidth / 2, 10).closest('header, main') !== null"
    assert page.evaluate(top)
    context.close()


# Per line: words grouped by their line box, characters counted (WCAG 1.4.8).
MAX_CHARS = """(el) => {
  const lines = new Map();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/\\S+\\s*/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].trimEnd().length);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const top = Math.round(rect.top);
      lines.set(top, (lines.get(top) || 0) + m[0].length);
    }
  }
  return Math.max(0, ...lines.values());
}"""


@pytest.mark.parametrize("spacing", [False, True], ids=["plain", "spacing"])
def test_body_lines_stay_under_80_characters_at_1280px(page: Page, spacing: bool) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in (PAGE_BY_NAME["portal-article"].path, PAGE_BY_NAME["demo-article"].path):
        page.goto(path + ("?spacing=1" if spacing else ""))
        paragraphs = page.locator("main .body p")
        assert paragraphs.count() > 0
        longest = max(paragraphs.nth(i).evaluate(MAX_CHARS) for i in range(paragraphs.count()))
        assert 40 <= longest <= 80, f"{path}: a line holds {longest} characters"
