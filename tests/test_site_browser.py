"""The website in a real browser: Debian's Chromium, driven by Playwright, against the site
served on loopback. Built once per module (with Pagefind's index); screenshots of the index and
one entry page go to data/site-screenshots/ for the README and for a person to look at.

Skipped, saying why, when Chromium or Playwright is missing: `make chromium` installs Chromium
(as root), and `make test` runs it first.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.answering.knowledge import load_knowledge
from tests.conftest import ROOT
from tests.test_site import USERNAME, build, site_config

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "data" / "site-screenshots"
PHONE = {"width": 390, "height": 844}
AT_THE_DOOR = "rights-ice-at-door"
WARRANTS = "detainer-judicial-vs-administrative-warrant"

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: run `make chromium` as root (make test does), "
        "or apt-get install chromium",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("browser-site") / "site"
    build(out, ROOT / "knowledge", site_config(USERNAME), search=True)
    handler = functools.partial(_Quiet, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A phone-sized page that fails the test if it asks anything of another address."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    opened = context.new_page()
    requests: list[str] = []
    opened.on("request", lambda request: requests.append(request.url))
    try:
        yield opened
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith((base_url, "data:", "blob:"))]
    assert not outside, f"the page reached outside the site: {outside}"


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def test_the_index_renders_topics_and_events(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/en/index.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "SB 54" in page.locator("h1").inner_text()
    assert page.locator("section.topic").count() >= 8
    assert page.get_by_role("link", name="Add these events to your calendar").is_visible()
    screenshot(page, "index-en-phone.png", full_page=False)  # the first screen; the list is long
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "index-en-desktop.png", full_page=False)


def test_the_printed_page_keeps_the_answer_and_sources_but_not_the_navigation(
    page: Any, base_url: str
) -> None:
    page.goto(f"{base_url}/en/{WARRANTS}.html")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation").is_visible()
    assert not page.get_by_role("link", name="Open this answer in the Telegram bot").is_visible()
    assert page.locator(".sources").is_visible()
    assert page.locator(".checked").is_visible()


def test_the_language_switch_opens_the_same_entry_in_spanish(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/en/{AT_THE_DOOR}.html")
    assert page.locator("h1").inner_text() == "ICE is at my door, what are my rights?"
    screenshot(page, f"entry-en-{AT_THE_DOOR}.png")
    page.get_by_role("link", name="Leer en español").click()
    page.wait_for_url(f"**/es/{AT_THE_DOOR}.html")
    assert page.locator("html").get_attribute("lang") == "es"
    spanish = load_knowledge([ROOT / "knowledge"]).snapshot.by_id[AT_THE_DOOR].texts["es"]
    assert page.locator("h1").inner_text() == spanish.question
    assert page.get_by_text("Revisado el").is_visible()
    telegram = page.get_by_role("link", name="Abrir esta respuesta en el bot de Telegram")
    assert telegram.get_attribute("href") == f"https://t.me/{USERNAME}?start={AT_THE_DOOR}"
    screenshot(page, f"entry-es-{AT_THE_DOOR}.png")


@pytest.mark.parametrize(
    ("lang", "query", "entry"),
    [("en", "ICE at my door", AT_THE_DOOR), ("es", "orden judicial", WARRANTS)],
)
def test_search_finds_the_entry(
    page: Any, base_url: str, lang: str, query: str, entry: str
) -> None:
    page.goto(f"{base_url}/{lang}/search.html")
    page.locator(".pagefind-ui__search-input").fill(query)
    # the best result's own link: results are listed in ranked order at once, each a loading
    # placeholder until its page's fragment arrives, so the first link to appear can be the
    # second result's (CI once read it while the first was still loading)
    first = page.locator(".pagefind-ui__result").first.locator(".pagefind-ui__result-link")
    first.wait_for(timeout=10_000)
    assert first.get_attribute("href").endswith(f"/{lang}/{entry}.html")
    screenshot(page, f"search-{lang}.png")


@pytest.mark.parametrize(
    "path",
    ["en/index.html", "es/index.html", f"es/{WARRANTS}.html", "en/search.html", "index.html"],
)
def test_no_serious_accessibility_violation(page: Any, base_url: str, path: str) -> None:
    page.goto(f"{base_url}/{path}")
    if path.endswith("search.html"):  # the search UI with results on the page
        page.locator(".pagefind-ui__search-input").fill("SB 54")
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
    results = axe_sync.Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious
