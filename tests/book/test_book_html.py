"""Open every page of the built book in headless Chromium with the network cut off.

For each page in _toc.yml: math is rendered by the bundled MathJax (no raw TeX left),
every image loaded, no console error, and no request left the local server. The search
page must find "backpropagation". Needs Debian's chromium (tools/install_system.sh) and
the built book (make build).
"""
import functools
import http.server
import shutil
import threading

import pytest

from book_support import require_built_book, toc_files

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements.txt")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Console messages that are harmless and expected offline. Keep this list short and explained.
HARMLESS_CONSOLE = (
    "favicon.ico",  # the theme asks for a favicon the book does not ship
)

pytestmark = [pytest.mark.book, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site():
    root = require_built_book()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `bash tools/install_system.sh` (Debian package chromium)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,  # playwright gives every launch a fresh, empty profile
        )
        yield b
        b.close()


def open_offline(browser, url):
    """Load url with every non-local request blocked; return (page, problems)."""
    page = browser.new_page()
    problems = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"request to the network: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and not any(h in m.text for h in HARMLESS_CONSOLE)
            and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url, wait_until="load")
    return page, problems


PAGES = toc_files()


@pytest.mark.parametrize("doc", PAGES)
def test_page_renders_offline(browser, site, doc):
    page, problems = open_offline(browser, f"{site}/{doc}.html")
    try:
        n_math = page.locator(".math").count()
        if n_math:
            # MathJax typesets asynchronously: wait until every math element holds its output.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.math')].every(e => e.querySelector('mjx-container'))",
                timeout=30_000,
            )
            assert page.locator("mjx-merror").count() == 0, f"{doc}: MathJax reported a TeX error"
        text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        for raw in ("$$", "\\(", "\\[", "\\begin{"):
            assert raw not in text, f"{doc}: raw TeX {raw!r} left in the rendered page"
        broken = page.evaluate(
            "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        assert not broken, f"{doc}: images that did not load: {broken}"
        assert not problems, f"{doc}: " + "; ".join(problems)
    finally:
        page.close()


def test_math_is_rendered_by_local_mathjax(browser, site):
    page, problems = open_offline(browser, f"{site}/book/notation.html")
    try:
        page.wait_for_selector("mjx-container", timeout=30_000)
        srcs = page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
        assert srcs and all(s.startswith(site) for s in srcs), srcs
        assert page.locator("mjx-container").count() >= 5
        assert not problems, problems
    finally:
        page.close()


def test_search_finds_backpropagation(browser, site):
    page, problems = open_offline(browser, f"{site}/search.html?q=backpropagation")
    try:
        page.wait_for_selector("#search-results li", timeout=30_000)
        hits = page.locator("#search-results li").count()
        assert hits >= 3, f"search for 'backpropagation' found {hits} pages"
        assert not problems, problems
    finally:
        page.close()
